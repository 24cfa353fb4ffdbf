package sqlite_test

import (
	"context"
	"testing"

	"github.com/loancore/loancore/internal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Stores["sqlite"])
}

func TestMigrateIsIdempotent(t *testing.T) {
	applied, err := storetest.SQLite(t).Migrate(context.Background())
	if err != nil || len(applied) != 0 {
		t.Fatalf("applied %v, %v", applied, err)
	}
}
