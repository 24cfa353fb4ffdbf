package servicing_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// TestProcessesShareLoans: three services on one store stand for three
// loand processes, each with its own log cache, paying, retrying and
// reversing on the same few loans at once, so that each often decides from
// a fold another has moved past. Whatever the interleaving:
//   - every acknowledged repayment and reversal is in its loan's log once,
//     at the seq it was acknowledged with, and no refused request is;
//   - a retry answers with the first call's seq;
//   - the loan row's status is the fold's;
//   - what the installments say was paid is the sum of the repayments not
//     reversed.
//
// The operations each worker tries come from the seed; their interleaving
// does not, so a failure names its seed and the invariant, not a replay.
func TestProcessesShareLoans(t *testing.T) { seeded(t, processesShareLoans) }

func processesShareLoans(t *testing.T, db store.Store, seed uint64) {
	t.Logf("seed %d (replay the operations with -seed=%d)", seed, seed)
	ctx := context.Background()
	var clock atomic.Int64
	clock.Store(time.Date(2024, 3, 1, 2, 0, 0, 0, time.UTC).UnixMicro())
	now := func() time.Time { return time.UnixMicro(clock.Add(1000)).UTC() }
	today := engine.DateOf(2024, 3, 1)
	const processes, loanCount, workers, opsEach = 3, 3, 6, 30
	var procs [processes]*servicing.Loans
	for i := range procs {
		var err error
		if procs[i], err = servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: now, Location: time.UTC}); err != nil {
			t.Fatal(err)
		}
	}
	// 1,200.00 over twelve months: a few payments pay a loan off, and
	// reversing one of them makes it ACTIVE again.
	terms := twelveMonths()
	terms.Principal = 120_000
	c := terms.Currency
	for l := range loanCount {
		id := fmt.Sprintf("L%d", l)
		if _, err := procs[0].CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c-" + id, RequestHash: "c", LoanID: id, BorrowerID: "B", Terms: terms}); err != nil {
			t.Fatal(err)
		}
	}

	type payment struct {
		loan, requestID, hash string
		amount                money.Amount
		valueDate             engine.Date
		seq                   int64
	}
	type reversal struct {
		loan, requestID string
		seq, target     int64
	}
	var mu sync.Mutex
	var paid []payment      // acknowledged repayments
	var reversed []reversal // acknowledged reversals
	// pick is an acknowledged repayment, at random.
	pick := func(rng *rand.Rand) (payment, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(paid) == 0 {
			return payment{}, false
		}
		return paid[rng.IntN(len(paid))], true
	}
	// settled reports whether err is a refusal the operation may meet when
	// another process got there first: the loan is paid off, the payment
	// is more than is owed, the repayment is already reversed, or the
	// version check lost every attempt (ABORTED).
	settled := func(err error) bool {
		var pre *servicing.PreconditionError
		return errors.As(err, &pre) || errors.Is(err, store.ErrVersionConflict)
	}
	var wg sync.WaitGroup
	for w := range workers {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		wg.Go(func() {
			for i := range opsEach {
				proc := procs[rng.IntN(processes)]
				loan := fmt.Sprintf("L%d", rng.IntN(loanCount))
				switch op := rng.IntN(10); {
				case op < 6:
					p := payment{loan: loan, requestID: fmt.Sprintf("w%d-p%d", w, i), amount: money.Amount(1 + rng.Int64N(50_000)),
						valueDate: []engine.Date{today, engine.DateOf(2024, 2, 15), engine.DateOf(2024, 1, 31)}[rng.IntN(3)]}
					if rng.IntN(3) == 0 {
						// The payoff as this process sees it: it settles
						// the loan, or is refused or falls short when
						// another payment or reversal lands first.
						q, err := proc.QuotePayoff(ctx, loan, today)
						if err != nil {
							t.Errorf("seed %d: quote %s: %v", seed, loan, err)
							continue
						}
						if q.Payoff.Total() <= 0 {
							continue
						}
						p.amount, p.valueDate = q.Payoff.Total(), today
					}
					p.hash = fmt.Sprintf("%s/%d/%s", p.loan, p.amount, p.valueDate)
					res, err := proc.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: p.requestID, RequestHash: p.hash,
						LoanID: loan, Amount: p.amount.Format(c), ValueDate: p.valueDate, Actor: "test"})
					if err != nil {
						if !settled(err) {
							t.Errorf("seed %d: repayment %s: %v", seed, p.requestID, err)
						}
						continue
					}
					p.seq = res.Seq
					mu.Lock()
					paid = append(paid, p)
					mu.Unlock()
				case op < 8:
					p, ok := pick(rng)
					if !ok {
						continue
					}
					res, err := proc.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: p.requestID, RequestHash: p.hash,
						LoanID: p.loan, Amount: p.amount.Format(c), ValueDate: p.valueDate, Actor: "test"})
					if err != nil || res.Seq != p.seq {
						t.Errorf("seed %d: retry of %s (seq %d): seq %d, %v", seed, p.requestID, p.seq, res.Seq, err)
					}
				default:
					p, ok := pick(rng)
					if !ok {
						continue
					}
					id := fmt.Sprintf("w%d-r%d", w, i)
					res, err := proc.ReverseRepayment(ctx, servicing.ReverseRepaymentParams{RequestID: id, RequestHash: id,
						LoanID: p.loan, Seq: p.seq, Reason: "test", Actor: "test"})
					if err != nil {
						if !settled(err) {
							t.Errorf("seed %d: reversal %s of %s seq %d: %v", seed, id, p.loan, p.seq, err)
						}
						continue
					}
					mu.Lock()
					reversed = append(reversed, reversal{loan: p.loan, requestID: id, seq: res.Seq, target: p.seq})
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()

	// Read back with a service that has no cache.
	fresh, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: now, Location: time.UTC, CachedLoans: -1})
	if err != nil {
		t.Fatal(err)
	}
	fail := func(format string, args ...any) {
		t.Helper()
		t.Errorf("seed %d: %s", seed, fmt.Sprintf(format, args...))
	}
	for l := range loanCount {
		loan := fmt.Sprintf("L%d", l)
		events, _, err := fresh.ListLoanEvents(ctx, loan)
		if err != nil {
			t.Fatal(err)
		}
		logged := map[string][]store.EventRecord{}
		for _, e := range events {
			logged[e.RequestID] = append(logged[e.RequestID], e)
		}
		// The origination's events, then one per acknowledged request.
		acked := len(logged["c-"+loan])
		undone := map[int64]bool{}
		for _, r := range reversed {
			if r.loan != loan {
				continue
			}
			acked++
			if got := logged[r.requestID]; len(got) != 1 || got[0].Seq != r.seq || got[0].Kind != store.KindReversal || got[0].TargetSeq != r.target {
				fail("%s: reversal %s acknowledged at seq %d, logged as %+v", loan, r.requestID, r.seq, got)
			}
			if undone[r.target] {
				fail("%s: seq %d reversed twice", loan, r.target)
			}
			undone[r.target] = true
		}
		want := money.Amount(0)
		for _, p := range paid {
			if p.loan != loan {
				continue
			}
			acked++
			if got := logged[p.requestID]; len(got) != 1 || got[0].Seq != p.seq || got[0].Kind != store.KindRepayment {
				fail("%s: repayment %s acknowledged at seq %d, logged as %+v", loan, p.requestID, p.seq, got)
			}
			if !undone[p.seq] {
				want += p.amount
			}
		}
		if acked != len(events) {
			fail("%s: %d events logged, %d acknowledged: a refused request was written", loan, len(events), acked)
		}
		v, err := fresh.GetLoan(ctx, servicing.GetLoanParams{LoanID: loan, AsOf: today})
		if err != nil {
			t.Fatal(err)
		}
		got := v.Credit
		for _, in := range v.Installment {
			got += in.PrincipalPaid + in.InterestPaid + in.PenaltyPaid + in.CompoundPaid
		}
		if got != want {
			fail("%s: installments say %s was paid, the repayments not reversed sum to %s", loan, got.Format(c), want.Format(c))
		}
		row, err := db.LoadLoan(ctx, store.LoadLoanParams{LoanID: loan})
		if err != nil {
			t.Fatal(err)
		}
		if row.Loan.Status != v.Status {
			fail("%s: the loan row says %s, its log folds to %s", loan, row.Loan.Status, v.Status)
		}
		t.Logf("%s: %d events, %s, %s paid", loan, len(events), v.Status, got.Format(c))
	}
}
