package grpcapi_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/servicing"
)

// TestCloseOfBusinessFreezesLines: with the policy at 1 day past due,
// close of business freezes a line the day one of its loans is overdue
// and unfreezes it the day it is cured, each a line event by the
// close-of-business actor dated the business date; running a date again
// changes nothing; a line an operator froze stays frozen; a frozen line
// refuses drawdowns. (The first installment of 600 at 1% a month over 12
// months is 53.31: see creditlines_test.go.)
func TestCloseOfBusinessFreezesLines(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		lc := lineClients{loans: c.loans, lines: c.lines}
		openLine(t, lc, "L", true, "")
		openLine(t, lc, "OP", true, "")
		loanID := draw(t, lc, "L", "d1", "600").GetLoan().GetLoanId()
		draw(t, lc, "OP", "o1", "100")
		if _, err := c.lines.FreezeCreditLine(ctx(t), &loancorev1.FreezeCreditLineRequest{RequestId: "f-op", CreditLineId: "OP",
			Reason: "fraud review"}); err != nil {
			t.Fatal(err)
		}
		setToday(c.clk, "2024-07-03")
		// 2024-07-01, the due date: nothing overdue yet.
		if _, err := runCOB(t, c, "2024-07-01"); err != nil {
			t.Fatal(err)
		}
		if l := getLine(t, lc, "L"); l.GetStatus() != loancorev1.CreditLineStatus_CREDIT_LINE_STATUS_ACTIVE || l.GetVersion() != 2 {
			t.Fatalf("on the due date: %v", l)
		}
		for range 2 {
			if _, err := runCOB(t, c, "2024-07-02"); err != nil {
				t.Fatal(err)
			}
		}
		frozen := getLine(t, lc, "L")
		e := frozen.GetEvents()[len(frozen.GetEvents())-1]
		if frozen.GetStatus() != loancorev1.CreditLineStatus_CREDIT_LINE_STATUS_FROZEN || frozen.GetVersion() != 3 ||
			e.GetKind() != loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_FROZEN || e.GetActor() != servicing.CloseOfBusinessActor ||
			e.GetValueDate() != "2024-07-02" || !strings.Contains(e.GetReason(), loanID+" is 1 days past due") {
			t.Fatalf("a day overdue, run twice: %v", frozen)
		}
		_, err := c.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: "d2", CreditLineId: "L", Amount: "10"})
		if r := preconditionReason(t, err); r != string(servicing.ReasonCreditLineFrozen) {
			t.Fatalf("a drawdown on the line close of business froze: %s", r)
		}
		repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "pay", LoanId: loanID, Amount: "53.31"})
		if _, err := runCOB(t, c, "2024-07-03"); err != nil {
			t.Fatal(err)
		}
		cured := getLine(t, lc, "L")
		e = cured.GetEvents()[len(cured.GetEvents())-1]
		if cured.GetStatus() != loancorev1.CreditLineStatus_CREDIT_LINE_STATUS_ACTIVE || cured.GetVersion() != 4 ||
			e.GetKind() != loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_UNFROZEN || e.GetActor() != servicing.CloseOfBusinessActor ||
			e.GetValueDate() != "2024-07-03" {
			t.Fatalf("cured: %v", cured)
		}
		draw(t, lc, "L", "d3", "10")
		if op := getLine(t, lc, "OP"); op.GetStatus() != loancorev1.CreditLineStatus_CREDIT_LINE_STATUS_FROZEN || op.GetVersion() != 3 {
			// Nothing of OP was overdue on 2024-07-01, and later its loan
			// was: close of business neither unfroze it nor froze it again.
			t.Fatalf("the line an operator froze: %v", op)
		}
	})
}

// TestCapitalisationOnARevolvingLine: an agreement that capitalises a
// loan's arrears raises its principal, so on a revolving line it takes
// the line's seq with a PRINCIPAL_CAPITALISED event naming the loan and
// the amount, written with the acceptance; used grows by that amount.
// The arrears capitalised are the first installment's interest, 600 × 1%
// = 6.00 (penalty left out).
func TestCapitalisationOnARevolvingLine(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		lc := lineClients{loans: c.loans, lines: c.lines}
		openLine(t, lc, "L", true, "")
		loanID := draw(t, lc, "L", "d1", "600").GetLoan().GetLoanId()
		setToday(c.clk, "2024-07-10")
		before := getLine(t, lc, "L")
		p, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "p1", LoanId: loanID,
			Changes: &loancorev1.RestructuringChanges{Capitalisation: &loancorev1.Capitalisation{}}, Reason: "arrears"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "a1",
			AgreementId: p.GetAgreement().GetAgreementId(), SignedBy: "B1"}); err != nil {
			t.Fatal(err)
		}
		after := getLine(t, lc, "L")
		e := after.GetEvents()[len(after.GetEvents())-1]
		if after.GetVersion() != before.GetVersion()+1 || e.GetKind() != loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_PRINCIPAL_CAPITALISED ||
			e.GetLoanId() != loanID || e.GetAmount() != "6.00" || e.GetRequestId() != "a1" {
			t.Fatalf("the line after the capitalisation: version %d (before %d), last event %v", after.GetVersion(), before.GetVersion(), e)
		}
		wantFigures(t, after, "1000.00", "606.00", "394.00")
	})
}

// TestBrokenAgreementOnARevolvingLine: the broken path of an agreement
// on a loan of a revolving line. The capitalisation accepted raised the
// principal by 6.00 (PRINCIPAL_CAPITALISED, as above); the plan is then
// missed and close of business breaks the agreement. A break reinstates
// at most what the agreement waived (charges, never principal) and keeps
// the plan, so it raises no principal: the loan's AGREEMENT_BROKEN comes
// with no second PRINCIPAL_CAPITALISED, the close has no failure, and the
// line's used is still the loan's outstanding principal.
func TestBrokenAgreementOnARevolvingLine(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		lc := lineClients{loans: c.loans, lines: c.lines}
		openLine(t, lc, "L", true, "")
		loanID := draw(t, lc, "L", "d1", "600").GetLoan().GetLoanId()
		setToday(c.clk, "2024-07-10")
		missed := int32(1)
		p, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "p1", LoanId: loanID,
			Changes:          &loancorev1.RestructuringChanges{Capitalisation: &loancorev1.Capitalisation{}},
			BreakAfterMissed: &missed, OnBreak: loancorev1.BreakAction_BREAK_ACTION_REINSTATE_WAIVED, Reason: "arrears"})
		if err != nil {
			t.Fatal(err)
		}
		id := p.GetAgreement().GetAgreementId()
		if _, err := c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "a1", AgreementId: id,
			SignedBy: "B1"}); err != nil {
			t.Fatal(err)
		}
		accepted := getLine(t, lc, "L")
		wantFigures(t, accepted, "1000.00", "606.00", "394.00")
		due := firstDueAfter(t, c, loanID, "2024-07-10")
		setToday(c.clk, due.AddDate(0, 0, 2).Format(time.DateOnly))
		if _, err := runCOB(t, c, due.AddDate(0, 0, 1).Format(time.DateOnly)); err != nil {
			t.Fatalf("close of business the day after %s: %v", due.Format(time.DateOnly), err)
		}
		g, err := c.restructuring.GetAgreement(ctx(t), &loancorev1.GetAgreementRequest{AgreementId: id})
		if err != nil || g.GetAgreement().GetStatus() != loancorev1.AgreementStatus_AGREEMENT_STATUS_BROKEN {
			t.Fatalf("the agreement after its first installment was missed: %v %v", g.GetAgreement(), err)
		}
		line := getLine(t, lc, "L")
		capitalised := 0
		for _, e := range line.GetEvents() {
			if e.GetKind() == loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_PRINCIPAL_CAPITALISED {
				capitalised++
			}
		}
		loan := getAsOf(t, c.loans, loanID, "")
		if capitalised != 1 || line.GetUsed() != loan.GetOutstanding().GetPrincipal() || line.GetUsed() != "606.00" {
			t.Fatalf("after the break: %d PRINCIPAL_CAPITALISED, used %s, the loan's principal %s; events %v", capitalised, line.GetUsed(),
				loan.GetOutstanding().GetPrincipal(), line.GetEvents())
		}
	})
}

// firstDueAfter is the first due date of the loan's plan after date.
func firstDueAfter(t *testing.T, c cobClients, loanID, date string) time.Time {
	t.Helper()
	for _, in := range getAsOf(t, c.loans, loanID, "").GetInstallments() {
		if in.GetDueDate() > date {
			d, err := time.Parse(time.DateOnly, in.GetDueDate())
			if err != nil {
				t.Fatal(err)
			}
			return d
		}
	}
	t.Fatalf("no installment of %s due after %s", loanID, date)
	return time.Time{}
}

// TestHolidayCapitalisedOnARevolvingLine: a payment holiday whose
// interest is capitalised raises the loan's principal when it is
// accepted, not at the holiday's end, so the line's PRINCIPAL_CAPITALISED
// is written with the acceptance for what was capitalised, and used on
// every later day is the loan's principal with nothing appended to the
// line after it.
func TestHolidayCapitalisedOnARevolvingLine(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		lc := lineClients{loans: c.loans, lines: c.lines}
		openLine(t, lc, "L", true, "")
		loanID := draw(t, lc, "L", "d1", "600").GetLoan().GetLoanId()
		setToday(c.clk, "2024-06-10")
		p, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "p1", LoanId: loanID,
			Changes: &loancorev1.RestructuringChanges{PaymentHoliday: &loancorev1.PaymentHoliday{FromInstallment: 1, Count: 2,
				Interest: loancorev1.HolidayInterest_HOLIDAY_INTEREST_CAPITALISE}}, Reason: "holiday"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "a1",
			AgreementId: p.GetAgreement().GetAgreementId(), SignedBy: "B1"}); err != nil {
			t.Fatal(err)
		}
		accepted := getLine(t, lc, "L")
		e := accepted.GetEvents()[len(accepted.GetEvents())-1]
		principal := getAsOf(t, c.loans, loanID, "").GetOutstanding().GetPrincipal()
		if e.GetKind() != loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_PRINCIPAL_CAPITALISED || principal == "600.00" ||
			mustDecimal(t, "600.00")+mustDecimal(t, e.GetAmount()) != mustDecimal(t, principal) {
			t.Fatalf("accepted: last line event %v, the loan's principal %s", e, principal)
		}
		setToday(c.clk, "2024-09-02") // after the holiday
		for _, d := range []string{"2024-06-10", "2024-07-02", "2024-08-02", "2024-09-01"} {
			r, err := c.lines.GetCreditLine(ctx(t), &loancorev1.GetCreditLineRequest{CreditLineId: "L", AsOf: d})
			if err != nil {
				t.Fatal(err)
			}
			l := r.GetCreditLine()
			if l.GetVersion() != accepted.GetVersion() || l.GetUsed() != getAsOf(t, c.loans, loanID, d).GetOutstanding().GetPrincipal() ||
				l.GetUsed() != principal {
				t.Errorf("%s: used %s at version %d; the loan's principal %s, %s at acceptance (version %d)", d, l.GetUsed(), l.GetVersion(),
					getAsOf(t, c.loans, loanID, d).GetOutstanding().GetPrincipal(), principal, accepted.GetVersion())
			}
		}
	})
}

// mustDecimal is a CNY amount in fen.
func mustDecimal(t *testing.T, s string) int64 {
	t.Helper()
	units, frac, _ := strings.Cut(s, ".")
	n, err := strconv.ParseInt(units+frac, 10, 64)
	if err != nil || len(frac) != 2 {
		t.Fatalf("amount %q", s)
	}
	return n
}
