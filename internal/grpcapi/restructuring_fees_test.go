package grpcapi_test

import (
	"testing"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// TestRestructuringWithFees: issue 20's 12,000.00 plan with a 30.00 late
// fee, nothing paid, restructured on 2025-04-20 when 306.00 of fees are
// due (3 × 72.00 + 3 × 30.00). The figures are worked in
// internal/engine/testdata/restructure_fees.py.
func TestRestructuringWithFees(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		setToday(c.clk, "2025-04-20")
		terms := creditCardPlan()
		terms.Charges = append(terms.Charges, &loancorev1.Charge{Kind: loancorev1.ChargeKind_CHARGE_KIND_LATE_FEE, Amount: "30"})
		if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "RF-c", LoanId: "RF", BorrowerId: "B1", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		quote := func(ch *loancorev1.RestructuringChanges) *loancorev1.QuoteRestructuringResponse {
			t.Helper()
			q, err := c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "RF", Changes: ch})
			if err != nil {
				t.Fatal(err)
			}
			return q
		}

		// Capitalised and re-amortised over 6 months: 12,306.00 at no
		// interest, each row bearing the contract's 72.00; APR 11.94.
		q := quote(&loancorev1.RestructuringChanges{Capitalisation: &loancorev1.Capitalisation{},
			Reamortisation: &loancorev1.Reamortisation{Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL, InstallmentCount: 6,
				Frequency: &loancorev1.Frequency{Unit: loancorev1.FrequencyUnit_FREQUENCY_UNIT_MONTH, Every: 1}, FirstDueDate: "2025-05-20"}})
		for _, r := range q.GetInstallments() {
			if r.GetPrincipal() != "2051.00" || r.GetFees() != "72.00" || r.GetTotal() != "2123.00" {
				t.Errorf("row %d: principal %s fees %s total %s, want 2051.00 + 72.00 = 2123.00", r.GetNumber(), r.GetPrincipal(), r.GetFees(), r.GetTotal())
			}
		}
		if q.GetOutstanding().GetFees() != "306.00" || q.GetCapitalised() != "306.00" || q.GetTotalCostBefore() != "954.00" || q.GetTotalCostAfter() != "738.00" || q.GetAprPercent() != "11.94" {
			t.Errorf("re-amortised: capitalised %s, cost %s → %s, APR %s; want 306.00, 954.00 → 738.00, 11.94",
				q.GetCapitalised(), q.GetTotalCostBefore(), q.GetTotalCostAfter(), q.GetAprPercent())
		}
		if q.GetTotalFees() != "432.00" {
			t.Errorf("re-amortised: total_fees %s, want 6 × 72.00 = 432.00", q.GetTotalFees())
		}

		// A waiver of 100.00 of fees alone keeps the plan: 2.00 left of
		// the first installment's 102.00.
		q = quote(&loancorev1.RestructuringChanges{Waiver: &loancorev1.RestructuringWaiver{Fees: "100"}})
		if q.GetWaived().GetFees() != "100.00" || q.GetInstallments()[0].GetFees() != "2.00" || q.GetTotalCostAfter() != "854.00" {
			t.Errorf("fee waiver: waived %s, first row's fees %s, cost after %s; want 100.00, 2.00, 854.00",
				q.GetWaived().GetFees(), q.GetInstallments()[0].GetFees(), q.GetTotalCostAfter())
		}
		if q.GetTotalFees() != "854.00" {
			t.Errorf("fee waiver: total_fees %s, want 306.00 + 9 × 72.00 − 100.00 = 854.00", q.GetTotalFees())
		}

		// A freeze plan waiving 6.00 of fees: 12,300.00 in 6 × 2,050.00,
		// no fee; accepted, the loan owes no fee and pays none while it
		// runs.
		freeze := &loancorev1.RestructuringChanges{Waiver: &loancorev1.RestructuringWaiver{Fees: "6"},
			InterestFreezePlan: &loancorev1.InterestFreezePlan{InstallmentCount: 6, FirstDueDate: "2025-05-15"}}
		prop, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "RF-p", LoanId: "RF", Changes: freeze, Reason: "hardship"})
		if err != nil {
			t.Fatal(err)
		}
		aq := prop.GetAgreement().GetQuote()
		if aq.GetCapitalised() != "300.00" || aq.GetWaived().GetFees() != "6.00" || aq.GetInstallments()[0].GetPrincipal() != "2050.00" ||
			aq.GetInstallments()[0].GetFees() != "" || prop.GetAgreement().GetChanges().GetWaiver().GetFees() != "6.00" || aq.GetTotalFees() != "0.00" {
			t.Fatalf("freeze quote %v", prop.GetAgreement())
		}
		if _, err := c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "RF-a",
			AgreementId: prop.GetAgreement().GetAgreementId(), SignedBy: "B1"}); err != nil {
			t.Fatal(err)
		}
		setToday(c.clk, "2025-05-20")
		if _, err := c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "RF-r1", LoanId: "RF", Amount: "2050", ValueDate: "2025-05-20"}); err != nil {
			t.Fatal(err)
		}
		g, err := c.loans.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "RF"})
		if err != nil {
			t.Fatal(err)
		}
		if o := g.GetLoan().GetOutstanding(); o.GetFees() != "0.00" || o.GetPrincipal() != "10250.00" {
			t.Errorf("outstanding under the freeze plan %v, want 10250.00 principal and no fee (the payment five days late bore none)", o)
		}
		// The loan's cost: the 6.00 of fee waived (gross in service_fees,
		// netted by waived) and the 300.00 of fees the plan made principal;
		// the rows not yet due on 2025-04-20 lost their fees (not owed), and
		// the freeze plan charges none. The borrower repays 12,300.00 for
		// 12,000.00 lent.
		if k := g.GetLoan().GetCost(); k.GetServiceFees() != "6.00" || k.GetCapitalised() != "300.00" || k.GetWaived() != "6.00" || k.GetTotalCost() != "300.00" {
			t.Errorf("cost under the freeze plan %v, want service 6.00, capitalised 300.00, waived 6.00, total 300.00", k)
		}
	})
}
