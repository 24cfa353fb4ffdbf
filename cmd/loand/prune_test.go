package main

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store/pgtest"
)

// TestKeepPositionDates: loand run with --cob-keep-position-dates 3
// closes 45 business dates of overdue loans and then keeps the
// positions of its recent dates alone: fewer position partitions than
// dates closed, the prunes recorded and counted in its metrics (one a
// run; the dates dropped, as recorded), and the last date's
// positions and journal whole (a line a loan a date).
func TestKeepPositionDates(t *testing.T) {
	if testing.Short() {
		t.Skip("closes 45 dates")
	}
	ctx := context.Background()
	database := pgtest.URL(t)
	addr := freeAddr(t)
	metricsAddr := freeAddr(t)
	startLoand(t, addr, database, "--cob-keep-position-dates", "3", "--metrics-listen", metricsAddr)
	c := dialLoand(t, addr)
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	today := time.Now().In(shanghai)
	const n, dates = 20, 45
	createOverdueLoans(t, c.loans, today.AddDate(0, -6, 0).Format(time.DateOnly), n)
	runCOB(t, ctx, c.cob, today.AddDate(0, 0, -dates).Format(time.DateOnly))
	business := today.AddDate(0, 0, -1).Format(time.DateOnly)
	runCOB(t, ctx, c.cob, business) // the dates between, one by one

	db, err := pgx.Connect(ctx, database)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(ctx)
	var partitions, prunes, droppedDates int
	var keptFrom time.Time
	if err := db.QueryRow(ctx, `SELECT (SELECT count(*) FROM pg_inherits WHERE inhparent = 'loan_positions'::regclass),
		(SELECT count(*) FROM position_prunes), (SELECT max(kept_from) FROM position_prunes), (SELECT sum(dates) FROM position_prunes)`).Scan(
		&partitions, &prunes, &keptFrom, &droppedDates); err != nil {
		t.Fatal(err)
	}
	if partitions >= dates || prunes == 0 || keptFrom.Format(time.DateOnly) > business {
		t.Fatalf("after %d dates: %d position partitions, %d prunes, the last keeping from %s", dates, partitions, prunes, keptFrom)
	}
	checkOneJournalLinePerLoan(t, database, business, n)
	m := scrape(t, metricsAddr)
	if ok, failed, dropped := metricValue(t, m, "loancore_cob_prunes_total", "result", "ok"),
		metricValue(t, m, "loancore_cob_prunes_total", "result", "failed"),
		metricValue(t, m, "loancore_cob_position_dates_dropped_total"); ok != 2 || failed != 0 || int(dropped) != droppedDates ||
		dropped == 0 {
		t.Errorf("prunes: %v ok, %v failed, %v dates dropped; want 2 (a prune a run), none, %d as recorded", ok, failed, dropped, droppedDates)
	}
	t.Logf("%d dates closed: %d position partitions kept, %d prunes, the last from %s", dates, partitions, prunes, keptFrom.Format(time.DateOnly))
}
