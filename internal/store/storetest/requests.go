package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// requestCases check the request records that make retries safe: kept on
// the event a request wrote, found by id whatever the loan, and never
// left behind by a refused write.
var requestCases = []testCase{
	{"DuplicateLoanAndRequest", testDuplicateLoanAndRequest},
	{"RequestOnAnyLoan", testRequestOnAnyLoan},
}

func testDuplicateLoanAndRequest(t *testing.T, s store.Store) {
	ctx := context.Background()
	if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateLoan(ctx, loan("L1", "B1")); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("same loan twice: %v", err)
	}
	if err := s.AppendEvent(ctx, payment("L1", 2, "pay-1")); err != nil {
		t.Fatal(err)
	}
	p := payment("L1", 3, "pay-1")
	if err := s.AppendEvent(ctx, p); !errors.Is(err, store.ErrDuplicate) {
		t.Fatalf("request id reused: %v", err)
	}
	// The failed append wrote nothing.
	lg, _ := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1"})
	if lg.Loan.Version != 3 || len(lg.Events) != 3 {
		t.Fatalf("version %d, %d events after a refused append", lg.Loan.Version, len(lg.Events))
	}
	r, err := s.FindRequest(ctx, store.RequestKey{RequestID: "pay-1"})
	if err != nil || r.LoanID != "L1" || r.Seq != 3 || r.RequestHash != "h2" {
		t.Fatalf("request %+v %v", r, err)
	}
	if _, err := s.FindRequest(ctx, store.RequestKey{RequestID: "nope"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown request: %v", err)
	}
}

// testRequestOnAnyLoan: a load names a request whatever loan it is on (a
// retry may name another loan than the first call wrote), and answers
// with no record for one that is unknown.
func testRequestOnAnyLoan(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2")
	appendAll(t, s, payment("L1", 2, "pay-1"))
	lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L2", RequestID: "pay-1"})
	if err != nil || lg.Request == nil {
		t.Fatalf("request pay-1 read with L2: %+v %v", lg.Request, err)
	}
	if r := *lg.Request; r.RequestID != "pay-1" || r.Method != "RecordRepayment" || r.RequestHash != "h2" || r.LoanID != "L1" || r.Seq != 3 ||
		!r.RecordedAt.Equal(t0.Add(2*time.Hour)) {
		t.Fatalf("request record %+v", r)
	}
	if lg.Loan.LoanID != "L2" || len(lg.Events) != 2 {
		t.Fatalf("the loan read with another's request: %+v, %d events", lg.Loan, len(lg.Events))
	}
	if lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1", RequestID: "nope"}); err != nil || lg.Request != nil || len(lg.Events) != 3 {
		t.Fatalf("unknown request: %+v %v", lg.Request, err)
	}
	r, err := s.FindRequest(ctx, store.RequestKey{RequestID: "create-L2"})
	if err != nil || r.Method != "CreateLoan" || r.LoanID != "L2" || r.Seq != 2 || r.RequestHash != "h" || !r.RecordedAt.Equal(t0) {
		t.Fatalf("the creating request %+v %v", r, err)
	}
}
