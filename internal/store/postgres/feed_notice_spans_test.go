package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestNoticesFedAsSpans: the sequencer feeds a transaction's notices as
// spans (migration 28), a row for each 500 in (loan id, notice id)
// order, naming its first; a last span of one is a row as before. The
// conformance suite reads such spans every way (FeedNoticeSpans); this
// checks that they are what the feed holds.
func TestNoticesFedAsSpans(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	d := engine.DateOf(2024, 3, 1)
	numberedLoans(t, s, 1001)
	var ps []store.Position
	for i := 1000; i >= 0; i-- { // written in the other order
		p := foldedPosition(i, d)
		p.Notices = []store.Notice{{ID: fmt.Sprintf("N%04d", i), Date: d, LoanID: fmt.Sprintf("L%04d", i), Kind: "FIRST_OVERDUE",
			InstallmentNumber: 1, DueDate: d - 1, Amount: 100, DaysPastDue: 1, Bucket: engine.M1}}
		ps = append(ps, p)
	}
	at := time.Date(2024, 3, 2, 1, 0, 0, 0, time.UTC)
	if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: d, Positions: ps, RecordedAt: at}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SequenceFeed(ctx, store.SequenceFeedParams{Wait: true}); err != nil {
		t.Fatal(err)
	}
	rows, err := s.Pool().Query(ctx, `SELECT loan_id || ' ' || notice_id || ' ' || span FROM event_feed
		WHERE kind = 'DUE_NOTICE' ORDER BY position`)
	if err != nil {
		t.Fatal(err)
	}
	got, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"L0000 N0000 500", "L0500 N0500 500", "L1000 N1000 1"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("notice rows of the feed:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
