package servicing

import (
	"github.com/loancore/loancore/internal/engine"
)

// hasFoldedFees reports whether the terms charge fees the fold books on
// installments (service, late or prepayment fees; not the upfront fee,
// taken from the advance): an agreement's plan supersedes those
// installments and would drop what they owe or were paid of fees.
func hasFoldedFees(t engine.Terms) bool {
	for _, c := range t.Charges {
		if c.Kind != engine.UpfrontCharge {
			return true
		}
	}
	return false
}
