package storetest

import (
	"bytes"
	"context"
	"sync"
	"testing"

	"github.com/loancore/loancore/internal/store"
)

// secretCases check the server's secrets: made on first use, the same
// ever after, one per name however many callers race to make it.
var secretCases = []testCase{
	{"SecretIsStable", testSecretIsStable},
	{"SecretFirstUseRace", testSecretFirstUseRace},
}

func testSecretIsStable(t *testing.T, s store.Store) {
	ctx := context.Background()
	a, err := s.ServerSecret(ctx, store.ServerSecretParams{Name: "page-tokens"})
	if err != nil || len(a) != store.ServerSecretBytes || bytes.Equal(a, make([]byte, store.ServerSecretBytes)) {
		t.Fatalf("secret %x, %v", a, err)
	}
	again, err := s.ServerSecret(ctx, store.ServerSecretParams{Name: "page-tokens"})
	if err != nil || !bytes.Equal(again, a) {
		t.Fatalf("asked again: %x, %v; first %x", again, err, a)
	}
	other, err := s.ServerSecret(ctx, store.ServerSecretParams{Name: "other"})
	if err != nil || len(other) != store.ServerSecretBytes || bytes.Equal(other, a) {
		t.Fatalf("another name: %x, %v; page-tokens %x", other, err, a)
	}
}

// testSecretFirstUseRace: callers racing for a name nobody has asked for
// (several processes starting at once) all get the one secret kept.
func testSecretFirstUseRace(t *testing.T, s store.Store) {
	ctx := context.Background()
	const callers = 8
	got := make([][]byte, callers)
	errs := make([]error, callers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range callers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			got[i], errs[i] = s.ServerSecret(ctx, store.ServerSecretParams{Name: "raced"})
		}()
	}
	start.Done()
	done.Wait()
	for i := range callers {
		if errs[i] != nil || len(got[i]) != store.ServerSecretBytes || !bytes.Equal(got[i], got[0]) {
			t.Fatalf("caller %d: %x, %v; caller 0 got %x", i, got[i], errs[i], got[0])
		}
	}
	kept, err := s.ServerSecret(ctx, store.ServerSecretParams{Name: "raced"})
	if err != nil || !bytes.Equal(kept, got[0]) {
		t.Fatalf("after the race: %x, %v; the callers got %x", kept, err, got[0])
	}
}
