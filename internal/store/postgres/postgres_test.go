package postgres_test

import (
	"context"
	"testing"

	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Stores["postgres"])
}

func TestMigrateIsIdempotent(t *testing.T) {
	// The template was migrated already: nothing left to apply.
	applied, err := storetest.Postgres(t).Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("applied %v, %v", applied, err)
	}
}
