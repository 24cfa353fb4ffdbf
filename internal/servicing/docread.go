package servicing

import (
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// docReader reads the values of a stored document (a loan's terms, an
// agreement's changes) as the API spells them, noting each that does not
// parse and going on, so one read reports every bad value.
type docReader struct {
	errs []error
}

func (r *docReader) note(err error) {
	if err != nil {
		r.errs = append(r.errs, err)
	}
}

// amount parses an amount in the currency c.
func (r *docReader) amount(s string, c money.Currency) money.Amount {
	a, err := money.ParseAmount(s, c)
	r.note(err)
	return a
}

// optionalAmount is amount, with "" for zero.
func (r *docReader) optionalAmount(s string, c money.Currency) money.Amount {
	if s == "" {
		return 0
	}
	return r.amount(s, c)
}

// rate parses a rate in percent of at most maxPercent.
func (r *docReader) rate(s string, maxPercent int64) money.Rate {
	rate, err := money.ParseRate(s, maxPercent)
	r.note(err)
	return rate
}

// date parses a YYYY-MM-DD date.
func (r *docReader) date(s string) engine.Date {
	d, err := engine.ParseDate(s)
	r.note(err)
	return d
}

// name is the index of a name in names (see lookup).
func (r *docReader) name(names []string, s string) int {
	i, err := lookup(names, s)
	r.note(err)
	return i
}

// first is the first value that did not parse, or nil.
func (r *docReader) first() error {
	if len(r.errs) == 0 {
		return nil
	}
	return r.errs[0]
}
