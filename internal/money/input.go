package money

import (
	"strconv"
	"unicode/utf8"
)

// MaxDecimalLength is the longest decimal string ParseAmount and ParseRate
// read. The largest amount (MaxAmount with four decimals) and the finest
// rate need about 20 characters; twice that leaves room for spellings such
// as trailing zeros, and refuses a megabyte of digits before the decimal
// package spends a time quadratic in its length on it. The API refuses
// longer amounts and rates at its edge too; this bound also covers every
// other caller (stored documents, flags).
const MaxDecimalLength = 40

// MaxQuoted is how many bytes of a caller's input an error message quotes.
const MaxQuoted = 32

// QuoteInput quotes s for an error message as %q does, but only its first
// MaxQuoted bytes, followed by "…" when there is more: a message must
// never echo a large input back, since a client that sent a megabyte would
// get it twice, in a status that can outgrow what the transport accepts.
// The cut never splits a UTF-8 sequence.
func QuoteInput(s string) string {
	if len(s) <= MaxQuoted {
		return strconv.Quote(s)
	}
	cut := MaxQuoted
	for i := 1; i < utf8.UTFMax && cut > 0 && !utf8.RuneStart(s[cut]); i++ {
		cut--
	}
	return strconv.Quote(s[:cut]) + "…"
}
