package postgres_test

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
	"github.com/shopspring/decimal"

	"github.com/loancore/loancore/internal/store/postgres"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestAmountsReachPostgreSQL sends amounts through the store's pool as
// close of business does (pgAmount, by the pool's codec) and reads back
// PostgreSQL's text of each: the decimal of units × 10^-scale, every
// digit kept.
func TestAmountsReachPostgreSQL(t *testing.T) {
	ctx := context.Background()
	s := storetest.Postgres(t)
	conn, err := s.Pool().Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	plan := conn.Conn().TypeMap().PlanEncode(pgtype.NumericOID, pgtype.BinaryFormatCode, postgres.Amount(1, 2))
	conn.Release()
	if name := fmt.Sprintf("%T", plan); name != "postgres.amountPlan" {
		t.Fatalf("the pool's connections encode amounts by %s, not amountPlan", name)
	}
	units := []int64{0, 1, -1, 99, 10000, -10001, 210552, 74817744596, math.MaxInt64, math.MinInt64}
	for scale := int32(0); scale <= 6; scale++ {
		want := make([]string, len(units))
		for i, u := range units {
			want[i] = decimal.New(u, -scale).StringFixed(scale)
			var got string
			if err := s.Pool().QueryRow(ctx, "SELECT $1::numeric::text", postgres.Amount(u, scale)).Scan(&got); err != nil {
				t.Fatalf("%d at scale %d: %v", u, scale, err)
			}
			if got != want[i] {
				t.Fatalf("%d at scale %d: PostgreSQL read %s, want %s", u, scale, got, want[i])
			}
		}
		var got string
		if err := s.Pool().QueryRow(ctx, "SELECT array_to_string($1::numeric[], ' ')", postgres.Amounts(units, scale)).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if w := strings.Join(want, " "); got != w {
			t.Fatalf("scale %d: array read %s, want %s", scale, got, w)
		}
	}
}
