package grpcapi

import (
	"context"
	"crypto/x509"
	"log/slog"
	"strings"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/auth"
)

// Methods returns the full method names of every loancore.v1 RPC
// ("loancore.v1.LoanService/GetLoan"), from the generated file
// descriptors: the list a policy is checked against, so that a policy
// cannot name an RPC that does not exist.
func Methods() []string {
	var out []string
	protoregistry.GlobalFiles.RangeFilesByPackage("loancore.v1", func(f protoreflect.FileDescriptor) bool {
		for i := range f.Services().Len() {
			s := f.Services().Get(i)
			for j := range s.Methods().Len() {
				out = append(out, string(s.FullName())+"/"+string(s.Methods().Get(j).Name()))
			}
		}
		return true
	})
	return out
}

// Services outside the policy: health needs nothing (balancers probe it
// without credentials), reflection needs an identity, of any role.
const (
	healthPrefix      = "/grpc.health.v1.Health/"
	reflectionPrefix  = "/grpc.reflection.v1.ServerReflection/"
	reflectionV1Alpha = "/grpc.reflection.v1alpha.ServerReflection/"
)

// The headers the gate reads: the bearer credential, and the end user a
// trusted channel acts for.
const (
	authorizationField = "authorization"
	onBehalfOfHeader   = "x-on-behalf-of"
)

// gate is the authentication and authorization of every call: who is
// calling (authn, or everyone is devPrincipal in dev mode), whether the
// policy lets them make the call, and one audit line per call.
type gate struct {
	authn  *auth.Authenticator
	policy *auth.Policy
	// dev, when set, is every caller: the server runs without
	// authentication (loand allows it on loopback only).
	dev   *auth.Principal
	log   *slog.Logger
	audit *slog.Logger
	// memo keeps the roles and peer addresses audit lines render.
	memo auditMemo
}

// newGate builds the gate of a server from its options. Without an
// authenticator and without Dev it refuses every call: a server is never
// open by accident.
func newGate(opts Options, log *slog.Logger) *gate {
	g := &gate{authn: opts.Authenticator, policy: opts.Policy, log: log, audit: opts.Audit}
	if g.policy == nil {
		p, err := auth.DefaultPolicy(Methods())
		if err != nil {
			panic(err) // the embedded policy is checked by the tests
		}
		g.policy = p
	}
	if g.audit == nil {
		g.audit = log
	}
	if opts.Dev {
		g.dev = &auth.Principal{Subject: "dev", Roles: g.policy.Roles(), Via: auth.ViaDev}
	}
	return g
}

// unary authenticates and authorizes a unary call before its handler
// runs, hands the handler the principal in its context, and audits it.
func (g *gate) unary() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		if strings.HasPrefix(info.FullMethod, healthPrefix) {
			return handler(ctx, req)
		}
		start := time.Now()
		p, err := g.admit(ctx, info.FullMethod, req)
		var resp any
		if err == nil {
			resp, err = handler(auth.NewContext(ctx, p), req)
		} else {
			// The call never reaches logUnary: log the refusal as it would.
			logCall(ctx, g.log, info.FullMethod, status.Code(err), time.Since(start))
		}
		g.record(ctx, p, info.FullMethod, req, status.Code(err), time.Since(start))
		return resp, err
	}
}

// stream is unary for streaming calls; the audit line takes the ids of the
// stream's first request.
func (g *gate) stream() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		if strings.HasPrefix(info.FullMethod, healthPrefix) {
			return handler(srv, ss)
		}
		start := time.Now()
		p, err := g.admit(ss.Context(), info.FullMethod, nil)
		w := &principalStream{ServerStream: ss, ctx: auth.NewContext(ss.Context(), p)}
		if err == nil {
			err = handler(srv, w)
		}
		g.record(ss.Context(), p, info.FullMethod, w.first, status.Code(err), time.Since(start))
		return err
	}
}

// principalStream is a stream whose context carries the principal, and
// which keeps its first request for the audit line.
type principalStream struct {
	grpc.ServerStream
	ctx   context.Context
	first any
}

// Context returns the stream's context with the principal in it.
func (s *principalStream) Context() context.Context { return s.ctx }

// RecvMsg receives a request, keeping the first.
func (s *principalStream) RecvMsg(m any) error {
	err := s.ServerStream.RecvMsg(m)
	if err == nil && s.first == nil {
		s.first = m
	}
	return err
}

// admit returns who is making a call to method with request req (nil for
// a stream), or the status that refuses it: UNAUTHENTICATED for a missing
// or bad credential, PERMISSION_DENIED for a call the policy does not let
// the caller make, INVALID_ARGUMENT for an unusable x-on-behalf-of.
func (g *gate) admit(ctx context.Context, method string, req any) (auth.Principal, error) {
	p, err := g.authenticate(ctx)
	if err != nil {
		return auth.Principal{}, err
	}
	if strings.HasPrefix(method, reflectionPrefix) || strings.HasPrefix(method, reflectionV1Alpha) {
		return p, nil
	}
	if err := g.authorize(p, method, req); err != nil {
		return p, err
	}
	return g.onBehalfOf(ctx, p)
}

// authenticate is the call's principal: the dev principal in dev mode,
// else whoever its credentials prove it to be.
func (g *gate) authenticate(ctx context.Context) (auth.Principal, error) {
	if g.dev != nil {
		return *g.dev, nil
	}
	if g.authn == nil {
		return auth.Principal{}, status.Error(codes.Unauthenticated, "this server has no authentication configured and is not in dev mode")
	}
	var c auth.Credentials
	switch v := metadata.ValueFromIncomingContext(ctx, authorizationField); len(v) {
	case 0:
	case 1:
		c.Authorization = v[0]
	default:
		return auth.Principal{}, status.Error(codes.Unauthenticated, "malformed authorization header: sent more than once")
	}
	c.Certificate = verifiedCertificate(ctx)
	p, err := g.authn.Authenticate(c)
	if err != nil {
		return auth.Principal{}, status.Error(codes.Unauthenticated, err.Error())
	}
	return p, nil
}

// verifiedCertificate is the client certificate TLS verified for the
// call's connection, or nil: a certificate that was presented but not
// verified against the client CA is never an identity.
func verifiedCertificate(ctx context.Context) *x509.Certificate {
	pr, ok := peer.FromContext(ctx)
	if !ok {
		return nil
	}
	tlsInfo, ok := pr.AuthInfo.(credentials.TLSInfo)
	if !ok || len(tlsInfo.State.VerifiedChains) == 0 || len(tlsInfo.State.VerifiedChains[0]) == 0 {
		return nil
	}
	return tlsInfo.State.VerifiedChains[0][0]
}

// knownAtNeeds is what a GetLoan with known_at also needs: the right to
// read the log, from which anyone holding it could rebuild that view.
const knownAtNeeds = "loancore.v1.LoanService/ListLoanEvents"

// authorize refuses a call the policy does not let p make, naming the RPC
// and the roles that would allow it.
func (g *gate) authorize(p auth.Principal, method string, req any) error {
	if !g.policy.Allows(method, p.Roles) {
		return status.Errorf(codes.PermissionDenied, "%s is allowed to %s; the caller has %s",
			strings.TrimPrefix(method, "/"), roleList(g.policy.RolesAllowing(method)), roleList(p.Roles))
	}
	if r, ok := req.(*loancorev1.GetLoanRequest); ok && r.GetKnownAt() != "" && !g.policy.Allows(knownAtNeeds, p.Roles) {
		return status.Errorf(codes.PermissionDenied, "GetLoan with known_at needs a role that may call %s: %s; the caller has %s",
			knownAtNeeds, roleList(g.policy.RolesAllowing(knownAtNeeds)), roleList(p.Roles))
	}
	return nil
}

// onBehalfOf records in p the end user named by the x-on-behalf-of header,
// if the call has one and p's roles may send it.
func (g *gate) onBehalfOf(ctx context.Context, p auth.Principal) (auth.Principal, error) {
	v := metadata.ValueFromIncomingContext(ctx, onBehalfOfHeader)
	if len(v) == 0 {
		return p, nil
	}
	if !g.policy.MayActOnBehalf(p.Roles) {
		return p, status.Errorf(codes.PermissionDenied, "%s may be sent by %s only; the caller has %s",
			onBehalfOfHeader, roleList(g.policy.OnBehalfRoles()), roleList(p.Roles))
	}
	if len(v) > 1 {
		return p, status.Errorf(codes.InvalidArgument, "%s: sent more than once", onBehalfOfHeader)
	}
	if err := auth.CheckSubject(v[0]); err != nil {
		return p, status.Errorf(codes.InvalidArgument, "%s: %v", onBehalfOfHeader, err)
	}
	p.OnBehalfOf = v[0]
	return p, nil
}

// roleList names roles in a refusal.
func roleList(roles []string) string {
	if len(roles) == 0 {
		return "no role"
	}
	return "roles " + strings.Join(roles, ", ")
}
