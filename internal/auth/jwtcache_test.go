package auth_test

import (
	"crypto"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/loancore/loancore/internal/auth"
)

// countingKeys is a KeySource that counts the keys it hands out: one per
// token whose signature is checked, so a count that does not move means
// the token came from the cache.
type countingKeys struct {
	auth.KeySource
	n atomic.Int64
}

func (c *countingKeys) Key(header map[string]any) (crypto.PublicKey, error) {
	c.n.Add(1)
	return c.KeySource.Key(header)
}

// cachedVerifier is a verifier remembering up to size tokens, over a JWKS
// of ss whose key lookups are counted, on the clock *now.
func cachedVerifier(t *testing.T, size int, now *time.Time, ss ...signer) (*auth.JWT, *auth.JWKS, *countingKeys) {
	t.Helper()
	set := &auth.JWKS{}
	if err := set.Load(jwksJSON(t, ss...)); err != nil {
		t.Fatal(err)
	}
	keys := &countingKeys{KeySource: set}
	v, err := auth.NewJWT(auth.JWTConfig{Issuer: issuer, Audience: audience, Leeway: auth.DefaultLeeway, CacheSize: size,
		Now: func() time.Time { return *now }}, keys)
	if err != nil {
		t.Fatal(err)
	}
	return v, set, keys
}

// verifyChecked verifies token and reports whether its signature was
// checked (false: it came from the cache), failing the test on a refusal.
func verifyChecked(t *testing.T, v *auth.JWT, keys *countingKeys, token string) bool {
	t.Helper()
	before := keys.n.Load()
	if _, err := v.Verify(token); err != nil {
		t.Fatalf("a valid token refused: %v", err)
	}
	return keys.n.Load() != before
}

// TestJWTCacheExpiresOnTime: a cached token is used without a signature
// check, but only within exp and nbf (with the leeway) on the injected
// clock: it is refused as expired at the instant an uncached one is, and
// as not yet valid before its nbf less the leeway.
func TestJWTCacheExpiresOnTime(t *testing.T) {
	t0 := time.Unix(1_900_000_000, 0)
	now := t0
	s := testSigners(t)[1]
	v, _, keys := cachedVerifier(t, 10, &now, s)
	c := claims(t0)
	c["nbf"] = t0.Add(20 * time.Second).Unix() // within the leeway: usable at t0
	tok := sign(t, s, c, true)
	if !verifyChecked(t, v, keys, tok) {
		t.Fatal("the first call did not check the signature")
	}
	exp := t0.Add(10 * time.Minute)
	for _, at := range []time.Time{t0.Add(time.Minute), exp, exp.Add(auth.DefaultLeeway - time.Second)} {
		now = at
		if verifyChecked(t, v, keys, tok) {
			t.Errorf("at exp%+v the token was verified again, not taken from the cache", at.Sub(exp))
		}
	}
	now = exp.Add(auth.DefaultLeeway)
	if _, err := v.Verify(tok); err == nil || !strings.Contains(err.Error(), "token expired") {
		t.Errorf("at exp + leeway: %v, want token expired", err)
	}
	// Taken again from the start: before nbf less the leeway it is not
	// yet valid, whether the cache holds it or not.
	now = t0
	verifyChecked(t, v, keys, tok)
	now = t0.Add(20*time.Second - auth.DefaultLeeway - time.Second)
	if _, err := v.Verify(tok); err == nil || !strings.Contains(err.Error(), "not yet valid") {
		t.Errorf("before nbf - leeway: %v, want not yet valid", err)
	}
}

// TestJWTCacheDroppedOnReload: a token signed by a key taken out of the
// JWKS is refused as soon as the new set is loaded, although the cache
// held it; a token of a key still in the set is verified again, once.
func TestJWTCacheDroppedOnReload(t *testing.T) {
	now := time.Now()
	ss := testSigners(t)
	v, set, keys := cachedVerifier(t, 10, &now, ss[0], ss[1])
	removed, kept := sign(t, ss[1], claims(now), true), sign(t, ss[0], claims(now), true)
	for _, tok := range []string{removed, kept, removed, kept} {
		verifyChecked(t, v, keys, tok)
	}
	if err := set.Load(jwksJSON(t, ss[0])); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(removed); err == nil || !strings.Contains(err.Error(), "unknown key") {
		t.Errorf("a cached token of a key taken out of the set: %v, want unknown key", err)
	}
	if !verifyChecked(t, v, keys, kept) {
		t.Error("after a reload a cached token was not verified again")
	}
	if verifyChecked(t, v, keys, kept) {
		t.Error("after a reload the token verified again was not cached")
	}
}

// TestJWTCacheRefusalsNotCached: a refused token is checked in full every
// time it comes, whether it failed its signature or a claim after it.
func TestJWTCacheRefusalsNotCached(t *testing.T) {
	now := time.Now()
	ss := testSigners(t)
	v, _, keys := cachedVerifier(t, 10, &now, ss[1])
	spoil := func(f func(jwt.MapClaims)) string {
		c := claims(now)
		f(c)
		return sign(t, ss[1], c, true)
	}
	forged := strings.Split(sign(t, ss[1], claims(now), true), ".")
	forged[2] = strings.Split(sign(t, ss[1], claims(now.Add(time.Second)), true), ".")[2]
	for name, tok := range map[string]string{
		"wrong audience": spoil(func(c jwt.MapClaims) { c["aud"] = "another-service" }),
		"no subject":     spoil(func(c jwt.MapClaims) { delete(c, "sub") }),
		"bad signature":  strings.Join(forged, "."),
	} {
		before := keys.n.Load()
		for range 3 {
			if _, err := v.Verify(tok); err == nil {
				t.Fatalf("%s: accepted", name)
			}
		}
		if n := keys.n.Load() - before; n != 3 {
			t.Errorf("%s: 3 refusals checked %d signatures, want 3", name, n)
		}
	}
}

// TestJWTCacheBound: many distinct valid tokens never make the cache
// hold more than its size: presented again, at most that many come from
// it, and the last one verified always does.
func TestJWTCacheBound(t *testing.T) {
	now := time.Now()
	s := testSigners(t)[1]
	const size = 4
	v, _, keys := cachedVerifier(t, size, &now, s)
	var tokens []string
	for i := range 3 * size {
		c := claims(now)
		c["sub"] = fmt.Sprintf("teller-%d", i)
		tokens = append(tokens, sign(t, s, c, true))
		verifyChecked(t, v, keys, tokens[i])
	}
	if verifyChecked(t, v, keys, tokens[len(tokens)-1]) {
		t.Error("the token verified last is not in the cache")
	}
	hits := 0
	for _, tok := range tokens {
		if !verifyChecked(t, v, keys, tok) {
			hits++
		}
	}
	if hits > size {
		t.Errorf("%d tokens came from a cache of %d", hits, size)
	}
}

// TestJWTCacheRolesAreTheCallers: a caller that changes the roles it was
// given changes nothing for the next call of the same token.
func TestJWTCacheRolesAreTheCallers(t *testing.T) {
	now := time.Now()
	s := testSigners(t)[1]
	v, _, _ := cachedVerifier(t, 10, &now, s)
	tok := sign(t, s, claims(now), true)
	for range 3 {
		p, err := v.Verify(tok)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Roles) != 1 || p.Roles[0] != "servicer" {
			t.Fatalf("roles %q, want [servicer]", p.Roles)
		}
		p.Roles[0] = "admin"
	}
}

// TestJWTCacheConcurrent: callers verifying the same and distinct tokens
// from several goroutines while the JWKS is reloaded (with the same keys)
// are all accepted; run under the race detector by make race.
func TestJWTCacheConcurrent(t *testing.T) {
	now := time.Now()
	s := testSigners(t)[1]
	v, set, _ := cachedVerifier(t, 3, &now, s)
	var tokens []string
	for i := range 5 {
		c := claims(now)
		c["sub"] = fmt.Sprintf("teller-%d", i)
		tokens = append(tokens, sign(t, s, c, true))
	}
	data := jwksJSON(t, s)
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 100 {
				if _, err := v.Verify(tokens[(g+i)%len(tokens)]); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for range 20 {
		if err := set.Load(data); err != nil {
			t.Fatal(err)
		}
	}
	wg.Wait()
}
