package grpcapi_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc/codes"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// The figures below are those of the engine's TestTrancheHandWorked,
// worked out by internal/engine/testdata/tranche/handworked.py (Python's
// decimal module).

// trancheTerms is loan12k, ACT/365 for broken periods, up to 20,000.00 in
// tranches.
func trancheTerms() *loancorev1.LoanTerms {
	t := loan12k()
	t.DayCount = loancorev1.DayCount_DAY_COUNT_ACT_365_FIXED
	t.ApprovedAmount = "20000"
	return t
}

func disburse(t *testing.T, c loancorev1.LoanServiceClient, req *loancorev1.DisburseTrancheRequest) *loancorev1.Loan {
	t.Helper()
	r, err := c.DisburseTranche(ctx(t), req)
	if err != nil {
		t.Fatalf("DisburseTranche(%v): %v", req, err)
	}
	return r.GetLoan()
}

func getLoan(t *testing.T, c loancorev1.LoanServiceClient, req *loancorev1.GetLoanRequest) *loancorev1.Loan {
	t.Helper()
	r, err := c.GetLoan(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	return r.GetLoan()
}

// TestDisburseTranche, through a real server on both stores: a second
// tranche backdated into period 3 re-solves installments 3–12 and leaves
// 1–2 as they were; the payoff in that period owes the old balance's days
// and the new one's; GetLoan as of a day before it and known at an
// instant before it do not see it; a retry changes nothing; the events
// and the loan say what was lent.
func TestDisburseTranche(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "tr-c", LoanId: "TR", BorrowerId: "B1", Terms: trancheTerms()}); err != nil {
			t.Fatal(err)
		}
		// The tranche is recorded an hour after the loan, so that known_at
		// can fall between them.
		clk.Set(testNow.Add(time.Hour))
		req := &loancorev1.DisburseTrancheRequest{RequestId: "tr-1", LoanId: "TR", Amount: "6000", ValueDate: "2024-04-01"}
		l := disburse(t, c, req)
		in := l.GetInstallments()
		if in[0].GetPrincipalDue() != "946.19" || in[1].GetPrincipalDue() != "955.65" || in[2].GetPrincipalDue() != "1625.58" ||
			in[2].GetInterestDue() != "130.54" || in[3].GetPrincipalDue() != "1554.95" || in[11].GetPrincipalDue() != "1588.75" {
			t.Fatalf("installments after the tranche: %v", in)
		}
		if l.GetDisbursedAmount() != "18000.00" || len(l.GetTranches()) != 2 || l.GetTranches()[1].GetSeq() != 3 ||
			l.GetTranches()[1].GetValueDate() != "2024-04-01" || l.GetTerms().GetApprovedAmount() != "20000.00" || l.GetOutstanding().GetPrincipal() != "18000.00" {
			t.Fatalf("the loan after the tranche: %v", l)
		}
		// A retry answers the same and writes nothing; the same id with
		// another body is refused.
		if again := disburse(t, c, req); again.GetVersion() != l.GetVersion() || again.GetDisbursedAmount() != "18000.00" {
			t.Fatalf("a retry: %v", again)
		}
		_, err := c.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "tr-1", LoanId: "TR", Amount: "1"})
		wantCode(t, err, codes.AlreadyExists)
		if g := getLoan(t, c, &loancorev1.GetLoanRequest{LoanId: "TR"}); g.GetVersion() != 3 {
			t.Fatalf("version after retries = %d", g.GetVersion())
		}

		q, err := c.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "TR", PayoffDate: "2024-04-10"})
		if err != nil {
			t.Fatal(err)
		}
		if q.GetPrincipal() != "18000.00" || q.GetInterest() != "334.61" {
			t.Fatalf("payoff on 2024-04-10 = %v", q)
		}
		old := getLoan(t, c, &loancorev1.GetLoanRequest{LoanId: "TR", AsOf: "2024-03-31"})
		if old.GetDisbursedAmount() != "12000.00" || len(old.GetTranches()) != 1 || old.GetInstallments()[2].GetInterestDue() != "100.98" {
			t.Fatalf("as of the day before: %v", old)
		}
		known := getLoan(t, c, &loancorev1.GetLoanRequest{LoanId: "TR", KnownAt: testNow.Add(time.Minute).Format(time.RFC3339Nano)})
		if known.GetDisbursedAmount() != "12000.00" || known.GetInstallments()[2].GetPrincipalDue() != "965.21" {
			t.Fatalf("known before the tranche: %v", known)
		}
		ev, err := c.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "TR"})
		if err != nil {
			t.Fatal(err)
		}
		if e := ev.GetEvents()[2]; e.GetKind() != loancorev1.LoanEventKind_LOAN_EVENT_KIND_TRANCHE || e.GetAmount() != "6000.00" || e.GetRequestId() != "tr-1" {
			t.Fatalf("the tranche's event: %v", e)
		}
		// The last 2,000.00 may be lent, and then nothing more.
		disburse(t, c, &loancorev1.DisburseTrancheRequest{RequestId: "tr-2", LoanId: "TR", Amount: "2000"})
		_, err = c.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "tr-3", LoanId: "TR", Amount: "0.01"})
		if preconditionReason(t, err) != string(servicing.ReasonApprovedAmountExceeded) || !strings.Contains(err.Error(), "0.00 left") {
			t.Fatalf("over the approved amount: %v", err)
		}
	})
}

// TestTrancheOnDailyInterest: a tranche on a loan charging interest on
// the actual balance, through the API on both stores: installment 1
// bears 17 days at 12,000 and 14 at 18,000, summed and rounded once, and
// the payoff as of 2024-03-01 counts installment 2's days at 18,000.
func TestTrancheOnDailyInterest(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		terms := recalc12k()
		terms.ApprovedAmount = "18000"
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "rt-c", LoanId: "RT", BorrowerId: "B1", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		disburse(t, c, &loancorev1.DisburseTrancheRequest{RequestId: "rt-1", LoanId: "RT", Amount: "6000", ValueDate: "2024-02-01"})
		g := getLoan(t, c, &loancorev1.GetLoanRequest{LoanId: "RT", AsOf: "2024-03-01"})
		if in := g.GetInstallments(); in[0].GetInterestDue() != "149.92" || in[0].GetPrincipalDue() != "1516.43" || in[1].GetInterestDue() != "164.64" {
			t.Fatalf("installments as of 2024-03-01: %v", in[:2])
		}
		q, err := c.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "RT", PayoffDate: "2024-03-01"})
		if err != nil {
			t.Fatal(err)
		}
		if q.GetPrincipal() != "18000.00" || q.GetInterest() != "238.69" {
			t.Fatalf("payoff = %v", q)
		}
		// Paid off, the loan takes no more.
		repay(t, c, &loancorev1.RecordRepaymentRequest{RequestId: "rt-p", LoanId: "RT", Amount: q.GetTotal(), ValueDate: "2024-03-01"})
		_, err = c.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "rt-2", LoanId: "RT", Amount: "1"})
		if preconditionReason(t, err) != string(servicing.ReasonLoanPaidOff) {
			t.Fatalf("a tranche on a paid-off loan: %v", err)
		}
		_ = clk
	})
}

// TestDisburseTrancheBadInput: what is wrong with the request is
// INVALID_ARGUMENT naming the field; what the loan forbids is
// FAILED_PRECONDITION with its reason; neither writes anything.
func TestDisburseTrancheBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, c loancorev1.LoanServiceClient, clk *clock) {
		if _, err := c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "tb-c", LoanId: "TB", BorrowerId: "B1", Terms: trancheTerms()}); err != nil {
			t.Fatal(err)
		}
		create(t, c, "PLAIN")
		disburse(t, c, &loancorev1.DisburseTrancheRequest{RequestId: "tb-1", LoanId: "TB", Amount: "100", ValueDate: "2024-03-01"})
		for _, bad := range []struct {
			req   *loancorev1.DisburseTrancheRequest
			field string
		}{
			{&loancorev1.DisburseTrancheRequest{LoanId: "TB", Amount: "1"}, "request_id"},
			{&loancorev1.DisburseTrancheRequest{RequestId: "x1", Amount: "1"}, "loan_id"},
			{&loancorev1.DisburseTrancheRequest{RequestId: "x2", LoanId: "TB"}, "amount"},
			{&loancorev1.DisburseTrancheRequest{RequestId: "x3", LoanId: "TB", Amount: "0"}, "amount"},
			{&loancorev1.DisburseTrancheRequest{RequestId: "x4", LoanId: "TB", Amount: "1.001"}, "amount"},
			{&loancorev1.DisburseTrancheRequest{RequestId: "x5", LoanId: "TB", Amount: "1", ValueDate: "2024-06-02"}, "value_date"},
			{&loancorev1.DisburseTrancheRequest{RequestId: "x6", LoanId: "TB", Amount: "1", ValueDate: "2024-02-29"}, "value_date"},
			{&loancorev1.DisburseTrancheRequest{RequestId: "x7", LoanId: "TB", Amount: "1", ValueDate: "2024-13-01"}, "value_date"},
		} {
			_, err := c.DisburseTranche(ctx(t), bad.req)
			wantCode(t, err, codes.InvalidArgument)
			if v := violations(t, err); len(v) == 0 || v[0].GetField() != bad.field {
				t.Errorf("%v: violations %v, want %s", bad.req, v, bad.field)
			}
		}
		setToday(clk, "2025-01-20")
		_, err := c.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "x8", LoanId: "TB", Amount: "1", ValueDate: "2025-01-15"})
		if v := violations(t, err); len(v) != 1 || v[0].GetField() != "value_date" || !strings.Contains(v[0].GetDescription(), "last due date") {
			t.Fatalf("a tranche on the last due date: %v", err)
		}
		_, err = c.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "x9", LoanId: "PLAIN", Amount: "1", ValueDate: "2024-05-01"})
		if preconditionReason(t, err) != string(servicing.ReasonNoApprovedAmount) {
			t.Fatalf("a tranche of a loan without approved_amount: %v", err)
		}
		_, err = c.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "x10", LoanId: "NOPE", Amount: "1"})
		wantCode(t, err, codes.NotFound)
		if g := getLoan(t, c, &loancorev1.GetLoanRequest{LoanId: "TB"}); g.GetVersion() != 3 || g.GetDisbursedAmount() != "12100.00" {
			t.Fatalf("after the refusals: version %d, disbursed %s", g.GetVersion(), g.GetDisbursedAmount())
		}
		bad := trancheTerms()
		bad.ApprovedAmount = "11999.99"
		_, err = c.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "tb-bad", LoanId: "TBAD", BorrowerId: "B1", Terms: bad})
		if v := violations(t, err); len(v) != 1 || v[0].GetField() != "terms.approved_amount" {
			t.Fatalf("approved_amount below principal: %v", err)
		}
	})
}

// TestTrancheOnACreditLine: a tranche of a loan drawn under a line draws
// on the line like a drawdown — revolving or not, used grows by it, and a
// tranche beyond what is available is LIMIT_EXCEEDED though the approved
// amount would allow it — and a frozen line takes none.
func TestTrancheOnACreditLine(t *testing.T) {
	forEachLineStore(t, func(t *testing.T, c lineClients, clk *clock) {
		for _, revolving := range []bool{true, false} {
			id := map[bool]string{true: "TREV", false: "TONCE"}[revolving]
			tmpl := lineTemplate()
			tmpl.ApprovedAmount = "1000.00"
			if _, err := c.lines.OpenCreditLine(ctx(t), &loancorev1.OpenCreditLineRequest{RequestId: "open-" + id, CreditLineId: id, BorrowerId: "B1",
				Currency: "CNY", Limit: "1000.00", Revolving: revolving, DrawdownTerms: tmpl}); err != nil {
				t.Fatal(err)
			}
			loan := draw(t, c, id, "d-"+id, "300").GetLoan().GetLoanId()
			l := disburse(t, c.loans, &loancorev1.DisburseTrancheRequest{RequestId: "t1-" + id, LoanId: loan, Amount: "200"})
			if l.GetDisbursedAmount() != "500.00" || l.GetTerms().GetApprovedAmount() != "1000.00" {
				t.Fatalf("%s: the loan after its tranche: %v", id, l)
			}
			line := getLine(t, c, id)
			wantFigures(t, line, "1000.00", "500.00", "500.00")
			if e := line.GetEvents()[len(line.GetEvents())-1]; e.GetKind() != loancorev1.CreditLineEventKind_CREDIT_LINE_EVENT_KIND_TRANCHE_DRAWN ||
				e.GetLoanId() != loan || e.GetAmount() != "200.00" || e.GetRequestId() != "t1-"+id {
				t.Fatalf("%s: the line's event for the tranche: %v", id, e)
			}
			if line.GetDrawn() != "500.00" || line.GetLoans()[0].GetAmount() != "500.00" {
				t.Fatalf("%s: drawn %s, loans %v", id, line.GetDrawn(), line.GetLoans())
			}
			draw(t, c, id, "d2-"+id, "400")
			_, err := c.loans.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "t2-" + id, LoanId: loan, Amount: "100.01"})
			if preconditionReason(t, err) != string(servicing.ReasonLimitExceeded) || !strings.Contains(err.Error(), "100.00 available") {
				t.Fatalf("%s: a tranche over the line's limit: %v", id, err)
			}
			if _, err := c.lines.FreezeCreditLine(ctx(t), &loancorev1.FreezeCreditLineRequest{RequestId: "f-" + id, CreditLineId: id, Reason: "test"}); err != nil {
				t.Fatal(err)
			}
			_, err = c.loans.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "t3-" + id, LoanId: loan, Amount: "1"})
			if preconditionReason(t, err) != string(servicing.ReasonCreditLineFrozen) {
				t.Fatalf("%s: a tranche on a frozen line: %v", id, err)
			}
			wantFigures(t, getLine(t, c, id), "1000.00", "900.00", "100.00")
		}
		// A template may approve less than the limit: the line opens, and
		// a drawdown beyond the approved amount is refused naming it.
		tmpl := lineTemplate()
		tmpl.ApprovedAmount = "600.00"
		if _, err := c.lines.OpenCreditLine(ctx(t), &loancorev1.OpenCreditLineRequest{RequestId: "open-TSMALL", CreditLineId: "TSMALL", BorrowerId: "B1",
			Currency: "CNY", Limit: "1000.00", DrawdownTerms: tmpl}); err != nil {
			t.Fatalf("a line approving less than its limit: %v", err)
		}
		_, err := c.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: "d-TSMALL", CreditLineId: "TSMALL", Amount: "700"})
		if v := violations(t, err); len(v) != 1 || !strings.HasSuffix(v[0].GetField(), "approved_amount") {
			t.Fatalf("a drawdown beyond the template's approved amount: %v", err)
		}
		draw(t, c, "TSMALL", "d2-TSMALL", "600")
		_ = clk
	})
}

// TestTrancheWithOtherWrites: a tranche beside the other writes, on both
// stores. Payments before it keep their allocation; it is not reversible
// (NOT_A_REPAYMENT); close of business closes the loan as GetLoan shows
// it, tranche included; a loan with tranches can be restructured, and a
// restructured loan takes no tranche (AGREEMENT_SIGNED).
func TestTrancheWithOtherWrites(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		setToday(c.clk, "2024-04-20")
		if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "tw-c", LoanId: "TW", BorrowerId: "B1", Terms: trancheTerms()}); err != nil {
			t.Fatal(err)
		}
		for i, d := range []string{"2024-02-15", "2024-03-15"} {
			repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "tw-p" + string(rune('1'+i)), LoanId: "TW", Amount: "1066.19", ValueDate: d})
		}
		l := disburse(t, c.loans, &loancorev1.DisburseTrancheRequest{RequestId: "tw-t", LoanId: "TW", Amount: "6000", ValueDate: "2024-04-01"})
		if in := l.GetInstallments(); in[1].GetPrincipalPaid() != "955.65" || in[2].GetPrincipalDue() != "1625.58" || l.GetOutstanding().GetPrincipal() != "16098.16" {
			t.Fatalf("after the tranche: %v", l)
		}
		// Payments after it — the first read from the log, the others
		// from the cache entry it leaves — still show what was lent.
		for i := range 3 {
			p := repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "tw-q" + string(rune('1'+i)), LoanId: "TW", Amount: "1", ValueDate: "2024-04-20"})
			if l := p.GetLoan(); l.GetDisbursedAmount() != "18000.00" || len(l.GetTranches()) != 2 {
				t.Fatalf("payment %d after the tranche: disbursed %s, tranches %v", i+1, l.GetDisbursedAmount(), l.GetTranches())
			}
		}
		_, err := c.loans.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: "tw-r", LoanId: "TW", Seq: 5, Reason: "test"})
		if preconditionReason(t, err) != string(servicing.ReasonNotARepayment) {
			t.Fatalf("reversing a tranche: %v", err)
		}
		if _, err := runCOB(t, c, "2024-04-16"); err != nil {
			t.Fatal(err)
		}
		d, err := c.cob.ListDelinquentLoans(ctx(t), &loancorev1.ListDelinquentLoansRequest{})
		if err != nil {
			t.Fatal(err)
		}
		g := getLoan(t, c.loans, &loancorev1.GetLoanRequest{LoanId: "TW", AsOf: "2024-04-16"})
		if len(d.GetLoans()) != 1 || d.GetLoans()[0].GetDaysPastDue() != 1 || d.GetLoans()[0].GetOutstanding().GetTotal() != g.GetOutstanding().GetTotal() {
			t.Fatalf("close of business: %v, GetLoan %v", d.GetLoans(), g.GetOutstanding())
		}
		q, err := c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "TW", Changes: extension(2)})
		if err != nil {
			t.Fatalf("restructuring a loan with tranches: %v", err)
		}
		var principal int64
		for _, in := range q.GetInstallments() {
			principal += cents(t, in.GetPrincipal())
		}
		if principal != 1609816 {
			t.Fatalf("the restructured plan repays %d cents of principal, want 16098.16", principal)
		}
		p, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "tw-a", LoanId: "TW", Changes: extension(2), Reason: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.restructuring.AcceptAgreement(ctx(t), &loancorev1.AcceptAgreementRequest{RequestId: "tw-s", AgreementId: p.GetAgreement().GetAgreementId(), SignedBy: "B1"}); err != nil {
			t.Fatal(err)
		}
		_, err = c.loans.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "tw-t2", LoanId: "TW", Amount: "1"})
		if preconditionReason(t, err) != string(servicing.ReasonAgreementSigned) {
			t.Fatalf("a tranche after a restructuring: %v", err)
		}
	})
}

// cents parses a two-decimal amount.
func cents(t *testing.T, s string) int64 {
	t.Helper()
	whole, frac, _ := strings.Cut(s, ".")
	var n int64
	for _, r := range whole + (frac + "00")[:2] {
		n = n*10 + int64(r-'0')
	}
	return n
}

// trancheReasons (TestEveryReasonIsReachable): a tranche of a loan
// without approved_amount, and one beyond it.
func trancheReasons(h *reasonHarness) {
	t, c := h.t, h.api
	setToday(h.clk, "2024-06-01")
	create(t, c.loans, "R-TR-PLAIN")
	_, err := c.loans.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "R-TR-1", LoanId: "R-TR-PLAIN", Amount: "1"})
	h.refused(servicing.ReasonNoApprovedAmount, err)
	if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "R-TR-c", LoanId: "R-TR", BorrowerId: "B1", Terms: trancheTerms()}); err != nil {
		t.Fatal(err)
	}
	_, err = c.loans.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: "R-TR-2", LoanId: "R-TR", Amount: "8000.01"})
	h.refused(servicing.ReasonApprovedAmountExceeded, err)
}

// TestTrancheOnTheFeed: a tranche is a loan event, on the event feed as
// FEED_EVENT_KIND_TRANCHE with its amount and value date, and the kind
// filter selects it; through a real server with authentication on, on
// both stores.
func TestTrancheOnTheFeed(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			f := newAuthFixture(t, store)
			loans := loancorev1.NewLoanServiceClient(f.conns["servicer"])
			feed := loancorev1.NewEventFeedServiceClient(f.conns["subscriber"])
			if _, err := loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "tf-c", LoanId: "TF", BorrowerId: "B1", Terms: trancheTerms()}); err != nil {
				t.Fatal(err)
			}
			disburse(t, loans, &loancorev1.DisburseTrancheRequest{RequestId: "tf-t", LoanId: "TF", Amount: "6000", ValueDate: "2024-04-01"})
			all := feedEvents(subscribe(t, feed, &loancorev1.SubscribeEventsRequest{LoanIds: []string{"TF"}}))
			var kinds []string
			for _, e := range all {
				kinds = append(kinds, strings.TrimPrefix(e.GetKind().String(), "FEED_EVENT_KIND_"))
			}
			if got := strings.Join(kinds, " "); got != "ORIGINATION DISBURSEMENT TRANCHE" {
				t.Fatalf("the feed's kinds: %s", got)
			}
			if e := all[2]; e.GetEventId() != "TF/3" || e.GetAmount() != "6000.00" || e.GetValueDate() != "2024-04-01" || e.GetRequestId() != "tf-t" ||
				e.GetLoanEvent().GetKind() != loancorev1.LoanEventKind_LOAN_EVENT_KIND_TRANCHE {
				t.Fatalf("the tranche on the feed: %v", e)
			}
			only := feedEvents(subscribe(t, feed, &loancorev1.SubscribeEventsRequest{Kinds: []loancorev1.FeedEventKind{loancorev1.FeedEventKind_FEED_EVENT_KIND_TRANCHE}}))
			if len(only) != 1 || only[0].GetEventId() != "TF/3" {
				t.Fatalf("the tranches on the feed: %v", only)
			}
		})
	}
}

// TestConcurrentTranchesNeverExceedTheLimit, on one PostgreSQL with two
// servers (two servicing instances with their own pools, caches and
// turns, as two loand processes): on each line of 1,000 with a loan of
// 300 drawn (approved up to 1,000), a tranche of 500 of that loan, a
// second tranche of 500 of it and a drawdown of 500 race. Exactly one
// succeeds per line — the tranches race on the loan's and the line's seq,
// a tranche and a drawdown on the line's — and the line ends with 800
// used; the others are refused: LIMIT_EXCEEDED, or for a tranche that
// lost to the other tranche APPROVED_AMOUNT_EXCEEDED (200 left of 1,000),
// which is checked first.
func TestConcurrentTranchesNeverExceedTheLimit(t *testing.T) {
	url := pgtest.URL(t)
	clk := &clock{now: testNow}
	var servers []lineClients
	for range 2 {
		db, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(db.Close)
		servers = append(servers, serveLines(t, db, clk))
	}
	const lines = 6
	loans := make([]string, lines)
	for i := range lines {
		id := fmt.Sprintf("TCL%d", i)
		tmpl := lineTemplate()
		tmpl.ApprovedAmount = "1000"
		if _, err := servers[0].lines.OpenCreditLine(ctx(t), &loancorev1.OpenCreditLineRequest{RequestId: "open-" + id, CreditLineId: id,
			BorrowerId: "B1", Currency: "CNY", Limit: "1000.00", Revolving: i%2 == 0, DrawdownTerms: tmpl}); err != nil {
			t.Fatal(err)
		}
		loans[i] = draw(t, servers[0], id, "d0-"+id, "300").GetLoan().GetLoanId()
	}
	errs := make(chan error, lines*3)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range lines {
		id := fmt.Sprintf("TCL%d", i)
		for j := range 3 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				s := servers[j%2]
				var err error
				if j < 2 {
					_, err = s.loans.DisburseTranche(ctx(t), &loancorev1.DisburseTrancheRequest{RequestId: fmt.Sprintf("t-%s-%d", id, j), LoanId: loans[i], Amount: "500"})
				} else {
					_, err = s.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: "d1-" + id, CreditLineId: id, Amount: "500"})
				}
				errs <- err
			}()
		}
	}
	close(start)
	wg.Wait()
	close(errs)
	ok := 0
	for err := range errs {
		if err == nil {
			ok++
			continue
		}
		if reason := preconditionReason(t, err); reason != string(servicing.ReasonLimitExceeded) && reason != string(servicing.ReasonApprovedAmountExceeded) {
			t.Errorf("refused with %s (%v), want LIMIT_EXCEEDED or APPROVED_AMOUNT_EXCEEDED", reason, err)
		}
	}
	if ok != lines {
		t.Errorf("%d writes succeeded over %d lines, want one a line", ok, lines)
	}
	for i := range lines {
		l := getLine(t, servers[1], fmt.Sprintf("TCL%d", i))
		if l.GetUsed() != "800.00" || l.GetDrawn() != "800.00" {
			t.Errorf("line %d after the race: used %s drawn %s, want 800.00", i, l.GetUsed(), l.GetDrawn())
		}
	}
}
