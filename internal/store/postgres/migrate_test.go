package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// TestMigration2KeepsRequests: a database written under migration 1 (a
// requests table, loans.version) keeps every request and version through
// migration 2, which moves requests onto their events.
func TestMigration2KeepsRequests(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	// An empty schema of its own stands in for a database at version 1.
	v1, err := os.ReadFile("migrations/0001_loans.sql")
	if err != nil {
		t.Fatal(err)
	}
	s := openLegacy(ctx, t, dbURL, []string{string(v1),
		`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
		`INSERT INTO schema_migrations (version) VALUES (1)`,
		`INSERT INTO loans VALUES ('L1', 'B1', 'CNY', '{}', 'ACTIVE', 3, '2024-01-15T09:00:00Z')`,
		`INSERT INTO loan_events (loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount) VALUES
			('L1', 1, 'ORIGINATION', '2024-01-15', '2024-01-15T09:00:00Z', 'c1', 'api', 12000),
			('L1', 2, 'DISBURSEMENT', '2024-01-15', '2024-01-15T09:00:00Z', 'c1', 'api', 12000),
			('L1', 3, 'REPAYMENT', '2024-02-15', '2024-02-15T09:00:00Z', 'p1', 'api', 1066.19)`,
		`INSERT INTO requests VALUES ('c1', 'CreateLoan', 'hc', 'L1', 2, '2024-01-15T09:00:00Z'),
			('p1', 'RecordRepayment', 'hp', 'L1', 3, '2024-02-15T09:00:00Z')`,
	})
	applied, err := s.Migrate(ctx)
	if err != nil || len(applied) == 0 || applied[0] != 2 {
		t.Fatalf("applied %v, %v", applied, err)
	}
	lg, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "L1", RequestID: "p1"})
	if err != nil {
		t.Fatal(err)
	}
	want := store.RequestRecord{RequestID: "p1", Method: "RecordRepayment", RequestHash: "hp", LoanID: "L1", Seq: 3,
		RecordedAt: time.Date(2024, 2, 15, 9, 0, 0, 0, time.UTC)}
	if lg.Request == nil || *lg.Request != want || lg.Loan.Version != 3 || len(lg.Events) != 3 {
		t.Fatalf("after migration: request %+v, version %d, %d events", lg.Request, lg.Loan.Version, len(lg.Events))
	}
	c, err := s.FindRequest(ctx, store.RequestKey{RequestID: "c1"})
	if err != nil || c.Method != "CreateLoan" || c.RequestHash != "hc" || c.Seq != 2 {
		t.Fatalf("create request %+v, %v", c, err)
	}
	// The next payment appends after the migrated log.
	next := store.EventRecord{LoanID: "L1", Seq: 4, Kind: "REPAYMENT", ValueDate: "2024-03-15",
		RecordedAt: time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC), RequestID: "p2", Actor: "api", Amount: "1.00"}
	if err := s.AppendEvent(ctx, store.AppendEventParams{LoanID: "L1", ExpectedVersion: 3, Event: next,
		Request: store.RequestRecord{RequestID: "p2", Method: "RecordRepayment", RequestHash: "hp2", LoanID: "L1", Seq: 4, RecordedAt: next.RecordedAt}}); err != nil {
		t.Fatal(err)
	}
	// Migration 12 fed the events written before it, in order, and the
	// sequencer feeds what comes after.
	if _, err := s.SequenceFeed(ctx, store.SequenceFeedParams{Wait: true}); err != nil {
		t.Fatal(err)
	}
	page, err := s.ReadFeed(ctx, store.ReadFeedParams{Limit: 10})
	if err != nil || len(page.Entries) != 4 || page.Through != 4 {
		t.Fatalf("the feed after migration: %+v, %v", page, err)
	}
	for i, e := range page.Entries {
		if e.Position != int64(i+1) || e.Event == nil || e.Event.Seq != int64(i+1) {
			t.Fatalf("feed entry %d: %+v", i, e)
		}
	}
}

// TestConcurrentMigrate: migrators starting together on a new database,
// as several loand do on a first deployment, all succeed and apply each
// migration once between them. With schema_migrations created outside
// the lock, 5 starts in 18 failed for three at once; a few rounds of six
// made that failure near certain.
func TestConcurrentMigrate(t *testing.T) {
	files, err := filepath.Glob("migrations/*.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("migrations: %v, %v", files, err)
	}
	for round := range 3 {
		dbURL := pgtest.UnmigratedURL(t)
		const migrators = 6
		applied := make([][]int, migrators)
		errs := make([]error, migrators)
		var start, done sync.WaitGroup
		start.Add(1)
		for i := range migrators {
			done.Add(1)
			go func() {
				defer done.Done()
				s, err := postgres.Open(context.Background(), dbURL)
				if err != nil {
					errs[i] = err
					return
				}
				defer s.Close()
				start.Wait()
				applied[i], errs[i] = s.Migrate(context.Background())
			}()
		}
		start.Done()
		done.Wait()
		times := map[int]int{}
		for i := range migrators {
			if errs[i] != nil {
				t.Fatalf("round %d, migrator %d: %v", round, i, errs[i])
			}
			for _, v := range applied[i] {
				times[v]++
			}
		}
		if len(times) != len(files) {
			t.Fatalf("round %d: applied %v, want each of %d migrations", round, times, len(files))
		}
		for v, n := range times {
			if n != 1 {
				t.Errorf("round %d: migration %d applied %d times", round, v, n)
			}
		}
	}
}

// TestMigration14FeedsLineEvents: a database at migration 13 with a loan
// already fed and a credit line's events (which no feed row named) feeds
// the line's events after the loan's through migration 14, and the
// sequencer then feeds only what comes after: the backfilled rows carry
// the last fed xid, so its next pass does not start again from the
// first loan event.
func TestMigration14FeedsLineEvents(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	setup := []string{
		`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`}
	files, err := filepath.Glob("migrations/00*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files[:13] {
		sql, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		setup = append(setup, string(sql), fmt.Sprintf(`INSERT INTO schema_migrations (version) VALUES (%d)`, i+1))
	}
	setup = append(setup,
		`INSERT INTO loans (loan_id, borrower_id, currency, terms, status, created_at) VALUES ('L1', 'B1', 'CNY', '{}', 'ACTIVE', '2024-01-15T09:00:00Z')`,
		`INSERT INTO loan_events (loan_id, seq, kind, value_date, recorded_at, request_id, actor, amount) VALUES
			('L1', 1, 'ORIGINATION', '2024-01-15', '2024-01-15T09:00:00Z', 'c1', 'api', 12000),
			('L1', 2, 'DISBURSEMENT', '2024-01-15', '2024-01-15T09:00:00Z', 'c1', 'api', 12000)`,
		// What 0013's sequencer did: feed the loan's events, with their xid.
		`INSERT INTO event_feed (position, xid, kind, loan_id, seq) SELECT seq, xid, kind, loan_id, seq FROM loan_events`,
		`INSERT INTO credit_lines VALUES ('CL1', 'B1', 'CNY', true, NULL, '{}', 'FROZEN', '2024-01-16T09:00:00Z')`,
		`INSERT INTO credit_line_events (credit_line_id, seq, kind, value_date, recorded_at, request_id, actor, amount) VALUES
			('CL1', 1, 'OPENED', '2024-01-16', '2024-01-16T09:00:00Z', 'o1', 'api', 1000),
			('CL1', 2, 'FROZEN', '2024-01-17', '2024-01-17T09:00:00Z', 'f1', 'api', NULL)`)
	s := openLegacy(ctx, t, dbURL, setup)
	if applied, err := s.Migrate(ctx); err != nil || len(applied) == 0 || applied[0] != 14 {
		t.Fatalf("applied %v, %v", applied, err)
	}
	next := store.EventRecord{LoanID: "L1", Seq: 3, Kind: "REPAYMENT", ValueDate: "2024-03-15",
		RecordedAt: time.Date(2024, 3, 15, 9, 0, 0, 0, time.UTC), RequestID: "p2", Actor: "api", Amount: "1.00"}
	if err := s.AppendEvent(ctx, store.AppendEventParams{LoanID: "L1", ExpectedVersion: 2, Event: next,
		Request: store.RequestRecord{RequestID: "p2", Method: "RecordRepayment", RequestHash: "hp2", LoanID: "L1", Seq: 3, RecordedAt: next.RecordedAt}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SequenceFeed(ctx, store.SequenceFeedParams{Wait: true}); err != nil {
		t.Fatal(err)
	}
	page, err := s.ReadFeed(ctx, store.ReadFeedParams{Limit: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range page.Entries {
		got = append(got, fmt.Sprintf("%d %s %s %s", e.Position, e.Kind, e.LoanID, e.CreditLineID))
	}
	want := []string{"1 ORIGINATION L1 ", "2 DISBURSEMENT L1 ", "3 CREDIT_LINE_OPENED  CL1", "4 CREDIT_LINE_FROZEN  CL1", "5 REPAYMENT L1 "}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("the feed after migration 14:\n%q\nwant\n%q", got, want)
	}
}

// openLegacy builds a database as an older loand left it: a schema
// "legacy" of its own, made by the setup statements, and a store open on
// it (closed when the test ends), not yet migrated.
func openLegacy(ctx context.Context, t *testing.T, dbURL string, setup []string) *postgres.Store {
	t.Helper()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, sql := range append([]string{`CREATE SCHEMA legacy`, `SET search_path = legacy`}, setup...) {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatalf("%.80s: %v", sql, err)
		}
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", "legacy")
	u.RawQuery = q.Encode()
	s, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// TestMigration17KeepsPositions: the latest positions of a database at
// migration 16 (one row a loan, of whatever date it was last closed) move
// to the positions kept per date, each to its date's partition, and the
// next date's positions are appended beside them.
func TestMigration17KeepsPositions(t *testing.T) {
	ctx := context.Background()
	setup := []string{
		`CREATE TABLE schema_migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`}
	files, err := filepath.Glob("migrations/00*.sql")
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files[:16] {
		sql, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		setup = append(setup, string(sql), fmt.Sprintf(`INSERT INTO schema_migrations (version) VALUES (%d)`, i+1))
	}
	setup = append(setup,
		`INSERT INTO loans (loan_id, borrower_id, currency, terms, status, created_at) VALUES
			('L1', 'B1', 'CNY', '{}', 'ACTIVE', '2024-01-15T09:00:00Z'), ('L2', 'B1', 'CNY', '{}', 'ACTIVE', '2024-01-15T09:00:00Z')`,
		`INSERT INTO loan_positions VALUES ('L1', '2024-02-20', 'ACTIVE', 5, 1, 2, 100, 10, 2.04, 0.01, 2.04, 0.01, 50),
			('L2', '2024-02-19', 'ACTIVE', 31, 2, 2, 100, 10, 0, 0, 0, 0, 0)`)
	s := openLegacy(ctx, t, pgtest.URL(t), setup)
	if applied, err := s.Migrate(ctx); err != nil || len(applied) == 0 || applied[0] != 17 {
		t.Fatalf("applied %v, %v", applied, err)
	}
	d := engine.DateOf(2024, 2, 20)
	for asOf, want := range map[engine.Date]string{d: "L1 5 204", d - 1: "L2 31 0"} {
		got, err := s.DelinquentPositions(ctx, store.PositionQuery{AsOf: asOf, Limit: 10})
		if err != nil || len(got) != 1 || fmt.Sprintf("%s %d %d", got[0].LoanID, got[0].DaysPastDue, got[0].Outstanding.Penalty) != want {
			t.Fatalf("positions of %s: %+v, %v; want %s", asOf, got, err, want)
		}
	}
	next := store.Position{LoanID: "L1", Currency: "CNY", AsOf: d + 1, Status: "ACTIVE", DaysPastDue: 6, Bucket: engine.M1,
		Charged: store.Accrual{Penalty: 408, Compound: 2, Fees: 5000}, AccruedToday: store.Accrual{Penalty: 204, Compound: 1}}
	if err := s.SavePositions(ctx, store.SavePositionsParams{BusinessDate: d + 1, Positions: []store.Position{next}, RecordedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	page, err := s.COBLoans(ctx, store.COBLoansParams{BusinessDate: d + 2, Limit: 10})
	if err != nil || len(page.Loans) != 2 || page.Loans[0].PrevAsOf != d+1 || page.Loans[0].Charged != next.Charged ||
		page.Loans[1].PrevAsOf != d-1 || page.Loans[1].PrevBucket != engine.M2 {
		t.Fatalf("the loans of %s: %+v, %v", d+2, page.Loans, err)
	}
}
