package servicing_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestCloseOfBusinessCarryChangesNothing: carrying steady loans on in the
// store (CarrySteady, as loand runs) writes what folding every loan every
// date writes, whether one worker carries the date in one page or three
// carry it in pages of two at once (CarryWorkers). The same loans,
// payments (some dated back, some reversed) and closes go to three
// stores, two closed with CarrySteady (one worker; three, folding by id
// no more than 3 loans the carry left, so that some dates scan for them)
// and one
// replaying every loan every date; after each of 75 dates all hold the
// same positions, journal lines, notices and previous positions, the
// same run records (loans to do, done, failed), both carrying stores
// carried as many loan-dates, and a good share of the loan-dates was
// carried.
func TestCloseOfBusinessCarryChangesNothing(t *testing.T) {
	seededKinds(t, func(t *testing.T, open storetest.NewStore, seed uint64) {
		carryChangesNothing(t, open(t), open(t), open(t), seed)
	})
}

// carrySide is one of the two stores with its clock, loans and close.
type carrySide struct {
	db    store.Store
	now   time.Time
	loans *servicing.Loans
	cob   *servicing.Close
	cs    *carryCounting
	// params are the close's.
	params servicing.NewCloseParams
	// payments are the side's payments and reversals (dailyPayments).
	payments *dailyPayments
}

// newCarrySide is a store's side of a test: replaying every loan every
// date when workers is 0, else carrying with that many workers in pages
// of page (0: the default).
func newCarrySide(t *testing.T, db store.Store, workers, page int) *carrySide {
	return newObservedCarrySide(t, db, workers, page, nil)
}

// newObservedCarrySide is newCarrySide whose use cases tell obs (nil:
// none) what they do.
func newObservedCarrySide(t *testing.T, db store.Store, workers, page int, obs servicing.Observer) *carrySide {
	s := &carrySide{db: db, now: time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC), cs: &carryCounting{CloseOfBusiness: db}}
	var err error
	s.loans, err = servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { s.now = s.now.Add(time.Microsecond); return s.now },
		Location: time.UTC, CachedLoans: -1, SnapshotEvery: 3, Observer: obs})
	if err != nil {
		t.Fatal(err)
	}
	s.params = servicing.NewCloseParams{Store: s.cs, Loans: s.loans, BatchSize: 5, StepUnchanged: workers > 0,
		CarrySteady: workers > 0, CarryWorkers: workers, CarryPageSize: page}
	s.cob = servicing.NewClose(s.params)
	return s
}

// keepingLeft makes the side's close read by id no more than n loans
// the carry left (NewCloseParams.CarryLeftMax), and scan for them on a
// date that leaves more.
func (s *carrySide) keepingLeft(n int) *carrySide {
	s.params.CarryLeftMax = n
	s.cob = servicing.NewClose(s.params)
	return s
}

func carryChangesNothing(t *testing.T, carriedDB, pagedDB, replayedDB store.Store, seed uint64) {
	ctx := context.Background()
	carried, paged, replayed := newCarrySide(t, carriedDB, 1, 0), newCarrySide(t, pagedDB, 3, 2).keepingLeft(3), newCarrySide(t, replayedDB, 0, 0)
	sides := []*carrySide{carried, paged, replayed}
	const n = 16
	for _, s := range sides {
		createPenaltyLoans(t, s.loans, n, "L%02d")
		// The same seed on both: the same payments and reversals.
		s.payments = newDailyPayments(seed, 0xca77, n, 12, 4)
	}
	for day := range 75 {
		d := dateOf(carried.now).AddDays(-1)
		for _, s := range sides {
			s.payments.day(t, s.loans, day, dateOf(s.now))
			if _, err := s.cob.Run(ctx, servicing.RunParams{BusinessDate: d}); err != nil {
				t.Fatalf("seed %d: close of %s: %v", seed, d, err)
			}
		}
		sameClose(t, seed, carried.db, replayed.db, d, n)
		sameClose(t, seed, paged.db, replayed.db, d, n)
		sameRuns(t, seed, d, carried.db, paged.db, replayed.db)
		if c, p := carried.cs.carried.Load(), paged.cs.carried.Load(); c != p {
			t.Fatalf("seed %d: by %s, %d loan-dates carried in one page a date, %d in pages of 2", seed, d, c, p)
		}
		for _, s := range sides {
			s.now = s.now.Add(24 * time.Hour)
		}
	}
	c := carried.cs
	t.Logf("%d loan-dates carried in the store, %d folded; %d payments reversed", c.carried.Load(), c.folded.Load(), carried.payments.reversals)
	if c.carried.Load() < 75*n/3 {
		t.Fatalf("seed %d: %d of %d loan-dates carried: the test does not exercise carrying", seed, c.carried.Load(), 75*n)
	}
}

// sameClose fails unless the two stores hold the same positions, journal
// totals, previous positions and notices after closing d.
func sameClose(t *testing.T, seed uint64, a, b store.Store, d engine.Date, n int) {
	t.Helper()
	ctx := context.Background()
	both := func(f func(s store.Store) (any, error)) (any, any) {
		t.Helper()
		x, err := f(a)
		if err == nil {
			var y any
			if y, err = f(b); err == nil {
				return x, y
			}
		}
		t.Fatalf("seed %d: %v", seed, err)
		return nil, nil
	}
	checks := map[string]func(s store.Store) (any, error){
		"delinquent positions": func(s store.Store) (any, error) {
			return s.DelinquentPositions(ctx, store.PositionQuery{AsOf: d, Limit: 100})
		},
		"notices": func(s store.Store) (any, error) {
			return s.DueNotices(ctx, store.NoticeQuery{From: d, To: d, AfterDate: engine.NoDate, Limit: 1000})
		},
		"previous positions": func(s store.Store) (any, error) {
			page, err := s.COBLoans(ctx, store.COBLoansParams{BusinessDate: d + 1, Limit: 100})
			var out []string
			for _, l := range page.Loans {
				out = append(out, fmt.Sprintf("%s %s %v %+v", l.Loan.LoanID, l.PrevAsOf, l.PrevBucket, l.Charged))
			}
			return out, err
		},
		"journal": func(s store.Store) (any, error) {
			var out []store.Accrual
			for i := range n {
				a, err := s.AccrualTotal(ctx, store.AccrualQuery{LoanID: fmt.Sprintf("L%02d", i)})
				if err != nil {
					return nil, err
				}
				out = append(out, a)
			}
			return out, nil
		},
	}
	for what, f := range checks {
		if x, y := both(f); fmt.Sprintf("%+v", x) != fmt.Sprintf("%+v", y) {
			t.Fatalf("seed %d: %s of %s differ:\ncarried  %+v\nreplayed %+v", seed, what, d, x, y)
		}
	}
}

// sameRuns fails unless the stores' records of d's run say the same: as
// many loans to do, done and failed, and completed.
func sameRuns(t *testing.T, seed uint64, d engine.Date, stores ...store.Store) {
	t.Helper()
	var first store.COBRun
	for i, s := range stores {
		run, err := s.GetCOBRun(context.Background(), store.COBRunKey{BusinessDate: d})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if run.Status != store.COBCompleted || run.LoansDone != run.LoansTotal {
			t.Fatalf("seed %d: store %d's run of %s: %+v", seed, i, d, run)
		}
		if i == 0 {
			first = run
		} else if run.LoansTotal != first.LoansTotal || run.LoansDone != first.LoansDone || run.Failures != first.Failures {
			t.Fatalf("seed %d: the runs of %s differ: %+v and %+v", seed, d, first, run)
		}
	}
}

// carryCounting counts the loan-dates close of business carried in the
// store and those it folded.
type carryCounting struct {
	store.CloseOfBusiness
	carried, folded atomic.Int64
}

func (s *carryCounting) CarryPositions(ctx context.Context, p store.CarryPositionsParams) (store.CarryResult, error) {
	r, err := s.CloseOfBusiness.CarryPositions(ctx, p)
	s.carried.Add(r.Carried)
	return r, err
}

func (s *carryCounting) SavePositions(ctx context.Context, p store.SavePositionsParams) error {
	s.folded.Add(int64(len(p.Positions)))
	return s.CloseOfBusiness.SavePositions(ctx, p)
}

// TestCarryNeedsTheSamePolicy: a run found under one notice policy is not
// carried on by a close of business under another (here a reminder five
// days ahead instead of three), which folds the loans again.
func TestCarryNeedsTheSamePolicy(t *testing.T) {
	eachStore(t, func(t *testing.T, db store.Store) {
		ctx := context.Background()
		s := newCarrySide(t, db, 1, 0)
		createPenaltyLoans(t, s.loans, 8, "L%02d")
		d := dateOf(s.now).AddDays(-1)
		if _, err := s.cob.Run(ctx, servicing.RunParams{BusinessDate: d}); err != nil {
			t.Fatal(err)
		}
		s.now = s.now.Add(24 * time.Hour)
		other := servicing.NewClose(servicing.NewCloseParams{Store: s.cs, Loans: s.loans, ReminderDays: 5, StepUnchanged: true, CarrySteady: true})
		if _, err := other.Run(ctx, servicing.RunParams{BusinessDate: d + 1}); err != nil {
			t.Fatal(err)
		}
		if n := s.cs.carried.Load(); n != 0 {
			t.Fatalf("%d loans carried under another policy", n)
		}
		s.now = s.now.Add(24 * time.Hour)
		if _, err := other.Run(ctx, servicing.RunParams{BusinessDate: d + 2}); err != nil {
			t.Fatal(err)
		}
		if n := s.cs.carried.Load(); n == 0 {
			t.Fatal("none carried under the policy the runs were found with")
		}
	})
}
