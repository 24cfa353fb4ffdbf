package servicing

import (
	"github.com/loancore/loancore/internal/engine"
)

// checkServicedCharges refuses, on a loan or a credit line's template, the
// charges that QuoteSchedule quotes but the fold does not collect yet
// (issue 20, stage 1): a service fee booked on a loan whose repayments
// settle only principal and interest would be shown due and never paid,
// and a payment meant for it would prepay principal. The UPFRONT charge is
// the upfront fee, which the disbursement already nets. prefix is the
// terms' path in the request ("terms.", "drawdown_terms.").
func checkServicedCharges(e *engine.InvalidError, t engine.Terms, prefix string) {
	for i, c := range t.Charges {
		if c.Kind == engine.UpfrontCharge || c.Kind == 0 || int(c.Kind) > int(engine.UpfrontCharge) {
			continue // an unknown kind is Validate's to name
		}
		e.Add(prefix+engine.ListField("charges", i, "kind"),
			"a loan cannot carry a %s yet: repayments do not collect fees (issue 20); QuoteSchedule quotes it", c.Kind)
	}
}
