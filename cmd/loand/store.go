package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/sqlite"
)

// openStore opens the store a --database value names: a postgres:// URL or
// sqlite:PATH. It applies pending migrations and returns the store, what
// was applied and a function that closes it.
func openStore(ctx context.Context, database string) (store.Store, []int, func(), error) {
	switch {
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		s, err := postgres.Open(ctx, database)
		if err != nil {
			return nil, nil, nil, err
		}
		applied, err := s.Migrate(ctx)
		if err != nil {
			s.Close()
			return nil, nil, nil, err
		}
		return s, applied, s.Close, nil
	case strings.HasPrefix(database, "sqlite:"):
		s, err := sqlite.Open(ctx, strings.TrimPrefix(database, "sqlite:"))
		if err != nil {
			// An empty or in-memory path among them: the flag is the fix.
			return nil, nil, nil, fmt.Errorf("--database: %w", err)
		}
		applied, err := s.Migrate(ctx)
		if err != nil {
			_ = s.Close()
			return nil, nil, nil, err
		}
		return s, applied, func() { _ = s.Close() }, nil
	}
	return nil, nil, nil, fmt.Errorf("--database: want postgres://… or sqlite:PATH, got %q", database)
}
