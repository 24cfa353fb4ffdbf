package servicing

import (
	"github.com/loancore/loancore/internal/engine"
)

// hasServiceFees reports whether the terms charge service fees.
func hasServiceFees(t engine.Terms) bool {
	for _, c := range t.Charges {
		if c.Kind == engine.ServiceFee {
			return true
		}
	}
	return false
}
