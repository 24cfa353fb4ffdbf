package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/sqlite"
)

// storeHandle is a store as loand holds it: the store, its schema's
// migrations and a ping for the health checks, which the use cases never
// see.
type storeHandle interface {
	store.Store
	Migrate(ctx context.Context) (applied []int, err error)
	Migrations(ctx context.Context) ([]store.Migration, error)
	Ping(ctx context.Context) error
}

// openStore opens the store a --database value names, as connectStore,
// and applies its pending migrations. It returns what was applied too.
func openStore(ctx context.Context, database string, tracer pgx.QueryTracer) (storeHandle, []int, func(), error) {
	s, closeStore, err := connectStore(ctx, database, tracer)
	if err != nil {
		return nil, nil, nil, err
	}
	applied, err := s.Migrate(ctx)
	if err != nil {
		closeStore()
		return nil, nil, nil, err
	}
	return s, applied, closeStore, nil
}

// connectStore opens the store a --database value names, a postgres://
// URL or sqlite:PATH, without migrating it, and returns it and a function
// that closes it. tracer, if not nil, traces PostgreSQL's statements.
func connectStore(ctx context.Context, database string, tracer pgx.QueryTracer) (storeHandle, func(), error) {
	switch {
	case strings.HasPrefix(database, "postgres://"), strings.HasPrefix(database, "postgresql://"):
		s, err := postgres.OpenWith(ctx, database, postgres.Options{Tracer: tracer})
		if err != nil {
			return nil, nil, err
		}
		return s, s.Close, nil
	case strings.HasPrefix(database, "sqlite:"):
		s, err := sqlite.Open(ctx, strings.TrimPrefix(database, "sqlite:"))
		if err != nil {
			// An empty or in-memory path among them: the flag is the fix.
			return nil, nil, fmt.Errorf("--database: %w", err)
		}
		return s, func() { _ = s.Close() }, nil
	}
	return nil, nil, fmt.Errorf("--database: want postgres://… or sqlite:PATH, got %q", database)
}
