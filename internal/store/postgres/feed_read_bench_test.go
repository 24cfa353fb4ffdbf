package postgres_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// readBenchLines is how many journal lines BenchmarkReadFeed's close of
// business writes in one transaction: a carried page's worth.
const readBenchLines = 20_000

// BenchmarkReadFeed times a subscriber reading everything a close of
// business fed (readBenchLines lines, one transaction), from the start,
// in pages of 500 as SubscribeEvents reads; ns/op is the whole read,
// ns/entry per entry. kernel=spans is the feed as the sequencer writes it
// (a row a span of up to 500 lines, expanded by ReadFeed); kernel=rows,
// the baseline, holds the same lines one feed row each, as the sequencer
// wrote them before migration 0020 (and as ReadFeed still reads the rows
// fed then). filter=loans reads the entries of 10 loans spread over the
// close (SubscribeEvents with loan ids), once through the whole feed.
// Each kernel has a database of its own, set up before any is timed.
func BenchmarkReadFeed(b *testing.B) {
	spans, rows := readBenchStore(b, false), readBenchStore(b, true)
	var loans []string
	for i := range 10 {
		loans = append(loans, fmt.Sprintf("R%06d", i*readBenchLines/10+7))
	}
	for _, filter := range []string{"none", "loans"} {
		for _, k := range []struct {
			name string
			s    *postgres.Store
		}{{"spans", spans}, {"rows", rows}} {
			b.Run(fmt.Sprintf("filter=%s/kernel=%s", filter, k.name), func(b *testing.B) {
				p := store.ReadFeedParams{Limit: 500}
				want := readBenchLines
				if filter == "loans" {
					p.LoanIDs, want = loans, len(loans)
				}
				for b.Loop() {
					if n := readFeedThrough(b, k.s, p); n != want {
						b.Fatalf("read %d entries, want %d", n, want)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*want), "ns/entry")
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
// sequencer (spans), or (oneRowEach) by one feed row a line in the
// sequencer's order, the feed's storage before migration 0020. The
// loans' own events are left out of the feed: the read times the lines.
func readBenchStore(b *testing.B, oneRowEach bool) *postgres.Store {
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
	if oneRowEach {
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
