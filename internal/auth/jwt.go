package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Algorithms are the JWT signing algorithms accepted, and the only ones:
// asymmetric, so that holding the verification key never lets anyone
// sign. "none" and every HS* (the HS/RS key confusion) are refused.
var Algorithms = []string{"RS256", "ES256", "EdDSA"}

// DefaultLeeway is the clock skew allowed when checking exp, nbf and iat.
const DefaultLeeway = 30 * time.Second

// JWTConfig is what a JWT must say to be accepted, beside its signature.
type JWTConfig struct {
	// Issuer and Audience must match the token's iss and (one of its) aud.
	Issuer, Audience string
	// RolesClaim names the claim holding the roles: a JSON array of
	// strings or one space-separated string. "" is "roles".
	RolesClaim string
	// Leeway is the clock skew allowed for exp, nbf and iat; 0 is none.
	Leeway time.Duration
	// CacheSize is how many verified tokens to remember, so that a token
	// presented again is not verified again (DefaultTokenCache is
	// loand's default); 0 remembers none.
	CacheSize int
	// Now is the clock exp, nbf and iat are checked against, cached
	// tokens included; nil is time.Now.
	Now func() time.Time
}

// KeySource finds the key that verifies a token, from its header: a JWKS
// (by kid) or one configured public key.
type KeySource interface {
	// Key returns the public key for a token whose header is given and
	// whose alg is one of Algorithms, or an error saying why there is
	// none that never names the keys that exist.
	Key(header map[string]any) (crypto.PublicKey, error)
	// Generation changes whenever the keys change (a JWKS reloaded), and
	// only then: tokens verified under another generation are verified
	// again, so a key taken out of the set stops working at once.
	Generation() uint64
}

// JWT verifies bearer JWTs against a KeySource and a JWTConfig.
type JWT struct {
	cfg    JWTConfig
	keys   KeySource
	parser *jwt.Parser
	// cache remembers the tokens verified; nil when CacheSize is 0.
	cache *tokenCache
}

// NewJWT returns a verifier for tokens signed by keys and carrying cfg's
// issuer and audience, both required.
func NewJWT(cfg JWTConfig, keys KeySource) (*JWT, error) {
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("a JWT issuer and audience are both required")
	}
	if cfg.CacheSize < 0 {
		return nil, fmt.Errorf("a JWT cache of %d tokens: want 0 or more", cfg.CacheSize)
	}
	if cfg.RolesClaim == "" {
		cfg.RolesClaim = "roles"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	p := jwt.NewParser(jwt.WithValidMethods(Algorithms), jwt.WithIssuer(cfg.Issuer), jwt.WithAudience(cfg.Audience),
		jwt.WithLeeway(cfg.Leeway), jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithTimeFunc(cfg.Now))
	v := &JWT{cfg: cfg, keys: keys, parser: p}
	if cfg.CacheSize > 0 {
		v.cache = newTokenCache(cfg.CacheSize)
	}
	return v, nil
}

// Verify checks a token's algorithm, key, signature, issuer, audience and
// times, and returns its subject and roles. A token verified before under
// the same keys is not verified again, but its times are checked again.
func (v *JWT) Verify(token string) (Principal, error) {
	if v.cache == nil {
		t, err := v.verify(token)
		return t.p, err
	}
	// The generation is read before verifying: a key taken out while the
	// token is being verified makes the entry stale, never current.
	gen := v.keys.Generation()
	key := sha256.Sum256([]byte(token))
	now := v.cfg.Now()
	if p, ok := v.cache.get(key, gen, now); ok {
		return p, nil
	}
	t, err := v.verify(token)
	if err != nil {
		return Principal{}, err
	}
	v.cache.put(key, gen, t, now)
	return t.p, nil
}

// verify checks a token as Verify does, without the cache, and returns its
// principal and the window in which its times let it be used.
func (v *JWT) verify(token string) (verifiedToken, error) {
	claims := jwt.MapClaims{}
	tok, err := v.parser.ParseWithClaims(token, claims, func(t *jwt.Token) (any, error) {
		return v.keys.Key(t.Header)
	})
	if err != nil {
		return verifiedToken{}, jwtError(tok, err)
	}
	sub, _ := claims.GetSubject()
	if err := CheckSubject(sub); err != nil {
		return verifiedToken{}, fmt.Errorf("token sub: %w", err)
	}
	roles, err := rolesClaim(claims[v.cfg.RolesClaim])
	if err != nil {
		return verifiedToken{}, fmt.Errorf("token claim %q: %w", v.cfg.RolesClaim, err)
	}
	t := verifiedToken{p: Principal{Subject: sub, Roles: roles, Via: ViaJWT}}
	// The parser checked these claims, so they parse; exp is required.
	exp, _ := claims.GetExpirationTime()
	t.until = exp.Add(v.cfg.Leeway)
	for _, get := range []func() (*jwt.NumericDate, error){claims.GetNotBefore, claims.GetIssuedAt} {
		if d, _ := get(); d != nil && d.Add(-v.cfg.Leeway).After(t.from) {
			t.from = d.Add(-v.cfg.Leeway)
		}
	}
	return t, nil
}

// Why a key source found no key; jwtError turns them into messages.
var (
	errNoKid       = errors.New("token has no kid; this server's keys are a JWKS, which needs one")
	errUnknownKid  = errors.New("token signed by an unknown key (kid)")
	errKeyMismatch = errors.New("token alg does not match its key")
)

// jwtRefusals are the messages for what golang-jwt reports, most
// specific first: a token refused for several reasons gets the first.
var jwtRefusals = []struct {
	err error
	msg string
}{
	{jwt.ErrTokenMalformed, "malformed token"},
	{errNoKid, errNoKid.Error()},
	{errUnknownKid, errUnknownKid.Error()},
	{errKeyMismatch, errKeyMismatch.Error()},
	{jwt.ErrTokenSignatureInvalid, "token signature is invalid"},
	{jwt.ErrTokenExpired, "token expired"},
	{jwt.ErrTokenNotValidYet, "token not yet valid (nbf)"},
	{jwt.ErrTokenUsedBeforeIssued, "token issued in the future (iat)"},
	{jwt.ErrTokenInvalidIssuer, "token has the wrong issuer"},
	{jwt.ErrTokenInvalidAudience, "token has the wrong audience"},
	{jwt.ErrTokenRequiredClaimMissing, "token lacks a required claim (exp, iss, aud)"},
}

// jwtError says what was wrong with a refused token, without echoing it
// or naming any key.
func jwtError(tok *jwt.Token, err error) error {
	if tok != nil && !errors.Is(err, jwt.ErrTokenMalformed) {
		if alg, _ := tok.Header["alg"].(string); !slices.Contains(Algorithms, alg) {
			return fmt.Errorf("token algorithm not allowed (want %s)", strings.Join(Algorithms, ", "))
		}
	}
	for _, r := range jwtRefusals {
		if errors.Is(err, r.err) {
			return errors.New(r.msg)
		}
	}
	return errors.New("token refused")
}

// rolesClaim reads a roles claim: absent, a JSON array of strings, or one
// space-separated string (as OAuth's scope is).
func rolesClaim(v any) ([]string, error) {
	switch v := v.(type) {
	case nil:
		return nil, nil
	case string:
		return strings.Fields(v), nil
	case []any:
		roles := make([]string, 0, len(v))
		for _, r := range v {
			s, ok := r.(string)
			if !ok {
				return nil, errors.New("want an array of strings or a space-separated string")
			}
			roles = append(roles, s)
		}
		return roles, nil
	}
	return nil, errors.New("want an array of strings or a space-separated string")
}

// algorithmOf is the one algorithm a public key verifies, or "" for a key
// of a kind or size loancore does not accept.
func algorithmOf(key crypto.PublicKey) string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		if k.N.BitLen() >= 2048 {
			return "RS256"
		}
	case *ecdsa.PublicKey:
		if k.Curve == elliptic.P256() {
			return "ES256"
		}
	case ed25519.PublicKey:
		return "EdDSA"
	}
	return ""
}

// PublicKey is a KeySource of one key, from a PEM file: every token must
// be signed by it, with its algorithm, kid or not.
type PublicKey struct {
	key crypto.PublicKey
	alg string
}

// ParsePublicKeyPEM reads a PEM "PUBLIC KEY" (PKIX): RSA of 2048 bits or
// more, ECDSA P-256 or Ed25519.
func ParsePublicKeyPEM(data []byte) (*PublicKey, error) {
	block, _ := pem.Decode(data)
	if block == nil || block.Type != "PUBLIC KEY" {
		return nil, errors.New("want a PEM block of type PUBLIC KEY")
	}
	key, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	alg := algorithmOf(key)
	if alg == "" {
		return nil, errors.New("want an RSA key of 2048 bits or more, an ECDSA P-256 key or an Ed25519 key")
	}
	return &PublicKey{key: key, alg: alg}, nil
}

// Generation implements KeySource: a PEM key is read once, at start, and
// never changes.
func (p *PublicKey) Generation() uint64 { return 0 }

// Key implements KeySource.
func (p *PublicKey) Key(header map[string]any) (crypto.PublicKey, error) {
	if header["alg"] != p.alg {
		return nil, errKeyMismatch
	}
	return p.key, nil
}
