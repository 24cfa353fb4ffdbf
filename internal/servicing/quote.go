package servicing

import (
	"errors"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// DefaultAPRDecimals is the number of decimal places an APR is quoted with
// unless the caller asks for another: percent to the hundredth, as APRs are
// disclosed in China and under Regulation Z.
const DefaultAPRDecimals = 2

// ScheduleQuote is a schedule with its disclosure figures.
type ScheduleQuote struct {
	Terms    engine.Terms
	Schedule engine.Schedule
	// AmountAdvanced is the principal less the upfront fee (upfront_fee or
	// the UPFRONT charge).
	AmountAdvanced money.Amount
	// UpfrontFee is the fee deducted from the advance.
	UpfrontFee money.Amount
	// APR is the schedule's annual percentage rate in percent.
	APR money.Rate
	// AboveMaximum says APR is above the policy's maximum (flagged, as the
	// policy did not refuse it).
	AboveMaximum bool
	// Maximum is the policy's maximum APR; zero when it has none.
	Maximum money.Rate
}

// QuoteScheduleParams are the inputs of QuoteSchedule.
type QuoteScheduleParams struct {
	Terms engine.Terms
	// APRDecimals is the number of decimal places of the APR.
	APRDecimals int
	// Policy flags or refuses an APR above its maximum.
	Policy APRPolicy
}

// QuoteSchedule builds the schedule of the terms and its APR. Invalid input
// returns an *engine.InvalidError whose field paths are those of the
// QuoteSchedule request ("terms.installment_count").
func QuoteSchedule(p QuoteScheduleParams) (ScheduleQuote, error) {
	if p.APRDecimals < 0 || p.APRDecimals > engine.MaxAPRDecimals {
		return ScheduleQuote{}, &engine.InvalidError{Violations: []engine.FieldViolation{{
			Field: "apr_decimal_places", Description: "must be between 0 and 8"}}}
	}
	s, err := engine.BuildSchedule(p.Terms)
	if err != nil {
		var inv *engine.InvalidError
		if errors.As(err, &inv) {
			return ScheduleQuote{}, inv.Prefixed("terms.")
		}
		return ScheduleQuote{}, err
	}
	apr := engine.ScheduleAPR(p.Terms, s, p.APRDecimals)
	above, err := p.Policy.check(apr)
	if err != nil {
		return ScheduleQuote{}, err
	}
	return ScheduleQuote{
		Terms:          p.Terms,
		Schedule:       s,
		AmountAdvanced: p.Terms.Principal - p.Terms.EffectiveUpfrontFee(),
		UpfrontFee:     p.Terms.EffectiveUpfrontFee(),
		APR:            apr,
		AboveMaximum:   above,
		Maximum:        p.Policy.Maximum,
	}, nil
}
