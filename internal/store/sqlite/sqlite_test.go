package sqlite_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store/sqlite"
	"github.com/loancore/loancore/internal/store/storetest"
)

func open(t *testing.T) *sqlite.Store {
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

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) servicing.Store { return open(t) })
}

func TestMigrateIsIdempotent(t *testing.T) {
	s := open(t)
	applied, err := s.Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("applied %v, %v", applied, err)
	}
}
