package grpcapi_test

import (
	"slices"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
)

// creditCardPlan is issue 20's plan over the API: 12,000.00 CNY in 12
// monthly installments of 1,000.00 principal, no interest, and a service
// fee of 0.6% of the original principal each month (72.00). Its APR,
// 13.03%, is worked independently in
// internal/engine/testdata/charges_apr.py (12000 12 0.6).
func creditCardPlan() *loancorev1.LoanTerms {
	return &loancorev1.LoanTerms{Currency: "CNY", Principal: "12000", AnnualRatePercent: "0", InstallmentCount: 12,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL, DisbursementDate: "2025-01-15",
		Charges: []*loancorev1.Charge{{Kind: loancorev1.ChargeKind_CHARGE_KIND_SERVICE_FEE, Percent: "0.6",
			Basis: loancorev1.ChargeBasis_CHARGE_BASIS_ORIGINAL_PRINCIPAL}}}
}

// TestQuoteScheduleCharges: QuoteSchedule shows each row's fees, the
// totals by component and the APR with the fees in it.
func TestQuoteScheduleCharges(t *testing.T) {
	s := loancorev1.NewScheduleServiceClient(startServer(t))
	q, err := s.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: creditCardPlan()})
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range q.GetInstallments() {
		if row.GetPrincipal() != "1000.00" || row.GetFees() != "72.00" || row.GetTotal() != "1072.00" {
			t.Fatalf("row %d: principal %s fees %s total %s, want 1000.00 + 72.00 = 1072.00", row.GetNumber(), row.GetPrincipal(), row.GetFees(), row.GetTotal())
		}
	}
	if q.GetTotalFees() != "864.00" || q.GetTotalPayment() != "12864.00" || q.GetTotalCost() != "864.00" ||
		q.GetUpfrontFee() != "0.00" || q.GetAprPercent() != "13.03" {
		t.Errorf("totals: fees %s payment %s cost %s upfront %s APR %s; want 864.00, 12864.00, 864.00, 0.00, 13.03",
			q.GetTotalFees(), q.GetTotalPayment(), q.GetTotalCost(), q.GetUpfrontFee(), q.GetAprPercent())
	}
	// An UPFRONT charge of 1.5% is the upfront fee: deducted from the
	// advance, in the cost and in the APR (charges_apr.py's plan against
	// an advance of 11,820.00: 15.92%).
	terms := creditCardPlan()
	terms.Charges = append(terms.Charges, &loancorev1.Charge{Kind: loancorev1.ChargeKind_CHARGE_KIND_UPFRONT, Percent: "1.5",
		Basis: loancorev1.ChargeBasis_CHARGE_BASIS_ORIGINAL_PRINCIPAL})
	q, err = s.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: terms})
	if err != nil {
		t.Fatal(err)
	}
	if q.GetUpfrontFee() != "180.00" || q.GetAmountAdvanced() != "11820.00" || q.GetTotalCost() != "1044.00" || q.GetAprPercent() != "15.92" {
		t.Errorf("with an upfront charge: upfront %s advanced %s cost %s APR %s", q.GetUpfrontFee(), q.GetAmountAdvanced(), q.GetTotalCost(), q.GetAprPercent())
	}
}

// TestChargeViolations: a bad charge is INVALID_ARGUMENT naming its field
// path under terms.
func TestChargeViolations(t *testing.T) {
	s := loancorev1.NewScheduleServiceClient(startServer(t))
	for _, c := range []struct {
		edit        func(*loancorev1.Charge)
		field, what string
	}{
		{func(ch *loancorev1.Charge) { ch.Basis = loancorev1.ChargeBasis_CHARGE_BASIS_OVERDUE_AMOUNT }, "terms.charges[1].basis", "ORIGINAL_PRINCIPAL or OUTSTANDING_PRINCIPAL"},
		{func(ch *loancorev1.Charge) { ch.Amount = "5" }, "terms.charges[1].percent", "not both"},
		{func(ch *loancorev1.Charge) { ch.Cap = "50" }, "terms.charges[1].cap", "only on a LATE_FEE or PREPAYMENT_FEE"},
		{func(ch *loancorev1.Charge) { ch.Percent = "0.6%" }, "terms.charges[1].percent", "decimal number"},
		{func(ch *loancorev1.Charge) { ch.Kind = 99 }, "terms.charges[1].kind", "unknown value 99"},
	} {
		terms := creditCardPlan()
		ch := proto.Clone(terms.Charges[0]).(*loancorev1.Charge)
		terms.Charges = append(terms.Charges, ch)
		c.edit(ch)
		_, err := s.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: terms})
		wantFieldViolation(t, err, c.field, c.what)
	}
	terms := creditCardPlan()
	terms.UpfrontFee = "100"
	terms.Charges = append(terms.Charges, &loancorev1.Charge{Kind: loancorev1.ChargeKind_CHARGE_KIND_UPFRONT, Amount: "100"})
	_, err := s.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: terms})
	wantFieldViolation(t, err, "terms.charges[1].kind", "give one of them")
}

// TestLoanCharges: a loan with an UPFRONT charge is booked, disbursed net
// of it, and reads back its charge and the APR QuoteSchedule gives, on
// both stores; a loan with a late fee shows it once its grace ends.
func TestLoanCharges(t *testing.T) {
	upfront := loan12k()
	upfront.Charges = []*loancorev1.Charge{{Kind: loancorev1.ChargeKind_CHARGE_KIND_UPFRONT, Amount: "300.00"}}
	q, err := loancorev1.NewScheduleServiceClient(startServer(t)).QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: upfront})
	if err != nil {
		t.Fatal(err)
	}
	asFee := loan12k()
	asFee.UpfrontFee = "300.00"
	qf, err := loancorev1.NewScheduleServiceClient(startServer(t)).QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: asFee})
	if err != nil {
		t.Fatal(err)
	}
	if q.GetAprPercent() != qf.GetAprPercent() || q.GetAmountAdvanced() != "11700.00" {
		t.Fatalf("UPFRONT charge: APR %s advanced %s; upfront_fee: APR %s", q.GetAprPercent(), q.GetAmountAdvanced(), qf.GetAprPercent())
	}
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, _ *clock) {
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "ch-1", LoanId: "CH1", BorrowerId: "B1", Terms: upfront}); err != nil {
			t.Fatal(err)
		}
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "CH1", AsOf: "2024-01-15"})
		if err != nil {
			t.Fatal(err)
		}
		l := g.GetLoan()
		got := l.GetTerms().GetCharges()
		if len(got) != 1 || !proto.Equal(got[0], upfront.Charges[0]) || l.GetAprPercent() != q.GetAprPercent() || l.GetTerms().GetUpfrontFee() != "0.00" {
			t.Errorf("stored: charges %v upfront_fee %s APR %s, want the charge as given and APR %s", got, l.GetTerms().GetUpfrontFee(), l.GetAprPercent(), q.GetAprPercent())
		}
		evs, err := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "CH1"})
		if err != nil {
			t.Fatal(err)
		}
		if d := evs.GetEvents()[1]; d.GetKind() != loancorev1.LoanEventKind_LOAN_EVENT_KIND_DISBURSEMENT || d.GetAmount() != "11700.00" {
			t.Errorf("disbursement %v, want 11700.00", d)
		}
		// A late fee of 5%, capped at 50.00, 3 grace days: the first
		// installment (1,072.00 due 2025-02-15) unpaid at the end of 02-18
		// bears 50.00 beside its 72.00 service fee, once.
		late := creditCardPlan()
		late.Penalty = &loancorev1.PenaltyPolicy{GraceDays: 3}
		late.Charges = append(late.Charges, &loancorev1.Charge{Kind: loancorev1.ChargeKind_CHARGE_KIND_LATE_FEE, Percent: "5",
			Basis: loancorev1.ChargeBasis_CHARGE_BASIS_OVERDUE_AMOUNT, Cap: "50"})
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "ch-2", LoanId: "CH2", BorrowerId: "B1", Terms: late}); err != nil {
			t.Fatal(err)
		}
		for asOf, want := range map[string]string{"2025-02-18": "122.00", "2025-03-10": "122.00", "2025-02-17": "72.00"} {
			g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "CH2", AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			if got := g.GetLoan().GetInstallments()[0].GetFeesDue(); got != want || (asOf != "2025-02-17" && g.GetLoan().GetOutstanding().GetFees() != want) {
				t.Errorf("as of %s: first installment's fees %s, outstanding %v; want %s", asOf, got, g.GetLoan().GetOutstanding(), want)
			}
		}
	})
}

// TestLoanServiceFees books issue 20's plan and services it on both
// stores: its installments ask for 72.00 fees beside the principal; paid
// as agreed, 1,072.00 goes 72.00 to fees first; the next installment
// overdue shows its fee outstanding and in the payoff (not the one after,
// not yet due); a waiver forgives it; and the payoff then settles the
// loan.
func TestLoanServiceFees(t *testing.T) {
	terms := creditCardPlan()
	terms.AllocationOrder = loancorev1.AllocationOrder_ALLOCATION_ORDER_CIVIL_CODE
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		setToday(clk, "2025-02-15")
		r, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "fee-1", LoanId: "FEE1", BorrowerId: "B1", Terms: terms})
		if err != nil {
			t.Fatal(err)
		}
		if l := r.GetLoan(); l.GetAprPercent() != "13.03" || l.GetInstallments()[0].GetFeesDue() != "72.00" {
			t.Fatalf("booked: APR %s, first installment %v", l.GetAprPercent(), l.GetInstallments()[0])
		}
		pay := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "fee-pay-1", LoanId: "FEE1", Amount: "1072.00", ValueDate: "2025-02-15"})
		lines := pay.GetAllocations()
		if len(lines) != 2 || lines[0].GetComponent() != loancorev1.AllocationComponent_ALLOCATION_COMPONENT_FEES || lines[0].GetAmount() != "72.00" {
			t.Errorf("allocations %v, want 72.00 to fees first, then principal", lines)
		}
		setToday(clk, "2025-03-20")
		g, err := c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "FEE1"})
		if err != nil {
			t.Fatal(err)
		}
		o := g.GetLoan().GetOutstanding()
		if o.GetFees() != "72.00" || o.GetTotal() != "11072.00" || g.GetLoan().GetDaysPastDue() != 5 ||
			g.GetLoan().GetInstallments()[0].GetFeesPaid() != "72.00" {
			t.Errorf("as of 2025-03-20: outstanding %v, DPD %d, first %v", o, g.GetLoan().GetDaysPastDue(), g.GetLoan().GetInstallments()[0])
		}
		q, err := c.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "FEE1"})
		if err != nil {
			t.Fatal(err)
		}
		if q.GetFees() != "72.00" || q.GetTotal() != "11072.00" {
			t.Errorf("payoff %v, want fees 72.00, total 11072.00", q)
		}
		w, err := c.WaiveAmounts(ctx(t), &loancorev1.WaiveAmountsRequest{RequestId: "fee-waive", LoanId: "FEE1", Fees: "72.00", Reason: "goodwill"})
		if err != nil {
			t.Fatal(err)
		}
		if w.GetFees() != "72.00" || w.GetLoan().GetOutstanding().GetFees() != "0.00" {
			t.Errorf("waiver: waived %s, outstanding %v", w.GetFees(), w.GetLoan().GetOutstanding())
		}
		evs, err := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "FEE1"})
		if err != nil {
			t.Fatal(err)
		}
		if last := evs.GetEvents()[len(evs.GetEvents())-1]; last.GetWaivedFees() != "72.00" {
			t.Errorf("waiver event %v, want waived_fees 72.00", last)
		}
		pay = repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "fee-pay-2", LoanId: "FEE1", Amount: "11000.00"})
		if pay.GetLoan().GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_PAID_OFF {
			t.Errorf("after the payoff: %v, want PAID_OFF", pay.GetLoan().GetStatus())
		}
	})
}

// TestLoanPrepaymentFee: a 2% prepayment fee on issue 20's plan, on both
// stores. Paid off on the first due date, 2025-02-15, after its 1,072.00:
// the payoff is 11,000.00 + 2% = 11,220.00, its fees line 220.00; paying
// it settles the loan, 220.00 going to fees on installment 2.
func TestLoanPrepaymentFee(t *testing.T) {
	terms := creditCardPlan()
	terms.Charges = append(terms.Charges, &loancorev1.Charge{Kind: loancorev1.ChargeKind_CHARGE_KIND_PREPAYMENT_FEE, Percent: "2",
		Basis: loancorev1.ChargeBasis_CHARGE_BASIS_PREPAID_PRINCIPAL})
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		setToday(clk, "2025-02-15")
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "pf-1", LoanId: "PF1", BorrowerId: "B1", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "pf-pay-1", LoanId: "PF1", Amount: "1072.00"})
		q, err := c.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "PF1"})
		if err != nil {
			t.Fatal(err)
		}
		if q.GetFees() != "220.00" || q.GetTotal() != "11220.00" {
			t.Fatalf("payoff %v, want fees 220.00, total 11220.00", q)
		}
		pay := repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "pf-pay-2", LoanId: "PF1", Amount: q.GetTotal()})
		var fee string
		for _, l := range pay.GetAllocations() {
			if l.GetComponent() == loancorev1.AllocationComponent_ALLOCATION_COMPONENT_FEES {
				fee = l.GetAmount()
			}
		}
		if pay.GetLoan().GetStatus() != loancorev1.LoanStatus_LOAN_STATUS_PAID_OFF || fee != "220.00" || pay.GetPrepaidPrincipal() != "11000.00" {
			t.Errorf("paying the payoff: %v, fees %s, prepaid %s; want PAID_OFF, 220.00, 11000.00", pay.GetLoan().GetStatus(), fee, pay.GetPrepaidPrincipal())
		}
	})
}

// TestCreditLineTemplateCharges: a line whose drawdown template carries a
// service fee of 0.5% of the amount drawn a month books each drawdown
// with it (600.00: 3.00 beside the 53.31 of TestCreditLineDrawRepayDrawAgain);
// the fee is not principal, so the line's used amount counts none of it,
// and the first installment paid whole with its fee (fee first) gives the
// line back the same 47.31 of principal as a loan without fees.
func TestCreditLineTemplateCharges(t *testing.T) {
	forEachLineStore(t, func(t *testing.T, c lineClients, clk *clock) {
		tmpl := lineTemplate()
		tmpl.Charges = []*loancorev1.Charge{{Kind: loancorev1.ChargeKind_CHARGE_KIND_SERVICE_FEE, Percent: "0.5",
			Basis: loancorev1.ChargeBasis_CHARGE_BASIS_ORIGINAL_PRINCIPAL}}
		if _, err := c.lines.OpenCreditLine(ctx(t), &loancorev1.OpenCreditLineRequest{RequestId: "open-FEE", CreditLineId: "FEE", BorrowerId: "B1",
			Currency: "CNY", Limit: "1000.00", Revolving: true, DrawdownTerms: tmpl}); err != nil {
			t.Fatal(err)
		}
		d := draw(t, c, "FEE", "d1", "600")
		l := d.GetLoan()
		if len(l.GetTerms().GetCharges()) != 1 || l.GetInstallments()[0].GetFeesDue() != "3.00" || l.GetInstallments()[11].GetFeesDue() != "3.00" {
			t.Fatalf("the loan drawn: charges %v, installments %v", l.GetTerms().GetCharges(), l.GetInstallments())
		}
		wantFigures(t, d.GetCreditLine(), "1000.00", "600.00", "400.00")
		setToday(clk, "2024-07-01")
		repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "pay-1", LoanId: l.GetLoanId(), Amount: "56.31"})
		wantFigures(t, getLine(t, c, "FEE"), "1000.00", "552.69", "447.31")
	})
}

// TestQuoteScheduleAPRPolicy: the plan (APR 13.03, fees in it)
// quoted by servers with a maximum APR: above it the quote is flagged, or
// refused APR_ABOVE_MAXIMUM by a server that refuses; at or below it, or
// with no maximum, neither.
func TestQuoteScheduleAPRPolicy(t *testing.T) {
	pct := func(s string) money.Rate {
		r, err := money.ParseRate(s, 100)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	for _, tc := range []struct {
		name    string
		policy  servicing.APRPolicy
		above   bool
		max     string
		refused bool
	}{
		{"no maximum", servicing.APRPolicy{}, false, "", false},
		{"flagged", servicing.APRPolicy{Maximum: pct("12")}, true, "12", false},
		{"at the maximum", servicing.APRPolicy{Maximum: pct("13.03"), Refuse: true}, false, "13.03", false},
		{"below the maximum", servicing.APRPolicy{Maximum: pct("24"), Refuse: true}, false, "24", false},
		{"refused", servicing.APRPolicy{Maximum: pct("13.02"), Refuse: true}, false, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := loancorev1.NewScheduleServiceClient(startServerWith(t, grpcapi.Options{APRPolicy: tc.policy}))
			q, err := c.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: creditCardPlan()})
			if tc.refused {
				if got := preconditionReason(t, err); got != string(servicing.ReasonAPRAboveMaximum) || !strings.Contains(err.Error(), "13.02%") {
					t.Fatalf("refused with %q: %v", got, err)
				}
				if got := preconditionSubject(t, err); got != servicing.SubjectTerms {
					t.Errorf("refusal's subject %q, want %q: a quote has no loan", got, servicing.SubjectTerms)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if q.GetAprPercent() != "13.03" || q.GetAprAboveMaximum() != tc.above || q.GetAprMaximumPercent() != tc.max {
				t.Errorf("APR %s above %v maximum %q, want 13.03 %v %q", q.GetAprPercent(), q.GetAprAboveMaximum(), q.GetAprMaximumPercent(), tc.above, tc.max)
			}
		})
	}
}

// TestCloseOfBusinessLateFeeNotice: issue 20's plan from 2024-01-15 with a
// late fee of 50.00 and 3 grace days; nothing is paid. Close of business
// through 2024-03-25 gives one LATE_FEE notice per installment, on the
// last grace day (2024-02-18 for the 15 February installment, 03-18 for
// 15 March's), for the 50.00 fee, and the installment then owes it.
func TestCloseOfBusinessLateFeeNotice(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		terms := creditCardPlan()
		terms.DisbursementDate = "2024-01-15"
		terms.Penalty = &loancorev1.PenaltyPolicy{GraceDays: 3}
		terms.Charges = append(terms.Charges, &loancorev1.Charge{Kind: loancorev1.ChargeKind_CHARGE_KIND_LATE_FEE, Amount: "50"})
		if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-LF", LoanId: "LF", BorrowerId: "B1", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		// The first run closes its date only; the second catches up day by day.
		for _, d := range []string{"2024-02-10", "2024-03-25"} {
			if _, err := runCOB(t, c, d); err != nil {
				t.Fatal(err)
			}
		}
		var got []string
		token := ""
		for {
			page, err := c.cob.ListDueNotices(ctx(t), &loancorev1.ListDueNoticesRequest{FromDate: "2024-01-15", ToDate: "2024-03-25", PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range page.GetNotices() {
				if n.GetKind() == loancorev1.NoticeKind_NOTICE_KIND_LATE_FEE {
					got = append(got, n.GetNoticeId()+" "+n.GetAmount())
				}
			}
			if token = page.GetNextPageToken(); token == "" {
				break
			}
		}
		want := []string{"LF:LATE_FEE:2024-02-18:1 50.00", "LF:LATE_FEE:2024-03-18:2 50.00"}
		if !slices.Equal(got, want) {
			t.Fatalf("late fee notices %q, want %q", got, want)
		}
		if fees := getAsOf(t, c.loans, "LF", "2024-02-18").GetInstallments()[0].GetFeesDue(); fees != "122.00" {
			t.Errorf("installment 1's fees on 2024-02-18: %s, want 72.00 + 50.00", fees)
		}
		checkJournalledLateFees(t, c.feed, []string{"2024-02-18 50.00", "2024-03-18 50.00"})
	})
}

// checkJournalledLateFees checks that the feed's accrual lines carry the
// late fees on the dates their graces ended, and no fee on other dates
// (the service fees falling due are not journalled, as interest is not).
func checkJournalledLateFees(t *testing.T, feed loancorev1.EventFeedServiceClient, want []string) {
	t.Helper()
	var got []string
	lines := 0
	for _, e := range feedEvents(subscribe(t, feed, &loancorev1.SubscribeEventsRequest{})) {
		if a := e.GetAccrual(); a != nil {
			lines++
			if a.GetFees() != "0.00" {
				got = append(got, a.GetBusinessDate()+" "+a.GetFees())
			}
		}
	}
	if lines == 0 || !slices.Equal(got, want) {
		t.Errorf("journalled late fees %q (of %d lines), want %q", got, lines, want)
	}
}
