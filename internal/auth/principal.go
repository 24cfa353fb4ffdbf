package auth

import "context"

// How a Principal proved who it is, as Principal.Via records it.
const (
	ViaJWT    = "jwt"
	ViaAPIKey = "apikey"
	ViaMTLS   = "mtls"
	// ViaDev is every caller of a server in dev mode (no authentication
	// configured, loopback only).
	ViaDev = "dev"
)

// Principal is an authenticated caller: the identity recorded as the actor
// of everything it writes, and the roles the policy grants rights to.
type Principal struct {
	// Subject is who the caller is: a JWT's sub, an API key's subject, a
	// client certificate's first URI SAN or CN, or "dev".
	Subject string
	// Roles are the policy roles the credential carries.
	Roles []string
	// Via is how the caller proved it: ViaJWT, ViaAPIKey, ViaMTLS, ViaDev.
	Via string
	// OnBehalfOf is the end user a trusted channel acts for (the
	// x-on-behalf-of header), set only when the policy lets one of Roles
	// pass it; "" otherwise.
	OnBehalfOf string
}

// principalKey is the context key of a Principal; unexported so that only
// NewContext can set one.
type principalKey struct{}

// NewContext returns ctx carrying p, for the handlers after the
// interceptor that authenticated it.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext returns the Principal NewContext put in ctx, if any.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
