package auth_test

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/auth"
)

// BenchmarkAuthenticate times authenticating one call, whole: the
// authorization header parsed and its credential verified, as the gate
// does on every call. jwt=ES256 and jwt=RS256 are what a bank's identity
// provider signs with (EdDSA beside them), the same token every call as a
// client sends it, with the verified-token cache off (every call checks
// the signature) and on (loand's default); apikey is a service account's
// key, mtls a certificate TLS already verified (so only its subject is
// read).
func BenchmarkAuthenticate(b *testing.B) {
	now := time.Now()
	for _, s := range testSigners(b) {
		header := "Bearer " + sign(b, s, claims(now), true)
		for _, cache := range []int{0, auth.DefaultTokenCache} {
			a := auth.Authenticator{JWT: verifierCaching(b, cache)}
			name := fmt.Sprintf("jwt=%s/cache=%s", s.method.Alg(), map[bool]string{false: "off", true: "on"}[cache > 0])
			b.Run(name, func(b *testing.B) { benchAuthenticate(b, &a, auth.Credentials{Authorization: header}) })
		}
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

// BenchmarkJWTCacheParallel times cached JWTs verified from every P at
// once, the cache's one lock shared: tokens is how many distinct tokens
// the callers send (one channel's, or many callers').
func BenchmarkJWTCacheParallel(b *testing.B) {
	now := time.Now()
	s := testSigners(b)[1]
	for _, n := range []int{1, 64} {
		var headers []string
		for i := range n {
			c := claims(now)
			c["sub"] = fmt.Sprintf("teller-%d", i)
			headers = append(headers, "Bearer "+sign(b, s, c, true))
		}
		a := auth.Authenticator{JWT: verifier(b)}
		b.Run(fmt.Sprintf("tokens=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for i := 0; pb.Next(); i++ {
					if _, err := a.Authenticate(auth.Credentials{Authorization: headers[i%n]}); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}
