package grpcapi_test

import (
	"testing"
	"time"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// costTerms is issue 20's plan (12,000.00 over 12 months, 72.00 of
// service fee a month) with an upfront fee of 120.00, a late fee of 5%
// capped at 50.00 after 3 grace days, and a 2% prepayment fee.
func costTerms() *loancorev1.LoanTerms {
	terms := creditCardPlan()
	terms.UpfrontFee = "120.00"
	terms.Penalty = &loancorev1.PenaltyPolicy{GraceDays: 3}
	terms.Charges = append(terms.Charges,
		&loancorev1.Charge{Kind: loancorev1.ChargeKind_CHARGE_KIND_LATE_FEE, Percent: "5", Basis: loancorev1.ChargeBasis_CHARGE_BASIS_OVERDUE_AMOUNT, Cap: "50"},
		&loancorev1.Charge{Kind: loancorev1.ChargeKind_CHARGE_KIND_PREPAYMENT_FEE, Percent: "2", Basis: loancorev1.ChargeBasis_CHARGE_BASIS_PREPAID_PRINCIPAL})
	return terms
}

// wantCost checks a loan's cost: service, late and prepayment fees, and
// the total (no interest, penalty or compound on this plan).
func wantCost(t *testing.T, when string, l *loancorev1.Loan, service, late, prepayment, total string) {
	t.Helper()
	k := l.GetCost()
	if k.GetServiceFees() != service || k.GetLateFees() != late || k.GetPrepaymentFees() != prepayment || k.GetTotalCost() != total ||
		k.GetUpfrontFee() != "120.00" || k.GetTotalInterest() != "0.00" || k.GetWaived() != "0.00" {
		t.Errorf("%s: cost %v; want service %s late %s prepayment %s upfront 120.00 total %s", when, k, service, late, prepayment, total)
	}
}

// TestLoanCost: GetLoan's cost on both stores. Booked, it is what
// QuoteSchedule discloses for the terms (864.00 of service fees + the
// 120.00 upfront fee = 984.00). The first installment unpaid at the end
// of 2025-02-18 adds a 50.00 late fee (1,034.00), not the day before
// (as_of). Paid off on 2025-02-20 (1,122.00 for the first installment
// and its late fee, then 11,000.00 + 2% = 11,220.00): the second row's
// 72.00 fee is not owed (its period was not reached) and so neither is any
// later one; 72.00 + 50.00 + 220.00 + 120.00 = 462.00, exactly what was
// paid beyond the 12,000.00 lent (12,342.00) plus the upfront fee kept.
// Known at an instant before the payoff, the loan shows 1,034.00 again.
func TestLoanCost(t *testing.T) {
	terms := costTerms()
	q, err := loancorev1.NewScheduleServiceClient(startServer(t)).QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: terms})
	if err != nil {
		t.Fatal(err)
	}
	if q.GetTotalCost() != "984.00" {
		t.Fatalf("quote total_cost %s, want 984.00", q.GetTotalCost())
	}
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		setToday(clk, "2025-01-15")
		r, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "cost-1", LoanId: "COST1", BorrowerId: "B1", Terms: terms})
		if err != nil {
			t.Fatal(err)
		}
		wantCost(t, "booked", r.GetLoan(), "864.00", "0.00", "0.00", q.GetTotalCost())
		setToday(clk, "2025-02-20")
		get := func(asOf, knownAt string) *loancorev1.Loan {
			g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "COST1", AsOf: asOf, KnownAt: knownAt})
			if err != nil {
				t.Fatal(err)
			}
			return g.GetLoan()
		}
		wantCost(t, "as of 02-17", get("2025-02-17", ""), "864.00", "0.00", "0.00", "984.00")
		wantCost(t, "as of 02-18", get("2025-02-18", ""), "864.00", "50.00", "0.00", "1034.00")
		before := clk.Now().Format(time.RFC3339Nano)
		repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "cost-pay-1", LoanId: "COST1", Amount: "1122.00"})
		p, err := c.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "COST1"})
		if err != nil {
			t.Fatal(err)
		}
		pay := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "cost-pay-2", LoanId: "COST1", Amount: p.GetTotal()})
		if p.GetTotal() != "11220.00" || pay.GetLoan().GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_PAID_OFF {
			t.Fatalf("payoff %s, status %v; want 11220.00 and PAID_OFF", p.GetTotal(), pay.GetLoan().GetStatus())
		}
		wantCost(t, "paid off", get("", ""), "72.00", "50.00", "220.00", "462.00")
		wantCost(t, "known before the payments", get("", before), "864.00", "50.00", "0.00", "1034.00")
		if k := get("", "").GetCost(); k.GetTotalFees() != "342.00" || k.GetPenalty() != "0.00" || k.GetCapitalised() != "0.00" {
			t.Errorf("paid off: %v, want total_fees 342.00", k)
		}
	})
}
