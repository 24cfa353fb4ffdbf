package grpcapi_test

import (
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// loan12k is the example: 12,000.00 CNY at 12%, 12 monthly
// EQUAL_INSTALLMENT installments from 2024-01-15 (level 1066.19; interest
// 1% a month, ACT/360 for days). With installments 1–3 paid on their due
// dates and 4–6 unpaid on 2024-08-01 it owes principal 9132.95 and overdue
// interest 91.33 + 81.58 + 71.73 = 244.64; the current period has accrued
// 6179.02 × 12% × 17/360 = 35.01. The hand-checked figures are derived in
// internal/engine/restructure_test.go.
func loan12kTerms(penalty bool) *loancorev1.LoanTerms {
	t := &loancorev1.LoanTerms{Currency: "CNY", Principal: "12000.00", AnnualRatePercent: "12", InstallmentCount: 12,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2024-01-15"}
	if penalty {
		t.Penalty = &loancorev1.PenaltyPolicy{}
	}
	return t
}

// setToday moves the server's clock to noon of a Shanghai date.
func setToday(clk *clock, date string) {
	d, _ := time.Parse(time.DateOnly, date)
	clk.Set(d.Add(4 * time.Hour))
}

func restructuringLoan(t *testing.T, c cobClients, id string, penalty bool) {
	t.Helper()
	setToday(c.clk, "2024-08-01")
	if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: id + "-c", LoanId: id, BorrowerId: "B1", Terms: loan12kTerms(penalty)}); err != nil {
		t.Fatal(err)
	}
	for i, d := range []string{"2024-02-15", "2024-03-15", "2024-04-15"} {
		if _, err := c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: id + "-p" + string(rune('1'+i)), LoanId: id,
			Amount: "1066.19", ValueDate: d}); err != nil {
			t.Fatal(err)
		}
	}
}

func preconditionReason(t *testing.T, err error) string {
	t.Helper()
	st := wantCode(t, err, codes.FailedPrecondition)
	for _, d := range st.Details() {
		if pf, ok := d.(*errdetails.PreconditionFailure); ok && len(pf.GetViolations()) > 0 {
			return pf.GetViolations()[0].GetType()
		}
	}
	t.Fatalf("no PreconditionFailure in %v", err)
	return ""
}

type row struct{ due, principal, interest string }

func checkPlan(t *testing.T, got []*loancorev1.ScheduleInstallment, first int32, want []row) {
	t.Helper()
	if len(got) < len(want) {
		t.Fatalf("%d rows, want at least %d", len(got), len(want))
	}
	for i, w := range want {
		r := got[i]
		if r.GetNumber() != first+int32(i) || r.GetDueDate() != w.due || r.GetPrincipal() != w.principal || r.GetInterest() != w.interest {
			t.Errorf("row %d = #%d %s %s + %s, want #%d %s %s + %s", i, r.GetNumber(), r.GetDueDate(), r.GetPrincipal(), r.GetInterest(),
				first+int32(i), w.due, w.principal, w.interest)
		}
	}
}

// TestRestructuringQuotes: each agreement type of the example,
// quoted through the API, with the hand-checked figures.
func TestRestructuringQuotes(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		restructuringLoan(t, c, "RQ", false)
		restructuringLoan(t, c, "RQP", true)
		quote := func(id string, ch *loancorev1.RestructuringChanges) *loancorev1.QuoteRestructuringResponse {
			t.Helper()
			q, err := c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: id, EffectiveDate: "2024-08-01", Changes: ch})
			if err != nil {
				t.Fatal(err)
			}
			return q
		}
		// (a) 3 more installments: 9132.95 over 9 periods, level 1066.18;
		// the first (08-01..08-15, 14 days) 42.62 + the carried 279.65.
		q := quote("RQ", &loancorev1.RestructuringChanges{TermExtension: &loancorev1.TermExtension{ExtraInstallments: 3}})
		checkPlan(t, q.GetInstallments(), 4, []row{{"2024-08-15", "1023.56", "322.27"}, {"2024-09-15", "985.09", "81.09"},
			{"2024-10-15", "994.94", "71.24"}})
		if len(q.GetInstallments()) != 9 || q.GetInstallments()[8].GetDueDate() != "2025-04-15" || q.GetInstallments()[8].GetPrincipal() != "1003.42" ||
			q.GetTotalCostBefore() != "462.71" || q.GetTotalCostAfter() != "689.59" || q.GetCarried().GetInterest() != "279.65" ||
			q.GetBalance() != "9132.95" || q.GetOutstanding().GetInterest() != "244.64" || q.GetAprPercent() == "" || !q.GetWithinCap() {
			t.Fatalf("extension quote %v", q)
		}
		// (b) a 2-month holiday on installments 7–8, interest (133.95)
		// capitalised: 9266.90 over the 6 installments from 10-15.
		q = quote("RQ", &loancorev1.RestructuringChanges{PaymentHoliday: &loancorev1.PaymentHoliday{FromInstallment: 7, Count: 2,
			Interest: loancorev1.HolidayInterest_HOLIDAY_INTEREST_CAPITALISE}})
		checkPlan(t, q.GetInstallments(), 4, []row{{"2024-08-15", "0.00", "0.00"}, {"2024-09-15", "0.00", "0.00"},
			{"2024-10-15", "1506.32", "372.32"}, {"2024-11-15", "1521.38", "77.61"}})
		if q.GetCapitalised() != "133.95" || q.GetTotalCostAfter() != "740.64" {
			t.Fatalf("holiday quote %v", q)
		}
		// (c) a full penalty waiver: 69.75 of penalty forgiven, the plan
		// kept (installments 4–12 as they are).
		q = quote("RQP", &loancorev1.RestructuringChanges{Waiver: &loancorev1.RestructuringWaiver{Penalty: "69.75"}})
		checkPlan(t, q.GetInstallments(), 4, []row{{"2024-05-15", "974.86", "91.33"}})
		if q.GetWaived().GetPenalty() != "69.75" || q.GetTotalCostBefore() != "532.46" || q.GetTotalCostAfter() != "462.71" || len(q.GetInstallments()) != 9 {
			t.Fatalf("waiver quote %v", q)
		}
		// (d) a 24-installment freeze plan of the outstanding 9377.59:
		// 390.73 a month, 390.80 the last, no interest: it charges nothing
		// beyond what is owed, an APR of 0.
		q = quote("RQ", &loancorev1.RestructuringChanges{InterestFreezePlan: &loancorev1.InterestFreezePlan{InstallmentCount: 24, FirstDueDate: "2024-09-01"}})
		checkPlan(t, q.GetInstallments(), 4, []row{{"2024-09-01", "390.73", "0.00"}, {"2024-10-01", "390.73", "0.00"}})
		if last := q.GetInstallments()[23]; len(q.GetInstallments()) != 24 || last.GetPrincipal() != "390.80" || last.GetDueDate() != "2026-08-01" ||
			q.GetCapitalised() != "244.64" || q.GetAprPercent() != "0.00" {
			t.Fatalf("freeze quote %v", q)
		}

		// Bad input names its field; a rule names itself.
		_, err := c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "RQ"})
		if f := badRequestFields(t, err); !slices.Contains(f, "changes") {
			t.Fatalf("fields %v", f)
		}
		_, err = c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "RQ", Changes: &loancorev1.RestructuringChanges{
			InterestFreezePlan: &loancorev1.InterestFreezePlan{InstallmentCount: 61, FirstDueDate: "2024-09-01"},
			Waiver:             &loancorev1.RestructuringWaiver{Penalty: "x"}}})
		if f := badRequestFields(t, err); !slices.Contains(f, "changes.interest_freeze_plan.installment_count") || !slices.Contains(f, "changes.waiver.penalty") {
			t.Fatalf("fields %v", f)
		}
		_, err = c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "RQ", EffectiveDate: "2024-04-01",
			Changes: &loancorev1.RestructuringChanges{TermExtension: &loancorev1.TermExtension{ExtraInstallments: 1}}})
		if f := badRequestFields(t, err); !slices.Equal(f, []string{"effective_date"}) {
			t.Fatalf("fields %v", f)
		}
		_, err = c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "RQ",
			Changes: &loancorev1.RestructuringChanges{TermExtension: &loancorev1.TermExtension{ExtraInstallments: 40}}})
		if r := preconditionReason(t, err); r != "MAX_EXTENSION_MONTHS" {
			t.Fatalf("reason %s", r)
		}
		_, err = c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "nope",
			Changes: &loancorev1.RestructuringChanges{TermExtension: &loancorev1.TermExtension{ExtraInstallments: 1}}})
		wantCode(t, err, codes.NotFound)
		// Bad input is named before the loan is looked up.
		_, err = c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "nope", Changes: &loancorev1.RestructuringChanges{}})
		if f := badRequestFields(t, err); !slices.Equal(f, []string{"changes"}) {
			t.Fatalf("fields %v", f)
		}
	})
}

// TestAgreementLifecycle: propose, accept (twice with one request id:
// applied once), then GetLoan and ListLoanEvents show the agreement; the
// loan before the effective date (or as known before the signature) shows
// the old plan; a stale quote fails cleanly; a reversal before a signed
// agreement is refused; listing by loan and status.
func TestAgreementLifecycle(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		restructuringLoan(t, c, "AL", false)
		ext := &loancorev1.RestructuringChanges{TermExtension: &loancorev1.TermExtension{ExtraInstallments: 3}}
		q, err := c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "AL", Changes: ext})
		if err != nil {
			t.Fatal(err)
		}
		prop, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "al-prop", LoanId: "AL",
			Changes: ext, EffectiveDate: "2024-08-01", Reason: "hardship"})
		if err != nil {
			t.Fatal(err)
		}
		a := prop.GetAgreement()
		if a.GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_PROPOSED || a.GetExpiresOn() != "2024-08-15" || a.GetBreakAfterMissed() != 2 ||
			!slices.Equal(a.GetSpecialTransactions(), []loancorev1.SpecialTransaction{loancorev1.SpecialTransaction_SPECIAL_TRANSACTION_EXTENSION}) {
			t.Fatalf("proposed %v", a)
		}
		if !proto.Equal(a.GetQuote().GetInstallments()[0], q.GetInstallments()[0]) || a.GetQuote().GetTotalCostAfter() != q.GetTotalCostAfter() {
			t.Fatalf("frozen quote %v, quote %v", a.GetQuote(), q)
		}
		// The same proposal again is the first answer.
		again, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "al-prop", LoanId: "AL",
			Changes: ext, EffectiveDate: "2024-08-01", Reason: "hardship"})
		if err != nil || again.GetAgreement().GetAgreementId() != a.GetAgreementId() {
			t.Fatalf("retried proposal %v %v", again, err)
		}
		before := getAsOf(t, c.loans, "AL", "2024-08-01")

		acc, err := c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "al-acc", AgreementId: a.GetAgreementId(), SignedBy: "borrower B1"})
		if err != nil {
			t.Fatal(err)
		}
		acc2, err := c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "al-acc", AgreementId: a.GetAgreementId(), SignedBy: "borrower B1"})
		if err != nil || acc2.GetAgreement().GetAcceptanceSeq() != acc.GetAgreement().GetAcceptanceSeq() {
			t.Fatalf("accept retried: %v %v", acc2, err)
		}
		if ag := acc.GetAgreement(); ag.GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_ACTIVE || ag.GetSignedBy() != "borrower B1" || ag.GetAcceptanceSeq() == 0 {
			t.Fatalf("accepted %v", ag)
		}
		// Quote ≡ execution: the loan's installments from 4 are the quote's.
		l := getAsOf(t, c.loans, "AL", "2024-08-01")
		got := l.GetInstallments()
		if len(got) != 3+9 || !l.GetRestructured() || l.GetRestructuredUntil() != "2025-07-31" || l.GetAgreementId() != a.GetAgreementId() ||
			l.GetRiskClass() != loancorev1.RiskClass_RISK_CLASS_SUBSTANDARD || l.GetOutstanding().GetInterest() != "0.00" {
			t.Fatalf("loan after the agreement: %d installments, restructured %v until %s, class %v, outstanding %v", len(got),
				l.GetRestructured(), l.GetRestructuredUntil(), l.GetRiskClass(), l.GetOutstanding())
		}
		for i, r := range q.GetInstallments() {
			in := got[3+i]
			if in.GetNumber() != r.GetNumber() || in.GetDueDate() != r.GetDueDate() || in.GetPrincipalDue() != r.GetPrincipal() || in.GetInterestDue() != r.GetInterest() {
				t.Fatalf("installment %d = %v, quoted %v", 3+i, in, r)
			}
		}
		// Before the effective date, and as known before the signature, the
		// old plan.
		if old := getAsOf(t, c.loans, "AL", "2024-07-31"); len(old.GetInstallments()) != 12 || old.GetInstallments()[3].GetDueDate() != "2024-05-15" ||
			old.GetRestructured() || old.GetAgreementId() != "" {
			t.Fatalf("as of 07-31: %d installments", len(old.GetInstallments()))
		}
		known, err := c.loans.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "AL", AsOf: "2024-08-01", KnownAt: before.GetKnownAt()})
		if err != nil || len(known.GetLoan().GetInstallments()) != 12 {
			t.Fatalf("known before the signature: %v %v", known, err)
		}
		evs, err := c.loans.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "AL"})
		if err != nil {
			t.Fatal(err)
		}
		var kinds []loancorev1.LoanEventKind
		for _, e := range evs.GetEvents() {
			kinds = append(kinds, e.GetKind())
			if e.GetKind() == loancorev1.LoanEventKind_LOAN_EVENT_KIND_AGREEMENT_ACCEPTED &&
				(e.GetAgreementId() != a.GetAgreementId() || e.GetValueDate() != "2024-08-01" || len(e.GetSpecialTransactions()) != 1) {
				t.Fatalf("acceptance event %v", e)
			}
		}
		if n := len(kinds); n != 7 || kinds[5] != loancorev1.LoanEventKind_LOAN_EVENT_KIND_AGREEMENT_PROPOSED || kinds[6] != loancorev1.LoanEventKind_LOAN_EVENT_KIND_AGREEMENT_ACCEPTED {
			t.Fatalf("events %v", kinds)
		}
		// Accepting again under a new request id, reversing a payment
		// before it, or proposing another agreement are refused.
		_, err = c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "al-acc-2", AgreementId: a.GetAgreementId(), SignedBy: "x"})
		if r := preconditionReason(t, err); r != "AGREEMENT_ACTIVE" {
			t.Fatalf("reason %s", r)
		}
		_, err = c.loans.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: "al-rev", LoanId: "AL", Seq: 3, Reason: "bounced"})
		if r := preconditionReason(t, err); r != "AGREEMENT_SIGNED" {
			t.Fatalf("reason %s", r)
		}
		_, err = c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "AL", Changes: ext})
		if r := preconditionReason(t, err); r != "AGREEMENT_ACTIVE" {
			t.Fatalf("reason %s", r)
		}
		// A repayment backdated before the effective date replays through
		// the agreement: it pays installment 4 (oldest due first), and the
		// extension re-applies to what is left, numbered from 5.
		if _, err := c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "al-late", LoanId: "AL",
			Amount: "1066.19", ValueDate: "2024-07-20"}); err != nil {
			t.Fatal(err)
		}
		l = getAsOf(t, c.loans, "AL", "2024-08-01")
		if got := l.GetInstallments(); len(got) != 4+9 || got[3].GetStatus() != loancorev1.InstallmentStatus_INSTALLMENT_STATUS_PAID ||
			got[4].GetNumber() != 5 || got[4].GetDueDate() != "2024-08-15" || l.GetOutstanding().GetPrincipal() != "8158.09" {
			t.Fatalf("after a backdated payment: %d installments, %v, outstanding %v", len(got), got[4], l.GetOutstanding())
		}

		// Bad proposals name every field at once.
		_, err = c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{ExpiresOn: "2024-13-01",
			Changes: &loancorev1.RestructuringChanges{PaymentHoliday: &loancorev1.PaymentHoliday{FromInstallment: 7, Count: 1}}})
		if f := badRequestFields(t, err); !slices.Contains(f, "request_id") || !slices.Contains(f, "loan_id") ||
			!slices.Contains(f, "expires_on") || !slices.Contains(f, "changes.payment_holiday.interest") {
			t.Fatalf("fields %v", f)
		}
		// A stale quote: a payment arrives between proposal and signature.
		restructuringLoan(t, c, "ST", true)
		waiver := &loancorev1.RestructuringChanges{Waiver: &loancorev1.RestructuringWaiver{Penalty: "69.75"}}
		sp, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "st-prop", LoanId: "ST", Changes: waiver})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "st-pay", LoanId: "ST", Amount: "500"}); err != nil {
			t.Fatal(err)
		}
		_, err = c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "st-acc", AgreementId: sp.GetAgreement().GetAgreementId(), SignedBy: "B1"})
		if r := preconditionReason(t, err); r != "QUOTE_STALE" {
			t.Fatalf("reason %s", r)
		}
		if l := getAsOf(t, c.loans, "ST", "2024-08-01"); l.GetVersion() != 7 || l.GetOutstanding().GetPenalty() == "0.00" {
			t.Fatalf("a stale acceptance wrote something: version %d %v", l.GetVersion(), l.GetOutstanding())
		}
		// It can still be cancelled, once.
		cn, err := c.restructuring.CancelAgreement(ctx(t), &loancorev1.CancelAgreementRequest{RequestId: "st-cancel", AgreementId: sp.GetAgreement().GetAgreementId(), Reason: "stale"})
		if err != nil || cn.GetAgreement().GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_CANCELLED {
			t.Fatalf("cancel: %v %v", cn, err)
		}

		list, err := c.restructuring.ListAgreements(ctx(t), &loancorev1.ListAgreementsRequest{Status: loancorev1.AgreementStatus_AGREEMENT_STATUS_ACTIVE})
		if err != nil || len(list.GetAgreements()) != 1 || list.GetAgreements()[0].GetLoanId() != "AL" {
			t.Fatalf("active agreements %v %v", list, err)
		}
		list, err = c.restructuring.ListAgreements(ctx(t), &loancorev1.ListAgreementsRequest{LoanId: "ST"})
		if err != nil || len(list.GetAgreements()) != 1 || list.GetAgreements()[0].GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_CANCELLED {
			t.Fatalf("ST agreements %v %v", list, err)
		}
		// An unsigned proposal expires.
		ep, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "st-prop2", LoanId: "ST", Changes: waiver, ExpiresOn: "2024-08-02"})
		if err != nil {
			t.Fatal(err)
		}
		setToday(c.clk, "2024-08-03")
		g, err := c.restructuring.GetAgreement(ctx(t), &loancorev1.GetAgreementRequest{AgreementId: ep.GetAgreement().GetAgreementId()})
		if err != nil || g.GetAgreement().GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_EXPIRED {
			t.Fatalf("expired? %v %v", g, err)
		}
		list, err = c.restructuring.ListAgreements(ctx(t), &loancorev1.ListAgreementsRequest{Status: loancorev1.AgreementStatus_AGREEMENT_STATUS_EXPIRED})
		if err != nil || len(list.GetAgreements()) != 1 {
			t.Fatalf("expired agreements %v %v", list, err)
		}
		_, err = c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "st-acc2", AgreementId: ep.GetAgreement().GetAgreementId(), SignedBy: "B1"})
		if r := preconditionReason(t, err); r != "AGREEMENT_EXPIRED" {
			t.Fatalf("reason %s", r)
		}
		// Paging: one at a time, by id (creation time; the test's clock was
		// set back for loan ST, so ST's first proposal is the oldest), each
		// once.
		var ids []string
		for token := ""; ; {
			page, err := c.restructuring.ListAgreements(ctx(t), &loancorev1.ListAgreementsRequest{PageSize: 1, PageToken: token})
			if err != nil {
				t.Fatal(err)
			}
			for _, a := range page.GetAgreements() {
				ids = append(ids, a.GetAgreementId())
			}
			if token = page.GetNextPageToken(); token == "" {
				break
			}
		}
		want := []string{sp.GetAgreement().GetAgreementId(), a.GetAgreementId(), ep.GetAgreement().GetAgreementId()}
		if !slices.Equal(ids, want) {
			t.Fatalf("paged ids %v, want %v", ids, want)
		}
		_, err = c.restructuring.ListAgreements(ctx(t), &loancorev1.ListAgreementsRequest{PageToken: "!!"})
		if f := badRequestFields(t, err); !slices.Equal(f, []string{"page_token"}) {
			t.Fatalf("fields %v", f)
		}
	})
}

// TestAgreementBreaksAtCloseOfBusiness: a freeze plan whose borrower
// misses two installments (09-01 and 10-01) is BROKEN at the close of
// 2024-10-02; with REINSTATE_WAIVED the waived penalty is owed again and
// penalty accrues from then on.
func TestAgreementBreaksAtCloseOfBusiness(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		restructuringLoan(t, c, "BR", true)
		freeze := &loancorev1.RestructuringChanges{InterestFreezePlan: &loancorev1.InterestFreezePlan{InstallmentCount: 24, FirstDueDate: "2024-09-01"},
			Waiver: &loancorev1.RestructuringWaiver{Penalty: "30.00"}}
		p, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "br-prop", LoanId: "BR", Changes: freeze,
			OnBreak: loancorev1.BreakAction_BREAK_ACTION_REINSTATE_WAIVED})
		if err != nil {
			t.Fatal(err)
		}
		id := p.GetAgreement().GetAgreementId()
		if _, err := c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "br-acc", AgreementId: id, SignedBy: "B1"}); err != nil {
			t.Fatal(err)
		}
		setToday(c.clk, "2024-10-03")
		if l := getAsOf(t, c.loans, "BR", "2024-10-02"); l.GetOutstanding().GetPenalty() != "0.00" || l.GetDaysPastDue() != 31 {
			t.Fatalf("frozen: %v dpd %d", l.GetOutstanding(), l.GetDaysPastDue())
		}
		if _, err := runCOB(t, c, "2024-10-01"); err != nil {
			t.Fatal(err)
		}
		g, _ := c.restructuring.GetAgreement(ctx(t), &loancorev1.GetAgreementRequest{AgreementId: id})
		if g.GetAgreement().GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_ACTIVE {
			t.Fatalf("one installment missed by 10-01, yet %v", g.GetAgreement().GetStatus())
		}
		if _, err := runCOB(t, c, "2024-10-02"); err != nil {
			t.Fatal(err)
		}
		g, _ = c.restructuring.GetAgreement(ctx(t), &loancorev1.GetAgreementRequest{AgreementId: id})
		if a := g.GetAgreement(); a.GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_BROKEN || a.GetBrokenOn() != "2024-10-02" ||
			a.GetReinstated().GetPenalty() != "30.00" {
			t.Fatalf("after two missed: %v", a)
		}
		// 30.00 reinstated on 10-02, then a day of penalty on 10-03 at 18%
		// on the two missed 390.73s: 0.20 each.
		if l := getAsOf(t, c.loans, "BR", "2024-10-03"); l.GetOutstanding().GetPenalty() != "30.40" || !l.GetRestructured() {
			t.Fatalf("after the break: %v restructured %v", l.GetOutstanding(), l.GetRestructured())
		}
		// Closing the date again breaks nothing twice.
		evs, _ := c.loans.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "BR"})
		n := 0
		for _, e := range evs.GetEvents() {
			if e.GetKind() == loancorev1.LoanEventKind_LOAN_EVENT_KIND_AGREEMENT_BROKEN {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("%d AGREEMENT_BROKEN events", n)
		}
	})
}
