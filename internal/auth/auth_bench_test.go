package auth_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"path/filepath"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/auth"
)

// BenchmarkAuthenticate times authenticating one call, whole: the
// authorization header parsed and its credential verified, as the gate
// does on every call. jwt=ES256 and jwt=RS256 are what a bank's identity
// provider signs with (EdDSA beside them), apikey a service account's key,
// mtls a certificate TLS already verified (so only its subject is read).
func BenchmarkAuthenticate(b *testing.B) {
	now := time.Now()
	v := verifier(b)
	for _, s := range testSigners(b) {
		header := "Bearer " + sign(b, s, claims(now), true)
		a := auth.Authenticator{JWT: v}
		b.Run("jwt="+s.method.Alg(), func(b *testing.B) { benchAuthenticate(b, &a, auth.Credentials{Authorization: header}) })
	}
	path := filepath.Join(b.TempDir(), "keys.jsonl")
	_, key, err := auth.CreateAPIKey(path, "svc-payments", []string{"servicer"}, now)
	if err != nil {
		b.Fatal(err)
	}
	keys := auth.Authenticator{APIKeys: loadKeys(b, path)}
	b.Run("apikey", func(b *testing.B) { benchAuthenticate(b, &keys, auth.Credentials{Authorization: "Bearer " + key}) })
	cert := &x509.Certificate{Subject: pkix.Name{CommonName: "channel-7"}}
	mtls := auth.Authenticator{CertificateRoles: func(string) []string { return []string{"servicer"} }}
	b.Run("mtls", func(b *testing.B) { benchAuthenticate(b, &mtls, auth.Credentials{Certificate: cert}) })
}

// benchAuthenticate authenticates c with a, b.N times, failing on the
// first refusal: a benchmark of a path that refuses would time the wrong
// thing.
func benchAuthenticate(b *testing.B, a *auth.Authenticator, c auth.Credentials) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := a.Authenticate(c); err != nil {
			b.Fatal(err)
		}
	}
}
