package engine

import (
	"math/big"

	"github.com/loancore/loancore/internal/money"
)

// PenaltyBasis is what penalty interest (罚息) accrues on.
type PenaltyBasis uint8

// The penalty bases. The zero value means OverduePrincipal.
const (
	// OverduePrincipal charges penalty on principal past its due date.
	OverduePrincipal PenaltyBasis = iota + 1
	// OverduePrincipalAndInterest charges it on overdue principal and
	// overdue contract interest.
	OverduePrincipalAndInterest
)

// GraceMode says when penalty starts for an installment not paid within
// its grace days.
type GraceMode uint8

// The grace modes. The zero value means FromDueDate.
const (
	// FromDueDate counts penalty from the due date once grace is missed.
	FromDueDate GraceMode = iota + 1
	// FromGraceEnd counts penalty only from the day after grace ends.
	FromGraceEnd
)

// PenaltyPolicy is how an overdue loan accrues penalty and compound
// interest. Every part is optional; see each field for its default.
type PenaltyPolicy struct {
	// AnnualRate is an absolute penalty rate in percent a year, used when
	// HasAnnualRate; otherwise the rate is the contract rate marked up.
	AnnualRate    money.Rate
	HasAnnualRate bool
	// MarkupPercent raises the contract rate: 50 makes the penalty rate
	// 1.5 × the contract rate. Default 50 (the common 30–50% rule).
	MarkupPercent    money.Rate
	HasMarkupPercent bool
	Basis            PenaltyBasis
	// CompoundOverdueInterest charges compound interest (复利) on unpaid
	// overdue contract interest at the penalty rate, in its own bucket.
	CompoundOverdueInterest bool
	// DayCount turns the annual penalty rate into a daily one; zero means
	// ACT/360.
	DayCount DayCount
	// GraceDays (宽限期): an installment paid within this many days after
	// its due date bears no penalty.
	GraceDays int
	GraceMode GraceMode
	// CapAnnualPercent, when HasCap, caps the total annualised cost
	// (contract interest + penalty + compound) of the loan. On every day d
	// the charges C(d) — the contract interest of installments due on or
	// before d plus all penalty and compound interest charged through d —
	// may not exceed ceiling(d) = principal × CapAnnualPercent/100 ×
	// (d − disbursement date, in days) / 365, rounded down to the minor
	// unit. A day whose penalty and compound would pass the ceiling
	// charges only what fits, possibly nothing: compound interest is cut
	// first, then penalty. The first such day is LoanState.CappedOn.
	// Penalty of grace days charged when grace ends counts on that day,
	// after the day's own charges.
	CapAnnualPercent money.Rate
	HasCap           bool
	// OverdueInterest says, for a loan with interest recalculation,
	// whether contract interest on overdue principal goes on beside
	// penalty or stops after the due date. Zero means BesidePenalty.
	OverdueInterest OverdueInterestPolicy
}

// Limits of a penalty policy.
const (
	// MaxGraceDays bounds PenaltyPolicy.GraceDays.
	MaxGraceDays = 366
	// MaxMarkupPercent bounds PenaltyPolicy.MarkupPercent.
	MaxMarkupPercent = 1000
)

// defaultMarkup is the markup when neither a rate nor a markup is given.
var defaultMarkup = money.Rate{Units: 50}

// WithDefaults returns the policy with every default filled in: the 50%
// markup when no rate is given, OVERDUE_PRINCIPAL, ACT/360 and
// FROM_DUE_DATE. The fold reads a policy the same with or without them.
func (p PenaltyPolicy) WithDefaults() PenaltyPolicy {
	if !p.HasAnnualRate && !p.HasMarkupPercent {
		p.MarkupPercent, p.HasMarkupPercent = defaultMarkup, true
	}
	if p.Basis == 0 {
		p.Basis = OverduePrincipal
	}
	if p.DayCount == 0 {
		p.DayCount = Act360
	}
	if p.GraceMode == 0 {
		p.GraceMode = FromDueDate
	}
	return p
}

// Validate checks the policy; field names are relative to it ("grace_days").
func (p PenaltyPolicy) Validate() error {
	var e InvalidError
	if p.HasAnnualRate && p.HasMarkupPercent {
		e.Add("markup_percent", "give annual_rate_percent or markup_percent, not both")
	}
	if p.Basis > OverduePrincipalAndInterest {
		e.Add("basis", "unknown basis")
	}
	if p.DayCount > ActAct {
		e.Add("day_count", "unknown day count")
	}
	if p.GraceDays < 0 || p.GraceDays > MaxGraceDays {
		e.Add("grace_days", "must be between 0 and %d", MaxGraceDays)
	}
	if p.GraceMode > FromGraceEnd {
		e.Add("grace_mode", "unknown grace mode")
	}
	if p.OverdueInterest > ReplacedByPenalty {
		e.Add("overdue_contract_interest", "unknown overdue contract interest policy")
	}
	return e.Err()
}

// PenaltyDailyRate returns the penalty rate per day for a contract rate:
// the absolute rate, or the contract rate × (1 + markup/100), divided by
// the day count's year basis. It is exact; rounding happens per day on the
// amount it is applied to.
func (p PenaltyPolicy) PenaltyDailyRate(contract money.Rate) (num, den *big.Int) {
	p = p.WithDefaults()
	dc := p.DayCount
	basis := big.NewInt(int64(dc.yearBasisDays()))
	if dc == ActAct {
		basis = big.NewInt(365)
	}
	if p.HasAnnualRate {
		num = new(big.Int).SetUint64(p.AnnualRate.Units)
		den = new(big.Int).SetUint64(p.AnnualRate.Denominator())
		return num, den.Mul(den, basis)
	}
	markup := p.MarkupPercent
	// contract × (100 + markup)/100: with contract = cu/cd and markup =
	// mu/md percent, (cu/cd) × (md×100 + mu)/(md×100).
	// Denominator() is 10^scale × 100, so md + mu is (100 + markup) × 10^scale.
	md := new(big.Int).SetUint64(markup.Denominator())
	factor := new(big.Int).Add(md, new(big.Int).SetUint64(markup.Units))
	num = new(big.Int).Mul(new(big.Int).SetUint64(contract.Units), factor)
	den = new(big.Int).Mul(new(big.Int).SetUint64(contract.Denominator()), md)
	return num, den.Mul(den, basis)
}

// DailyPenalty is one day's penalty on base at the daily rate num/den,
// rounded to the minor unit with mode: the amount that accrues for every
// day the base stays overdue.
func DailyPenalty(base money.Amount, num, den *big.Int, mode money.RoundingMode) money.Amount {
	if base <= 0 || num.Sign() == 0 {
		return 0
	}
	if a, ok := dailyPenalty64(uint64(base), num, den, mode); ok {
		return a
	}
	n := new(big.Int).Mul(big.NewInt(int64(base)), num)
	return money.Amount(money.DivRoundBig(n, den, mode).Int64())
}

// dailyPenalty64 is DailyPenalty in machine words when the rate's parts
// fit 64 bits (any rate with a few decimals does): the product is 128
// bits (money.U128) and the quotient must fit 63, else ok is false and
// the caller takes the big.Int path. U128.DivRound rounds as
// money.DivRoundBig does, so the two agree on every input
// (TestDailyPenalty64). A close of business folds hundreds of days for
// each overdue loan, and the big.Int path allocated for each
// (BenchmarkCOBPositionOverdue).
func dailyPenalty64(base uint64, num, den *big.Int, mode money.RoundingMode) (money.Amount, bool) {
	if !num.IsUint64() || !den.IsUint64() {
		return 0, false
	}
	q, ok := money.Mul64(base, num.Uint64()).DivRound(den.Uint64(), mode)
	return money.Amount(q), ok
}
