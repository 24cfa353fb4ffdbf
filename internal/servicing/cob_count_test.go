package servicing_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// lostSaveStore is a real store on which a process dies between a batch's
// positions and the save of its run's count: after batches
// SavePositions, every write fails, the run's saves included.
type lostSaveStore struct {
	store.CloseOfBusiness
	batches int
}

func (s *lostSaveStore) SavePositions(ctx context.Context, p store.SavePositionsParams) error {
	if s.batches == 0 {
		return errCrash
	}
	s.batches--
	return s.CloseOfBusiness.SavePositions(ctx, p)
}

func (s *lostSaveStore) SaveCOBRun(ctx context.Context, p store.COBRun) error {
	if s.batches == 0 {
		return errCrash
	}
	return s.CloseOfBusiness.SaveCOBRun(ctx, p)
}

// TestCloseOfBusinessCountsWhatIsWritten: a run that died after writing
// a batch and before saving its count left a record short of the
// positions; the next run counts on from the positions, so the date ends
// with every loan counted once, not short by the lost batch for good.
func TestCloseOfBusinessCountsWhatIsWritten(t *testing.T) {
	eachStore(t, func(t *testing.T, db store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 9, 1, 4, 0, 0, 0, time.UTC)
		loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { now = now.Add(time.Microsecond); return now }})
		if err != nil {
			t.Fatal(err)
		}
		const n = 23
		createPenaltyLoans(t, loans, n, "L%02d")
		day := engine.DateOf(2024, 5, 1)
		lost := &lostSaveStore{CloseOfBusiness: db, batches: 3}
		killed := servicing.NewClose(servicing.NewCloseParams{Store: lost, Loans: loans, BatchSize: 5})
		if _, err := killed.Run(ctx, servicing.RunParams{BusinessDate: day}); !errors.Is(err, errCrash) {
			t.Fatalf("killed run: %v", err)
		}
		cob := servicing.NewClose(servicing.NewCloseParams{Store: db, Loans: loans, BatchSize: 5})
		half, err := cob.GetRun(ctx, day)
		if err != nil || half.LoansDone != 10 {
			t.Fatalf("after the kill the record should count the two batches saved, not the third: %+v %v", half, err)
		}
		var first *store.COBRun
		run, err := cob.Run(ctx, servicing.RunParams{BusinessDate: day, Progress: func(p servicing.COBProgress) {
			if first == nil {
				first = &p.Run
			}
		}})
		if err != nil || run.Status != store.COBCompleted || run.LoansDone != n || run.LoansTotal != n {
			t.Fatalf("resumed run: %+v %v", run, err)
		}
		if first == nil || first.LoansDone != 15 || first.LoansTotal != n {
			t.Fatalf("the resumed run's first report: %+v, want 15 of %d done", first, n)
		}
	})
}
