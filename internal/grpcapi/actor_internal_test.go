package grpcapi

import (
	"strings"
	"testing"
)

// TestStorableActor: an actor is recorded only if it reads back as it was
// written.
func TestStorableActor(t *testing.T) {
	for _, tt := range []struct {
		actor string
		ok    bool
	}{
		{"cfo@bank", true}, {"teller-7 (柜员)", true}, {strings.Repeat("a", 128), true},
		{"", false}, {strings.Repeat("a", 129), false}, {"cfo\xff", false}, {"a\x00b", false},
		{"tab\there", false}, {"teller\u0085", false}, {"\x7f", false},
	} {
		if got := storableActor(tt.actor); got != tt.ok {
			t.Errorf("storableActor(%q) = %v, want %v", tt.actor, got, tt.ok)
		}
	}
}
