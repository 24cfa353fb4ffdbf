package grpcapi_test

import (
	"testing"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
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
// both stores; a loan with a service fee is refused naming the charge,
// since repayments do not collect fees yet.
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
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "ch-2", LoanId: "CH2", BorrowerId: "B1", Terms: creditCardPlan()})
		wantFieldViolation(t, err, "terms.charges[0].kind", "repayments do not collect fees")
	})
}
