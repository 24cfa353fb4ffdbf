package auth

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"sync/atomic"
	"time"
)

// An API key is "lck_" + a 16-hex-digit id + "_" + 32 random bytes in
// base64url (no padding). The id in the key makes lookup one map read;
// the secret is what is hashed. Keys are 256-bit random strings, not
// passwords: nobody can guess one, so a fast salted SHA-256 protects the
// file as well as bcrypt or argon2 would, and checking a key costs a
// microsecond instead of tens of milliseconds on every call (which would
// also hand anyone with a bad key a way to burn the server's CPU).
const keyPrefix = "lck_"

// keyShape is what a well-formed key looks like, and keyID its id.
var (
	keyShape = regexp.MustCompile(`^lck_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$`)
	keyID    = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

// keyRecord is one line of an API keys file (JSON lines, append only): a
// key ("key") or the revocation of one ("revoke"). The key itself is never
// in the file: only a salt and SHA-256(salt ‖ secret).
type keyRecord struct {
	Kind    string    `json:"kind"`
	ID      string    `json:"id"`
	Salt    string    `json:"salt,omitempty"`
	SHA256  string    `json:"sha256,omitempty"`
	Subject string    `json:"subject,omitempty"`
	Roles   []string  `json:"roles,omitempty"`
	Created time.Time `json:"created,omitzero"`
	Revoked time.Time `json:"revoked,omitzero"`
}

// Record kinds of an API keys file.
const (
	recordKey    = "key"
	recordRevoke = "revoke"
)

// apiKey is a key in force: what verifies it and whom it names.
type apiKey struct {
	salt, sum []byte
	subject   string
	roles     []string
}

// APIKeys verifies API keys against the keys file last loaded. Load
// replaces them at once; revoked keys are not kept at all.
type APIKeys struct {
	keys atomic.Pointer[map[string]apiKey]
}

// Load parses an API keys file and, if all of it is well formed, makes
// its unrevoked keys the ones in force; otherwise it returns the line at
// fault and keeps the previous keys.
func (k *APIKeys) Load(data []byte) error {
	keys, err := parseKeys(data)
	if err != nil {
		return err
	}
	k.keys.Store(&keys)
	return nil
}

// parseKeys reads a keys file into the keys in force, refusing anything
// malformed: an unknown field, a bad id, salt or hash, a key id made twice,
// a revocation of a key that was never made or is revoked already.
func parseKeys(data []byte) (map[string]apiKey, error) {
	keys, revoked := map[string]apiKey{}, map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		if len(bytes.TrimSpace(sc.Bytes())) == 0 {
			continue
		}
		if err := applyRecord(sc.Bytes(), keys, revoked); err != nil {
			return nil, fmt.Errorf("API keys file, line %d: %w", n, err)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("API keys file: %w", err)
	}
	return keys, nil
}

// applyRecord reads one line into keys (and revoked, the ids revoked so
// far).
func applyRecord(line []byte, keys map[string]apiKey, revoked map[string]bool) error {
	var r keyRecord
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&r); err != nil {
		return err
	}
	if !keyID.MatchString(r.ID) {
		return fmt.Errorf("id %q: want 16 hex digits", r.ID)
	}
	_, made := keys[r.ID]
	switch r.Kind {
	case recordKey:
		if made || revoked[r.ID] {
			return fmt.Errorf("key %s made twice", r.ID)
		}
		key, err := r.key()
		if err != nil {
			return fmt.Errorf("key %s: %w", r.ID, err)
		}
		keys[r.ID] = key
	case recordRevoke:
		if !made {
			return fmt.Errorf("revokes %s, which is not a key in force", r.ID)
		}
		delete(keys, r.ID)
		revoked[r.ID] = true
	default:
		return fmt.Errorf("kind %q: want key or revoke", r.Kind)
	}
	return nil
}

// key checks a "key" record and returns the key it puts in force.
func (r keyRecord) key() (apiKey, error) {
	salt, err := base64.RawURLEncoding.DecodeString(r.Salt)
	if err != nil || len(salt) < 16 {
		return apiKey{}, errors.New("salt: want 16 or more bytes in base64url")
	}
	sum, err := hex.DecodeString(r.SHA256)
	if err != nil || len(sum) != sha256.Size {
		return apiKey{}, errors.New("sha256: want 64 hex digits")
	}
	if err := CheckSubject(r.Subject); err != nil {
		return apiKey{}, fmt.Errorf("subject: %w", err)
	}
	return apiKey{salt: salt, sum: sum, subject: r.Subject, roles: slices.Clone(r.Roles)}, nil
}

// errUnknownKey is the one answer for a key that is not in force, whether
// its id was never made, it was revoked or its secret is wrong, so that
// a caller learns nothing about which ids exist.
var errUnknownKey = errors.New("unknown or revoked API key")

// decoy is hashed and compared for an id that is not in force, so that
// such a key costs what a wrong secret does.
var decoy = apiKey{salt: make([]byte, 16), sum: make([]byte, sha256.Size)}

// Verify returns the principal of an API key in force.
func (k *APIKeys) Verify(key string) (Principal, error) {
	m := keyShape.FindStringSubmatch(key)
	if m == nil {
		return Principal{}, errors.New("malformed API key")
	}
	var known map[string]apiKey
	if p := k.keys.Load(); p != nil {
		known = *p
	}
	rec, found := known[m[1]]
	if !found {
		rec = decoy
	}
	sum := keyHash(rec.salt, m[2])
	if subtle.ConstantTimeCompare(sum[:], rec.sum) != 1 || !found {
		return Principal{}, errUnknownKey
	}
	return Principal{Subject: rec.subject, Roles: slices.Clone(rec.roles), Via: ViaAPIKey}, nil
}

// keyHash is what a keys file keeps of a key's secret.
func keyHash(salt []byte, secret string) [sha256.Size]byte {
	h := sha256.New()
	h.Write(salt)
	h.Write([]byte(secret))
	return [sha256.Size]byte(h.Sum(nil))
}

// CreateAPIKey makes a new key for subject with roles, appends its record
// to the keys file at path (creating it, readable by its owner only), and
// returns the key's id and the key, which exists nowhere else: it cannot
// be shown again. The file must parse as it is, so that a damaged file is
// found now, not at the next start.
func CreateAPIKey(path, subject string, roles []string, now time.Time) (id, key string, err error) {
	if err := CheckSubject(subject); err != nil {
		return "", "", fmt.Errorf("subject: %w", err)
	}
	if len(roles) == 0 {
		return "", "", errors.New("a key needs at least one role")
	}
	if _, err := readKeys(path); err != nil {
		return "", "", err
	}
	idBytes, secretBytes, salt := make([]byte, 8), make([]byte, 32), make([]byte, 16)
	for _, b := range [][]byte{idBytes, secretBytes, salt} {
		_, _ = rand.Read(b) // crypto/rand.Read never fails
	}
	id, secret := hex.EncodeToString(idBytes), base64.RawURLEncoding.EncodeToString(secretBytes)
	sum := keyHash(salt, secret)
	r := keyRecord{Kind: recordKey, ID: id, Salt: base64.RawURLEncoding.EncodeToString(salt), SHA256: hex.EncodeToString(sum[:]),
		Subject: subject, Roles: roles, Created: now.UTC()}
	if err := appendRecord(path, r); err != nil {
		return "", "", err
	}
	return id, keyPrefix + id + "_" + secret, nil
}

// RevokeAPIKey appends the revocation of key id to the keys file at path;
// nothing in the file is rewritten or deleted. The id must be a key in
// force.
func RevokeAPIKey(path, id string, now time.Time) error {
	keys, err := readKeys(path)
	if err != nil {
		return err
	}
	if _, ok := keys[id]; !ok {
		return fmt.Errorf("%s: no key in force has id %q", path, id)
	}
	return appendRecord(path, keyRecord{Kind: recordRevoke, ID: id, Revoked: now.UTC()})
}

// readKeys parses the keys file at path; a file that does not exist yet
// has no keys.
func readKeys(path string) (map[string]apiKey, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return map[string]apiKey{}, nil
	}
	if err != nil {
		return nil, err
	}
	return parseKeys(data)
}

// appendRecord appends one record to the keys file in a single write, so
// that concurrent appends cannot interleave.
func appendRecord(path string, r keyRecord) error {
	line, err := json.Marshal(r)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	if _, err := f.Write(append(line, '\n')); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
