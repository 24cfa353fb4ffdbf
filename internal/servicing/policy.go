package servicing

import (
	"errors"
	"fmt"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// RestructuringPolicy holds the eligibility rules of agreements and how a
// restructured loan is classified. Zero fields take the defaults.
type RestructuringPolicy struct {
	// MaxAgreementsPerLoan is how many agreements a loan may have signed
	// over its life; default 3.
	MaxAgreementsPerLoan int
	// MinOnTimeBetweenDeferrals is how many installments of the previous
	// agreement's plan must have been paid on time before another
	// deferral (term extension, payment holiday, re-amortisation) takes
	// effect; default 3, negative turns the rule off.
	MinOnTimeBetweenDeferrals int
	// MaxExtensionMonths bounds how far past the contract's maturity a
	// plan may end (freeze plans aside); default 36.
	MaxExtensionMonths int
	// MaxFreezeInstallments bounds an interest freeze plan, at most 60
	// (the default).
	MaxFreezeInstallments int
	// ObservationMonths is how long after its effective date an agreement
	// keeps the loan marked restructured; default 12.
	ObservationMonths int
	// RiskFloor is the best risk class a restructured loan may have;
	// default SUBSTANDARD (次级), as for a borrower in financial
	// difficulty.
	RiskFloor engine.RiskClass
	// APRCapPercent is the APR a quote's within_cap compares against;
	// default 24.
	APRCapPercent money.Rate
	// DefaultBreakAfterMissed is break_after_missed when a proposal gives
	// none; default 2.
	DefaultBreakAfterMissed int
	// ProposalDays is how long a proposal stays open when it gives no
	// expires_on; default 14.
	ProposalDays int
}

// DefaultRestructuringPolicy is the policy with every default.
var DefaultRestructuringPolicy = RestructuringPolicy{}.WithDefaults()

// WithDefaults returns the policy with its zero fields set to the defaults.
func (p RestructuringPolicy) WithDefaults() RestructuringPolicy {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.MaxAgreementsPerLoan, 3)
	def(&p.MinOnTimeBetweenDeferrals, 3)
	def(&p.MaxExtensionMonths, 36)
	def(&p.MaxFreezeInstallments, engine.MaxFreezeInstallments)
	def(&p.ObservationMonths, 12)
	def(&p.DefaultBreakAfterMissed, 2)
	def(&p.ProposalDays, 14)
	if p.RiskFloor == 0 {
		p.RiskFloor = engine.RiskSubstandard
	}
	if p.APRCapPercent.IsZero() {
		p.APRCapPercent = money.Rate{Units: 24}
	}
	return p
}

// Validate reports a policy out of range.
func (p RestructuringPolicy) Validate() error {
	switch {
	case p.MaxAgreementsPerLoan < 0, p.MaxExtensionMonths < 0, p.ObservationMonths < 0,
		p.DefaultBreakAfterMissed < 0, p.ProposalDays < 0:
		return errors.New("restructuring policy: limits must not be negative")
	case p.MaxFreezeInstallments < 0 || p.MaxFreezeInstallments > engine.MaxFreezeInstallments:
		return fmt.Errorf("restructuring policy: max freeze installments must be between 1 and %d", engine.MaxFreezeInstallments)
	case p.RiskFloor > engine.RiskLoss:
		return errors.New("restructuring policy: unknown risk floor")
	}
	return nil
}
