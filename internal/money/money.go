package money

import (
	"cmp"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/shopspring/decimal"
)

// MaxAmount is the largest magnitude of an amount, in minor units, that
// loancore accepts: 10^15 minor units (ten trillion yuan). The bound keeps
// every product the engine forms (amount × rate × days × day-count base)
// inside 128 bits; schedule totals stay inside int64 because the engine's
// Terms.Validate refuses terms whose interest could take them beyond it.
const MaxAmount Amount = 1_000_000_000_000_000

// Amount is an exact sum of money in the minor units of its currency (fen for
// CNY, yen for JPY, fils for KWD). The currency travels beside it.
type Amount int64

// Errors returned by the parsers. Callers wrap them with the field name.
var (
	// ErrSyntax reports a string that is not a plain decimal number.
	ErrSyntax = errors.New("not a decimal number")
	// ErrPrecision reports more decimal places than the quantity allows.
	ErrPrecision = errors.New("too many decimal places")
	// ErrRange reports a number outside the quantity's allowed range.
	ErrRange = errors.New("out of range")
)

// Currency is an ISO 4217 currency and the number of decimal places of its
// minor unit.
type Currency struct {
	// Code is the three-letter ISO 4217 code, upper case.
	Code string
	// MinorUnits is the ISO 4217 exponent: 2 for CNY, 0 for JPY, 3 for KWD.
	MinorUnits int
}

// Scale returns 10^MinorUnits, the number of minor units in one major unit.
func (c Currency) Scale() int64 { return pow10[c.MinorUnits] }

// LookupCurrency returns the currency with the ISO 4217 code, which must be
// upper case. It reports false for codes it does not know.
func LookupCurrency(code string) (Currency, bool) {
	if len(code) != 3 {
		return Currency{}, false
	}
	if mu, ok := exceptionalMinorUnits[code]; ok {
		return Currency{Code: code, MinorUnits: mu}, true
	}
	if _, ok := twoDecimalCodes[code]; ok {
		return Currency{Code: code, MinorUnits: 2}, true
	}
	return Currency{}, false
}

var pow10 = [...]int64{1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000,
	100_000_000, 1_000_000_000, 10_000_000_000, 100_000_000_000, 1_000_000_000_000,
	10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
	10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000}

// Pow10 returns 10^n for 0 ≤ n ≤ 18.
func Pow10(n int) int64 { return pow10[n] }

// ParseAmount parses a non-negative decimal string ("1000000.00", "12.5",
// "300") as an amount of the currency. More decimal places than the currency
// has are refused rather than rounded: a system of record never guesses.
func ParseAmount(s string, c Currency) (Amount, error) {
	if a, ok := parsePlainAmount(s, c); ok {
		return a, nil
	}
	d, err := parseDecimal(s)
	if err != nil {
		return 0, err
	}
	if d.Sign() < 0 {
		return 0, fmt.Errorf("%w: must not be negative", ErrRange)
	}
	// "1.2000" is exactly 1.20 and welcome; "1.234" is not a CNY amount.
	minor := d.Shift(int32(c.MinorUnits))
	if !minor.IsInteger() {
		return 0, fmt.Errorf("%w: %s has %d", ErrPrecision, c.Code, c.MinorUnits)
	}
	if minor.GreaterThan(decimal.NewFromInt(int64(MaxAmount))) {
		return 0, fmt.Errorf("%w: at most %s", ErrRange, MaxAmount.Format(c))
	}
	return Amount(minor.IntPart()), nil
}

// ParseSignedAmount is ParseAmount for amounts that may be negative, such
// as a journal line that gives back part of what earlier dates charged:
// a leading '-' negates what ParseAmount reads from the rest.
func ParseSignedAmount(s string, c Currency) (Amount, error) {
	if rest, neg := strings.CutPrefix(s, "-"); neg {
		a, err := ParseAmount(rest, c)
		return -a, err
	}
	return ParseAmount(s, c)
}

// parsePlainAmount is the fast path for the common spelling — digits, an
// optional point and at most the currency's decimals, within MaxAmount —
// which the log and most requests use. Anything else (exponents, signs,
// trailing zeros beyond the currency, errors) goes through the decimal
// package so every spelling is judged one way.
func parsePlainAmount(s string, c Currency) (Amount, bool) {
	if len(s) == 0 || len(s) > 20 {
		return 0, false
	}
	var v int64
	frac := -1
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch >= '0' && ch <= '9':
			v = v*10 + int64(ch-'0')
			if frac >= 0 {
				frac++
			}
		case ch == '.' && frac < 0 && i > 0 && i < len(s)-1:
			frac = 0
		default:
			return 0, false
		}
	}
	if frac < 0 {
		frac = 0
	}
	if frac > c.MinorUnits {
		return 0, false
	}
	// 20 characters keep v below 10^19 only without a point; check the
	// scale-up cannot overflow before multiplying.
	if v > int64(MaxAmount) {
		return 0, false
	}
	v *= pow10[c.MinorUnits-frac]
	if v > int64(MaxAmount) {
		return 0, false
	}
	return Amount(v), true
}

// Format renders the amount with exactly the currency's decimal places, as
// the API sends it: "5307.27", "-0.50", "1200" for JPY.
func (a Amount) Format(c Currency) string {
	return FormatScaled(int64(a), c.MinorUnits)
}

// AppendFormat appends the amount as Format renders it.
func (a Amount) AppendFormat(b []byte, c Currency) []byte {
	var buf [24]byte
	i := formatScaled(&buf, int64(a), c.MinorUnits)
	return append(b, buf[i:]...)
}

// FormatScaled renders v / 10^scale with exactly scale decimal places.
func FormatScaled(v int64, scale int) string {
	var buf [24]byte
	i := formatScaled(&buf, v, scale)
	return string(buf[i:])
}

// formatScaled writes v / 10^scale into the end of buf and returns where
// it starts.
func formatScaled(buf *[24]byte, v int64, scale int) int {
	// Digits are written right to left into a fixed buffer: amounts are
	// formatted for every row of every response, so this avoids fmt.
	i := len(buf)
	u := uint64(v)
	if v < 0 {
		u = uint64(-v)
	}
	if scale > 0 {
		for range scale {
			i--
			buf[i] = byte('0' + u%10)
			u /= 10
		}
		i--
		buf[i] = '.'
	}
	for {
		i--
		buf[i] = byte('0' + u%10)
		u /= 10
		if u == 0 {
			break
		}
	}
	if v < 0 {
		i--
		buf[i] = '-'
	}
	return i
}

// parseDecimal accepts what decimal.NewFromString accepts, minus the forms a
// client should never send for money: empty strings, NaN and infinities are
// syntax errors, and strings longer than MaxDecimalLength or with exponents
// so large that the value could not be a real amount are range errors
// before any big number is built from them.
func parseDecimal(s string) (decimal.Decimal, error) {
	if len(s) > MaxDecimalLength {
		return decimal.Decimal{}, fmt.Errorf("%w: longer than %d characters", ErrRange, MaxDecimalLength)
	}
	t := strings.TrimSpace(s)
	if t == "" {
		return decimal.Decimal{}, fmt.Errorf("%w: empty", ErrSyntax)
	}
	// decimal would expand "1e400000000" into a huge integer; refuse
	// exponents that cannot describe any amount or rate we accept.
	if i := strings.IndexAny(t, "eE"); i >= 0 {
		exp := strings.TrimLeft(t[i+1:], "+-")
		if len(exp) > 3 {
			return decimal.Decimal{}, fmt.Errorf("%w: exponent too large", ErrRange)
		}
	}
	d, err := decimal.NewFromString(t)
	if err != nil {
		return decimal.Decimal{}, fmt.Errorf("%w: %s", ErrSyntax, QuoteInput(s))
	}
	return d, nil
}

// Rate is an exact non-negative decimal percentage: Units / 10^Scale percent.
// "4.9" is Rate{Units: 49, Scale: 1}, meaning 4.9% (0.049).
type Rate struct {
	Units uint64
	Scale uint8
}

// MaxRateScale is the most decimal places a rate may have, in percent.
const MaxRateScale = 8

// ParseRate parses a decimal percentage such as "4.9" or "0.05", refusing
// values below zero, above maxPercent, or with more than MaxRateScale
// decimal places (after trailing zeros are dropped).
func ParseRate(s string, maxPercent int64) (Rate, error) {
	d, err := parseDecimal(s)
	if err != nil {
		return Rate{}, err
	}
	if d.Sign() < 0 {
		return Rate{}, fmt.Errorf("%w: must not be negative", ErrRange)
	}
	if d.GreaterThan(decimal.NewFromInt(maxPercent)) {
		return Rate{}, fmt.Errorf("%w: at most %d%%", ErrRange, maxPercent)
	}
	scale := 0
	if d.Exponent() < 0 {
		scale = int(-d.Exponent())
	}
	c := d.Coefficient() // d = c × 10^exponent
	// Drop trailing zeros so "4.900" and "4.9" are the same rate.
	ten := big.NewInt(10)
	var q, r big.Int
	for scale > 0 {
		q.QuoRem(c, ten, &r)
		if r.Sign() != 0 {
			break
		}
		c = new(big.Int).Set(&q)
		scale--
	}
	if scale > MaxRateScale {
		return Rate{}, fmt.Errorf("%w: at most %d", ErrPrecision, MaxRateScale)
	}
	if d.Exponent() > 0 {
		c = new(big.Int).Mul(c, new(big.Int).Exp(ten, big.NewInt(int64(d.Exponent())), nil))
	}
	return Rate{Units: c.Uint64(), Scale: uint8(scale)}, nil
}

// IsZero reports whether the rate is 0%.
func (r Rate) IsZero() bool { return r.Units == 0 }

// Cmp compares r with s exactly: -1 if r < s, 0 if equal, +1 if r > s.
// Both must have at most MaxRateScale decimals.
func (r Rate) Cmp(s Rate) int {
	a, b := Mul64(r.Units, uint64(pow10[s.Scale])), Mul64(s.Units, uint64(pow10[r.Scale]))
	return cmp.Or(cmp.Compare(a.Hi, b.Hi), cmp.Compare(a.Lo, b.Lo))
}

// String renders the rate in percent with no trailing zeros: "4.9", "0", "36".
func (r Rate) String() string {
	s := FormatScaled(int64(r.Units), int(r.Scale))
	if r.Scale > 0 {
		s = strings.TrimRight(s, "0")
		s = strings.TrimSuffix(s, ".")
	}
	return s
}

// Denominator returns 10^Scale × 100: the rate as a fraction is
// Units / Denominator().
func (r Rate) Denominator() uint64 { return uint64(pow10[r.Scale]) * 100 }
