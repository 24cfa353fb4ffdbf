package main

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/auth"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store/sqlite"
)

// countingListener counts the connections a server accepts.
type countingListener struct {
	net.Listener
	accepted atomic.Int64
}

func (l *countingListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err == nil {
		l.accepted.Add(1)
	}
	return c, err
}

// serveLoand serves loancore's gRPC API on a loopback port from a SQLite
// store of its own, in dev mode, and returns the address and the listener
// that counts its connections.
func serveLoand(t *testing.T) (string, *countingListener) {
	return serveLoandAuth(t, nil)
}

// serveLoandAuth is serveLoand authenticating callers with authn (nil:
// dev mode).
func serveLoandAuth(t *testing.T, authn *auth.Authenticator) (string, *countingListener) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "loadpay.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: time.Now})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	counted := &countingListener{Listener: lis}
	srv := grpcapi.NewServer(grpcapi.Options{Loans: loans, Dev: authn == nil, Authenticator: authn, Logger: slog.New(slog.DiscardHandler),
		Audit: slog.New(slog.DiscardHandler)})
	go func() { _ = srv.GRPC.Serve(counted) }()
	t.Cleanup(srv.GRPC.Stop)
	return lis.Addr().String(), counted
}

var okRe = regexp.MustCompile(`^\d+ ok=(\d+) failed=(\d+) `)

// TestDriveSharesConnections runs the bench's client against a real server
// and checks that every repayment succeeds and that the clients' calls go
// over the connections asked for: -conns 2 for 5 clients opens 2, 0 opens
// one per client.
func TestDriveSharesConnections(t *testing.T) {
	addr, lis := serveLoand(t)
	for _, tc := range []struct {
		name        string
		connections int
		want        int64
	}{
		{"shared", 2, 2},
		{"one each", 0, 5},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := lis.accepted.Load()
			var out strings.Builder
			err := drive(driveParams{Addr: addr, Loans: 3, Clients: 5, Connections: tc.connections, Duration: 300 * time.Millisecond,
				Run: "test-" + strconv.Itoa(tc.connections), View: loancorev1.LoanView_LOAN_VIEW_FULL}, &out)
			if err != nil {
				t.Fatal(err)
			}
			m := okRe.FindStringSubmatch(out.String())
			if m == nil {
				t.Fatalf("output %q: want a rate, ok= and failed=", out.String())
			}
			if ok, _ := strconv.Atoi(m[1]); ok == 0 || m[2] != "0" {
				t.Errorf("output %q: want repayments and no failures", out.String())
			}
			if got := lis.accepted.Load() - before; got != tc.want {
				t.Errorf("the server accepted %d connections, want %d", got, tc.want)
			}
		})
	}
}

// TestDriveSendsToken: against a loand that authenticates, -token's
// credential goes with every call (the loans are created and listed, and
// every repayment succeeds); without it the first call is refused.
func TestDriveSendsToken(t *testing.T) {
	path := filepath.Join(t.TempDir(), "api-keys.jsonl")
	_, key, err := auth.CreateAPIKey(path, "bench", []string{"servicer"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var keys auth.APIKeys
	if err := keys.Load(data); err != nil {
		t.Fatal(err)
	}
	addr, _ := serveLoandAuth(t, &auth.Authenticator{APIKeys: &keys})
	p := driveParams{Addr: addr, Loans: 3, Clients: 2, Connections: 1, Duration: 200 * time.Millisecond,
		Run: "token", View: loancorev1.LoanView_LOAN_VIEW_BASIC}
	if err := drive(p, io.Discard); err == nil || !strings.Contains(err.Error(), "Unauthenticated") {
		t.Errorf("without a token: %v, want Unauthenticated", err)
	}
	p.Token = key
	var out strings.Builder
	if err := drive(p, &out); err != nil {
		t.Fatal(err)
	}
	m := okRe.FindStringSubmatch(out.String())
	if m == nil || m[1] == "0" || m[2] != "0" {
		t.Errorf("output %q: want repayments and no failures", out.String())
	}
}

// TestDriveReadModes: each read mode of make bench-read runs its call
// against a real server with no failures.
func TestDriveReadModes(t *testing.T) {
	addr, _ := serveLoand(t)
	for _, mode := range []string{modeHealth, modeGet, modeList} {
		t.Run(mode, func(t *testing.T) {
			var out strings.Builder
			err := drive(driveParams{Addr: addr, Loans: 3, Clients: 2, Connections: 1, Duration: 200 * time.Millisecond,
				Run: "read-" + mode, Mode: mode, PageSize: 2}, &out)
			if err != nil {
				t.Fatal(err)
			}
			m := okRe.FindStringSubmatch(out.String())
			if m == nil || m[1] == "0" || m[2] != "0" {
				t.Errorf("output %q: want calls and no failures", out.String())
			}
		})
	}
}
