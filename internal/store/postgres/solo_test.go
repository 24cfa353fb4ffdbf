package postgres_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// soloTimings are short periods, so that the protocol's steps take
// milliseconds here; their ratios are the defaults'.
var soloTimings = postgres.NewSoloTimings(20*time.Millisecond, 50*time.Millisecond,
	300*time.Millisecond, 450*time.Millisecond, 500*time.Millisecond)

// hungTimings have a lock timeout shorter than the lease, so that a
// joiner that did not wait out a hung holder's lease would write while
// the holder still reads from memory.
var hungTimings = postgres.NewSoloTimings(20*time.Millisecond, 50*time.Millisecond,
	time.Second, 1500*time.Millisecond, 300*time.Millisecond)

func openSolo(t *testing.T, dbURL string) *postgres.Store { return openWith(t, dbURL, soloTimings) }

func openWith(t *testing.T, dbURL string, timings postgres.SoloTimings) *postgres.Store {
	t.Helper()
	s, err := postgres.OpenWithTimings(context.Background(), dbURL, timings)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// waitSolo waits until s reads as the only writer, starting its
// protocol with a check first.
func waitSolo(t *testing.T, s *postgres.Store, want bool) {
	t.Helper()
	if _, err := s.LoanVersionsSince(context.Background(), "", nil); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(10 * time.Second); s.Alone() != want; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("solo is not %v after 10 s", want)
		}
	}
}

// versionOf checks the store for loan's version since since, and returns
// the answer's marker.
func versionOf(t *testing.T, s *postgres.Store, since, loan string, want int64) string {
	t.Helper()
	got, err := s.LoanVersionsSince(context.Background(), since, []string{loan})
	if err != nil || (got.Marker != since && got.Versions[loan] != want) {
		t.Fatalf("versions since %q: %+v, %v; want %s at %d", since, got, err, loan, want)
	}
	return got.Marker
}

func pay(id string, version int64) store.AppendEventParams {
	at := time.Date(2024, 2, 15, 9, 0, 0, 0, time.UTC).Add(time.Duration(version) * time.Hour)
	rid := "p-" + id + "-" + string(rune('a'+version))
	return store.AppendEventParams{
		LoanID: id, ExpectedVersion: version,
		Event: store.EventRecord{LoanID: id, Seq: version + 1, Kind: "REPAYMENT", ValueDate: "2024-02-15",
			RecordedAt: at, RequestID: rid, Actor: "t", Amount: "1.00"},
		Request: store.RequestRecord{RequestID: rid, Method: "RecordRepayment", RequestHash: "h", LoanID: id, Seq: version + 1, RecordedAt: at},
	}
}

// TestSoloMarkerMovesWithOwnWrites: alone on its database, the store's
// marker is in memory: unchanged while it writes nothing, moved by its
// own write, and the versions read after the write are the new ones.
func TestSoloMarkerMovesWithOwnWrites(t *testing.T) {
	ctx := context.Background()
	s := openSolo(t, pgtest.URL(t))
	if err := s.CreateLoan(ctx, newLoan("L1")); err != nil {
		t.Fatal(err)
	}
	waitSolo(t, s, true)
	m := soloMarker(t, s, "", "L1", 2)
	if err := s.AppendEvent(ctx, pay("L1", 2)); err != nil {
		t.Fatal(err)
	}
	if s.MarkerUnchanged(m) {
		t.Fatal("the marker read before the store's own write says unchanged after it")
	}
	if next := soloMarker(t, s, m, "L1", 3); next == m {
		t.Fatalf("after the write, the marker is still %q", m)
	}
}

// soloMarker checks the store for loan's version since since until the
// answer's marker is a solo one that MarkerUnchanged confirms: a machine
// too busy to renew the lease in time takes the store out of solo for a
// moment, which only makes a read ask the database.
func soloMarker(t *testing.T, s *postgres.Store, since, loan string, want int64) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		m := versionOf(t, s, since, loan, want)
		if strings.HasPrefix(m, "s") && s.MarkerUnchanged(m) {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("no solo marker after 10 s: last %q, unchanged %v", m, s.MarkerUnchanged(m))
		}
	}
}

// TestSoloYieldsToAWriter: a second store's first write waits for the
// one alone to leave solo; once that write has returned, the first store
// no longer takes its marker as unchanged, and reads the new version.
// When the second closes, the first is alone again.
func TestSoloYieldsToAWriter(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	a := openSolo(t, dbURL)
	if err := a.CreateLoan(ctx, newLoan("L1")); err != nil {
		t.Fatal(err)
	}
	waitSolo(t, a, true)
	m := versionOf(t, a, "", "L1", 2)
	b := openSolo(t, dbURL)
	if err := b.AppendEvent(ctx, pay("L1", 2)); err != nil {
		t.Fatal(err)
	}
	if a.MarkerUnchanged(m) || a.Alone() {
		t.Fatalf("after another store's write: unchanged %v, solo %v", a.MarkerUnchanged(m), a.Alone())
	}
	versionOf(t, a, m, "L1", 3)
	// Neither is alone while both write.
	waitSolo(t, b, false)
	time.Sleep(5 * soloTimings.Retry())
	if a.Alone() || b.Alone() {
		t.Fatalf("two writers: solo %v and %v", a.Alone(), b.Alone())
	}
	b.Close()
	waitSolo(t, a, true)
	versionOf(t, a, "", "L1", 3)
}

// TestSoloHolderHung: a store alone whose protocol stops (a hung
// process) does not block the next writer for ever: after its lock
// timeout the joiner ends the holder's member session and waits out its
// lease, so that by the joiner's write the holder reads no more from
// memory. The holder's own next write is refused by the fence (its
// session is gone), joins again, and is made.
func TestSoloHolderHung(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	a := openWith(t, dbURL, hungTimings)
	if err := a.CreateLoan(ctx, newLoan("L1")); err != nil {
		t.Fatal(err)
	}
	waitSolo(t, a, true)
	m := versionOf(t, a, "", "L1", 2)
	release := a.HoldPolls()
	b := openWith(t, dbURL, hungTimings)
	if err := b.AppendEvent(ctx, pay("L1", 2)); err != nil {
		release()
		t.Fatal(err)
	}
	if a.MarkerUnchanged(m) {
		release()
		t.Fatal("a hung holder still takes its marker as unchanged after the joiner's write")
	}
	release()
	if err := a.AppendEvent(ctx, pay("L1", 3)); err != nil {
		t.Fatalf("the holder's write after its session ended: %v", err)
	}
	versionOf(t, b, "", "L1", 4)
}

// TestSoloWaitsForWritesInFlight: a store that finds itself alone does
// not read from memory while a transaction that was in progress then
// (a write whose fence passed before its writer left) may still commit.
func TestSoloWaitsForWritesInFlight(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	// A session named as loand's, so that only its transaction, not the
	// session, keeps the store from solo.
	tx, err := session(t, dbURL, "loancore").Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
		t.Fatal(err)
	}
	s := openSolo(t, dbURL)
	if _, err := s.LoanVersionsSince(ctx, "", nil); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * soloTimings.Poll())
	if s.Alone() {
		t.Fatal("solo while a transaction older than the lock is in progress")
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	waitSolo(t, s, true)
}

// TestMemberFenceNeedsTheWritersKey: loancore_member is false for a key no
// session holds, true for one that is held, and a write behind a false
// fence writes nothing.
func TestMemberFenceNeedsTheWritersKey(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	holder, writer := session(t, dbURL, ""), session(t, dbURL, "")
	fence := func() bool {
		t.Helper()
		var ok bool
		if err := writer.QueryRow(ctx, `SELECT loancore_member(4242)`).Scan(&ok); err != nil {
			t.Fatal(err)
		}
		return ok
	}
	if fence() {
		t.Fatal("the fence passes a key nobody holds")
	}
	tag, err := writer.Exec(ctx, `INSERT INTO loancore_solo (id, until) SELECT 1, now() WHERE loancore_member(4242)`)
	if err != nil || tag.RowsAffected() != 0 {
		t.Fatalf("a write behind a false fence: %v, %v", tag, err)
	}
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_lock(4242)`); err != nil {
		t.Fatal(err)
	}
	if !fence() {
		t.Fatal("the fence refuses a held key")
	}
}

// TestSoloNotWithAForeignSession: a session on the database that is not
// loancore's (a loand from before the writers' fence, which writes
// without joining) keeps a store from solo, and takes it out of solo.
func TestSoloNotWithAForeignSession(t *testing.T) {
	ctx := context.Background()
	dbURL := pgtest.URL(t)
	s := openSolo(t, dbURL)
	waitSolo(t, s, true)
	foreign := session(t, dbURL, "")
	waitSolo(t, s, false)
	time.Sleep(5 * soloTimings.Retry())
	if s.Alone() {
		t.Fatal("solo beside a foreign session")
	}
	if err := foreign.Close(ctx); err != nil {
		t.Fatal(err)
	}
	waitSolo(t, s, true)
}

// session connects to dbURL, its application_name name (none for ""),
// and closes the connection when the test ends. A session named
// "loancore" is taken for loand's own, and keeps no store from solo.
func session(t *testing.T, dbURL, name string) *pgx.Conn {
	t.Helper()
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if name != "" {
		cfg.RuntimeParams["application_name"] = name
	}
	conn, err := pgx.ConnectConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close(context.Background()) })
	return conn
}
