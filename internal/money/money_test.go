package money

import (
	"errors"
	"math/big"
	"math/rand/v2"
	"testing"
)

func TestParseAmount(t *testing.T) {
	cny, _ := LookupCurrency("CNY")
	jpy, _ := LookupCurrency("JPY")
	kwd, _ := LookupCurrency("KWD")
	good := []struct {
		s    string
		c    Currency
		want Amount
	}{
		{"1000000.00", cny, 100000000}, {"12.5", cny, 1250}, {"0", cny, 0}, {"300", jpy, 300},
		{"1.234", kwd, 1234}, {"10000000000000", cny, MaxAmount}, {"1.10", cny, 110}, {"1.2000", cny, 120},
	}
	for _, tt := range good {
		if got, err := ParseAmount(tt.s, tt.c); err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tt.s, tt.c.Code, got, err, tt.want)
		}
	}
	bad := []struct {
		s    string
		c    Currency
		want error
	}{
		{"", cny, ErrSyntax}, {"NaN", cny, ErrSyntax}, {"abc", cny, ErrSyntax}, {"12,000", cny, ErrSyntax},
		{"Infinity", cny, ErrSyntax}, {"-1", cny, ErrRange}, {"1e400", cny, ErrRange},
		{"1.234", cny, ErrPrecision}, {"0.5", jpy, ErrPrecision}, {"10000000000000.01", cny, ErrRange},
	}
	for _, tt := range bad {
		if got, err := ParseAmount(tt.s, tt.c); !errors.Is(err, tt.want) {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %v", tt.s, tt.c.Code, got, err, tt.want)
		}
	}
}

func TestFormat(t *testing.T) {
	cny, _ := LookupCurrency("CNY")
	jpy, _ := LookupCurrency("JPY")
	kwd, _ := LookupCurrency("KWD")
	for _, tt := range []struct {
		a    Amount
		c    Currency
		want string
	}{{530727, cny, "5307.27"}, {5, cny, "0.05"}, {0, cny, "0.00"}, {1200, jpy, "1200"}, {1234, kwd, "1.234"}, {-50, cny, "-0.50"}} {
		if got := tt.a.Format(tt.c); got != tt.want {
			t.Errorf("Format(%d, %s) = %s, want %s", tt.a, tt.c.Code, got, tt.want)
		}
	}
}

func TestParseRate(t *testing.T) {
	for _, tt := range []struct {
		s    string
		want Rate
	}{{"4.9", Rate{49, 1}}, {"4.900", Rate{49, 1}}, {"0", Rate{0, 0}}, {"36", Rate{36, 0}}, {"1000", Rate{1000, 0}}, {"0.00000001", Rate{1, 8}}} {
		if got, err := ParseRate(tt.s, 1000); err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v", tt.s, got, err, tt.want)
		}
	}
	for _, s := range []string{"", "NaN", "-1", "1000.01", "1e400", "0.000000001", "4,9"} {
		if r, err := ParseRate(s, 1000); err == nil {
			t.Errorf("ParseRate(%q) = %+v, want an error", s, r)
		}
	}
	if s := (Rate{49, 1}).String(); s != "4.9" {
		t.Errorf("String = %s", s)
	}
}

func TestRoundingModes(t *testing.T) {
	// Quotients 10/4 = 2.5 (a tie), 11/4 = 2.75, 9/4 = 2.25, 14/4 = 3.5, 8/4 = 2.
	tests := []struct {
		num, den uint64
		want     map[RoundingMode]int64
	}{
		{10, 4, map[RoundingMode]int64{HalfUp: 3, HalfEven: 2, Down: 2, Up: 3, Ceiling: 3}},
		{14, 4, map[RoundingMode]int64{HalfUp: 4, HalfEven: 4, Down: 3, Up: 4, Ceiling: 4}},
		{11, 4, map[RoundingMode]int64{HalfUp: 3, HalfEven: 3, Down: 2, Up: 3, Ceiling: 3}},
		{9, 4, map[RoundingMode]int64{HalfUp: 2, HalfEven: 2, Down: 2, Up: 3, Ceiling: 3}},
		{8, 4, map[RoundingMode]int64{HalfUp: 2, HalfEven: 2, Down: 2, Up: 2, Ceiling: 2}},
	}
	for _, tt := range tests {
		for mode, want := range tt.want {
			if got, ok := (U128{Lo: tt.num}).DivRound(tt.den, mode); !ok || got != want {
				t.Errorf("%d/%d %s = %d, want %d", tt.num, tt.den, mode, got, want)
			}
		}
	}
	if got := RoundToMultiple(530727, 100, HalfUp); got != 530700 {
		t.Errorf("RoundToMultiple = %d", got)
	}
	if got := RoundToMultiple(530750, 100, HalfEven); got != 530800 {
		t.Errorf("RoundToMultiple half-even = %d", got)
	}
	if got := RoundToMultiple(530701, 100, Up); got != 530800 {
		t.Errorf("RoundToMultiple up = %d", got)
	}
	if _, ok := (U128{Hi: 5}).DivRound(5, HalfUp); ok {
		t.Error("DivRound accepted a quotient over 64 bits")
	}
}

// FuzzParseAmount: the fast path and the decimal package agree on every
// input the fast path accepts.
func FuzzParseAmount(f *testing.F) {
	for _, s := range []string{"0", "1.5", "1000000.00", "12.345", "9999999999999.99", "10000000000000.00", ".5", "5.", "00012.10"} {
		f.Add(s, uint8(2))
	}
	f.Fuzz(func(t *testing.T, s string, mu uint8) {
		c := Currency{Code: "TST", MinorUnits: int(mu % 5)}
		fast, ok := parsePlainAmount(s, c)
		if !ok {
			return
		}
		d, err := parseDecimal(s)
		if err != nil {
			t.Fatalf("fast path accepted %q, decimal refuses: %v", s, err)
		}
		want := d.Shift(int32(c.MinorUnits))
		if !want.IsInteger() || want.IntPart() != int64(fast) {
			t.Fatalf("%q: fast %d, decimal %s", s, fast, want)
		}
	})
}

func TestFormatScaled(t *testing.T) {
	for _, tt := range []struct {
		v     int64
		scale int
		want  string
	}{{0, 0, "0"}, {0, 2, "0.00"}, {5, 2, "0.05"}, {-5, 2, "-0.05"}, {530727, 2, "5307.27"}, {1234, 3, "1.234"},
		{100, 2, "1.00"}, {-100000, 0, "-100000"}, {1, 8, "0.00000001"}, {1_000_000_000_000_000, 2, "10000000000000.00"}} {
		if got := FormatScaled(tt.v, tt.scale); got != tt.want {
			t.Errorf("FormatScaled(%d, %d) = %q, want %q", tt.v, tt.scale, got, tt.want)
		}
	}
}

// TestParseAmountTable pins what ParseAmount accepts and refuses, by
// currency: exact decimals only, never rounded, never negative, never NaN or
// beyond MaxAmount, and trailing zeros beyond the currency's decimals are
// welcome because they do not change the value.
func TestParseAmountTable(t *testing.T) {
	cny, _ := LookupCurrency("CNY")
	jpy, _ := LookupCurrency("JPY")
	kwd, _ := LookupCurrency("KWD")
	usd, _ := LookupCurrency("USD")
	good := []struct {
		s    string
		c    Currency
		want Amount
	}{
		{"4.9", cny, 490}, {"4.900", cny, 490}, {"4.90", cny, 490}, {"0.01", cny, 1}, {"0.00", cny, 0},
		{"-0", cny, 0}, {".5", cny, 50}, {"5.", cny, 500}, {"+5", cny, 500}, {"1e2", cny, 10000}, {"1E-2", cny, 1},
		{"12345", jpy, 12345}, {"12345.000", jpy, 12345}, {"0.001", kwd, 1}, {"1.5", kwd, 1500},
		{"9999999999999.99", usd, MaxAmount - 1}, {"1000000000000000", jpy, MaxAmount}, {"1000000000000.000", kwd, MaxAmount},
		{"00012.10", cny, 1210},
	}
	for _, tt := range good {
		if got, err := ParseAmount(tt.s, tt.c); err != nil || got != tt.want {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %d", tt.s, tt.c.Code, got, err, tt.want)
		}
	}
	bad := []struct {
		s    string
		c    Currency
		want error
	}{
		{"-1", cny, ErrRange}, {"-0.01", cny, ErrRange}, {"-1e2", cny, ErrRange},
		{"NaN", cny, ErrSyntax}, {"nan", cny, ErrSyntax}, {"Inf", cny, ErrSyntax}, {"-Infinity", cny, ErrSyntax},
		{"", cny, ErrSyntax}, {" ", cny, ErrSyntax}, {".", cny, ErrSyntax}, {"1.2.3", cny, ErrSyntax}, {"0x10", cny, ErrSyntax},
		{"1_000", cny, ErrSyntax}, {"¥5", cny, ErrSyntax}, {"1,5", cny, ErrSyntax}, {"e5", cny, ErrSyntax},
		{"1e400", cny, ErrRange}, {"1e-400", cny, ErrPrecision}, {"1e99999999999", cny, ErrRange},
		{"1.234", cny, ErrPrecision}, {"0.001", usd, ErrPrecision}, {"1e-3", cny, ErrPrecision}, {"0.1", jpy, ErrPrecision},
		{"1.2345", kwd, ErrPrecision}, {"10000000000000.01", cny, ErrRange}, {"1000000000000001", jpy, ErrRange},
		{"1e16", jpy, ErrRange}, {"99999999999999999999999", cny, ErrRange},
	}
	for _, tt := range bad {
		if got, err := ParseAmount(tt.s, tt.c); !errors.Is(err, tt.want) {
			t.Errorf("ParseAmount(%q, %s) = %d, %v; want %v", tt.s, tt.c.Code, got, err, tt.want)
		}
	}
}

// TestAmountFormatParseRoundTrip: Format's output parses back to the same
// amount, for every exponent in use.
func TestAmountFormatParseRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, code := range []string{"CNY", "JPY", "KWD", "CLF"} {
		c, _ := LookupCurrency(code)
		for range 10000 {
			a := Amount(rng.Int64N(int64(MaxAmount) + 1))
			if rng.IntN(2) == 0 {
				a %= 100000
			}
			if got, err := ParseAmount(a.Format(c), c); err != nil || got != a {
				t.Fatalf("%s: ParseAmount(Format(%d) = %q) = %d, %v", code, a, a.Format(c), got, err)
			}
			if got, err := ParseSignedAmount((-a).Format(c), c); err != nil || got != -a {
				t.Fatalf("%s: ParseSignedAmount(Format(%d) = %q) = %d, %v", code, -a, (-a).Format(c), got, err)
			}
		}
	}
}

// TestLookupCurrency: ISO 4217 exponents, upper-case codes only.
func TestLookupCurrency(t *testing.T) {
	for code, want := range map[string]int{"CNY": 2, "USD": 2, "EUR": 2, "JPY": 0, "KRW": 0, "KWD": 3, "BHD": 3, "CLF": 4} {
		c, ok := LookupCurrency(code)
		if !ok || c.Code != code || c.MinorUnits != want || c.Scale() != Pow10(want) {
			t.Errorf("LookupCurrency(%s) = %+v, %v; want %d decimals", code, c, ok, want)
		}
	}
	for _, code := range []string{"cny", "XXX", "", "CN", "CNYY", "XAU"} {
		if c, ok := LookupCurrency(code); ok {
			t.Errorf("LookupCurrency(%q) = %+v, want unknown", code, c)
		}
	}
}

// TestParseRateTable: rates are non-negative percentages of at most
// MaxRateScale decimals (after trailing zeros are dropped) and at most the
// caller's maximum; equal values parse to equal Rates.
func TestParseRateTable(t *testing.T) {
	good := []struct {
		s    string
		want Rate
	}{
		{"4.9", Rate{49, 1}}, {"4.900", Rate{49, 1}}, {"4.90000000000", Rate{49, 1}}, {"04.9", Rate{49, 1}},
		{"0", Rate{0, 0}}, {"0.000", Rate{0, 0}}, {"-0", Rate{0, 0}}, {"1000", Rate{1000, 0}}, {"1000.00000000", Rate{1000, 0}},
		{"1E3", Rate{1000, 0}}, {"1e-8", Rate{1, 8}}, {"0.00000001", Rate{1, 8}}, {"999.99999999", Rate{99999999999, 8}},
		{"36", Rate{36, 0}}, {"3.6e1", Rate{36, 0}}, {"+4.9", Rate{49, 1}},
	}
	for _, tt := range good {
		if got, err := ParseRate(tt.s, 1000); err != nil || got != tt.want {
			t.Errorf("ParseRate(%q) = %+v, %v; want %+v", tt.s, got, err, tt.want)
		}
	}
	bad := []struct {
		s    string
		want error
	}{
		{"-1", ErrRange}, {"-0.00000001", ErrRange}, {"1000.00000001", ErrRange}, {"1001", ErrRange}, {"1e4", ErrRange},
		{"1e400", ErrRange}, {"0.000000001", ErrPrecision}, {"1e-9", ErrPrecision}, {"4.123456789", ErrPrecision},
		{"NaN", ErrSyntax}, {"Inf", ErrSyntax}, {"", ErrSyntax}, {"4,9", ErrSyntax}, {"4.9%", ErrSyntax},
	}
	for _, tt := range bad {
		if got, err := ParseRate(tt.s, 1000); !errors.Is(err, tt.want) {
			t.Errorf("ParseRate(%q) = %+v, %v; want %v", tt.s, got, err, tt.want)
		}
	}
	// The maximum is the caller's.
	if _, err := ParseRate("36.01", 36); !errors.Is(err, ErrRange) {
		t.Errorf("ParseRate(36.01, max 36) = %v", err)
	}
	for _, tt := range []struct {
		r    Rate
		s    string
		den  uint64
		zero bool
	}{{Rate{49, 1}, "4.9", 1000, false}, {Rate{4900, 3}, "4.9", 100000, false}, {Rate{0, 2}, "0", 10000, true}, {Rate{1, 8}, "0.00000001", 10_000_000_000, false}, {Rate{1000, 0}, "1000", 100, false}} {
		if tt.r.String() != tt.s || tt.r.Denominator() != tt.den || tt.r.IsZero() != tt.zero {
			t.Errorf("%+v: String %q, Denominator %d, IsZero %v", tt.r, tt.r.String(), tt.r.Denominator(), tt.r.IsZero())
		}
	}
}

// TestDivRoundModes: every mode on exact quotients, on both sides of one
// half, and on ties — where HALF_UP goes up, HALF_EVEN to the even
// neighbour, DOWN down and UP and CEILING up.
func TestDivRoundModes(t *testing.T) {
	// over marks a quotient of 2^63, one more than an int64 holds.
	const over = -1
	type want struct{ halfUp, halfEven, down, up, ceiling int64 }
	tests := []struct {
		num, den uint64
		want     want
	}{
		{0, 7, want{0, 0, 0, 0, 0}},
		{21, 7, want{3, 3, 3, 3, 3}},
		{5, 10, want{1, 0, 0, 1, 1}},                            // 0.5: tie, even neighbour 0
		{15, 10, want{2, 2, 1, 2, 2}},                           // 1.5: tie, even neighbour 2
		{25, 10, want{3, 2, 2, 3, 3}},                           // 2.5: tie, even neighbour 2
		{35, 10, want{4, 4, 3, 4, 4}},                           // 3.5: tie, even neighbour 4
		{249, 100, want{2, 2, 2, 3, 3}},                         // 2.49
		{251, 100, want{3, 3, 2, 3, 3}},                         // 2.51
		{1, 3, want{0, 0, 0, 1, 1}},                             // 0.333…
		{2, 3, want{1, 1, 0, 1, 1}},                             // 0.666…
		{1, 1 << 63, want{0, 0, 0, 1, 1}},                       // tiny
		{1 << 62, 1 << 63, want{1, 0, 0, 1, 1}},                 // 0.5 with a 64-bit divisor
		{1<<64 - 1, 2, want{over, over, 1<<63 - 1, over, over}}, // a tie at the top
	}
	modes := []RoundingMode{HalfUp, HalfEven, Down, Up, Ceiling}
	for _, tt := range tests {
		for i, w := range []int64{tt.want.halfUp, tt.want.halfEven, tt.want.down, tt.want.up, tt.want.ceiling} {
			mode := modes[i]
			got, ok := U128{Lo: tt.num}.DivRound(tt.den, mode)
			if w == over {
				// 2^63 does not fit an int64: DivRound must say so.
				if ok {
					t.Errorf("%d/%d %s = %d, want overflow", tt.num, tt.den, mode, got)
				}
			} else if !ok || got != w {
				t.Errorf("%d/%d %s = %d, %v; want %d", tt.num, tt.den, mode, got, ok, w)
			}
			big := DivRoundBig(new(big.Int).SetUint64(tt.num), new(big.Int).SetUint64(tt.den), mode)
			if w != over && (!big.IsInt64() || big.Int64() != w) {
				t.Errorf("DivRoundBig %d/%d %s = %s, want %d", tt.num, tt.den, mode, big, w)
			}
		}
	}
	// 128-bit numerators: (2^64·3 + 2^63) / 2^64 = 3.5.
	x := U128{Hi: 3, Lo: 1 << 63}
	for mode, w := range map[RoundingMode]int64{HalfUp: 4, HalfEven: 4, Down: 3, Up: 4, Ceiling: 4} {
		if got, ok := x.DivRound(1<<63, mode); !ok || got != 7 {
			t.Errorf("(3·2^64+2^63)/2^63 %s = %d, %v; want 7", mode, got, ok)
		}
		d := uint64(1<<64 - 1)
		// (3·2^64 + 2^63)/(2^64 − 1) = 3.5000…0002: not a tie, rounds as above 3.5.
		if got, ok := x.DivRound(d, mode); !ok || got != w {
			t.Errorf("(3·2^64+2^63)/(2^64−1) %s = %d, %v; want %d", mode, got, ok, w)
		}
	}
	if _, ok := (U128{Lo: 5}).DivRound(0, HalfUp); ok {
		t.Error("DivRound by zero reported ok")
	}
	if _, ok := (U128{Hi: 5}).DivRound(5, HalfUp); ok {
		t.Error("DivRound accepted a quotient of 2^64")
	}
	// 4·2^64/5 ≈ 1.5·10^19 does not fit an int64.
	if got, ok := (U128{Hi: 4}).DivRound(5, Down); ok {
		t.Errorf("4·2^64/5 = %d, want overflow", got)
	}
}

// TestDivRoundAgreesWithBig compares the 128-bit and the big.Int paths on
// random operands and modes.
func TestDivRoundAgreesWithBig(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 200000 {
		d := rng.Uint64N(1<<uint(1+rng.IntN(63))) + 1
		x := U128{Hi: rng.Uint64N(d), Lo: rng.Uint64()}
		if rng.IntN(3) == 0 {
			x.Hi = 0
		}
		mode := RoundingMode(1 + rng.IntN(5))
		got, ok := x.DivRound(d, mode)
		want := DivRoundBig(x.Big(), new(big.Int).SetUint64(d), mode)
		if want.IsInt64() != ok || (ok && want.Int64() != got) {
			t.Fatalf("%v / %d %s: DivRound %d, %v; DivRoundBig %s", x.Big(), d, mode, got, ok, want)
		}
	}
}

// TestRoundToMultiple: every mode, ties included, for multiples of 1 to
// 1000 minor units.
func TestRoundToMultiple(t *testing.T) {
	tests := []struct {
		a, m Amount
		want map[RoundingMode]Amount
	}{
		{530727, 100, map[RoundingMode]Amount{HalfUp: 530700, HalfEven: 530700, Down: 530700, Up: 530800, Ceiling: 530800}},
		{530750, 100, map[RoundingMode]Amount{HalfUp: 530800, HalfEven: 530800, Down: 530700, Up: 530800, Ceiling: 530800}},
		{530650, 100, map[RoundingMode]Amount{HalfUp: 530700, HalfEven: 530600, Down: 530600, Up: 530700, Ceiling: 530700}},
		{530700, 100, map[RoundingMode]Amount{HalfUp: 530700, HalfEven: 530700, Down: 530700, Up: 530700, Ceiling: 530700}},
		{10, 20, map[RoundingMode]Amount{HalfUp: 20, HalfEven: 0, Down: 0, Up: 20, Ceiling: 20}},
		{30, 20, map[RoundingMode]Amount{HalfUp: 40, HalfEven: 40, Down: 20, Up: 40, Ceiling: 40}},
		{0, 1000, map[RoundingMode]Amount{HalfUp: 0, HalfEven: 0, Down: 0, Up: 0, Ceiling: 0}},
		{1, 1000, map[RoundingMode]Amount{HalfUp: 0, HalfEven: 0, Down: 0, Up: 1000, Ceiling: 1000}},
		{12345, 1, map[RoundingMode]Amount{HalfUp: 12345, HalfEven: 12345, Down: 12345, Up: 12345, Ceiling: 12345}},
		{MaxAmount - 1, 100, map[RoundingMode]Amount{HalfUp: MaxAmount, HalfEven: MaxAmount, Down: MaxAmount - 100, Up: MaxAmount, Ceiling: MaxAmount}},
	}
	for _, tt := range tests {
		for mode, want := range tt.want {
			if got := RoundToMultiple(tt.a, tt.m, mode); got != want {
				t.Errorf("RoundToMultiple(%d, %d, %s) = %d, want %d", tt.a, tt.m, mode, got, want)
			}
		}
	}
}

// TestU128: carries and overflow reports of the 128-bit helpers.
func TestU128(t *testing.T) {
	if got := Mul64(1<<63, 4); got != (U128{Hi: 2, Lo: 0}) {
		t.Errorf("Mul64 = %+v", got)
	}
	if _, ok := (U128{Hi: 1 << 63}).MulSmall(2); ok {
		t.Error("MulSmall overflow not reported")
	}
	if got, ok := (U128{Hi: 1, Lo: 1 << 63}).MulSmall(2); !ok || got != (U128{Hi: 3, Lo: 0}) {
		t.Errorf("MulSmall carry = %+v, %v", got, ok)
	}
	if got, ok := (U128{Lo: 1<<64 - 1}).Add(U128{Lo: 1}); !ok || got != (U128{Hi: 1}) {
		t.Errorf("Add carry = %+v, %v", got, ok)
	}
	if _, ok := (U128{Hi: 1<<64 - 1}).Add(U128{Hi: 1}); ok {
		t.Error("Add overflow not reported")
	}
	if got := (U128{Hi: 1, Lo: 2}).Big().String(); got != "18446744073709551618" {
		t.Errorf("Big = %s", got)
	}
	for m := HalfUp; m <= Ceiling; m++ {
		if !m.Valid() || m.String() == "UNKNOWN" {
			t.Errorf("mode %d", m)
		}
	}
	if RoundingMode(0).Valid() || RoundingMode(6).Valid() || RoundingMode(6).String() != "UNKNOWN" {
		t.Error("invalid modes")
	}
}

func TestRateCmp(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want int
	}{
		{"4.9", "4.90", 0}, {"4.9", "4.89999999", 1}, {"0", "0.00000001", -1}, {"1000", "999.99999999", 1}, {"24", "24", 0},
	} {
		a, _ := ParseRate(tc.a, 1000)
		b, _ := ParseRate(tc.b, 1000)
		if got := a.Cmp(b); got != tc.want {
			t.Errorf("%s Cmp %s = %d, want %d", tc.a, tc.b, got, tc.want)
		}
		if got := b.Cmp(a); got != -tc.want {
			t.Errorf("%s Cmp %s = %d, want %d", tc.b, tc.a, got, -tc.want)
		}
	}
}
