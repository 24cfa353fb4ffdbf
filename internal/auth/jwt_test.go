package auth_test

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/loancore/loancore/internal/auth"
)

// signer is a private key the test made, with the kid and algorithm its
// tokens carry.
type signer struct {
	kid    string
	method jwt.SigningMethod
	key    crypto.Signer
}

var (
	signersOnce sync.Once
	signers     []signer
)

// testSigners returns an RS256, an ES256 and an EdDSA signer, made once
// per test binary (an RSA key takes a moment).
func testSigners(t testing.TB) []signer {
	t.Helper()
	signersOnce.Do(func() {
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		_, edKey, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			panic(err)
		}
		signers = []signer{{"rsa-1", jwt.SigningMethodRS256, rsaKey}, {"ec-1", jwt.SigningMethodES256, ecKey}, {"ed-1", jwt.SigningMethodEdDSA, edKey}}
	})
	return signers
}

const (
	issuer   = "https://idp.bank.test"
	audience = "loancore"
)

// claims are a valid token's claims at now, which tests then spoil.
func claims(now time.Time) jwt.MapClaims {
	return jwt.MapClaims{"iss": issuer, "aud": audience, "sub": "teller-7", "roles": []string{"servicer"},
		"iat": now.Unix(), "nbf": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()}
}

// sign signs c with s, its kid in the header unless kid is false.
func sign(t testing.TB, s signer, c jwt.MapClaims, kid bool) string {
	t.Helper()
	tok := jwt.NewWithClaims(s.method, c)
	if kid {
		tok.Header["kid"] = s.kid
	}
	out, err := tok.SignedString(s.key)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// jwksJSON writes the public keys of ss as a JWK Set, by hand, so that the
// set does not come from the library that reads it.
func jwksJSON(t testing.TB, ss ...signer) []byte {
	t.Helper()
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	var keys []map[string]string
	for _, s := range ss {
		switch k := s.key.Public().(type) {
		case *rsa.PublicKey:
			keys = append(keys, map[string]string{"kty": "RSA", "kid": s.kid, "use": "sig", "alg": "RS256",
				"n": b64(k.N.Bytes()), "e": b64(big.NewInt(int64(k.E)).Bytes())})
		case *ecdsa.PublicKey:
			ecdh, err := k.ECDH()
			if err != nil {
				t.Fatal(err)
			}
			raw := ecdh.Bytes() // 0x04 ‖ X ‖ Y
			keys = append(keys, map[string]string{"kty": "EC", "kid": s.kid, "crv": "P-256", "x": b64(raw[1:33]), "y": b64(raw[33:])})
		case ed25519.PublicKey:
			keys = append(keys, map[string]string{"kty": "OKP", "kid": s.kid, "crv": "Ed25519", "x": b64(k)})
		}
	}
	out, err := json.Marshal(map[string]any{"keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// publicPEM is s's public key as a PEM PUBLIC KEY.
func publicPEM(t testing.TB, s signer) []byte {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(s.key.Public())
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}

// verifier is a JWT verifier over a JWKS of every test signer, with
// loand's default cache, so that the tests of what is accepted and refused
// go through it.
func verifier(t testing.TB) *auth.JWT { return verifierCaching(t, auth.DefaultTokenCache) }

// verifierCaching is verifier with a cache of size tokens (0: none).
func verifierCaching(t testing.TB, size int) *auth.JWT {
	t.Helper()
	var set auth.JWKS
	if err := set.Load(jwksJSON(t, testSigners(t)...)); err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewJWT(auth.JWTConfig{Issuer: issuer, Audience: audience, Leeway: auth.DefaultLeeway, CacheSize: size}, &set)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestJWTAccepted: a token of each accepted algorithm, from a JWKS and
// from a PEM key, gives its subject and roles; roles may also be one
// space-separated string, under a claim of another name.
func TestJWTAccepted(t *testing.T) {
	now := time.Now()
	v := verifier(t)
	for _, s := range testSigners(t) {
		p, err := v.Verify(sign(t, s, claims(now), true))
		if err != nil {
			t.Fatalf("%s from the JWKS: %v", s.method.Alg(), err)
		}
		if p.Subject != "teller-7" || !slices.Equal(p.Roles, []string{"servicer"}) || p.Via != auth.ViaJWT {
			t.Errorf("%s: principal %+v", s.method.Alg(), p)
		}
		key, err := auth.ParsePublicKeyPEM(publicPEM(t, s))
		if err != nil {
			t.Fatal(err)
		}
		pv, err := auth.NewJWT(auth.JWTConfig{Issuer: issuer, Audience: audience, RolesClaim: "scope"}, key)
		if err != nil {
			t.Fatal(err)
		}
		c := claims(now)
		c["scope"] = "viewer auditor"
		p, err = pv.Verify(sign(t, s, c, false))
		if err != nil {
			t.Fatalf("%s from a PEM key, no kid: %v", s.method.Alg(), err)
		}
		if !slices.Equal(p.Roles, []string{"viewer", "auditor"}) {
			t.Errorf("%s: roles from a space-separated claim %q", s.method.Alg(), p.Roles)
		}
	}
}

// TestJWTRefused: each way a token can be wrong is refused, with a
// message that says which.
func TestJWTRefused(t *testing.T) {
	now := time.Now()
	ss := testSigners(t)
	v := verifier(t)
	spoil := func(f func(jwt.MapClaims)) string {
		c := claims(now)
		f(c)
		return sign(t, ss[0], c, true)
	}
	valid := sign(t, ss[0], claims(now), true)
	tampered := strings.Split(valid, ".")
	body, _ := base64.RawURLEncoding.DecodeString(tampered[1])
	tampered[1] = base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(body), `"servicer"`, `"admin"`, 1)))
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, claims(now)).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	hs := jwt.NewWithClaims(jwt.SigningMethodHS256, claims(now))
	hs.Header["kid"] = ss[0].kid
	confused, err := hs.SignedString(publicPEM(t, ss[0]))
	if err != nil {
		t.Fatal(err)
	}
	stranger := signer{"rsa-1", jwt.SigningMethodES256, mustEC(t)}
	for _, tc := range []struct{ name, token, want string }{
		{"expired", spoil(func(c jwt.MapClaims) { c["exp"] = now.Add(-time.Minute).Unix() }), "token expired"},
		{"no exp", spoil(func(c jwt.MapClaims) { delete(c, "exp") }), "lacks a required claim"},
		{"not yet valid", spoil(func(c jwt.MapClaims) { c["nbf"] = now.Add(time.Minute).Unix() }), "not yet valid"},
		{"issued in the future", spoil(func(c jwt.MapClaims) { c["iat"] = now.Add(time.Minute).Unix() }), "issued in the future"},
		{"wrong issuer", spoil(func(c jwt.MapClaims) { c["iss"] = "https://evil.test" }), "wrong issuer"},
		{"wrong audience", spoil(func(c jwt.MapClaims) { c["aud"] = "another-service" }), "wrong audience"},
		{"no subject", spoil(func(c jwt.MapClaims) { delete(c, "sub") }), "token sub: empty"},
		{"roles not strings", spoil(func(c jwt.MapClaims) { c["roles"] = []int{1} }), `claim "roles"`},
		{"tampered", strings.Join(tampered, "."), "signature is invalid"},
		{"alg none", none, "algorithm not allowed"},
		{"HS256 with the RSA public key", confused, "algorithm not allowed"},
		{"unknown kid", sign(t, signer{"rsa-9", jwt.SigningMethodRS256, ss[0].key}, claims(now), true), "unknown key (kid)"},
		{"no kid", sign(t, ss[0], claims(now), false), "has no kid"},
		{"a kid of another algorithm", sign(t, stranger, claims(now), true), "does not match its key"},
		{"garbage", "a.b.c", "malformed token"},
	} {
		_, err := v.Verify(tc.token)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
		if err != nil && (strings.Contains(err.Error(), "rsa-") || strings.Contains(err.Error(), "ec-1")) {
			t.Errorf("%s: %q names a key id", tc.name, err)
		}
	}
}

// TestJWTLeeway: exp and nbf get DefaultLeeway of clock skew, no more.
func TestJWTLeeway(t *testing.T) {
	now := time.Now()
	s := testSigners(t)[1]
	v := verifier(t)
	within, beyond := auth.DefaultLeeway-5*time.Second, auth.DefaultLeeway+5*time.Second
	for _, tc := range []struct {
		name string
		set  func(jwt.MapClaims)
		ok   bool
	}{
		{"expired within the leeway", func(c jwt.MapClaims) { c["exp"] = now.Add(-within).Unix() }, true},
		{"expired beyond it", func(c jwt.MapClaims) { c["exp"] = now.Add(-beyond).Unix() }, false},
		{"nbf within the leeway", func(c jwt.MapClaims) { c["nbf"] = now.Add(within).Unix() }, true},
		{"nbf beyond it", func(c jwt.MapClaims) { c["nbf"] = now.Add(beyond).Unix() }, false},
	} {
		c := claims(now)
		tc.set(c)
		if _, err := v.Verify(sign(t, s, c, true)); (err == nil) != tc.ok {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func mustEC(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestJWKSRefusesBadSets: a set that is not all usable public signature
// keys, each with a kid of its own, is refused whole.
func TestJWKSRefusesBadSets(t *testing.T) {
	ss := testSigners(t)
	one := func(edit func(map[string]any)) []byte {
		var set map[string][]map[string]any
		if err := json.Unmarshal(jwksJSON(t, ss[1]), &set); err != nil {
			t.Fatal(err)
		}
		edit(set["keys"][0])
		out, _ := json.Marshal(set)
		return out
	}
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		set  []byte
		want string
	}{
		{"no keys", []byte(`{"keys": []}`), "no keys"},
		{"not JSON", []byte(`keys`), "JWKS"},
		{"no kid", one(func(k map[string]any) { delete(k, "kid") }), "no kid"},
		{"private", one(func(k map[string]any) { k["d"] = "AAAA" }), "private or symmetric"},
		{"symmetric", []byte(`{"keys": [{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]}`), "private or symmetric"},
		{"encryption key", one(func(k map[string]any) { k["use"] = "enc" }), "want sig"},
		{"wrong alg", one(func(k map[string]any) { k["alg"] = "RS256" }), "verifies ES256 only"},
		{"duplicate kid", jwksJSON(t, ss[1], signer{"ec-1", jwt.SigningMethodES256, mustEC(t)}), "a second key"},
		{"RSA 1024", jwksJSON(t, signer{"small", jwt.SigningMethodRS256, small}), "2048 bits or more"},
	} {
		var set auth.JWKS
		if err := set.Load(tc.set); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error saying %q", tc.name, err, tc.want)
		}
	}
}

// TestJWKSReload: a JWKS file that changes is reloaded: a token signed by
// a key added later is accepted once the file has it, and a key taken out
// stops working; a broken file keeps the keys in force.
func TestJWKSReload(t *testing.T) {
	ss := testSigners(t)
	path := filepath.Join(t.TempDir(), "jwks.json")
	writeFile(t, path, jwksJSON(t, ss[0]))
	var set auth.JWKS
	errs := make(chan error, 10)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := auth.LoadAndWatch(ctx, path, 10*time.Millisecond, set.Load, func(err error) { errs <- err }); err != nil {
		t.Fatal(err)
	}
	v, err := auth.NewJWT(auth.JWTConfig{Issuer: issuer, Audience: audience}, &set)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	rsaTok, edTok := sign(t, ss[0], claims(now), true), sign(t, ss[2], claims(now), true)
	if _, err := v.Verify(edTok); err == nil {
		t.Fatal("a key not yet in the set verified a token")
	}
	writeFile(t, path, jwksJSON(t, ss[2]))
	eventually(t, "the new key is in force", func() bool { _, err := v.Verify(edTok); return err == nil })
	if _, err := v.Verify(rsaTok); err == nil || !strings.Contains(err.Error(), "unknown key") {
		t.Errorf("a key taken out of the set: %v", err)
	}
	writeFile(t, path, []byte(`{"keys": [`))
	select {
	case err := <-errs:
		if !strings.Contains(err.Error(), "previous content stays in force") {
			t.Errorf("reload error %q", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a broken JWKS file was not reported")
	}
	if _, err := v.Verify(edTok); err != nil {
		t.Errorf("after a broken reload the keys in force changed: %v", err)
	}
}

// writeFile replaces a file's content as an operator's tools do: a new
// file renamed over the old one.
func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		t.Fatal(err)
	}
}

// eventually waits up to ten seconds for ok.
func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestJWTConfig: a verifier needs both an issuer and an audience, and a
// cache of 0 tokens or more; a PEM key must be a public key of an accepted
// kind.
func TestJWTConfig(t *testing.T) {
	if _, err := auth.NewJWT(auth.JWTConfig{Issuer: issuer}, &auth.JWKS{}); err == nil {
		t.Error("a verifier without an audience")
	}
	if _, err := auth.NewJWT(auth.JWTConfig{Audience: audience}, &auth.JWKS{}); err == nil {
		t.Error("a verifier without an issuer")
	}
	if _, err := auth.NewJWT(auth.JWTConfig{Issuer: issuer, Audience: audience, CacheSize: -1}, &auth.JWKS{}); err == nil {
		t.Error("a verifier with a cache of -1 tokens")
	}
	der, _ := x509.MarshalPKCS8PrivateKey(mustEC(t))
	for _, bad := range [][]byte{[]byte("not pem"), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})} {
		if _, err := auth.ParsePublicKeyPEM(bad); err == nil {
			t.Errorf("ParsePublicKeyPEM(%.20q) accepted", bad)
		}
	}
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if _, err := auth.ParsePublicKeyPEM(publicPEM(t, signer{key: p384})); err == nil {
		t.Error("a P-384 key accepted for ES256")
	}
}
