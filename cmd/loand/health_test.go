package main

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/loancore/loancore/internal/store/pgtest"
)

// dbLink forwards TCP connections to PostgreSQL until it is cut: then it
// drops every connection it carries and closes each new one at once, as
// a database host gone from the network would look to loand, until it is
// mended.
type dbLink struct {
	lis    net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  []net.Conn
}

// startDBLink listens on a loopback port for connections to target.
func startDBLink(t *testing.T, target string) *dbLink {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l := &dbLink{lis: lis, target: target}
	t.Cleanup(func() { _ = lis.Close(); l.cut() })
	go l.serve()
	return l
}

func (l *dbLink) serve() {
	for {
		client, err := l.lis.Accept()
		if err != nil {
			return
		}
		l.mu.Lock()
		down := l.down
		l.mu.Unlock()
		if down {
			_ = client.Close()
			continue
		}
		server, err := net.Dial("tcp", l.target)
		if err != nil {
			_ = client.Close()
			continue
		}
		l.mu.Lock()
		l.conns = append(l.conns, client, server)
		l.mu.Unlock()
		go func() { _, _ = io.Copy(server, client); _ = server.Close(); _ = client.Close() }()
		go func() { _, _ = io.Copy(client, server); _ = server.Close(); _ = client.Close() }()
	}
}

// cut drops every connection and refuses new ones until mend.
func (l *dbLink) cut() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.down = true
	for _, c := range l.conns {
		_ = c.Close()
	}
	l.conns = nil
}

// mend lets connections through again.
func (l *dbLink) mend() {
	l.mu.Lock()
	l.down = false
	l.mu.Unlock()
}

// TestHealthFollowsTheDatabase: a real loand on a real PostgreSQL reached
// through a link the test cuts. While the database is unreachable the
// server and every service that needs the database are NOT_SERVING,
// ScheduleService (which needs none) stays SERVING; when the link is
// mended they are SERVING again.
func TestHealthFollowsTheDatabase(t *testing.T) {
	u, err := url.Parse(pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	link := startDBLink(t, u.Host)
	u.Host = link.lis.Addr().String()
	p := startProc(t, "--database", u.String(), "--health-interval", "200ms")
	conn, err := grpc.NewClient(p.addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	health := healthpb.NewHealthClient(conn)
	want := func(when string, st map[string]healthpb.HealthCheckResponse_ServingStatus) {
		t.Helper()
		for name, w := range st {
			waitHealth(t, health, name, w, when)
		}
	}
	serving, notServing := healthpb.HealthCheckResponse_SERVING, healthpb.HealthCheckResponse_NOT_SERVING
	want("at start", map[string]healthpb.HealthCheckResponse_ServingStatus{"": serving, "loancore.v1.LoanService": serving})
	link.cut()
	want("with the database cut off", map[string]healthpb.HealthCheckResponse_ServingStatus{"": notServing,
		"loancore.v1.LoanService": notServing, "loancore.v1.EventFeedService": notServing,
		"loancore.v1.CloseOfBusinessService": notServing, "loancore.v1.ScheduleService": serving})
	p.log.wait(t, 0, "database unreachable: health NOT_SERVING")
	link.mend()
	want("with the database back", map[string]healthpb.HealthCheckResponse_ServingStatus{"": serving,
		"loancore.v1.LoanService": serving, "loancore.v1.EventFeedService": serving, "loancore.v1.ScheduleService": serving})
	p.log.wait(t, 0, "database reachable again: health SERVING")
}

// waitHealth polls service's health until it is want, failing the test
// after 30 seconds (the checker pings every 200ms).
func waitHealth(t *testing.T, health healthpb.HealthClient, service string, want healthpb.HealthCheckResponse_ServingStatus, when string) {
	t.Helper()
	var last healthpb.HealthCheckResponse_ServingStatus
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: service})
		cancel()
		if err != nil {
			t.Fatalf("%s: Check(%q): %v", when, service, err)
		}
		if last = resp.GetStatus(); last == want {
			return
		}
	}
	t.Fatalf("%s: %q is %v, want %v", when, service, last, want)
}
