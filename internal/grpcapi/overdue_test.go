package grpcapi_test

import (
	"slices"
	"testing"

	"google.golang.org/grpc/codes"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// loan10k is 10,000.00 CNY at 4.9% in one monthly installment from
// 2024-03-15, due 2024-04-15: 10,000.00 principal + 40.83 interest
// (10,000 × 4.9% ÷ 12). Its penalty is the contract rate marked up 50%
// on ACT/360 with 3 grace days counted from the due date:
// 10,000 × 0.049 × 1.5 ÷ 360 = 2.041666… → 2.04 a day.
func loan10k(order loancorev1.AllocationOrder) *loancorev1.LoanTerms {
	return &loancorev1.LoanTerms{Currency: "CNY", Principal: "10000", AnnualRatePercent: "4.9", InstallmentCount: 1,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2024-03-15",
		AllocationOrder: order, Penalty: &loancorev1.PenaltyPolicy{GraceDays: 3}}
}

func getAsOf(t *testing.T, c loancorev1.LoanServiceClient, id, asOf string) *loancorev1.Loan {
	t.Helper()
	r, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: id, AsOf: asOf})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetLoan()
}

// TestOverdueThroughTheAPI: penalty, DPD, bucket and risk class of any date
// come from the log alone; a payment inside grace costs nothing; a
// backdated payment recomputes penalty from its value date; PENALTY_FIRST
// pays penalty first; the payoff includes penalty to the day before.
func TestOverdueThroughTheAPI(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		_, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c1", LoanId: "OD1", BorrowerId: "B1",
			Terms: loan10k(loancorev1.AllocationOrder_ALLOCATION_ORDER_PENALTY_FIRST)})
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range []struct {
			asOf, penalty string
			dpd           int32
			bucket        loancorev1.DelinquencyBucket
			class         loancorev1.RiskClass
		}{
			{"2024-04-15", "0.00", 0, loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M0, loancorev1.RiskClass_RISK_CLASS_NORMAL},
			// Inside grace nothing shows yet.
			{"2024-04-17", "0.00", 2, loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M1, loancorev1.RiskClass_RISK_CLASS_SPECIAL_MENTION},
			// Grace missed: penalty from the due date, 3 days × 2.04.
			{"2024-04-18", "6.12", 3, loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M1, loancorev1.RiskClass_RISK_CLASS_SPECIAL_MENTION},
			{"2024-04-25", "20.40", 10, loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M1, loancorev1.RiskClass_RISK_CLASS_SPECIAL_MENTION},
			// 2024-05-31 is 46 days past due: 46 × 2.04 = 93.84, bucket M2.
			{"2024-05-31", "93.84", 46, loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M2, loancorev1.RiskClass_RISK_CLASS_SPECIAL_MENTION},
		} {
			l := getAsOf(t, c, "OD1", tc.asOf)
			o := l.GetOutstanding()
			if o.GetPenalty() != tc.penalty || l.GetDaysPastDue() != tc.dpd || l.GetDelinquencyBucket() != tc.bucket || l.GetRiskClass() != tc.class {
				t.Errorf("as of %s: penalty %s dpd %d %v %v, want %s %d %v %v", tc.asOf, o.GetPenalty(), l.GetDaysPastDue(),
					l.GetDelinquencyBucket(), l.GetRiskClass(), tc.penalty, tc.dpd, tc.bucket, tc.class)
			}
		}
		l := getAsOf(t, c, "OD1", "2024-04-25")
		if o := l.GetOutstanding(); o.GetTotal() != "10061.23" || o.GetInterest() != "40.83" || o.GetCompound() != "0.00" {
			t.Fatalf("outstanding %v, want 10,000 + 40.83 + 20.40 = 10,061.23", o)
		}
		if p := l.GetTerms().GetPenalty(); p.GetMarkupPercent() != "50" || p.GetGraceDays() != 3 ||
			p.GetBasis() != loancorev1.PenaltyBasis_PENALTY_BASIS_OVERDUE_PRINCIPAL || p.GetGraceMode() != loancorev1.GraceMode_GRACE_MODE_FROM_DUE_DATE ||
			p.GetDayCount() != loancorev1.DayCount_DAY_COUNT_ACT_360 {
			t.Fatalf("penalty policy with defaults = %v", p)
		}
		if in := l.GetInstallments()[0]; in.GetPenaltyAccrued() != "20.40" || in.GetPenaltyPaid() != "0.00" {
			t.Fatalf("installment %v", in)
		}

		// Paying on 2024-04-25 stops that day's penalty: the payoff is
		// 10,000 + 40.83 + 9 × 2.04.
		q, err := c.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "OD1", PayoffDate: "2024-04-25"})
		if err != nil {
			t.Fatal(err)
		}
		if q.GetTotal() != "10059.19" || q.GetPenalty() != "18.36" {
			t.Fatalf("payoff %v", q)
		}
		// PENALTY_FIRST: the penalty to the day before, then interest, then principal.
		r := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p1", LoanId: "OD1", Amount: "100", ValueDate: "2024-04-25"})
		var got []string
		for _, a := range r.GetAllocations() {
			got = append(got, a.GetComponent().String()+" "+a.GetAmount())
		}
		want := []string{"ALLOCATION_COMPONENT_PENALTY 18.36", "ALLOCATION_COMPONENT_INTEREST 40.83", "ALLOCATION_COMPONENT_PRINCIPAL 40.81"}
		if !slices.Equal(got, want) {
			t.Fatalf("allocation %v, want %v", got, want)
		}
		// From the payment's own day on, penalty runs on 9,959.19:
		// 9,959.19 × 0.049 × 1.5 ÷ 360 = 2.0333… → 2.03 a day; 25 April
		// through 1 May is 7 days, 14.21.
		if o := getAsOf(t, c, "OD1", "2024-05-01").GetOutstanding(); o.GetPenalty() != "14.21" || o.GetPrincipal() != "9959.19" {
			t.Fatalf("after the payment: %v", o)
		}

		// A second loan paid in full on the last day of grace owes nothing,
		// even though the payment is recorded later (backdated).
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c2", LoanId: "OD2", BorrowerId: "B1",
			Terms: loan10k(loancorev1.AllocationOrder_ALLOCATION_ORDER_INTEREST_FIRST)}); err != nil {
			t.Fatal(err)
		}
		if p := getAsOf(t, c, "OD2", "2024-05-31").GetOutstanding().GetPenalty(); p != "93.84" {
			t.Fatalf("OD2 before the backdated payment: penalty %s", p)
		}
		r = repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "p2", LoanId: "OD2", Amount: "10040.83", ValueDate: "2024-04-18"})
		if l := r.GetLoan(); l.GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_PAID_OFF || l.GetOutstanding().GetTotal() != "0.00" {
			t.Fatalf("paid inside grace: %v %v", l.GetStatus(), l.GetOutstanding())
		}
		if p := getAsOf(t, c, "OD2", "2024-05-31").GetOutstanding().GetPenalty(); p != "0.00" {
			t.Fatalf("OD2 after the backdated payment: penalty %s", p)
		}
	})
}

// TestPenaltyBadInput: each bad part of a penalty policy is named.
func TestPenaltyBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		for _, tc := range []struct {
			policy *loancorev1.PenaltyPolicy
			field  string
		}{
			{&loancorev1.PenaltyPolicy{MarkupPercent: "abc"}, "terms.penalty.markup_percent"},
			{&loancorev1.PenaltyPolicy{MarkupPercent: "50", AnnualRatePercent: "18"}, "terms.penalty.markup_percent"},
			{&loancorev1.PenaltyPolicy{GraceDays: -1}, "terms.penalty.grace_days"},
			{&loancorev1.PenaltyPolicy{GraceMode: 9}, "terms.penalty.grace_mode"},
			{&loancorev1.PenaltyPolicy{Basis: 7}, "terms.penalty.basis"},
			{&loancorev1.PenaltyPolicy{CapAnnualPercent: "-24"}, "terms.penalty.cap_annual_percent"},
		} {
			terms := loan10k(loancorev1.AllocationOrder_ALLOCATION_ORDER_CIVIL_CODE)
			terms.Penalty = tc.policy
			_, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "bad", LoanId: "BAD", BorrowerId: "B1", Terms: terms})
			if got := badRequestFields(t, err); !slices.Contains(got, tc.field) {
				t.Errorf("%v: violations %v, want %s", tc.policy, got, tc.field)
			}
		}
	})
}

// TestWaiverAndWriteOff: an operator waives penalty and interest as of a
// date (never more than is owed, a retry applies it once), then writes the
// loan off: nothing accrues after the write-off and a later repayment is a
// recovery.
func TestWaiverAndWriteOff(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c3", LoanId: "OD3", BorrowerId: "B1",
			Terms: loan10k(loancorev1.AllocationOrder_ALLOCATION_ORDER_INTEREST_FIRST)}); err != nil {
			t.Fatal(err)
		}
		// On 2024-04-25 the loan owes the penalty of 15–24 April: 9 × 2.04.
		_, err := c.WaiveAmounts(ctx(t), &loancorev1.WaiveAmountsRequest{RequestId: "w0", LoanId: "OD3", Penalty: "18.37",
			Reason: "hardship", ValueDate: "2024-04-25"})
		if st := wantCode(t, err, codes.FailedPrecondition); !containsDetail(st, "WAIVER_EXCEEDS_OWED") {
			t.Fatalf("waiving more than owed: %v", st)
		}
		req := &loancorev1.WaiveAmountsRequest{RequestId: "w1", LoanId: "OD3", Penalty: "18.36", Interest: "40.83",
			Reason: "hardship", ValueDate: "2024-04-25"}
		w, err := c.WaiveAmounts(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		if w.GetPenalty() != "18.36" || w.GetInterest() != "40.83" || w.GetCompound() != "0.00" || w.GetSeq() != 3 {
			t.Fatalf("waiver %v", w)
		}
		again, err := c.WaiveAmounts(ctx(t), req)
		if err != nil || again.GetSeq() != 3 || again.GetPenalty() != "18.36" {
			t.Fatalf("retried waiver: %v %v", again, err)
		}
		// The 25th's own penalty stays: 2.04; the interest is gone.
		if o := getAsOf(t, c, "OD3", "2024-04-25").GetOutstanding(); o.GetPenalty() != "2.04" || o.GetInterest() != "0.00" {
			t.Fatalf("after the waiver: %v", o)
		}
		// Penalty runs on: 25 April … 1 May is 7 × 2.04 = 14.28.
		if p := getAsOf(t, c, "OD3", "2024-05-01").GetOutstanding().GetPenalty(); p != "14.28" {
			t.Fatalf("penalty on 1 May: %s", p)
		}

		wo, err := c.WriteOffLoan(ctx(t), &loancorev1.WriteOffLoanRequest{RequestId: "wo1", LoanId: "OD3", Reason: "uncollectable", ValueDate: "2024-05-01"})
		if err != nil {
			t.Fatal(err)
		}
		if l := wo.GetLoan(); l.GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_WRITTEN_OFF || l.GetWrittenOffOn() != "2024-05-01" {
			t.Fatalf("written off: %v %s", l.GetStatus(), l.GetWrittenOffOn())
		}
		if p := getAsOf(t, c, "OD3", "2024-05-31").GetOutstanding().GetPenalty(); p != "14.28" {
			t.Fatalf("penalty accrued after the write-off: %s", p)
		}
		if l := getAsOf(t, c, "OD3", "2024-04-30"); l.GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_ACTIVE {
			t.Fatalf("before its date the loan is not written off: %v", l.GetStatus())
		}
		_, err = c.WriteOffLoan(ctx(t), &loancorev1.WriteOffLoanRequest{RequestId: "wo2", LoanId: "OD3", Reason: "again"})
		if st := wantCode(t, err, codes.FailedPrecondition); !containsDetail(st, "ALREADY_WRITTEN_OFF") {
			t.Fatalf("second write-off: %v", st)
		}
		// A recovery: interest was waived, so it goes to principal, then penalty.
		r := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "rec1", LoanId: "OD3", Amount: "1000", ValueDate: "2024-05-20"})
		if l := r.GetLoan(); l.GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_WRITTEN_OFF || l.GetOutstanding().GetPrincipal() != "9000.00" {
			t.Fatalf("after a recovery: %v %v", l.GetStatus(), l.GetOutstanding())
		}
		evs, err := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "OD3"})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range evs.GetEvents() {
			kinds = append(kinds, e.GetKind().String())
		}
		if len(kinds) != 5 || kinds[2] != "LOAN_EVENT_KIND_WAIVER" || kinds[3] != "LOAN_EVENT_KIND_WRITE_OFF" ||
			evs.GetEvents()[2].GetWaivedPenalty() != "18.36" || evs.GetEvents()[2].GetReason() != "hardship" {
			t.Fatalf("events %v / %v", kinds, evs.GetEvents()[2])
		}
		l, err := c.ListLoans(ctx(t), &loancorev1.ListLoansRequest{Status: loancorev1.LoanStatus_LOAN_STATUS_WRITTEN_OFF})
		if err != nil || len(l.GetLoans()) != 1 || l.GetLoans()[0].GetLoanId() != "OD3" {
			t.Fatalf("written-off loans: %v %v", l.GetLoans(), err)
		}
		_, err = c.WaiveAmounts(ctx(t), &loancorev1.WaiveAmountsRequest{RequestId: "w9", LoanId: "OD3", Reason: "x"})
		if got := badRequestFields(t, err); !slices.Contains(got, "penalty") {
			t.Fatalf("a waiver of nothing: %v", got)
		}
	})
}
