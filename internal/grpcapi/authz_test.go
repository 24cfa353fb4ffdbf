package grpcapi_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
)

// The roles of the default policy, and who may call what under it,
// written out here apart from the policy: a change to either fails
// TestEveryRPCEveryRoleEveryCredential until both say the same, and so
// does an RPC that is in the proto but not here (a new one).
var (
	allRoles      = []string{"admin", "auditor", "collector", "operator", "servicer", "subscriber", "viewer"}
	readers       = []string{"admin", "auditor", "collector", "operator", "servicer", "viewer"}
	feedReaders   = []string{"admin", "auditor", "subscriber"}
	logReaders    = []string{"admin", "auditor", "operator"}
	channels      = []string{"admin", "servicer"}
	operators     = []string{"admin", "operator"}
	collections   = []string{"admin", "auditor", "collector"}
	cobWatchers   = []string{"admin", "auditor", "collector", "operator"}
	approvals     = []string{"admin", "auditor", "operator"}
	wantAllowedTo = map[string][]string{
		"loancore.v1.EventFeedService/SubscribeEvents":             feedReaders,
		"loancore.v1.ApprovalService/ListPendingActions":           approvals,
		"loancore.v1.ApprovalService/ApproveAction":                operators,
		"loancore.v1.ApprovalService/RejectAction":                 operators,
		"loancore.v1.LoanService/CreateLoan":                       channels,
		"loancore.v1.LoanService/GetLoan":                          readers,
		"loancore.v1.LoanService/ListLoans":                        readers,
		"loancore.v1.LoanService/ListLoanEvents":                   logReaders,
		"loancore.v1.LoanService/RecordRepayment":                  channels,
		"loancore.v1.LoanService/DisburseTranche":                  channels,
		"loancore.v1.LoanService/ReverseRepayment":                 operators,
		"loancore.v1.LoanService/QuotePayoff":                      readers,
		"loancore.v1.LoanService/WaiveAmounts":                     operators,
		"loancore.v1.LoanService/WriteOffLoan":                     operators,
		"loancore.v1.RestructuringService/QuoteRestructuring":      readers,
		"loancore.v1.RestructuringService/ProposeAgreement":        operators,
		"loancore.v1.RestructuringService/AcceptAgreement":         operators,
		"loancore.v1.RestructuringService/CancelAgreement":         operators,
		"loancore.v1.RestructuringService/GetAgreement":            readers,
		"loancore.v1.RestructuringService/ListAgreements":          readers,
		"loancore.v1.ScheduleService/QuoteSchedule":                readers,
		"loancore.v1.ScheduleService/ComputeApr":                   readers,
		"loancore.v1.CloseOfBusinessService/RunCloseOfBusiness":    operators,
		"loancore.v1.CloseOfBusinessService/GetCloseOfBusinessRun": cobWatchers,
		"loancore.v1.CloseOfBusinessService/ListDelinquentLoans":   collections,
		"loancore.v1.CloseOfBusinessService/ListDueNotices":        collections,
		"loancore.v1.CreditLineService/OpenCreditLine":             channels,
		"loancore.v1.CreditLineService/Drawdown":                   channels,
		"loancore.v1.CreditLineService/GetCreditLine":              readers,
		"loancore.v1.CreditLineService/ListCreditLines":            readers,
		"loancore.v1.CreditLineService/ChangeLimit":                operators,
		"loancore.v1.CreditLineService/FreezeCreditLine":           operators,
		"loancore.v1.CreditLineService/UnfreezeCreditLine":         operators,
		"loancore.v1.CreditLineService/CloseCreditLine":            operators,
	}
)

// TestDefaultPolicyIsAsDocumented: every RPC loancore serves (from the
// proto descriptors) has a row above, and the default policy allows it to
// exactly that row's roles.
func TestDefaultPolicyIsAsDocumented(t *testing.T) {
	f := newAuthFixture(t, "sqlite")
	if got := f.policy.Roles(); !slices.Equal(got, allRoles) {
		t.Errorf("the default policy's roles are %q, want %q", got, allRoles)
	}
	methods := grpcapi.Methods()
	if len(methods) < len(wantAllowedTo) {
		t.Fatalf("grpcapi.Methods() lists %d RPCs, fewer than the %d known here", len(methods), len(wantAllowedTo))
	}
	for _, m := range methods {
		want, ok := wantAllowedTo[m]
		if !ok {
			t.Errorf("%s has no row in wantAllowedTo: decide who may call it, in internal/auth/default_policy.yaml and here", m)
			continue
		}
		if got := f.policy.RolesAllowing(m); !slices.Equal(got, want) {
			t.Errorf("the default policy allows %s to %q, want %q", m, got, want)
		}
	}
}

// credential is one way of calling in the table: how it authenticates a
// caller of a role, and whether it is a credential the server must take.
type credential struct {
	name  string
	valid bool
	// conn is the connection's client certificate ("" none, a role, or
	// "stranger"); call adds any bearer credential to ctx.
	conn func(role string) string
	call func(ctx context.Context, role string) context.Context
}

// credentials are the table's columns for one role.
func (f *authFixture) credentials(t *testing.T) []credential {
	t.Helper()
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	noCert := func(string) string { return "" }
	tok := func(edit func(jwt.MapClaims), key *ecdsa.PrivateKey, kid string) func(context.Context, string) context.Context {
		return func(ctx context.Context, role string) context.Context {
			return bearer(ctx, jwtFor(t, key, kid, "jwt-"+role, []string{role}, edit))
		}
	}
	tampered := func(ctx context.Context, role string) context.Context {
		parts := strings.Split(jwtFor(t, f.jwtKey, testKid, "jwt-"+role, []string{role}, nil), ".")
		body, _ := base64.RawURLEncoding.DecodeString(parts[1])
		parts[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(body), `"jwt-`+role+`"`, `"jwt-mallory"`, 1)))
		return bearer(ctx, strings.Join(parts, "."))
	}
	expired := func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-10 * time.Minute).Unix() }
	wrongAudience := func(c jwt.MapClaims) { c["aud"] = "another-service" }
	return []credential{
		{name: "expired token", conn: noCert, call: tok(expired, f.jwtKey, testKid)},
		{name: "wrong audience", conn: noCert, call: tok(wrongAudience, f.jwtKey, testKid)},
		{name: "tampered signature", conn: noCert, call: tampered},
		{name: "alg none", conn: noCert, call: tok(nil, nil, testKid)},
		{name: "unknown kid", conn: noCert, call: tok(nil, other, "k9")},
		{name: "revoked API key", conn: noCert, call: func(ctx context.Context, _ string) context.Context { return bearer(ctx, f.revoked) }},
		{name: "valid JWT", valid: true, conn: noCert, call: tok(nil, f.jwtKey, testKid)},
		{name: "valid API key", valid: true, conn: noCert, call: func(ctx context.Context, role string) context.Context { return bearer(ctx, f.apiKeys[role]) }},
		{name: "client certificate", valid: true, conn: func(role string) string { return role }, call: func(ctx context.Context, _ string) context.Context { return ctx }},
	}
}

// TestEveryRPCEveryRoleEveryCredential is the table: every RPC of every
// loancore.v1 service (from the proto descriptors) × every role of the
// default policy × each kind of credential, good and bad, on a server
// over TLS. Exactly the cells the policy allows get past authentication
// and authorization (the handler may still refuse the request for its
// content); every other cell is UNAUTHENTICATED or PERMISSION_DENIED, or,
// for a client certificate of another CA, refused by TLS before any call;
// and the refused cells change nothing in the store.
func TestEveryRPCEveryRoleEveryCredential(t *testing.T) {
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			if store == "postgres" && testing.Short() {
				t.Skip("the table on PostgreSQL too: -short runs it on SQLite alone")
			}
			t.Parallel()
			f := newAuthFixture(t, store)
			f.seed(t)
			creds := f.credentials(t)
			for _, m := range grpcapi.Methods() {
				t.Run(m[strings.IndexByte(m, '.')+4:], func(t *testing.T) { f.tableRow(t, m, creds) })
			}
		})
	}
}

// tableRow runs one RPC's cells: first every cell that must be refused,
// checking that together they changed nothing, then the allowed ones.
func (f *authFixture) tableRow(t *testing.T, method string, creds []credential) {
	before := f.fingerprint(t)
	if code := f.invoke(t, method, "none", f.conns[""], context.Background()); code != codes.Unauthenticated {
		t.Errorf("no credential: %v, want Unauthenticated", code)
	}
	if code := f.invoke(t, method, "stranger", f.conns["stranger"], context.Background()); code != codes.Unavailable {
		t.Errorf("a client certificate of another CA: %v, want the TLS handshake refused (Unavailable)", code)
	}
	type cell struct {
		role string
		c    credential
	}
	var allowed []cell
	for _, role := range allRoles {
		for _, c := range creds {
			if c.valid && slices.Contains(wantAllowedTo[method], role) {
				allowed = append(allowed, cell{role, c})
				continue
			}
			want := codes.PermissionDenied
			if !c.valid {
				want = codes.Unauthenticated
			}
			if code := f.invoke(t, method, role+"-"+c.name, f.conns[c.conn(role)], c.call(context.Background(), role)); code != want {
				t.Errorf("%s, %s: %v, want %v", role, c.name, code, want)
			}
		}
	}
	if after := f.fingerprint(t); after != before {
		t.Errorf("refused calls changed the store:\nbefore %s\nafter  %s", before, after)
	}
	for _, a := range allowed {
		if code := f.invoke(t, method, a.role+"-"+a.c.name, f.conns[a.c.conn(a.role)], a.c.call(context.Background(), a.role)); code == codes.Unauthenticated || code == codes.PermissionDenied {
			t.Errorf("%s, %s: %v, want the call let through", a.role, a.c.name, code)
		}
	}
}

// seed books the loan the table's requests name, LN-T, with a repayment
// (seq 3) for ReverseRepayment to name.
func (f *authFixture) seed(t *testing.T) {
	t.Helper()
	c := loancorev1.NewLoanServiceClient(f.conns[""])
	admin := bearer(ctx(t), f.apiKeys["admin"])
	if _, err := c.CreateLoan(admin, &loancorev1.CreateLoanRequest{RequestId: "create-LN-T", LoanId: "LN-T", BorrowerId: "B1", Terms: loan12k()}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RecordRepayment(admin, &loancorev1.RecordRepaymentRequest{RequestId: "pay-LN-T", LoanId: "LN-T", Amount: "1066.19", ValueDate: "2024-02-15"}); err != nil {
		t.Fatal(err)
	}
}

// fingerprint is what a write could change, read as admin: LN-T's log,
// the loans, LN-T's agreements and the last business day's close.
func (f *authFixture) fingerprint(t *testing.T) string {
	t.Helper()
	admin := bearer(ctx(t), f.apiKeys["admin"])
	loans := loancorev1.NewLoanServiceClient(f.conns[""])
	events, err := loans.ListLoanEvents(admin, &loancorev1.ListLoanEventsRequest{LoanId: "LN-T", PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	list, err := loans.ListLoans(admin, &loancorev1.ListLoansRequest{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	ags, err := loancorev1.NewRestructuringServiceClient(f.conns[""]).ListAgreements(admin, &loancorev1.ListAgreementsRequest{LoanId: "LN-T"})
	if err != nil {
		t.Fatal(err)
	}
	lines, err := loancorev1.NewCreditLineServiceClient(f.conns[""]).ListCreditLines(admin, &loancorev1.ListCreditLinesRequest{PageSize: 500})
	if err != nil {
		t.Fatal(err)
	}
	var lineVersions []int64
	for _, l := range lines.GetCreditLines() {
		lineVersions = append(lineVersions, l.GetVersion())
	}
	run, err := loancorev1.NewCloseOfBusinessServiceClient(f.conns[""]).GetCloseOfBusinessRun(admin,
		&loancorev1.GetCloseOfBusinessRunRequest{BusinessDate: "2024-05-31"})
	return fmt.Sprintf("%d events, %d loans, %d agreements, credit line versions %v, close of business %v %v",
		len(events.GetEvents()), len(list.GetLoans()), len(ags.GetAgreements()), lineVersions, run.GetRun().GetStatus(), status.Code(err))
}

// invoke calls method with a request that would do what the RPC does if
// let through, its request id made from cell, and returns the code.
func (f *authFixture) invoke(t *testing.T, method, cell string, conn *grpc.ClientConn, ctx context.Context) codes.Code {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	md := methodDescriptor(t, method)
	req := request(t, md, strings.ReplaceAll(cell, " ", "-"))
	resp := newMessage(t, md.Output())
	if !md.IsStreamingServer() {
		return status.Code(conn.Invoke(ctx, "/"+method, req, resp))
	}
	stream, err := conn.NewStream(ctx, &grpc.StreamDesc{ServerStreams: true}, "/"+method)
	if err == nil {
		err = stream.SendMsg(req)
	}
	if err == nil {
		err = stream.CloseSend()
	}
	for err == nil {
		err = stream.RecvMsg(resp)
	}
	if errors.Is(err, io.EOF) {
		return codes.OK
	}
	return status.Code(err)
}

// methodDescriptor finds a full method name in the proto registry.
func methodDescriptor(t *testing.T, method string) protoreflect.MethodDescriptor {
	t.Helper()
	service, name, _ := strings.Cut(method, "/")
	d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(service))
	if err != nil {
		t.Fatal(err)
	}
	return d.(protoreflect.ServiceDescriptor).Methods().ByName(protoreflect.Name(name))
}

// newMessage is an empty message of the generated type of d.
func newMessage(t *testing.T, d protoreflect.MessageDescriptor) proto.Message {
	t.Helper()
	mt, err := protoregistry.GlobalTypes.FindMessageByName(d.FullName())
	if err != nil {
		t.Fatal(err)
	}
	return mt.New().Interface()
}

// request is the table's request for md: each field it has of those
// below set to a value that does what the RPC does to LN-T; a new loan
// for CreateLoan and a real change for ProposeAgreement.
func request(t *testing.T, md protoreflect.MethodDescriptor, cell string) proto.Message {
	t.Helper()
	switch md.Name() {
	case "CreateLoan":
		return &loancorev1.CreateLoanRequest{RequestId: cell, LoanId: "LN-" + cell, BorrowerId: "B2", Terms: loan12k()}
	case "SubscribeEvents":
		return &loancorev1.SubscribeEventsRequest{StopAtHead: true}
	case "OpenCreditLine":
		return &loancorev1.OpenCreditLineRequest{RequestId: cell, CreditLineId: "CL-" + cell, BorrowerId: "B2", Currency: "CNY", Limit: "1000",
			DrawdownTerms: lineTemplate()}
	case "ProposeAgreement":
		return &loancorev1.ProposeAgreementRequest{RequestId: cell, LoanId: "LN-T", EffectiveDate: "2024-06-01", Reason: "table",
			Changes: &loancorev1.RestructuringChanges{TermExtension: &loancorev1.TermExtension{ExtraInstallments: 1}}}
	}
	values := map[protoreflect.Name]any{"request_id": cell, "loan_id": "LN-T", "amount": "1", "value_date": "2024-05-01",
		"reason": "table", "seq": int64(3), "agreement_id": "AG-none", "penalty": "0.01", "signed_by": "B1", "as_of": "2024-06-01",
		"credit_line_id": "CL-T", "limit": "2000"}
	m := newMessage(t, md.Input())
	fields := m.ProtoReflect().Descriptor().Fields()
	names := make([]string, 0, len(values))
	for n := range values {
		names = append(names, string(n))
	}
	sort.Strings(names)
	for _, n := range names {
		if fd := fields.ByName(protoreflect.Name(n)); fd != nil {
			m.ProtoReflect().Set(fd, protoreflect.ValueOf(values[protoreflect.Name(n)]))
		}
	}
	return m
}
