package money

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestLongDecimalsRefused: a decimal string longer than MaxDecimalLength
// is refused as out of range by both parsers, whatever it spells, and the
// error quotes at most a prefix of it. A 4 MB string of digits once cost
// the decimal package 25 s of CPU; here it is refused on its length.
func TestLongDecimalsRefused(t *testing.T) {
	cny, _ := LookupCurrency("CNY")
	long := []string{
		strings.Repeat("9", 4<<20),
		"1." + strings.Repeat("0", MaxDecimalLength-1),
		strings.Repeat(" ", MaxDecimalLength) + "1",
		"0." + strings.Repeat("0", 4<<20) + "1",
	}
	for _, s := range long {
		if _, err := ParseAmount(s, cny); !errors.Is(err, ErrRange) || len(err.Error()) > 100 {
			t.Errorf("ParseAmount(%d bytes) = %v; want ErrRange, briefly", len(s), err)
		}
		if _, err := ParseRate(s, 1000); !errors.Is(err, ErrRange) || len(err.Error()) > 100 {
			t.Errorf("ParseRate(%d bytes) = %v; want ErrRange, briefly", len(s), err)
		}
	}
	// The longest accepted spelling still parses.
	at := "1." + strings.Repeat("0", MaxDecimalLength-2)
	if a, err := ParseAmount(at, cny); err != nil || a != 100 {
		t.Errorf("ParseAmount(%q) = %d, %v; want 1.00", at, a, err)
	}
	if r, err := ParseRate(at, 1000); err != nil || r != (Rate{1, 0}) {
		t.Errorf("ParseRate(%q) = %+v, %v; want 1", at, r, err)
	}
}

// BenchmarkParseAmountLong is the cost of refusing a 4 MB amount.
func BenchmarkParseAmountLong(b *testing.B) {
	cny, _ := LookupCurrency("CNY")
	s := strings.Repeat("9", 4<<20)
	for b.Loop() {
		if _, err := ParseAmount(s, cny); err == nil {
			b.Fatal("accepted")
		}
	}
}

func TestQuoteInput(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", `""`},
		{"abc", `"abc"`},
		{"a\x00b", `"a\x00b"`},
		{strings.Repeat("x", MaxQuoted), `"` + strings.Repeat("x", MaxQuoted) + `"`},
		{strings.Repeat("x", MaxQuoted+1), `"` + strings.Repeat("x", MaxQuoted) + `"…`},
		{strings.Repeat("\x00", 1<<20), `"` + strings.Repeat(`\x00`, MaxQuoted) + `"…`},
		// 31 bytes and a three-byte rune across the cut: the rune is left
		// out whole, not split.
		{strings.Repeat("x", MaxQuoted-1) + "元元", `"` + strings.Repeat("x", MaxQuoted-1) + `"…`},
		{strings.Repeat("x", MaxQuoted-3) + "元元", `"` + strings.Repeat("x", MaxQuoted-3) + `元"…`},
	} {
		got := QuoteInput(tt.in)
		if got != tt.want || !utf8.ValidString(got) {
			t.Errorf("QuoteInput(%.40q) = %s, want %s", tt.in, got, tt.want)
		}
	}
	// Invalid UTF-8 is escaped, never copied raw.
	if got := QuoteInput(strings.Repeat("\xff", 100)); !utf8.ValidString(got) || len(got) > 4*MaxQuoted+5 {
		t.Errorf("QuoteInput(invalid) = %s", got)
	}
}

// TestSyntaxErrorQuotesAPrefix: a syntax error names the input, briefly.
func TestSyntaxErrorQuotesAPrefix(t *testing.T) {
	cny, _ := LookupCurrency("CNY")
	s := "x" + strings.Repeat("y", MaxDecimalLength-1)
	_, err := ParseAmount(s, cny)
	if !errors.Is(err, ErrSyntax) || !strings.Contains(err.Error(), QuoteInput(s)) || strings.Contains(err.Error(), s) {
		t.Errorf("ParseAmount(%q) = %v; want a syntax error quoting a prefix", s, err)
	}
}
