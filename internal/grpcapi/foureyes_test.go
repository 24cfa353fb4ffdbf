package grpcapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// fourEyesClients are the people of the four-eyes tests, on one server
// with authentication on: an admin who makes calls, two operators who
// may approve them (one by certificate, one by API key: two subjects of
// one role), and a servicer and an auditor, who may not.
type fourEyesClients struct {
	admin, operator                          *grpc.ClientConn
	operatorKey                              string
	servicer, auditor                        *grpc.ClientConn
	loans                                    loancorev1.LoanServiceClient
	approvals, secondApprovals, auditorReads loancorev1.ApprovalServiceClient
}

// newFourEyes serves loancore on store under the default policy, as edit
// changes it (nil: as it is).
func newFourEyes(t *testing.T, store string, edit func(string) string) (*authFixture, fourEyesClients) {
	f := newAuthFixtureWith(t, store, edit)
	c := fourEyesClients{admin: f.conns["admin"], operator: f.conns["operator"], operatorKey: f.apiKeys["operator"],
		servicer: f.conns["servicer"], auditor: f.conns["auditor"]}
	c.loans = loancorev1.NewLoanServiceClient(c.admin)
	c.approvals = loancorev1.NewApprovalServiceClient(c.operator)
	c.secondApprovals = loancorev1.NewApprovalServiceClient(f.conns[""])
	c.auditorReads = loancorev1.NewApprovalServiceClient(c.auditor)
	return f, c
}

// book creates a 12,000 loan as the admin.
func (c fourEyesClients) book(t *testing.T, id string) {
	t.Helper()
	if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-" + id, LoanId: id, BorrowerId: "B1", Terms: loan12k()}); err != nil {
		t.Fatal(err)
	}
}

// asOperatorKey is ctx calling as the operator of the API key.
func (c fourEyesClients) asOperatorKey(t *testing.T) context.Context {
	return bearer(ctx(t), c.operatorKey)
}

// eventsOf lists a loan's log as "KIND actor action" lines.
func (c fourEyesClients) eventsOf(t *testing.T, loanID string) []string {
	t.Helper()
	r, err := c.loans.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: loanID})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range r.GetEvents() {
		out = append(out, fmt.Sprintf("%s %s %s", strings.TrimPrefix(e.GetKind().String(), "LOAN_EVENT_KIND_"), e.GetActor(), e.GetActionId()))
	}
	return out
}

// TestFourEyesWriteOff: the default policy holds every write-off. The held
// call changes no figure and answers a retry the same; the maker may not
// approve it, nor a role the rule does not name; a second operator's
// approval executes it once, and the log shows the maker, the checker and
// the action.
func TestFourEyesWriteOff(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			_, c := newFourEyes(t, store, nil)
			c.book(t, "W1")
			req := &loancorev1.WriteOffLoanRequest{RequestId: "wo-1", LoanId: "W1", Reason: "uncollectable"}
			held, err := c.loans.WriteOffLoan(ctx(t), req)
			a := held.GetPendingAction()
			if err != nil || a.GetStatus() != loancorev1.ActionStatus_ACTION_STATUS_PENDING_APPROVAL || held.GetLoan().GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_ACTIVE ||
				a.GetMaker() != "spiffe://loancore.test/admin" || a.GetMethod() != "loancore.v1.LoanService/WriteOffLoan" || a.GetAmount() != "12469.08" {
				t.Fatalf("held write-off: %v %v", held, err)
			}
			if again, err := c.loans.WriteOffLoan(ctx(t), req); err != nil || again.GetPendingAction().GetActionId() != a.GetActionId() || again.GetSeq() != held.GetSeq() {
				t.Fatalf("a retry of the held call: %v %v", again, err)
			}
			// The maker may not approve (an admin may approve write-offs);
			// a servicer may not call ApproveAction at all.
			_, err = loancorev1.NewApprovalServiceClient(c.admin).ApproveAction(ctx(t), &loancorev1.ApproveActionRequest{RequestId: "ap-maker", ActionId: a.GetActionId()})
			wantCode(t, err, codes.PermissionDenied)
			_, err = loancorev1.NewApprovalServiceClient(c.servicer).ApproveAction(ctx(t), &loancorev1.ApproveActionRequest{RequestId: "ap-servicer", ActionId: a.GetActionId()})
			wantCode(t, err, codes.PermissionDenied)
			list, err := c.auditorReads.ListPendingActions(ctx(t), &loancorev1.ListPendingActionsRequest{})
			if err != nil || len(list.GetActions()) != 1 || list.GetActions()[0].GetActionId() != a.GetActionId() {
				t.Fatalf("pending actions: %v %v", list, err)
			}
			done, err := c.approvals.ApproveAction(ctx(t), &loancorev1.ApproveActionRequest{RequestId: "ap-1", ActionId: a.GetActionId()})
			if err != nil || done.GetAction().GetStatus() != loancorev1.ActionStatus_ACTION_STATUS_APPROVED ||
				done.GetLoan().GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_WRITTEN_OFF || done.GetAction().GetChecker() != "spiffe://loancore.test/operator" {
				t.Fatalf("approval: %v %v", done, err)
			}
			want := []string{"ORIGINATION spiffe://loancore.test/admin ", "DISBURSEMENT spiffe://loancore.test/admin ",
				"ACTION_REQUESTED spiffe://loancore.test/admin " + a.GetActionId(), "WRITE_OFF spiffe://loancore.test/operator " + a.GetActionId()}
			if got := c.eventsOf(t, "W1"); strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("the log:\n got %q\nwant %q", got, want)
			}
			if list, err := c.auditorReads.ListPendingActions(ctx(t), &loancorev1.ListPendingActionsRequest{}); err != nil || len(list.GetActions()) != 0 {
				t.Errorf("pending after the approval: %v %v", list, err)
			}
		})
	}
}

// TestFourEyesApprovedOnce: concurrent approvals by two operators and
// retries of each execute the held waiver exactly once; every other
// approval is ACTION_NOT_PENDING or the first answer again.
func TestFourEyesApprovedOnce(t *testing.T) {
	_, c := newFourEyes(t, "postgres", func(p string) string { return strings.Replace(p, `above: "1000"`, `above: "0.50"`, 1) })
	c.book(t, "A1")
	held, err := c.loans.WaiveAmounts(ctx(t), &loancorev1.WaiveAmountsRequest{RequestId: "wv-1", LoanId: "A1", Interest: "1.00",
		ValueDate: "2024-02-20", Reason: "goodwill"})
	if err != nil || held.GetPendingAction() == nil {
		t.Fatalf("held waiver: %v %v", held, err)
	}
	id := held.GetPendingAction().GetActionId()
	var wg sync.WaitGroup
	seqs := make([]int64, 8)
	codesSeen := make([]codes.Code, 8)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			client, cx := c.approvals, ctx(t)
			if i%2 == 1 {
				client, cx = c.secondApprovals, c.asOperatorKey(t)
			}
			r, err := client.ApproveAction(cx, &loancorev1.ApproveActionRequest{RequestId: fmt.Sprintf("ap-%d", i%4), ActionId: id})
			seqs[i], codesSeen[i] = r.GetSeq(), status.Code(err)
		}()
	}
	wg.Wait()
	var executed int64
	for i := range 8 {
		switch {
		case codesSeen[i] == codes.OK && (executed == 0 || executed == seqs[i]):
			executed = seqs[i]
		case codesSeen[i] == codes.FailedPrecondition, codesSeen[i] == codes.AlreadyExists:
		default:
			t.Errorf("approval %d: %v, seq %d (executed %d)", i, codesSeen[i], seqs[i], executed)
		}
	}
	waivers := 0
	for _, e := range c.eventsOf(t, "A1") {
		if strings.HasPrefix(e, "WAIVER ") {
			waivers++
		}
	}
	if executed == 0 || waivers != 1 {
		t.Errorf("executed at seq %d, %d waivers in the log; want exactly one", executed, waivers)
	}
}

// TestFourEyesRules: a waiver at or under the threshold is executed, one
// above it held and then rejected (never executed; the checker and the
// reason are in the log); under a policy that also holds reversals and
// acceptances with a waiver, those are held and, approved, executed as
// requested; a held call the loan has since made impossible fails
// ACTION_NO_LONGER_APPLIES and stays pending.
func TestFourEyesRules(t *testing.T) {
	_, c := newFourEyes(t, "sqlite", func(p string) string {
		p = strings.Replace(p, `above: "1000"`, `above: "100"`, 1)
		return strings.Replace(p, "four_eyes:\n", `four_eyes:
  - rpc: loancore.v1.LoanService/ReverseRepayment
    approvers: [operator]
  - rpc: loancore.v1.RestructuringService/AcceptAgreement
    above: "0"
    approvers: [operator]
`, 1)
	})
	c.book(t, "R1")
	waive := func(id, interest string) *loancorev1.WaiveAmountsResponse {
		t.Helper()
		r, err := c.loans.WaiveAmounts(ctx(t), &loancorev1.WaiveAmountsRequest{RequestId: id, LoanId: "R1", Interest: interest, ValueDate: "2024-06-01", Reason: "goodwill"})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	if r := waive("wv-small", "100.00"); r.GetPendingAction() != nil || r.GetInterest() != "100.00" {
		t.Fatalf("a waiver at the threshold: %v", r)
	}
	big := waive("wv-big", "200.00").GetPendingAction()
	rej, err := c.approvals.RejectAction(ctx(t), &loancorev1.RejectActionRequest{RequestId: "rj-1", ActionId: big.GetActionId(), Reason: "not justified"})
	if err != nil || rej.GetAction().GetStatus() != loancorev1.ActionStatus_ACTION_STATUS_REJECTED || rej.GetAction().GetRejectReason() != "not justified" {
		t.Fatalf("rejection: %v %v", rej, err)
	}
	_, err = c.approvals.ApproveAction(ctx(t), &loancorev1.ApproveActionRequest{RequestId: "ap-rj", ActionId: big.GetActionId()})
	if preconditionReason(t, err) != "ACTION_NOT_PENDING" {
		t.Errorf("approving a rejected action: %v", err)
	}
	fourEyesReversal(t, c)
	fourEyesAcceptance(t, c)
	want := []string{"WAIVER spiffe://loancore.test/admin ", "ACTION_REQUESTED spiffe://loancore.test/admin " + big.GetActionId(),
		"ACTION_REJECTED spiffe://loancore.test/operator " + big.GetActionId()}
	if got := c.eventsOf(t, "R1")[2:5]; strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("the waivers in the log:\n got %q\nwant %q", got, want)
	}
}

// fourEyesReversal: a reversal of R1's payment is held; approved, it is
// executed by the operator.
func fourEyesReversal(t *testing.T, c fourEyesClients) {
	t.Helper()
	pay, err := c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "pay-R1", LoanId: "R1", Amount: "50", ValueDate: "2024-06-01"})
	if err != nil {
		t.Fatal(err)
	}
	held, err := c.loans.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: "rev-R1", LoanId: "R1", Seq: pay.GetSeq(), Reason: "bounced"})
	if err != nil || held.GetPendingAction() == nil || held.GetPendingAction().GetAmount() != "50.00" {
		t.Fatalf("held reversal: %v %v", held.GetPendingAction(), err)
	}
	done, err := c.approvals.ApproveAction(ctx(t), &loancorev1.ApproveActionRequest{RequestId: "ap-rev", ActionId: held.GetPendingAction().GetActionId()})
	if err != nil || done.GetAction().GetExecutedSeq() != done.GetSeq() {
		t.Fatalf("approved reversal: %v %v", done, err)
	}
	if got := c.eventsOf(t, "R1")[done.GetSeq()-1]; got != "REPAYMENT_REVERSAL spiffe://loancore.test/operator "+held.GetPendingAction().GetActionId() {
		t.Errorf("the executed reversal: %q", got)
	}
}

// fourEyesAcceptance: accepting an agreement with a waiver is held, the
// agreement stays PROPOSED; approved, it is ACTIVE. A write-off held on a
// loan paid off since cannot be approved, and stays pending.
func fourEyesAcceptance(t *testing.T, c fourEyesClients) {
	t.Helper()
	rs := loancorev1.NewRestructuringServiceClient(c.admin)
	p, err := rs.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "prop-R1", LoanId: "R1", Reason: "hardship",
		Changes: &loancorev1.RestructuringChanges{Waiver: &loancorev1.RestructuringWaiver{Interest: "10.00"}}})
	if err != nil {
		t.Fatal(err)
	}
	acc, err := rs.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "acc-R1", AgreementId: p.GetAgreement().GetAgreementId(), SignedBy: "B1"})
	if err != nil || acc.GetPendingAction() == nil || acc.GetAgreement().GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_PROPOSED {
		t.Fatalf("held acceptance: %v %v", acc, err)
	}
	if _, err := c.approvals.ApproveAction(ctx(t), &loancorev1.ApproveActionRequest{RequestId: "ap-acc", ActionId: acc.GetPendingAction().GetActionId()}); err != nil {
		t.Fatal(err)
	}
	g, err := rs.GetAgreement(ctx(t), &loancorev1.GetAgreementRequest{AgreementId: p.GetAgreement().GetAgreementId()})
	if err != nil || g.GetAgreement().GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_ACTIVE {
		t.Fatalf("the agreement after approval: %v %v", g, err)
	}
	c.book(t, "R3")
	wo, err := c.loans.WriteOffLoan(ctx(t), &loancorev1.WriteOffLoanRequest{RequestId: "wo-R3", LoanId: "R3", Reason: "test"})
	if err != nil {
		t.Fatal(err)
	}
	payoff, _ := c.loans.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "R3"})
	if _, err := c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "pay-R3", LoanId: "R3", Amount: payoff.GetTotal()}); err != nil {
		t.Fatal(err)
	}
	_, err = c.approvals.ApproveAction(ctx(t), &loancorev1.ApproveActionRequest{RequestId: "ap-R3", ActionId: wo.GetPendingAction().GetActionId()})
	if preconditionReason(t, err) != "ACTION_NO_LONGER_APPLIES" {
		t.Errorf("approving a write-off of a paid-off loan: %v", err)
	}
	list, err := c.auditorReads.ListPendingActions(ctx(t), &loancorev1.ListPendingActionsRequest{LoanId: "R3"})
	if err != nil || len(list.GetActions()) != 1 {
		t.Errorf("the stale action is still pending: %v %v", list, err)
	}
}
