package auth_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/auth"
)

// TestAuthenticator: a bearer credential decides alone, whether an API
// key or a JWT; a verified certificate is the identity only without one;
// no credential is refused.
func TestAuthenticator(t *testing.T) {
	cert := &x509.Certificate{Subject: pkix.Name{CommonName: "channel-cn"}}
	spiffe := &x509.Certificate{Subject: pkix.Name{CommonName: "ignored"}, URIs: []*url.URL{{Scheme: "spiffe", Host: "bank.test", Path: "/channel"}}}
	a := auth.Authenticator{JWT: verifier(t), APIKeys: &auth.APIKeys{},
		CertificateRoles: func(s string) []string { return []string{"role-of-" + s} }}
	for _, tc := range []struct {
		name string
		c    auth.Credentials
		want string // the subject, or the error's text
	}{
		{"nothing", auth.Credentials{}, "missing credential"},
		{"a certificate's CN", auth.Credentials{Certificate: cert}, "channel-cn"},
		{"a certificate's URI SAN", auth.Credentials{Certificate: spiffe}, "spiffe://bank.test/channel"},
		{"a bad key beside a good certificate", auth.Credentials{Authorization: "Bearer lck_0123456789abcdef_x", Certificate: cert}, "malformed API key"},
		{"basic auth", auth.Credentials{Authorization: "Basic dXNlcjpwYXNz"}, "malformed authorization header"},
		{"bearer with nothing", auth.Credentials{Authorization: "Bearer "}, "malformed authorization header"},
		{"neither key nor JWT", auth.Credentials{Authorization: "Bearer opaque-token"}, "neither an API key nor a JWT"},
		{"huge", auth.Credentials{Authorization: "Bearer " + strings.Repeat("a", 9000)}, "too long"},
		{"a JWT", auth.Credentials{Authorization: "bearer " + sign(t, testSigners(t)[0], claims(time.Now()), true)}, "teller-7"},
	} {
		p, err := a.Authenticate(tc.c)
		got := p.Subject
		if err != nil {
			got = err.Error()
		}
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	p, _ := a.Authenticate(auth.Credentials{Certificate: cert})
	if p.Via != auth.ViaMTLS || !slices.Equal(p.Roles, []string{"role-of-channel-cn"}) {
		t.Errorf("certificate principal %+v", p)
	}
	noCerts := auth.Authenticator{}
	if _, err := noCerts.Authenticate(auth.Credentials{Certificate: cert}); err == nil {
		t.Error("a certificate accepted by an authenticator without certificate roles")
	}
	if _, err := noCerts.Authenticate(auth.Credentials{Authorization: "Bearer a.b.c"}); err == nil || !strings.Contains(err.Error(), "not accepted here") {
		t.Errorf("a JWT at a server without JWT keys: %v", err)
	}
}
