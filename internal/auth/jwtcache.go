package auth

import (
	"crypto/sha256"
	"slices"
	"sync"
	"time"
)

// DefaultTokenCache is how many verified JWTs loand remembers unless told
// otherwise (--jwt-cache): more than the distinct live tokens of the
// channels and staff calling one loand, at a few hundred bytes each.
const DefaultTokenCache = 10000

// evictionSample is how many entries a full cache looks at to choose one
// to evict: a token no longer valid if it finds one, else the one that
// expires first. Sampling keeps an insert O(1) however large the cache.
const evictionSample = 8

// tokenCache remembers the tokens a JWT verifier accepted, so that a token
// presented again costs a SHA-256 and a map lookup instead of a signature
// check. It holds only what verification proved: the principal and the
// window in which the token's exp, nbf and iat (with the leeway) let it be
// used, which is checked against the clock on every lookup, so a cached
// token expires exactly when an uncached one would.
//
// Entries belong to one generation of the key set (KeySource.Generation):
// the first lookup or insert under a newer generation drops them all, so
// that a key taken out of a JWKS stops verifying at once, cached tokens
// included. Refusals are never stored: a bad token is verified again each
// time it comes (the transport's limits bound how often), and no caller
// can fill the cache with tokens that were never valid.
type tokenCache struct {
	max int
	mu  sync.Mutex
	gen uint64 // the key set generation every entry was verified under
	m   map[[sha256.Size]byte]verifiedToken
}

// verifiedToken is what a cache entry keeps of a token that verified.
type verifiedToken struct {
	p Principal
	// from and until bound when the token may be used, leeway included:
	// from is the later of nbf and iat less the leeway (zero if it has
	// neither), until is exp plus the leeway. It is usable at now when
	// from <= now < until, as golang-jwt's validator decides.
	from, until time.Time
}

// usableAt reports whether the token may be used at now.
func (t verifiedToken) usableAt(now time.Time) bool {
	return !now.Before(t.from) && now.Before(t.until)
}

// newTokenCache returns a cache of at most max tokens (max > 0).
func newTokenCache(max int) *tokenCache {
	return &tokenCache{max: max, m: make(map[[sha256.Size]byte]verifiedToken)}
}

// get returns the principal of the token whose SHA-256 is key, if it was
// verified under the key set generation gen and may be used at now. A
// token it holds that may no longer be used is forgotten.
func (c *tokenCache) get(key [sha256.Size]byte, gen uint64, now time.Time) (Principal, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.current(gen) {
		return Principal{}, false
	}
	t, ok := c.m[key]
	if !ok {
		return Principal{}, false
	}
	if !t.usableAt(now) {
		delete(c.m, key)
		return Principal{}, false
	}
	p := t.p
	// The caller gets roles of its own: nothing it does to them can
	// change what the next call of the same token is granted.
	p.Roles = slices.Clone(p.Roles)
	return p, true
}

// put remembers a token verified under generation gen, evicting one entry
// if the cache is full. now is the verification's clock reading.
func (c *tokenCache) put(key [sha256.Size]byte, gen uint64, t verifiedToken, now time.Time) {
	t.p.Roles = slices.Clone(t.p.Roles)
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.current(gen) {
		return
	}
	if _, ok := c.m[key]; !ok && len(c.m) >= c.max {
		c.evict(now)
	}
	c.m[key] = t
}

// current moves the cache to generation gen if gen is newer, dropping every
// entry, and reports whether gen is the cache's generation: a lookup or
// insert of an older one (it raced a reload) must not use the entries or
// add to them. Called with mu held.
func (c *tokenCache) current(gen uint64) bool {
	if gen > c.gen {
		clear(c.m)
		c.gen = gen
	}
	return gen == c.gen
}

// evict removes one entry: among a few chosen at random (Go's map
// iteration starts at a random place), the first that may no longer be
// used at now, else the one that expires first. Called with mu held.
func (c *tokenCache) evict(now time.Time) {
	var victim [sha256.Size]byte
	var soonest time.Time
	n := 0
	for k, t := range c.m {
		if !t.usableAt(now) {
			victim = k
			break
		}
		if n == 0 || t.until.Before(soonest) {
			victim, soonest = k, t.until
		}
		if n++; n == evictionSample {
			break
		}
	}
	delete(c.m, victim)
}

// size is how many tokens the cache holds.
func (c *tokenCache) size() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.m)
}
