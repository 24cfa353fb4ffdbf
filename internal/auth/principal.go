package auth

import (
	"context"
	"errors"
	"strings"
	"unicode"
	"unicode/utf8"
)

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

// CheckSubject refuses a name that cannot be recorded as an actor or as
// the end user one acts for: empty, longer than 128 bytes, not UTF-8 or
// holding control characters.
func CheckSubject(s string) error {
	switch {
	case s == "":
		return errors.New("empty")
	case len(s) > 128:
		return errors.New("longer than 128 bytes")
	case !validText(s):
		return errors.New("not printable UTF-8")
	}
	return nil
}

// validText reports whether s is UTF-8 without control characters, what
// every identity and header value recorded in the log must be.
func validText(s string) bool {
	return utf8.ValidString(s) && !strings.ContainsFunc(s, unicode.IsControl)
}
