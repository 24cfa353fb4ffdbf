package storetest

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/sqlite"
)

// SQLite returns a migrated SQLite store in a file of the test's temporary
// directory, closed when the test ends.
func SQLite(t *testing.T) *sqlite.Store {
	t.Helper()
	s, err := sqlite.Open(context.Background(), filepath.Join(t.TempDir(), "loancore.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	if _, err := s.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	return s
}

// Postgres returns a PostgreSQL store on a fresh migrated database of its
// own (see pgtest), closed when the test ends. The package's TestMain must
// call pgtest.Main.
func Postgres(t *testing.T) *postgres.Store {
	t.Helper()
	s, err := postgres.Open(context.Background(), pgtest.URL(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

// Stores names every store, for tests that run once per store.
var Stores = map[string]NewStore{
	"sqlite":   func(t *testing.T) store.Store { return SQLite(t) },
	"postgres": func(t *testing.T) store.Store { return Postgres(t) },
}
