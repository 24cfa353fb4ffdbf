package postgres_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// proxy forwards TCP connections to a server until cut, when it drops
// every connection it carries, as a network failure or a server that
// died without a word would.
type proxy struct {
	lis   net.Listener
	mu    sync.Mutex
	conns []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{lis: lis}
	t.Cleanup(func() { _ = lis.Close(); p.cut() })
	go func() {
		for {
			client, err := lis.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				_ = client.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, client, server)
			p.mu.Unlock()
			// Either side closing closes both, as a TCP proxy does.
			go func() { _, _ = io.Copy(server, client); _ = server.Close(); _ = client.Close() }()
			go func() { _, _ = io.Copy(client, server); _ = server.Close(); _ = client.Close() }()
		}
	}()
	return p
}

// cut drops every connection the proxy carries.
func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, c := range p.conns {
		_ = c.Close()
	}
	p.conns = nil
}

// blockedWriter is the backend of a write that waits for a lock, found
// by the connection holding that lock.
func blockedWriter(t *testing.T, admin *pgx.Conn) int32 {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		var pid int32
		err := admin.QueryRow(context.Background(), `SELECT pid FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()`).Scan(&pid)
		if err == nil {
			return pid
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("the write never waited for the lock")
	return 0
}

// TestConnectionLostMidTransaction: a CreateLoan whose transaction has
// written the loan's row and waits to write its events loses its
// connection — its backend terminated (pg_terminate_backend, as at a
// server shutdown), or the connection dropped (a crash, the network) —
// and gets store.ErrUnavailable, which the API answers UNAVAILABLE:
// retry. Nothing of the loan was written.
func TestConnectionLostMidTransaction(t *testing.T) {
	for _, tc := range []struct {
		name string
		lose func(t *testing.T, admin *pgx.Conn, p *proxy, pid int32)
	}{
		{"terminated", func(t *testing.T, admin *pgx.Conn, _ *proxy, pid int32) {
			if _, err := admin.Exec(context.Background(), `SELECT pg_terminate_backend($1)`, pid); err != nil {
				t.Fatal(err)
			}
		}},
		{"dropped", func(_ *testing.T, _ *pgx.Conn, p *proxy, _ int32) { p.cut() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			dbURL := pgtest.URL(t)
			s, p := openThroughProxy(t, dbURL)
			admin, err := pgx.Connect(ctx, dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer admin.Close(ctx)
			tx, err := admin.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := tx.Exec(ctx, `LOCK TABLE loan_events IN ACCESS EXCLUSIVE MODE`); err != nil {
				t.Fatal(err)
			}
			done := make(chan error, 1)
			go func() { done <- s.CreateLoan(ctx, newLoan("CUT")) }()
			tc.lose(t, admin, p, blockedWriter(t, admin))
			err = <-done
			_ = tx.Rollback(ctx)
			if !errors.Is(err, store.ErrUnavailable) {
				t.Fatalf("CreateLoan cut off: %v, want ErrUnavailable", err)
			}
			if _, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: "CUT"}); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("after the cut: %v, want ErrNotFound", err)
			}
		})
	}
}

// openThroughProxy opens a store on the database at dbURL through a proxy
// the test can cut, closed when the test ends.
func openThroughProxy(t *testing.T, dbURL string) (*postgres.Store, *proxy) {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	p := startProxy(t, u.Host)
	u.Host = p.lis.Addr().String()
	s, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s, p
}

// newLoan is a loan with its first two events, as servicing books one.
func newLoan(id string) store.NewLoanRecord {
	at := time.Date(2024, 1, 15, 9, 0, 0, 0, time.UTC)
	return store.NewLoanRecord{
		Loan: store.LoanRecord{LoanID: id, BorrowerID: "B", Currency: "CNY", Terms: []byte(`{}`), Status: store.StatusActive, CreatedAt: at},
		Events: []store.EventRecord{
			{LoanID: id, Seq: 1, Kind: store.KindOrigination, ValueDate: "2024-01-15", RecordedAt: at, RequestID: "c-" + id, Actor: "t"},
			{LoanID: id, Seq: 2, Kind: store.KindDisbursement, ValueDate: "2024-01-15", RecordedAt: at, RequestID: "c-" + id, Actor: "t", Amount: "100.00"},
		},
		Request: store.RequestRecord{RequestID: "c-" + id, Method: "CreateLoan", RequestHash: "h", LoanID: id, Seq: 2, RecordedAt: at},
	}
}

// TestMarkerConnectionLost: LoanVersionsSince runs on a connection of its
// own, kept between checks, not taken from the pool (which tests a
// connection idle for a while before handing it out); when that
// connection has been lost while idle, the next check still answers, on
// a new one.
func TestMarkerConnectionLost(t *testing.T) {
	ctx := context.Background()
	s, p := openThroughProxy(t, pgtest.URL(t))
	if _, err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	first, err := s.LoanVersionsSince(ctx, "", []string{"L1"})
	if err != nil {
		t.Fatal(err)
	}
	for _, since := range []string{first.Marker, ""} {
		p.cut()
		got, err := s.LoanVersionsSince(ctx, since, []string{"L1"})
		if err != nil || got.Marker == "" {
			t.Fatalf("since %q, after the connection was lost: %+v, %v", since, got, err)
		}
	}
}
