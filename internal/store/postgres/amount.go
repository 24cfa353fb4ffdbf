package postgres

import (
	"encoding/binary"
	"math/big"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/loancore/loancore/internal/money"
)

// pgAmount is an amount in its currency's minor units as PostgreSQL's
// numeric, exactly: what close of business sends by COPY and in arrays
// (positions, journal batches, notices). amountCodec writes it straight
// into numeric's binary form; pgtype.Numeric went there through math/big,
// a tenth of loand's CPU in a close of business (pprof of make bench-cob,
// 2026-12-07).
type pgAmount struct {
	units int64
	scale int32 // digits after the point: the currency's minor units
}

// numeric is an amount as PostgreSQL's numeric, exactly.
func numeric(a money.Amount, c money.Currency) pgAmount {
	return pgAmount{units: int64(a), scale: int32(c.MinorUnits)}
}

// NumericValue is the amount as pgx's numeric: how a connection without
// amountCodec (registerAmount) encodes it, and amountPlan a scale it has
// no fast path for.
func (a pgAmount) NumericValue() (pgtype.Numeric, error) {
	return pgtype.Numeric{Int: big.NewInt(a.units), Exp: -a.scale, Valid: true}, nil
}

// Compile-time checks: pgAmount encodes on any connection, and
// amountCodec is a codec.
var (
	_ pgtype.NumericValuer = pgAmount{}
	_ pgtype.Codec         = amountCodec{}
)

// registerAmount makes a connection's type map (pgx.Conn.TypeMap)
// encode pgAmount as numeric, alone and in numeric[], with amountCodec;
// everything else is as pgx does it.
func registerAmount(m *pgtype.Map) {
	t := &pgtype.Type{Name: "numeric", OID: pgtype.NumericOID, Codec: amountCodec{}}
	m.RegisterType(t)
	m.RegisterType(&pgtype.Type{Name: "_numeric", OID: pgtype.NumericArrayOID, Codec: &pgtype.ArrayCodec{ElementType: t}})
}

// amountCodec is pgx's NumericCodec with a binary encoding of its own
// for pgAmount.
type amountCodec struct{ pgtype.NumericCodec }

// PlanEncode encodes a pgAmount in binary itself, and leaves the rest to
// NumericCodec. A map keeps a plan per Go type, not per value, so the
// plan is for every pgAmount, whatever its scale.
func (c amountCodec) PlanEncode(m *pgtype.Map, oid uint32, format int16, value any) pgtype.EncodePlan {
	if _, ok := value.(pgAmount); ok && format == pgtype.BinaryFormatCode {
		return amountPlan{}
	}
	return c.NumericCodec.PlanEncode(m, oid, format, value)
}

// amountPlan encodes a pgAmount in binary.
type amountPlan struct{}

// Encode writes the bytes pgx's NumericCodec writes for the same value
// (TestAmountEncodesAsPgx). For scales 0-4 (every currency's minor
// units): base-10,000 digits, the integer part's from the most
// significant, then, for a scale above 0, one digit for the fraction,
// its value scaled to four decimal places. Other scales go pgx's way.
func (amountPlan) Encode(value any, buf []byte) ([]byte, error) {
	a := value.(pgAmount)
	if a.scale < 0 || a.scale > 4 {
		n, _ := a.NumericValue()
		return pgtype.NumericCodec{}.PlanEncode(nil, pgtype.NumericOID, pgtype.BinaryFormatCode, n).Encode(n, buf)
	}
	abs, sign := uint64(a.units), uint16(0)
	if a.units < 0 {
		abs, sign = -abs, 0x4000 // two's complement: right for math.MinInt64 too
	}
	pow := uint64(1)
	for range a.scale {
		pow *= 10
	}
	whole, frac := abs/pow, (abs%pow)*(10000/pow)
	var digits [5]uint16 // an int64 has at most 5 base-10,000 digits
	n := 0
	for ; whole > 0; whole /= 10000 {
		digits[n] = uint16(whole % 10000)
		n++
	}
	weight := int16(n - 1)
	ndigits := n
	if a.scale > 0 {
		ndigits++
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(ndigits))
	buf = binary.BigEndian.AppendUint16(buf, uint16(weight))
	buf = binary.BigEndian.AppendUint16(buf, sign)
	buf = binary.BigEndian.AppendUint16(buf, uint16(a.scale))
	for i := n - 1; i >= 0; i-- {
		buf = binary.BigEndian.AppendUint16(buf, digits[i])
	}
	if a.scale > 0 {
		buf = binary.BigEndian.AppendUint16(buf, uint16(frac))
	}
	return buf, nil
}
