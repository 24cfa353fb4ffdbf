package servicing

import "github.com/loancore/loancore/internal/money"

// APRPolicy is the server's rule for quoted APRs (issue 20): lenders must
// disclose the annualised cost including every fee, and a lender (or the
// regulator's line, 24% or 36% a year) sets a most it will offer. The
// zero value has no maximum.
type APRPolicy struct {
	// Maximum is the most APR, in percent a year, a quote may show
	// without being flagged; zero is no maximum.
	Maximum money.Rate
	// Refuse answers a quote above Maximum with APR_ABOVE_MAXIMUM instead
	// of flagging it: for a server that must never show such an offer.
	Refuse bool
}

// check says whether apr is above the maximum, refusing it when the
// policy says so.
func (p APRPolicy) check(apr money.Rate) (bool, error) {
	if p.Maximum.IsZero() || apr.Cmp(p.Maximum) <= 0 {
		return false, nil
	}
	if p.Refuse {
		return true, refuse(ReasonAPRAboveMaximum, "the APR %s%% is above this server's maximum of %s%%", apr, p.Maximum)
	}
	return true, nil
}
