package engine

// Validate reports the changes' own errors on terms t as of effective —
// values, ranges, combinations — as an *InvalidError naming the fields,
// without looking at the loan; QuoteRestructuring checks the same.
func (c Changes) Validate(t Terms, effective Date) error {
	var e InvalidError
	c.check(&e, &t, effective)
	return e.Err()
}

// check validates the changes on their own: values, ranges and
// combinations. It needs no loan, so an agreement can be refused before
// the loan is read; what only the loan can tell (a holiday inside the
// remaining plan, a plan that fits) is checked when the quote is built.
func (c *Changes) check(e *InvalidError, t *Terms, effective Date) {
	c.checkCombination(e)
	if x := c.TermExtension; x != nil && (x.ExtraInstallments < 1 || x.ExtraInstallments > MaxInstallments) {
		e.Add("changes.term_extension.extra_installments", "must be between 1 and %d", MaxInstallments)
	}
	if h := c.PaymentHoliday; h != nil {
		h.check(e, t)
	}
	if r := c.RateChange; r != nil {
		checkRate(e, "changes.rate_change.annual_rate_percent", r.AnnualRate)
	}
	if w := c.Waiver; w != nil {
		w.check(e)
	}
	if fp := c.InterestFreezePlan; fp != nil {
		fp.check(e, effective)
	}
	if ra := c.Reamortisation; ra != nil && ra.FirstDueDate <= effective {
		e.Add("changes.reamortisation.first_due_date", "must be after the effective date")
	}
}

// checkCombination refuses changes that set nothing and the combinations
// the quote has no single answer for: a freeze plan replaces the whole
// plan, so only a waiver goes with it, and a re-amortisation sets its own
// count and dates, which an extension or a holiday would contradict.
func (c *Changes) checkCombination(e *InvalidError) {
	set := []struct {
		name string
		on   bool
	}{
		{"term_extension", c.TermExtension != nil},
		{"payment_holiday", c.PaymentHoliday != nil},
		{"rate_change", c.RateChange != nil},
		{"waiver", c.Waiver != nil},
		{"capitalisation", c.Capitalisation != nil},
		{"reamortisation", c.Reamortisation != nil},
		{"interest_freeze_plan", c.InterestFreezePlan != nil},
	}
	anySet := false
	for _, s := range set {
		anySet = anySet || s.on
	}
	if !anySet {
		e.Add("changes", "at least one change is required")
	}
	if c.InterestFreezePlan != nil {
		for _, s := range set {
			if s.on && s.name != "interest_freeze_plan" && s.name != "waiver" {
				e.Add("changes.interest_freeze_plan", "cannot be combined with %s", s.name)
			}
		}
	}
	if c.Reamortisation != nil {
		if c.TermExtension != nil {
			e.Add("changes.reamortisation", "cannot be combined with term_extension")
		}
		if c.PaymentHoliday != nil {
			e.Add("changes.reamortisation", "cannot be combined with payment_holiday")
		}
	}
}

// check validates a payment holiday's own values on terms t. A BULLET
// loan has a single installment, so there is nothing to suspend; whether
// the holiday lies within the remaining plan needs the loan and is checked
// by the quote.
func (h *PaymentHoliday) check(e *InvalidError, t *Terms) {
	if t.Method == Bullet {
		e.Add("changes.payment_holiday", "does not apply to %s; extend the term instead", t.Method)
	}
	if h.FromInstallment < 1 {
		e.Add("changes.payment_holiday.from_installment", "must be at least 1")
	}
	if h.Count < 1 || h.Count > MaxInstallments {
		e.Add("changes.payment_holiday.count", "must be between 1 and %d", MaxInstallments)
	}
	if h.Interest != HolidayCapitalise && h.Interest != HolidaySpread {
		e.Add("changes.payment_holiday.interest", "unknown holiday interest treatment")
	}
}

// check validates a waiver's amounts. Only negatives are refused: what is
// owed is known only from the loan on the effective date, and the quote
// forgives no more than that, so a larger amount is not an error.
func (w *WaiverChange) check(e *InvalidError) {
	if w.Penalty < 0 {
		e.Add("changes.waiver.penalty", "must not be negative")
	}
	if w.Compound < 0 {
		e.Add("changes.waiver.compound", "must not be negative")
	}
	if w.Interest < 0 {
		e.Add("changes.waiver.interest", "must not be negative")
	}
}

// check validates an interest freeze plan as of effective. Its last due
// date is checked only when the count is valid, so that a bad count is
// not reported twice, once in its own words and once as a date.
func (fp *InterestFreezePlan) check(e *InvalidError, effective Date) {
	checkRate(e, "changes.interest_freeze_plan.annual_rate_percent", fp.AnnualRate)
	if fp.InstallmentCount < 1 || fp.InstallmentCount > MaxFreezeInstallments {
		e.Add("changes.interest_freeze_plan.installment_count", "must be between 1 and %d", MaxFreezeInstallments)
	}
	if fp.FirstDueDate <= effective {
		e.Add("changes.interest_freeze_plan.first_due_date", "must be after the effective date")
	} else if fp.InstallmentCount >= 1 && fp.InstallmentCount <= MaxFreezeInstallments &&
		!step(fp.FirstDueDate, Frequency{Unit: Month, Every: 1}, fp.InstallmentCount-1).InRange() {
		e.Add("changes.interest_freeze_plan.first_due_date", "the last due date would be after %s", MaxDate)
	}
}
