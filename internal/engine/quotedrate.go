package engine

import "github.com/loancore/loancore/internal/money"

// RateUnit is the period a contract rate is quoted per.
type RateUnit uint8

// The rate units. The zero value is a rate a year, so terms that never
// mention a unit are quoted as they always were.
const (
	// PerYear is annual_rate_percent.
	PerYear RateUnit = iota
	// PerMonth is monthly_rate_percent (月利率): twelve make a year.
	PerMonth
	// PerDay is daily_rate_percent (日利率): the day count's year days
	// make a year, 360 under ACT/360 and 365 under ACT/365.
	PerDay
)

// Field returns the LoanTerms field a rate of this unit is given in.
func (u RateUnit) Field() string {
	switch u {
	case PerMonth:
		return "monthly_rate_percent"
	case PerDay:
		return "daily_rate_percent"
	}
	return "annual_rate_percent"
}

// QuotedRate is the contract rate as the borrower was quoted it, kept so
// that a loan shows and stores what was agreed ("0.05% a day"), not only
// the annual rate the engine computes with.
type QuotedRate struct {
	Unit RateUnit
	Rate money.Rate
}

// AnnualEquivalent returns the annual rate of q under the day count: the
// monthly rate × 12, the daily rate × the day count's year days. It is a
// multiplication of a decimal by an integer, so it is exact at q's scale
// and needs no rounding. It reports false for a daily rate under ACT/ACT,
// whose year has 365 or 366 days: no one annual rate is the same daily
// rate in both.
func AnnualEquivalent(q QuotedRate, dc DayCount) (money.Rate, bool) {
	switch q.Unit {
	case PerMonth:
		return money.Rate{Units: q.Rate.Units * 12, Scale: q.Rate.Scale}, true
	case PerDay:
		if dc == ActAct {
			return money.Rate{}, false
		}
		return money.Rate{Units: q.Rate.Units * dc.yearBasisDays(), Scale: q.Rate.Scale}, true
	}
	return q.Rate, true
}

// SetQuotedRate sets the contract rate as quoted and AnnualRate to its
// annual equivalent under t.DayCount, so the day count must be set first.
// A daily rate under ACT/ACT leaves AnnualRate zero; Validate reports it.
func (t *Terms) SetQuotedRate(q QuotedRate) {
	t.Quoted = q
	t.AnnualRate, _ = AnnualEquivalent(q, t.DayCount)
}

// QuotedRateOf returns the contract rate as quoted: t.Quoted when the rate
// was quoted a month or a day, else the annual rate.
func (t *Terms) QuotedRateOf() QuotedRate {
	if t.Quoted.Unit == PerYear {
		return QuotedRate{Unit: PerYear, Rate: t.AnnualRate}
	}
	return t.Quoted
}

// Fields spells the rate as the API's three rate fields do: the one it
// was quoted in holds it, the other two are empty.
func (q QuotedRate) Fields() (annual, monthly, daily string) {
	switch q.Unit {
	case PerMonth:
		return "", q.Rate.String(), ""
	case PerDay:
		return "", "", q.Rate.String()
	}
	return q.Rate.String(), "", ""
}

// checkQuotedRate checks the contract rate under the field it was given
// in: its precision, that its annual equivalent is within MaxRatePercent,
// and that AnnualRate is that equivalent (terms built by hand could
// disagree).
func (t *Terms) checkQuotedRate(e *InvalidError) {
	q := t.QuotedRateOf()
	field := q.Unit.Field()
	if q.Unit == PerYear {
		checkRate(e, field, t.AnnualRate)
		return
	}
	if q.Rate.Scale > money.MaxRateScale {
		e.Add(field, "at most %d decimals", money.MaxRateScale)
		return
	}
	annual, ok := AnnualEquivalent(q, t.DayCount)
	switch {
	case !ok:
		e.Add(field, "a daily rate needs a day count with a fixed year (ACT_360, ACT_365_FIXED, ACT_364 or THIRTY_360), not ACT_ACT")
	case annual.Cmp(money.Rate{Units: MaxRatePercent}) > 0:
		e.Add(field, "its annual equivalent %s%% is more than %d%%", annual, MaxRatePercent)
	case annual.Cmp(t.AnnualRate) != 0:
		e.Add("annual_rate_percent", "must be the annual equivalent of %s (%s), or empty", field, annual)
	}
}
