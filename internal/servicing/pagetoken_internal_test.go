package servicing

import (
	"context"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// fixedSecret is a store.Secrets with one secret for every name.
type fixedSecret []byte

func (f fixedSecret) ServerSecret(context.Context, store.ServerSecretParams) ([]byte, error) {
	return f, nil
}

// TestPageTokenRoundTrip: a token reads back as its position under the
// same secret, and not under another.
func TestPageTokenRoundTrip(t *testing.T) {
	ctx := context.Background()
	tokens := &pageTokens{secrets: fixedSecret(strings.Repeat("k", 32))}
	other := &pageTokens{secrets: fixedSecret(strings.Repeat("o", 32))}
	for _, position := range []string{"L1", "42", "2024-05-12|LN1:UPCOMING_DUE:2024-05-12:4", "a|b|c"} {
		token, err := tokens.issue(ctx, listNotices, position)
		if err != nil {
			t.Fatal(err)
		}
		var e engine.InvalidError
		if got, err := tokens.read(ctx, &e, listNotices, token); err != nil || got != position || e.Err() != nil {
			t.Errorf("read(issue(%q)) = %q, %v, %v", position, got, err, e.Err())
		}
		if got, _ := other.read(ctx, &e, listNotices, token); got != "" || len(e.Violations) != 1 {
			t.Errorf("another secret read %q as %q (%v)", token, got, e.Violations)
		}
	}
}

// TestLongestPageToken: the longest position any list signs, a notice of
// a loan with a 64-byte id on the largest date, makes a token within the
// 256 bytes the API allows a page_token (grpcapi.MaxPageTokenBytes).
func TestLongestPageToken(t *testing.T) {
	id := strings.Repeat("L", 64) + ":" + NoticeCreditReport + ":9999-12-31:1200"
	token, err := (&pageTokens{secrets: fixedSecret(make([]byte, 32))}).issue(context.Background(), listNotices, "9999-12-31|"+id)
	if err != nil || len(token) > 256 {
		t.Fatalf("a token of %d bytes, %v", len(token), err)
	}
}
