package postgres_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// readBenchLines is how many journal lines BenchmarkReadFeed's close of
// business writes, in one transaction: enough that the planner probes the
// loans and the journal for a page rather than hashing them whole (at
// 20,000 it hashed them, for both storages, and that was the read's cost).
const readBenchLines = 200_000

// seqBenchLines is how many journal lines BenchmarkSequenceLines writes
// in one transaction and feeds in one pass: a carried page's worth.
const seqBenchLines = 20_000

// BenchmarkReadFeed times a subscriber reading everything a close of
// business fed (readBenchLines lines, one transaction), from the start,
// in pages of 500 as SubscribeEvents reads; ns/op is the whole read,
// ns/entry per entry. kernel=spans is the feed as the sequencer writes it
// (a row a span of up to 500 lines, expanded by ReadFeed); kernel=batches
// the same lines as the carry writes them (accrual_batches of 500,
// migration 22), a batch a feed row; kernel=rows,
// the baseline, holds the same lines one feed row each, as the sequencer
// wrote them before migration 0020 (and as ReadFeed still reads the rows
// fed then). filter=loans reads the entries of 10 loans spread over the
// close (SubscribeEvents with loan ids), once through the whole feed.
// pg-cpu-ns/entry is the CPU the database's backends spent (backendsCPU).
// Each kernel has a database of its own, set up before any is timed.
func BenchmarkReadFeed(b *testing.B) {
	spans, batches, rows := readBenchStore(b, "spans"), readBenchStore(b, "batches"), readBenchStore(b, "rows")
	var loans []string
	for i := range 10 {
		loans = append(loans, fmt.Sprintf("R%06d", i*readBenchLines/10+7))
	}
	for _, filter := range []string{"none", "loans"} {
		for _, k := range []struct {
			name string
			s    *postgres.Store
		}{{"spans", spans}, {"batches", batches}, {"rows", rows}} {
			b.Run(fmt.Sprintf("filter=%s/kernel=%s", filter, k.name), func(b *testing.B) {
				p := store.ReadFeedParams{Limit: 500}
				want := readBenchLines
				if filter == "loans" {
					p.LoanIDs, want = loans, len(loans)
				}
				cpu0 := backendsCPU(b, k.s)
				for b.Loop() {
					if n := readFeedThrough(b, k.s, p); n != want {
						b.Fatalf("read %d entries, want %d", n, want)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*want), "ns/entry")
				b.ReportMetric(float64((backendsCPU(b, k.s)-cpu0).Nanoseconds())/float64(b.N*want), "pg-cpu-ns/entry")
			})
		}
	}
}

// readFeedThrough reads the feed from p.After to its head in pages and
// returns how many entries it read.
func readFeedThrough(b *testing.B, s *postgres.Store, p store.ReadFeedParams) int {
	n := 0
	for {
		page, err := s.ReadFeed(context.Background(), p)
		if err != nil {
			b.Fatal(err)
		}
		n += len(page.Entries)
		p.After = page.Through
		if len(page.Entries) < p.Limit {
			return n
		}
	}
}

// readBenchStore is a database holding readBenchLines loans, each with a
// journal line of one date written in one transaction and fed: by the
// sequencer (spans; batches, the lines in accrual_batches of 500), or
// (rows) by one feed row a line in the sequencer's order, the feed's
// storage before migration 0020. The loans' own events are left out of
// the feed: the read times the lines.
func readBenchStore(b *testing.B, storage string) *postgres.Store {
	b.Helper()
	ctx := context.Background()
	url := pgtest.URL(b)
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	setup := []string{
		fmt.Sprintf(`INSERT INTO loans (loan_id, borrower_id, currency, terms, status, created_at)
			SELECT 'R' || lpad(i::text, 6, '0'), 'B', 'CNY', '{}', 'ACTIVE', now() FROM generate_series(0, %d) i`, readBenchLines-1),
		`INSERT INTO loan_accruals (business_date, loan_id, penalty, compound, fees, recorded_at)
			SELECT '2024-02-20', loan_id, 1.5, 0.02, 0, now() FROM loans`,
	}
	if storage == "batches" {
		setup[1] = `INSERT INTO accrual_batches (business_date, first_loan_id, last_loan_id, loan_ids, penalties, compounds, recorded_at)
			SELECT '2024-02-20', min(loan_id), max(loan_id), array_agg(loan_id ORDER BY loan_id), array_agg(1.5), array_agg(0.02), now()
			FROM (SELECT loan_id, (row_number() OVER (ORDER BY loan_id) - 1) / 500 AS batch FROM loans) l GROUP BY batch`
	}
	if storage == "rows" {
		setup = append(setup, `INSERT INTO event_feed (position, xid, kind, loan_id, business_date)
			SELECT row_number() OVER (ORDER BY xid, loan_id, business_date), xid, 'ACCRUAL', loan_id, business_date FROM loan_accruals`)
	}
	for _, q := range append(setup, "VACUUM ANALYZE") {
		if _, err := conn.Exec(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
	s := openBenchStore(b, url)
	head, err := s.SequenceFeed(ctx, store.SequenceFeedParams{Wait: true})
	if err != nil || head != readBenchLines {
		b.Fatalf("fed through %d, want %d: %v", head, readBenchLines, err)
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE event_feed"); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkSequenceLines times the sequencer's pass that feeds a close
// of business's page: seqBenchLines journal lines written in one
// transaction (untimed) and fed by one pass (timed), each iteration a
// new business date of the same loans. kernel=spans is sequenceSQL;
// kernel=rows, the baseline, the pass before migration 0020
// (oneRowEachSequenceSQL), which wrote a feed row a line; each on a
// database of its own, both through the same lock statement and batch
// as SequenceFeed. ns/line is the pass's time a line, pg-cpu-ns/line the
// CPU the database's backends spent on it (backendsCPU).
func BenchmarkSequenceLines(b *testing.B) {
	for _, k := range []struct{ name, pass string }{{"spans", postgres.SequenceSQL}, {"rows", oneRowEachSequenceSQL}} {
		b.Run("kernel="+k.name, func(b *testing.B) {
			ctx := context.Background()
			s := readBenchStore(b, k.name)
			head := int64(readBenchLines)
			pass := func() int64 {
				batch := &pgx.Batch{}
				batch.Queue(postgres.FeedLockSQL, int64(0x66656564))
				batch.Queue(k.pass)
				res := s.Pool().SendBatch(ctx, batch)
				var got int64
				_, err := res.Exec()
				if err == nil {
					err = res.QueryRow().Scan(&got)
				}
				if cerr := res.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					b.Fatal(err)
				}
				return got
			}
			var pgCPU time.Duration
			for d := 1; b.Loop(); d++ {
				b.StopTimer()
				if _, err := s.Pool().Exec(ctx, `INSERT INTO loan_accruals (business_date, loan_id, penalty, compound, fees, recorded_at)
					SELECT '2024-02-20'::date + $1::int, loan_id, 1.5, 0.02, 0, now() FROM loans ORDER BY loan_id LIMIT $2`,
					d, seqBenchLines); err != nil {
					b.Fatal(err)
				}
				cpu0 := backendsCPU(b, s)
				b.StartTimer()
				got := pass()
				for got < head+seqBenchLines { // a transaction elsewhere held the xmin back: untimed
					b.StopTimer()
					time.Sleep(time.Millisecond)
					got = pass()
					b.StartTimer()
				}
				b.StopTimer()
				pgCPU += backendsCPU(b, s) - cpu0
				b.StartTimer()
				if got != head+seqBenchLines {
					b.Fatalf("fed through %d, want %d", got, head+seqBenchLines)
				}
				head = got
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*seqBenchLines), "ns/line")
			b.ReportMetric(float64(pgCPU.Nanoseconds())/float64(b.N*seqBenchLines), "pg-cpu-ns/line")
		})
	}
}

// oneRowEachSequenceSQL is the sequencer's pass as it was before
// migration 0020 (at 26173c4): a feed row a journal line. It runs on
// the new schema as it did on the old (span takes its default, 1), as
// long as the database holds no span.
const oneRowEachSequenceSQL = `WITH h AS (
	SELECT COALESCE((SELECT xid FROM event_feed ORDER BY position DESC LIMIT 1), '0'::xid8) AS after,
		pg_snapshot_xmin(pg_current_snapshot()) AS upto,
		COALESCE((SELECT max(position) FROM event_feed), 0) AS pos
	WHERE current_setting('loancore.feed_locked', true) = 'true'
), src AS (
	SELECT e.xid, 1 AS src, e.kind, e.loan_id, e.seq, NULL::date AS business_date, NULL::text AS notice_id,
		NULL::text AS credit_line_id
		FROM loan_events e, h WHERE e.xid > h.after AND e.xid < h.upto
	UNION ALL
	SELECT a.xid, 2, 'ACCRUAL', a.loan_id, NULL, a.business_date, NULL, NULL
		FROM loan_accruals a, h WHERE a.xid > h.after AND a.xid < h.upto
	UNION ALL
	SELECT n.xid, 3, 'DUE_NOTICE', n.loan_id, NULL, NULL, n.notice_id, NULL
		FROM due_notices n, h WHERE n.xid > h.after AND n.xid < h.upto
	UNION ALL
	SELECT c.xid, 4, 'CREDIT_LINE_' || c.kind, c.loan_id, c.seq, NULL, NULL, c.credit_line_id
		FROM credit_line_events c, h WHERE c.xid > h.after AND c.xid < h.upto
), fed AS (
	INSERT INTO event_feed (position, xid, kind, loan_id, seq, business_date, notice_id, credit_line_id)
	SELECT h.pos + row_number() OVER (ORDER BY src.xid, src.src, src.credit_line_id, src.loan_id, src.seq, src.business_date, src.notice_id),
		src.xid, src.kind, src.loan_id, src.seq, src.business_date, src.notice_id, src.credit_line_id
	FROM src, h
	RETURNING position
)
SELECT COALESCE((SELECT max(position) FROM fed), (SELECT pos FROM h), -1)`

// backendsCPU is the CPU time, user and system, the PostgreSQL backends
// serving s's database have used so far (from /proc: the benchmarks
// run beside the cluster), so a benchmark can report the database's
// work, which a busy machine's wall time hides; 0 where /proc is not.
func backendsCPU(b *testing.B, s *postgres.Store) time.Duration {
	b.Helper()
	rows, err := s.Pool().Query(context.Background(), `SELECT pid FROM pg_stat_activity WHERE datname = current_database()`)
	if err != nil {
		b.Fatal(err)
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		b.Fatal(err)
	}
	var total time.Duration
	for _, pid := range pids {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil {
			continue // ended, or no /proc
		}
		// The fields after the command's closing parenthesis: utime and
		// stime are the 12th and 13th, in clock ticks (100 a second).
		f := strings.Fields(string(stat[strings.LastIndexByte(string(stat), ')')+1:]))
		for _, i := range []int{11, 12} {
			ticks, _ := strconv.ParseInt(f[i], 10, 64)
			total += time.Duration(ticks) * 10 * time.Millisecond
		}
	}
	return total
}
