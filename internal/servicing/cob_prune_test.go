package servicing_test

import (
	"context"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestPruningChangesNothing: close of business on two stores of a kind,
// carrying steady loans on, one keeping two dates of positions
// (NewCloseParams.KeepPositionDates) and the other every date's, over 70
// days of the same payments and reversals, with loan L00 paid off on day
// 12 and the payoff reversed on day 55, when its positions are long
// pruned: the loan reopens with none kept, and its next close reads what
// it had been charged from its journal. After every date both stores hold
// the same positions, notices, journal totals and previous positions.
func TestPruningChangesNothing(t *testing.T) {
	seededKinds(t, func(t *testing.T, open storetest.NewStore, seed uint64) {
		kept, pruned := newCarrySide(t, open(t), 1, 0), newCarrySide(t, open(t), 1, 0).keepingDates(2)
		pruningChangesNothing(t, kept, pruned, seed)
	})
}

func pruningChangesNothing(t *testing.T, kept, pruned *carrySide, seed uint64) {
	ctx := context.Background()
	sides := []*carrySide{kept, pruned}
	const n = 8
	for _, s := range sides {
		createPenaltyLoans(t, s.loans, n, "L%02d")
		s.payments = newDailyPayments(seed, 0x9a0e, n, 12, 4)
	}
	var payoff int64
	for day := range 70 {
		d := dateOf(kept.now).AddDays(-1)
		for _, s := range sides {
			switch day {
			case 12:
				payoff = payOff(t, s, "L00")
			case 55:
				reopen(t, s, "L00", payoff)
			}
			s.payments.day(t, s.loans, day, dateOf(s.now))
		}
		if day == 55 {
			reopenedUnpositioned(t, pruned.db, kept.db, d, "L00")
		}
		for _, s := range sides {
			if _, err := s.cob.Run(ctx, servicing.RunParams{BusinessDate: d}); err != nil {
				t.Fatalf("seed %d: close of %s: %v", seed, d, err)
			}
		}
		sameClose(t, seed, kept.db, pruned.db, d, n)
		sameRuns(t, seed, d, kept.db, pruned.db)
		for _, s := range sides {
			s.now = s.now.Add(24 * time.Hour)
		}
	}
	if got, _ := pruned.db.DelinquentPositions(ctx, store.PositionQuery{AsOf: dateOf(pruned.now).AddDays(-40), Limit: 1}); len(got) != 0 {
		t.Fatalf("seed %d: positions 40 days old still kept: %+v", seed, got)
	}
}

// keepingDates makes the side's close keep n dates of positions.
func (s *carrySide) keepingDates(n int) *carrySide {
	s.params.KeepPositionDates = n
	s.cob = servicing.NewClose(s.params)
	return s
}

// payOff pays the loan off today and returns the payment's seq.
func payOff(t *testing.T, s *carrySide, loanID string) int64 {
	t.Helper()
	ctx := context.Background()
	q, err := s.loans.QuotePayoff(ctx, loanID, engine.NoDate)
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: "off", RequestHash: "h", LoanID: loanID,
		Amount: q.Payoff.Total().Format(q.Terms.Currency), Actor: "test"})
	if err != nil || res.Loan.Status != store.StatusPaidOff {
		t.Fatalf("payoff of %s: %v, status %s", loanID, err, res.Loan.Status)
	}
	return res.Seq
}

// reopen reverses the payoff, which makes the loan active again.
func reopen(t *testing.T, s *carrySide, loanID string, seq int64) {
	t.Helper()
	res, err := s.loans.ReverseRepayment(context.Background(), servicing.ReverseRepaymentParams{RequestID: "reopen", RequestHash: "h",
		LoanID: loanID, Seq: seq, Reason: "returned by the bank", Actor: "test"})
	if err != nil || res.Loan.Status != store.StatusActive {
		t.Fatalf("reversal of %s's payoff: %v, status %s", loanID, err, res.Loan.Status)
	}
}

// reopenedUnpositioned fails unless the reopened loan has no position
// left on the pruned store before d's close, and is charged there what
// the store that kept every date reads from its latest position: the
// case the test is for.
func reopenedUnpositioned(t *testing.T, pruned, kept store.Store, d engine.Date, loanID string) {
	t.Helper()
	ctx := context.Background()
	read := func(s store.Store) store.COBLoan {
		page, err := s.COBLoans(ctx, store.COBLoansParams{BusinessDate: d, Limit: 10, LoanIDs: []string{loanID}})
		if err != nil || len(page.Loans) != 1 {
			t.Fatalf("%s on %s: %+v, %v", loanID, d, page, err)
		}
		return page.Loans[0]
	}
	p, k := read(pruned), read(kept)
	if p.PrevAsOf != engine.NoDate || k.PrevAsOf == engine.NoDate || p.Charged != k.Charged || p.Charged.IsZero() {
		t.Fatalf("%s reopened: pruned store's previous position %s charged %+v; kept store's %s charged %+v", loanID,
			p.PrevAsOf, p.Charged, k.PrevAsOf, k.Charged)
	}
}
