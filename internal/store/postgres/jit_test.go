package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// TestJITOffUnlessAsked: loand's sessions run with JIT compilation off,
// unless the database URL turns it on.
func TestJITOffUnlessAsked(t *testing.T) {
	url := pgtest.URL(t)
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	for _, tc := range []struct{ url, want string }{{url, "off"}, {url + sep + "jit=on", "on"}} {
		s, err := postgres.Open(context.Background(), tc.url)
		if err != nil {
			t.Fatal(err)
		}
		var got string
		err = s.Pool().QueryRow(context.Background(), "SELECT current_setting('jit')").Scan(&got)
		s.Close()
		if err != nil || got != tc.want {
			t.Errorf("jit with %q: %q, %v; want %q", tc.url, got, err, tc.want)
		}
	}
}
