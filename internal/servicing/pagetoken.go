package servicing

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"sync"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// A page token is opaque to clients and signed: base64url (unpadded) of a
// version byte, the position the next page starts after, and the first
// 16 bytes of an HMAC-SHA256 of the version, the list and the position
// under a server secret kept in the database (store.Secrets), the same
// for every loand on it. A client can neither forge a position nor use a
// token of one list in another; a token altered in any way is refused
// as one this server did not issue.
const (
	pageTokenVersion  = 1
	pageTokenMACBytes = 16
	// pageTokenSecret names the secret in store.Secrets.
	pageTokenSecret = "page-tokens"
)

// The lists that page, by the name their tokens are signed for.
const (
	listLoans       = "loans"
	listLoanEvents  = "loan-events"
	listAgreements  = "agreements"
	listNotices     = "notices"
	listDelinquents = "delinquent-loans"
	listActions     = "pending-actions"
)

// errNotIssued describes a page token the server did not issue.
const errNotIssued = "not a token this server issued"

// pageTokens signs and reads page tokens. The secret is read from the
// store on first use and kept: it never changes.
type pageTokens struct {
	secrets store.Secrets
	mu      sync.Mutex
	key     []byte
}

// secret returns the signing key, reading it from the store the first
// time; a failed read is tried again on the next call.
func (t *pageTokens) secret(ctx context.Context) ([]byte, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.key == nil {
		key, err := t.secrets.ServerSecret(ctx, store.ServerSecretParams{Name: pageTokenSecret})
		if err != nil {
			return nil, err
		}
		t.key = key
	}
	return t.key, nil
}

// mac is the signature of a position in a list.
func mac(key []byte, list, position string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte{pageTokenVersion})
	h.Write([]byte(list))
	h.Write([]byte{0})
	h.Write([]byte(position))
	return h.Sum(nil)[:pageTokenMACBytes]
}

// issue returns the token of the page of list after position.
func (t *pageTokens) issue(ctx context.Context, list, position string) (string, error) {
	key, err := t.secret(ctx)
	if err != nil {
		return "", err
	}
	b := make([]byte, 0, 1+len(position)+pageTokenMACBytes)
	b = append(append(append(b, pageTokenVersion), position...), mac(key, list, position)...)
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// read returns the position a token of list carries: "" for no token,
// and "" with a violation of page_token for one this server did not
// issue for that list. The error is the store's, when the secret cannot
// be read.
func (t *pageTokens) read(ctx context.Context, e *engine.InvalidError, list, token string) (string, error) {
	if token == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) <= 1+pageTokenMACBytes || b[0] != pageTokenVersion {
		e.Add("page_token", errNotIssued)
		return "", nil
	}
	key, err := t.secret(ctx)
	if err != nil {
		return "", err
	}
	position, sum := string(b[1:len(b)-pageTokenMACBytes]), b[len(b)-pageTokenMACBytes:]
	if !hmac.Equal(sum, mac(key, list, position)) {
		e.Add("page_token", errNotIssued)
		return "", nil
	}
	return position, nil
}
