package postgres

import (
	"bytes"
	"math"
	"math/big"
	"testing"

	"github.com/jackc/pgx/v5/pgtype"
)

// pgxBytes is what pgx's own NumericCodec writes for the amount.
func pgxBytes(t testing.TB, a pgAmount) []byte {
	n := pgtype.Numeric{Int: big.NewInt(a.units), Exp: -a.scale, Valid: true}
	b, err := pgtype.NewMap().Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, n, nil)
	if err != nil {
		t.Fatalf("pgx: %v", err)
	}
	return b
}

// amountMap is a type map as registerAmount leaves a connection's.
func amountMap() *pgtype.Map {
	m := pgtype.NewMap()
	registerAmount(m)
	return m
}

// checkAmount fails unless amountPlan writes pgx's bytes for a.
func checkAmount(t *testing.T, a pgAmount) {
	t.Helper()
	got, err := amountPlan{}.Encode(a, []byte{0xAB}) // appends after what is there
	if err != nil {
		t.Fatalf("%+v: %v", a, err)
	}
	if want := append([]byte{0xAB}, pgxBytes(t, a)...); !bytes.Equal(got, want) {
		t.Fatalf("%+v: wrote % x, pgx writes % x", a, got, want)
	}
}

func TestAmountEncodesAsPgx(t *testing.T) {
	units := []int64{0, 1, -1, 5, 9, 10, 99, 100, 101, 999, 1000, 9999, 10000, 10001, 99999999, 100000000, 123456789,
		-123456789, 1e12, 1e16, 1e18, math.MaxInt64, math.MinInt64, math.MinInt64 + 1, 748177445_96, -6921428184}
	for scale := int32(-2); scale <= 6; scale++ {
		for _, u := range units {
			checkAmount(t, pgAmount{units: u, scale: scale})
		}
	}
}

func FuzzAmountEncodesAsPgx(f *testing.F) {
	f.Add(int64(210552), uint8(2))
	f.Add(int64(-1), uint8(3))
	f.Add(int64(math.MinInt64), uint8(4))
	f.Fuzz(func(t *testing.T, u int64, s uint8) {
		checkAmount(t, pgAmount{units: u, scale: int32(s%9) - 2})
	})
}

// TestAmountCodecPlans checks that a connection's map as registerAmount
// leaves it encodes pgAmount by amountPlan, alone and in arrays, as pgx
// would, and everything else as before.
func TestAmountCodecPlans(t *testing.T) {
	m := amountMap()
	a := pgAmount{units: -210552, scale: 2}
	if _, ok := m.PlanEncode(pgtype.NumericOID, pgtype.BinaryFormatCode, a).(amountPlan); !ok {
		t.Fatal("pgAmount is not encoded by amountPlan")
	}
	got, err := m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, a, nil)
	if err != nil || !bytes.Equal(got, pgxBytes(t, a)) {
		t.Fatalf("Encode: % x, %v", got, err)
	}
	arr := []pgAmount{a, {units: 7, scale: 2}, {units: 0, scale: 2}}
	fast, err := m.Encode(pgtype.NumericArrayOID, pgtype.BinaryFormatCode, arr, nil)
	if err != nil {
		t.Fatal(err)
	}
	plain := []pgtype.Numeric{{Int: big.NewInt(-210552), Exp: -2, Valid: true}, {Int: big.NewInt(7), Exp: -2, Valid: true},
		{Int: big.NewInt(0), Exp: -2, Valid: true}}
	slow, err := pgtype.NewMap().Encode(pgtype.NumericArrayOID, pgtype.BinaryFormatCode, plain, nil)
	if err != nil || !bytes.Equal(fast, slow) {
		t.Fatalf("arrays: % x against pgx's % x (%v)", fast, slow, err)
	}
	// NULLs, pgx's own numerics and text go NumericCodec's way.
	for _, v := range []any{pgtype.Numeric{}, pgtype.Numeric{Int: big.NewInt(3), Valid: true}} {
		if _, ok := m.PlanEncode(pgtype.NumericOID, pgtype.BinaryFormatCode, v).(amountPlan); ok {
			t.Fatalf("%#v encoded by amountPlan", v)
		}
	}
	if _, ok := m.PlanEncode(pgtype.NumericOID, pgtype.TextFormatCode, a).(amountPlan); ok {
		t.Fatal("text encoded by amountPlan")
	}
	// The map's plan for pgAmount, cached by type, serves every scale.
	for _, s := range []int32{6, -1, 2} {
		v := pgAmount{units: 12345, scale: s}
		got, err := m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, v, nil)
		if want := pgxBytes(t, v); err != nil || !bytes.Equal(got, want) {
			t.Fatalf("scale %d: % x, %v; want % x", s, got, err, want)
		}
	}
}

// BenchmarkAmountEncode encodes a position's seven amounts as COPY does,
// through a connection's type map: pgx's numeric, then pgAmount.
func BenchmarkAmountEncode(b *testing.B) {
	units := []int64{833333, 41250, 1234567, 8912, 1543210, 98765, 0}
	for _, k := range []struct {
		name string
		m    *pgtype.Map
		v    func(int64) any
	}{
		{"kernel=pgx", pgtype.NewMap(), func(u int64) any { return pgtype.Numeric{Int: big.NewInt(u), Exp: -2, Valid: true} }},
		{"kernel=amount", amountMap(), func(u int64) any { return pgAmount{units: u, scale: 2} }},
	} {
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			buf := make([]byte, 0, 512)
			for b.Loop() {
				buf = buf[:0]
				for _, u := range units {
					var err error
					if buf, err = k.m.Encode(pgtype.NumericOID, pgtype.BinaryFormatCode, k.v(u), buf); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
