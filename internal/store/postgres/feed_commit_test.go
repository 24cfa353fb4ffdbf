package postgres_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestFeedPassCommitsAsynchronously: a sequencer pass commits without
// waiting for its WAL flush, and only the pass: the setting must not
// outlive the pass's transaction on the pooled connection, for the next
// user of that connection may be a writer, and the feed's guarantee after
// a crash rests on every writer committing synchronously (docs/design.md
// §7). The test cluster runs with synchronous_commit off, so the
// connection asks for it on.
func TestFeedPassCommitsAsynchronously(t *testing.T) {
	ctx := context.Background()
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("pool_max_conns", "1")
	q.Set("synchronous_commit", "on")
	u.RawQuery = q.Encode()
	s, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	pool := s.Pool()

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var locked, inPass string
	if err := tx.QueryRow(ctx, postgres.FeedLockSQL, int64(0x66656564)).Scan(&locked, new(string), new(string)); err != nil {
		t.Fatal(err)
	}
	if err := tx.QueryRow(ctx, "SHOW synchronous_commit").Scan(&inPass); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if locked != "true" || inPass != "off" {
		t.Errorf("in a pass: locked %q, synchronous_commit %q; want true, off", locked, inPass)
	}

	// A pass that feeds a row (so it has an xid and commits), on the
	// pool's only connection.
	err = s.CreateLoan(ctx, store.NewLoanRecord{
		Loan:    store.LoanRecord{LoanID: "L1", BorrowerID: "B", Currency: "CNY", Status: "ACTIVE", CreatedAt: benchT0, Terms: []byte(benchTerms(12))},
		Events:  []store.EventRecord{{LoanID: "L1", Seq: 1, Kind: "ORIGINATION", ValueDate: "2024-01-15", RecordedAt: benchT0, RequestID: "c-L1", Actor: "api"}},
		Request: store.RequestRecord{RequestID: "c-L1", Method: "CreateLoan", RequestHash: "h", LoanID: "L1", Seq: 1, RecordedAt: benchT0}})
	if err != nil {
		t.Fatal(err)
	}
	for _, wait := range []bool{false, true} {
		head, err := s.SequenceFeed(ctx, store.SequenceFeedParams{Wait: wait})
		if err != nil || head != 1 {
			t.Fatalf("SequenceFeed(Wait %v) = %d, %v; want 1", wait, head, err)
		}
		var after string
		if err := pool.QueryRow(ctx, "SHOW synchronous_commit").Scan(&after); err != nil {
			t.Fatal(err)
		}
		if after != "on" {
			t.Errorf("after a pass (Wait %v) the connection's synchronous_commit is %q, want on", wait, after)
		}
	}
}

// TestFeedPassReadsByIndex: a pass planned while the journal was empty
// and vacuumed (a new database) still reads it by its xid index once it
// holds lines: the pass's plan is made once per connection and kept, and
// a plan made then read the whole journal at every pass.
func TestFeedPassReadsByIndex(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	pass := func(sql string) string {
		t.Helper()
		tx, err := conn.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer func() { _ = tx.Rollback(ctx) }()
		if _, err := tx.Exec(ctx, postgres.FeedLockSQL, int64(0x66656564)); err != nil {
			t.Fatal(err)
		}
		rows, err := tx.Query(ctx, sql)
		if err != nil {
			t.Fatal(err)
		}
		var plan string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err == nil {
				plan += line + "\n"
			}
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		return plan
	}
	for _, sql := range []string{"VACUUM ANALYZE loan_accruals", "PREPARE pass AS " + postgres.SequenceSQL} {
		if _, err := conn.Exec(ctx, sql); err != nil {
			t.Fatal(err)
		}
	}
	pass("EXECUTE pass") // planned now, over an empty journal
	if _, err := conn.Exec(ctx, `INSERT INTO loan_accruals (business_date, loan_id, penalty, compound, fees, recorded_at)
		SELECT '2024-02-20', 'L' || i, 1, 0, 0, now() FROM generate_series(1, 5000) i`); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `INSERT INTO due_notices (notice_id, notice_date, loan_id, kind, installment_number, amount,
			days_past_due, bucket, recorded_at)
		SELECT 'N' || i, '2024-02-20', 'L' || i, 'FIRST_OVERDUE', 1, 1, 1, 1, now() FROM generate_series(1, 5000) i`); err != nil {
		t.Fatal(err)
	}
	plan := pass("EXPLAIN EXECUTE pass")
	if !readsRange(plan, "loan_accruals_xid_idx") || strings.Contains(plan, "Seq Scan on loan_accruals") {
		t.Fatalf("the kept plan of a pass does not read the journal's range by its xid index:\n%s", plan)
	}
	if !readsRange(plan, "due_notices_xid_idx") || strings.Contains(plan, "Seq Scan on due_notices") {
		t.Fatalf("the kept plan of a pass does not read the notices' range by their xid index:\n%s", plan)
	}
}

// readsRange reports whether a text plan scans index (an index scan or a
// bitmap index scan) with the pass's xid range as its index condition,
// not the whole index filtered by a join.
func readsRange(plan, index string) bool {
	lines := strings.Split(plan, "\n")
	for i, l := range lines {
		if !strings.Contains(l, "using "+index+" on") && !strings.Contains(l, "Bitmap Index Scan on "+index+" ") {
			continue
		}
		for _, next := range lines[i+1:] {
			if strings.Contains(next, "Index Cond:") {
				if strings.Contains(next, "Index Cond: ((xid > ") {
					return true
				}
				break
			}
		}
	}
	return false
}
