package grpcapi_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"strings"
	"testing"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
)

// forEachAuthStore runs f on an authenticating server on SQLite and on
// PostgreSQL, with loan LN-T booked.
func forEachAuthStore(t *testing.T, f func(t *testing.T, fx *authFixture)) {
	for _, name := range []string{"sqlite", "postgres"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			fx := newAuthFixture(t, name)
			fx.seed(t)
			f(t, fx)
		})
	}
}

// events is LN-T's log, read by the auditor.
func (f *authFixture) events(t *testing.T) []*loancorev1.LoanEvent {
	t.Helper()
	r, err := loancorev1.NewLoanServiceClient(f.conns[""]).ListLoanEvents(bearer(ctx(t), f.apiKeys["auditor"]),
		&loancorev1.ListLoanEventsRequest{LoanId: "LN-T", PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	return r.GetEvents()
}

// TestActorSpoofing: the x-actor header changes nothing in the recorded
// actor, which is the authenticated subject; x-on-behalf-of is recorded
// beside it for a role the policy lets send it (servicer), and refused
// with PERMISSION_DENIED, writing nothing, for any other (operator).
func TestActorSpoofing(t *testing.T) {
	forEachAuthStore(t, func(t *testing.T, f *authFixture) {
		c := loancorev1.NewLoanServiceClient(f.conns[""])
		servicer := bearer(ctx(t), jwtFor(t, f.jwtKey, testKid, "teller-7", []string{"servicer"}, nil))
		spoof := metadata.AppendToOutgoingContext(servicer, "x-actor", "cfo@bank")
		if _, err := c.RecordRepayment(spoof, &loancorev1.RecordRepaymentRequest{RequestId: "spoof-1", LoanId: "LN-T", Amount: "1", ValueDate: "2024-03-01"}); err != nil {
			t.Fatal(err)
		}
		forUser := metadata.AppendToOutgoingContext(servicer, "x-on-behalf-of", "borrower B1", "x-actor", "cfo@bank")
		if _, err := c.RecordRepayment(forUser, &loancorev1.RecordRepaymentRequest{RequestId: "obo-1", LoanId: "LN-T", Amount: "1", ValueDate: "2024-03-01"}); err != nil {
			t.Fatal(err)
		}
		before := len(f.events(t))
		operator := metadata.AppendToOutgoingContext(bearer(ctx(t), f.apiKeys["operator"]), "x-on-behalf-of", "cfo@bank", "x-actor", "cfo@bank")
		_, err := c.WaiveAmounts(operator, &loancorev1.WaiveAmountsRequest{RequestId: "obo-2", LoanId: "LN-T", Penalty: "0.01", Reason: "spoof"})
		if st := status.Convert(err); st.Code() != codes.PermissionDenied || !strings.Contains(st.Message(), "x-on-behalf-of may be sent by roles admin, servicer") {
			t.Errorf("x-on-behalf-of from an operator: %v", err)
		}
		long := metadata.AppendToOutgoingContext(servicer, "x-on-behalf-of", strings.Repeat("b", 129))
		_, err = c.RecordRepayment(long, &loancorev1.RecordRepaymentRequest{RequestId: "obo-3", LoanId: "LN-T", Amount: "1", ValueDate: "2024-03-01"})
		if status.Code(err) != codes.InvalidArgument {
			t.Errorf("a 129-byte x-on-behalf-of: %v, want InvalidArgument", err)
		}
		evs := f.events(t)
		if len(evs) != before {
			t.Fatalf("refused calls wrote: %d events, then %d", before, len(evs))
		}
		want := map[string][2]string{"create-LN-T": {"key-admin", ""}, "pay-LN-T": {"key-admin", ""},
			"spoof-1": {"teller-7", ""}, "obo-1": {"teller-7", "borrower B1"}}
		for _, e := range evs {
			if w := want[e.GetRequestId()]; e.GetActor() != w[0] || e.GetOnBehalfOf() != w[1] {
				t.Errorf("event %d (%s): actor %q on behalf of %q, want %q on behalf of %q", e.GetSeq(), e.GetRequestId(), e.GetActor(), e.GetOnBehalfOf(), w[0], w[1])
			}
		}
	})
}

// TestRequestIDScopedToSubject: a request id belongs to the subject that
// sent it first. Its retry gets the first answer; the same request from
// another subject, or for another end user, is ALREADY_EXISTS and never
// the first caller's answer.
func TestRequestIDScopedToSubject(t *testing.T) {
	forEachAuthStore(t, func(t *testing.T, f *authFixture) {
		c := loancorev1.NewLoanServiceClient(f.conns[""])
		req := &loancorev1.RecordRepaymentRequest{RequestId: "scoped-1", LoanId: "LN-T", Amount: "5", ValueDate: "2024-03-01"}
		first, err := c.RecordRepayment(bearer(ctx(t), f.apiKeys["servicer"]), req)
		if err != nil {
			t.Fatal(err)
		}
		retry, err := c.RecordRepayment(bearer(ctx(t), f.apiKeys["servicer"]), req)
		if err != nil || retry.GetSeq() != first.GetSeq() {
			t.Fatalf("the sender's retry: seq %d, %v; want %d", retry.GetSeq(), err, first.GetSeq())
		}
		for name, other := range map[string]context.Context{
			"another subject":              bearer(ctx(t), f.apiKeys["admin"]),
			"the same role by certificate": metadata.NewOutgoingContext(ctx(t), nil),
			"another end user":             metadata.AppendToOutgoingContext(bearer(ctx(t), f.apiKeys["servicer"]), "x-on-behalf-of", "borrower B1"),
		} {
			conn := f.conns[""]
			if name == "the same role by certificate" {
				conn = f.conns["servicer"] // subject spiffe://…/servicer, not key-servicer
			}
			resp, err := loancorev1.NewLoanServiceClient(conn).RecordRepayment(other, req)
			if status.Code(err) != codes.AlreadyExists {
				t.Errorf("%s reusing the request id: %v (seq %d), want AlreadyExists", name, err, resp.GetSeq())
			}
		}
		n := 0
		for _, e := range f.events(t) {
			if e.GetRequestId() == "scoped-1" {
				n++
			}
		}
		if n != 1 {
			t.Errorf("scoped-1 is in the log %d times", n)
		}
	})
}

// TestKnownAtNeedsTheLog: GetLoan is a read for every role, but with
// known_at only for the roles that may read the log (ListLoanEvents).
func TestKnownAtNeedsTheLog(t *testing.T) {
	f := newAuthFixture(t, "sqlite")
	f.seed(t)
	c := loancorev1.NewLoanServiceClient(f.conns[""])
	req := &loancorev1.GetLoanRequest{LoanId: "LN-T", KnownAt: "2030-01-01T00:00:00Z"}
	_, err := c.GetLoan(bearer(ctx(t), f.apiKeys["viewer"]), req)
	if st := status.Convert(err); st.Code() != codes.PermissionDenied ||
		st.Message() != "GetLoan with known_at needs a role that may call loancore.v1.LoanService/ListLoanEvents: roles admin, auditor, operator; the caller has roles viewer" {
		t.Errorf("a viewer's GetLoan with known_at: %v", err)
	}
	if _, err := c.GetLoan(bearer(ctx(t), f.apiKeys["viewer"]), &loancorev1.GetLoanRequest{LoanId: "LN-T"}); err != nil {
		t.Errorf("a viewer's GetLoan: %v", err)
	}
	if _, err := c.GetLoan(bearer(ctx(t), f.apiKeys["auditor"]), req); err != nil {
		t.Errorf("an auditor's GetLoan with known_at: %v", err)
	}
}

// TestRefusalMessages: UNAUTHENTICATED says what was wrong with the
// credential and PERMISSION_DENIED names the RPC, the roles that would be
// allowed and the caller's.
func TestRefusalMessages(t *testing.T) {
	f := newAuthFixture(t, "sqlite")
	c := loancorev1.NewLoanServiceClient(f.conns[""])
	req := &loancorev1.WriteOffLoanRequest{RequestId: "wo", LoanId: "LN-T", Reason: "r"}
	for _, tc := range []struct {
		ctx  context.Context
		code codes.Code
		msg  string
	}{
		{ctx(t), codes.Unauthenticated, "missing credential: send authorization: Bearer <token or API key>, or a client certificate"},
		{bearer(ctx(t), f.revoked), codes.Unauthenticated, "unknown or revoked API key"},
		{bearer(ctx(t), "lck_0123456789abcdef_"+strings.Repeat("A", 43)), codes.Unauthenticated, "unknown or revoked API key"},
		{bearer(ctx(t), jwtFor(t, f.jwtKey, testKid, "s", []string{"viewer"}, func(c jwt.MapClaims) { c["aud"] = "x" })), codes.Unauthenticated, "token has the wrong audience"},
		{bearer(ctx(t), f.apiKeys["viewer"]), codes.PermissionDenied, "loancore.v1.LoanService/WriteOffLoan is allowed to roles admin, operator; the caller has roles viewer"},
		{metadata.AppendToOutgoingContext(ctx(t), "authorization", "Bearer a", "authorization", "Bearer b"), codes.Unauthenticated, "malformed authorization header: sent more than once"},
	} {
		_, err := c.WriteOffLoan(tc.ctx, req)
		if st := status.Convert(err); st.Code() != tc.code || st.Message() != tc.msg {
			t.Errorf("got %v %q, want %v %q", st.Code(), st.Message(), tc.code, tc.msg)
		}
	}
}

// TestReflectionAndHealth: health answers anyone (balancers send no
// credentials); reflection needs an identity, of any role.
func TestReflectionAndHealth(t *testing.T) {
	f := newAuthFixture(t, "sqlite")
	if r, err := healthpb.NewHealthClient(f.conns[""]).Check(ctx(t), &healthpb.HealthCheckRequest{}); err != nil || r.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Errorf("health without a credential: %v, %v", r, err)
	}
	list := func(c context.Context) error {
		stream, err := reflectionpb.NewServerReflectionClient(f.conns[""]).ServerReflectionInfo(c)
		if err != nil {
			return err
		}
		// A stream the server has already refused fails Send with io.EOF;
		// its status comes from Recv, as gRPC documents.
		if err := stream.Send(&reflectionpb.ServerReflectionRequest{MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{}}); err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		_, err = stream.Recv()
		return err
	}
	if err := list(ctx(t)); status.Code(err) != codes.Unauthenticated {
		t.Errorf("reflection without a credential: %v", err)
	}
	for _, role := range allRoles {
		if err := list(bearer(ctx(t), f.apiKeys[role])); err != nil {
			t.Errorf("reflection for a %s: %v", role, err)
		}
	}
}

// TestAuditLines: every call but a health check writes one audit line
// with who, what, the outcome and from where; refused calls too.
func TestAuditLines(t *testing.T) {
	f := newAuthFixture(t, "sqlite")
	f.seed(t) // two audited calls
	c := loancorev1.NewLoanServiceClient(f.conns[""])
	servicer := metadata.AppendToOutgoingContext(bearer(ctx(t), f.apiKeys["servicer"]), "x-on-behalf-of", "borrower B1")
	if _, err := c.RecordRepayment(servicer, &loancorev1.RecordRepaymentRequest{RequestId: "audit-1", LoanId: "LN-T", Amount: "1", ValueDate: "2024-03-01"}); err != nil {
		t.Fatal(err)
	}
	_, _ = c.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: strings.Repeat("L", 1000)})
	_, _ = healthpb.NewHealthClient(f.conns[""]).Check(ctx(t), &healthpb.HealthCheckRequest{})
	lines := f.audit.lines(t)
	if len(lines) != 4 {
		t.Fatalf("%d audit lines, want 4 (seed's two, a repayment, a refused read; no health check): %v", len(lines), lines)
	}
	pay, refused := lines[2], lines[3]
	for k, v := range map[string]any{"msg": "audit", "subject": "key-servicer", "via": "apikey", "on_behalf_of": "borrower B1",
		"method": "/loancore.v1.LoanService/RecordRepayment", "loan_id": "LN-T", "request_id": "audit-1", "code": "OK"} {
		if pay[k] != v {
			t.Errorf("repayment's audit line: %s = %v, want %v (%v)", k, pay[k], v, pay)
		}
	}
	if roles, _ := pay["roles"].([]any); len(roles) != 1 || roles[0] != "servicer" {
		t.Errorf("repayment's audit line: roles %v", pay["roles"])
	}
	if _, ok := pay["duration"].(float64); !ok || !strings.HasPrefix(pay["peer"].(string), "127.0.0.1:") {
		t.Errorf("repayment's audit line: duration %v, peer %v", pay["duration"], pay["peer"])
	}
	if refused["code"] != "Unauthenticated" || refused["subject"] != "" || len(refused["loan_id"].(string)) > 140 {
		t.Errorf("refused read's audit line: %v", refused)
	}
}

// TestServerFailsClosed: a server given no authenticator and not told it
// is in dev mode refuses every call but health checks.
func TestServerFailsClosed(t *testing.T) {
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcapi.NewServer(grpcapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, err = loancorev1.NewScheduleServiceClient(conn).QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: mortgage()})
	if st := status.Convert(err); st.Code() != codes.Unauthenticated || !strings.Contains(st.Message(), "no authentication configured") {
		t.Errorf("QuoteSchedule on a server without authentication: %v", err)
	}
	if _, err := healthpb.NewHealthClient(conn).Check(ctx(t), &healthpb.HealthCheckRequest{}); err != nil {
		t.Errorf("health: %v", err)
	}
}
