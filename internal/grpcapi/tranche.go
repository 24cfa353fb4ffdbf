package grpcapi

import (
	"context"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/servicing"
)

// DisburseTranche implements loancore.v1.LoanService/DisburseTranche.
func (s *loanService) DisburseTranche(ctx context.Context, req *loancorev1.DisburseTrancheRequest) (*loancorev1.DisburseTrancheResponse, error) {
	var p parser
	vd := p.date("value_date", req.GetValueDate(), false)
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	who := senderOf(ctx, req)
	r, err := s.loans.DisburseTranche(ctx, servicing.DisburseTrancheParams{RequestID: req.GetRequestId(), RequestHash: who.hash,
		LoanID: req.GetLoanId(), Amount: req.GetAmount(), ValueDate: vd, Actor: who.actor, OnBehalfOf: who.onBehalfOf})
	if err != nil {
		return nil, err
	}
	return &loancorev1.DisburseTrancheResponse{Loan: loanToProto(r.Loan, loancorev1.LoanView_LOAN_VIEW_FULL)}, nil
}

// tranchesToProto fills a loan's disbursed amount and tranches, for a loan
// that takes them.
func tranchesToProto(v servicing.LoanView, out *loancorev1.Loan) {
	if v.Terms.ApprovedAmount == 0 {
		return
	}
	c := v.Terms.Currency
	out.DisbursedAmount = v.Disbursed.Format(c)
	for _, t := range v.Tranches {
		out.Tranches = append(out.Tranches, &loancorev1.LoanTranche{Seq: t.Seq, Amount: t.Amount.Format(c), ValueDate: t.ValueDate.String()})
	}
}
