package grpcapi

import (
	"context"
	"time"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// heldMethods are the full method names of the calls four-eyes may hold,
// by the name servicing gives them.
var heldMethods = map[string]string{
	"WaiveAmounts":     "loancore.v1.LoanService/WaiveAmounts",
	"WriteOffLoan":     "loancore.v1.LoanService/WriteOffLoan",
	"ReverseRepayment": "loancore.v1.LoanService/ReverseRepayment",
	"AcceptAgreement":  "loancore.v1.RestructuringService/AcceptAgreement",
}

// fourEyes applies the policy's four-eyes rules: which calls are held,
// and who may approve them. Dev mode has one identity, so no second
// person: nothing is held there.
type fourEyes struct {
	policy *auth.Policy
	dev    bool
}

// holds is what servicing asks of a call of method (a servicing name):
// whether the total it moves holds it; nil when no rule applies.
func (f fourEyes) holds(method string) servicing.FourEyes {
	rule, ok := f.policy.FourEyes(heldMethods[method])
	if f.dev || !ok {
		return nil
	}
	return func(total money.Amount, c money.Currency) bool { return rule.Applies(total, c) }
}

// mayDecide is whether the caller's roles may approve or reject calls of
// a method (a servicing name): those the rule names, or, when the policy
// no longer has a rule for it, those that may make the call themselves.
func (f fourEyes) mayDecide(ctx context.Context) func(method string) bool {
	who, _ := auth.FromContext(ctx)
	return func(method string) bool {
		full := heldMethods[method]
		rule, ok := f.policy.FourEyes(full)
		if !ok {
			return full != "" && f.policy.Allows(full, who.Roles)
		}
		for _, r := range who.Roles {
			for _, a := range rule.Approvers {
				if r == a {
					return true
				}
			}
		}
		return false
	}
}

// approvalService implements loancore.v1.ApprovalService.
type approvalService struct {
	loancorev1.UnimplementedApprovalServiceServer
	loans    *servicing.Loans
	fourEyes fourEyes
}

// ListPendingActions implements loancore.v1.ApprovalService/ListPendingActions.
func (s *approvalService) ListPendingActions(ctx context.Context, req *loancorev1.ListPendingActionsRequest) (*loancorev1.ListPendingActionsResponse, error) {
	actions, next, err := s.loans.ListPendingActions(ctx, servicing.ListPendingActionsParams{LoanID: req.GetLoanId(),
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &loancorev1.ListPendingActionsResponse{NextPageToken: next}
	for _, a := range actions {
		out.Actions = append(out.Actions, actionToProto(a))
	}
	return out, nil
}

// ApproveAction implements loancore.v1.ApprovalService/ApproveAction.
func (s *approvalService) ApproveAction(ctx context.Context, req *loancorev1.ApproveActionRequest) (*loancorev1.ApproveActionResponse, error) {
	who := senderOf(ctx, req)
	d, err := s.loans.ApproveAction(ctx, servicing.DecideActionParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		ActionID: req.GetActionId(), Checker: who.actor, MayDecide: s.fourEyes.mayDecide(ctx)})
	if err != nil {
		return nil, err
	}
	return &loancorev1.ApproveActionResponse{Action: actionToProto(d.Action), Seq: d.Seq,
		Loan: loanToProto(d.Loan, loancorev1.LoanView_LOAN_VIEW_FULL)}, nil
}

// RejectAction implements loancore.v1.ApprovalService/RejectAction.
func (s *approvalService) RejectAction(ctx context.Context, req *loancorev1.RejectActionRequest) (*loancorev1.RejectActionResponse, error) {
	who := senderOf(ctx, req)
	d, err := s.loans.RejectAction(ctx, servicing.DecideActionParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		ActionID: req.GetActionId(), Reason: req.GetReason(), Checker: who.actor, MayDecide: s.fourEyes.mayDecide(ctx)})
	if err != nil {
		return nil, err
	}
	return &loancorev1.RejectActionResponse{Action: actionToProto(d.Action)}, nil
}

var actionStatuses = map[string]loancorev1.ActionStatus{
	store.ActionPending:  loancorev1.ActionStatus_ACTION_STATUS_PENDING_APPROVAL,
	store.ActionApproved: loancorev1.ActionStatus_ACTION_STATUS_APPROVED,
	store.ActionRejected: loancorev1.ActionStatus_ACTION_STATUS_REJECTED,
}

// actionToProto renders an action; nil for none.
func actionToProto(a servicing.ActionView) *loancorev1.PendingAction {
	out := &loancorev1.PendingAction{ActionId: a.ActionID, Status: actionStatuses[a.Status], LoanId: a.LoanID, Method: heldMethods[a.Method],
		Maker: a.Maker, MakerOnBehalfOf: a.MakerOnBehalfOf, RequestedAt: a.RequestedAt.UTC().Format(time.RFC3339Nano),
		RequestJson: a.RequestJSON, Amount: a.Amount.Format(a.Currency), Currency: a.Currency.Code, Checker: a.Checker,
		RejectReason: a.RejectReason, RequestSeq: a.RequestSeq, ExecutedSeq: a.ExecutedSeq}
	if !a.DecidedAt.IsZero() {
		out.DecidedAt = a.DecidedAt.UTC().Format(time.RFC3339Nano)
	}
	return out
}

// pendingToProto renders the action a held call answers with; nil when
// the call was executed.
func pendingToProto(a *servicing.ActionView) *loancorev1.PendingAction {
	if a == nil {
		return nil
	}
	return actionToProto(*a)
}
