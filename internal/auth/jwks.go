package auth

import (
	"bytes"
	"crypto"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/MicahParks/jwkset"
)

// JWKS is a KeySource of the public keys in a JSON Web Key Set file, found
// by the kid every token must carry. Load replaces the keys at once, so a
// reload never leaves a call with half a set.
type JWKS struct {
	set atomic.Pointer[keySet]
	// storing serialises Loads, so that each set gets a generation of its
	// own, greater than the one before.
	storing sync.Mutex
}

// keySet is the set in force: its keys by kid, and its generation, stored
// together so that a reader never sees one set's keys under another's
// generation.
type keySet struct {
	keys map[string]jwk
	gen  uint64
}

// jwk is one usable key of a set: the key and the one algorithm it
// verifies.
type jwk struct {
	key crypto.PublicKey
	alg string
}

// Load parses a JWK Set and, if every key in it is usable, makes it the
// set in force; otherwise it returns why and keeps the previous set.
// Each key needs a kid of its own and must be an RSA (2048 bits or more),
// EC P-256 or Ed25519 public key for signatures; a private or symmetric
// key is refused, since either would mean the wrong file was given.
func (s *JWKS) Load(data []byte) error {
	var set jwkset.JWKSMarshal
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&set); err != nil {
		return fmt.Errorf("JWKS: %w", err)
	}
	if len(set.Keys) == 0 {
		return errors.New("JWKS: no keys")
	}
	keys := map[string]jwk{}
	for i, m := range set.Keys {
		k, err := usableKey(m)
		if err != nil {
			return fmt.Errorf("JWKS: key %d (kid %q): %w", i, m.KID, err)
		}
		if _, dup := keys[m.KID]; dup {
			return fmt.Errorf("JWKS: key %d: a second key with kid %q", i, m.KID)
		}
		keys[m.KID] = k
	}
	s.storing.Lock()
	defer s.storing.Unlock()
	next := &keySet{keys: keys, gen: 1}
	if old := s.set.Load(); old != nil {
		next.gen = old.gen + 1
	}
	s.set.Store(next)
	return nil
}

// Generation implements KeySource: it changes with every set Load puts in
// force (0 before the first).
func (s *JWKS) Generation() uint64 {
	if set := s.set.Load(); set != nil {
		return set.gen
	}
	return 0
}

// usableKey checks one JWK of a set and returns its key and algorithm.
func usableKey(m jwkset.JWKMarshal) (jwk, error) {
	switch {
	case m.KID == "":
		return jwk{}, errors.New("no kid")
	case m.D != "" || m.K != "" || m.KTY == jwkset.KtyOct:
		return jwk{}, errors.New("a private or symmetric key: give the public keys only")
	case m.USE != "" && m.USE != jwkset.UseSig:
		return jwk{}, fmt.Errorf("use %q: want sig", m.USE)
	}
	parsed, err := jwkset.NewJWKFromMarshal(m, jwkset.JWKMarshalOptions{}, jwkset.JWKValidateOptions{})
	if err != nil {
		return jwk{}, err
	}
	alg := algorithmOf(parsed.Key())
	if alg == "" {
		return jwk{}, errors.New("want an RSA key of 2048 bits or more, an EC P-256 key or an Ed25519 key")
	}
	if a := m.ALG.String(); a != "" && a != alg {
		return jwk{}, fmt.Errorf("alg %q: this key verifies %s only", a, alg)
	}
	return jwk{key: parsed.Key(), alg: alg}, nil
}

// Key implements KeySource: the key the token's kid names, if its
// algorithm is the token's.
func (s *JWKS) Key(header map[string]any) (crypto.PublicKey, error) {
	kid, ok := header["kid"].(string)
	if !ok || kid == "" {
		return nil, errNoKid
	}
	set := s.set.Load()
	if set == nil {
		return nil, errUnknownKid
	}
	k, ok := set.keys[kid]
	if !ok {
		return nil, errUnknownKid
	}
	if header["alg"] != k.alg {
		return nil, errKeyMismatch
	}
	return k.key, nil
}
