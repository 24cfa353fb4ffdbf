package auth

import (
	"crypto/sha256"
	"testing"
	"time"
)

// tokenKey is a cache key for a test's token i.
func tokenKey(i int) [sha256.Size]byte { return sha256.Sum256([]byte{byte(i), byte(i >> 8)}) }

// TestTokenCacheEvicts: a full cache never grows; it evicts a token no
// longer usable when it holds one, else the one that expires first, and
// keeps the rest.
func TestTokenCacheEvicts(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	usable := func(until time.Duration) verifiedToken {
		return verifiedToken{p: Principal{Subject: "s"}, from: now.Add(-time.Minute), until: now.Add(until)}
	}
	c := newTokenCache(evictionSample) // small enough that eviction looks at every entry
	for i := range evictionSample {
		c.put(tokenKey(i), 1, usable(time.Duration(i+10)*time.Minute), now)
	}
	c.put(tokenKey(3), 1, usable(time.Minute), now) // replaced, not added
	if n := c.size(); n != evictionSample {
		t.Fatalf("%d entries after %d distinct puts, want %d", n, evictionSample, evictionSample)
	}
	c.put(tokenKey(100), 1, usable(time.Hour), now)
	if _, ok := c.get(tokenKey(3), 1, now); ok {
		t.Error("the token expiring first was kept")
	}
	c.put(tokenKey(5), 1, usable(-time.Second), now) // expired a second ago
	c.put(tokenKey(101), 1, usable(time.Hour), now)
	if _, ok := c.get(tokenKey(5), 1, now); ok {
		t.Error("an expired token was kept")
	}
	for _, i := range []int{0, 1, 2, 4, 6, 7, 100, 101} {
		if _, ok := c.get(tokenKey(i), 1, now); !ok {
			t.Errorf("token %d was evicted", i)
		}
	}
	if n := c.size(); n != evictionSample {
		t.Errorf("%d entries, want %d", n, evictionSample)
	}
	for i := range 10 * evictionSample {
		c.put(tokenKey(200+i), 1, usable(time.Hour), now)
		if n := c.size(); n > evictionSample {
			t.Fatalf("%d entries in a cache of %d", n, evictionSample)
		}
	}
}

// TestTokenCacheGenerations: a newer key set generation drops every entry;
// a lookup or insert of an older one (it raced a reload) neither uses the
// entries nor adds to them.
func TestTokenCacheGenerations(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	tok := verifiedToken{p: Principal{Subject: "s"}, until: now.Add(time.Hour)}
	c := newTokenCache(10)
	c.put(tokenKey(1), 1, tok, now)
	if _, ok := c.get(tokenKey(1), 1, now); !ok {
		t.Fatal("a token put under generation 1 is not found under it")
	}
	if _, ok := c.get(tokenKey(1), 2, now); ok {
		t.Error("a token of generation 1 found under generation 2")
	}
	if n := c.size(); n != 0 {
		t.Errorf("generation 2 kept %d entries of generation 1", n)
	}
	c.put(tokenKey(2), 1, tok, now) // verified before the reload, put after
	if n := c.size(); n != 0 {
		t.Errorf("a token of an older generation was added: %d entries", n)
	}
	c.put(tokenKey(3), 2, tok, now)
	if _, ok := c.get(tokenKey(3), 1, now); ok {
		t.Error("a lookup of an older generation used the entries")
	}
	if _, ok := c.get(tokenKey(3), 2, now); !ok {
		t.Error("a lookup of an older generation dropped the entries")
	}
}
