package servicing

import (
	"github.com/loancore/loancore/internal/engine"
)

// checkServicedCharges refuses, on a loan or a credit line's template, the
// charges that QuoteSchedule quotes but loans do not charge yet (issue
// 20): a late fee, which close of business does not post yet, would be
// shown on the terms and never charged. Service and prepayment fees are
// charged by the fold, and the UPFRONT charge is the upfront fee, which
// the disbursement nets. prefix is the terms' path in the request
// ("terms.", "drawdown_terms.").
func checkServicedCharges(e *engine.InvalidError, t engine.Terms, prefix string) {
	for i, c := range t.Charges {
		if c.Kind != engine.LateFee {
			continue // an unknown kind is Validate's to name
		}
		e.Add(prefix+engine.ListField("charges", i, "kind"),
			"a loan cannot carry a %s yet (issue 20); QuoteSchedule quotes it", c.Kind)
	}
}

// hasServiceFees reports whether the terms charge service fees.
func hasServiceFees(t engine.Terms) bool {
	for _, c := range t.Charges {
		if c.Kind == engine.ServiceFee {
			return true
		}
	}
	return false
}
