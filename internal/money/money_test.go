package money

import (
	"errors"
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
