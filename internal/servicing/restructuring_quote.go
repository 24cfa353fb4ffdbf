package servicing

import (
	"context"
	"errors"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// RestructuringQuote is a quote as the API shows it and as a proposal
// freezes it: amounts are decimal strings in the loan's currency.
type RestructuringQuote struct {
	EffectiveDate   string           `json:"effective_date"`
	Currency        string           `json:"currency"`
	Installments    []QuoteRow       `json:"installments"`
	Outstanding     QuoteOutstanding `json:"outstanding"`
	Balance         string           `json:"balance"`
	Waived          QuoteCharges     `json:"waived"`
	Capitalised     string           `json:"capitalised"`
	Carried         QuoteCharges     `json:"carried"`
	TotalCostBefore string           `json:"total_cost_before"`
	TotalCostAfter  string           `json:"total_cost_after"`
	// APRPercent is empty when the plan has no APR (nothing to pay).
	APRPercent    string `json:"apr_percent"`
	WithinCap     bool   `json:"within_cap"`
	APRCapPercent string `json:"apr_cap_percent"`
}

// TotalFees is the sum of the rows' fees, worked out from the rows so
// that a quote frozen before the figure existed shows it too (a stored
// agreement's quote is not rewritten).
func (q RestructuringQuote) TotalFees() string {
	cur, ok := money.LookupCurrency(q.Currency)
	if !ok {
		return ""
	}
	var total money.Amount
	for _, r := range q.Installments {
		if r.Fees == "" {
			continue
		}
		f, err := money.ParseAmount(r.Fees, cur)
		if err != nil {
			return ""
		}
		total += f
	}
	return total.Format(cur)
}

// QuoteRow is one installment of a quoted plan.
type QuoteRow struct {
	Number       int    `json:"number"`
	StartDate    string `json:"start_date"`
	DueDate      string `json:"due_date"`
	Principal    string `json:"principal"`
	Interest     string `json:"interest"`
	Total        string `json:"total"`
	BalanceAfter string `json:"balance_after"`
	// Fees are the row's fees (its own and any carried onto it), part
	// of Total as in QuoteSchedule; omitted when none, so quotes frozen
	// before fees read the same.
	Fees string `json:"fees,omitempty"`
}

// QuoteCharges are amounts of interest, penalty and compound interest, and
// fees (omitted when none, as in quotes frozen before fees).
type QuoteCharges struct {
	Interest string `json:"interest"`
	Penalty  string `json:"penalty"`
	Compound string `json:"compound"`
	Fees     string `json:"fees,omitempty"`
}

// QuoteOutstanding is what a loan owed on the effective date.
type QuoteOutstanding struct {
	Principal string `json:"principal"`
	Interest  string `json:"interest"`
	Penalty   string `json:"penalty"`
	Compound  string `json:"compound"`
	Total     string `json:"total"`
	// Fees due and unpaid; omitted when none, as in quotes frozen before
	// fees.
	Fees string `json:"fees,omitempty"`
}

func charges(c engine.Charges, cur money.Currency) QuoteCharges {
	out := QuoteCharges{Interest: c.Interest.Format(cur), Penalty: c.Penalty.Format(cur), Compound: c.Compound.Format(cur)}
	if c.Fees > 0 {
		out.Fees = c.Fees.Format(cur)
	}
	return out
}

// ChangesInput are the changes of a request: engine values, except the
// waiver's amounts, which are parsed in the loan's currency.
type ChangesInput struct {
	Changes engine.Changes
	Waiver  *WaiverInput
}

// resolve returns the engine changes, adding a violation for each waiver
// amount that does not parse.
func (c ChangesInput) resolve(e *engine.InvalidError, cur money.Currency) engine.Changes {
	out := c.Changes
	out.Waiver = nil
	if w := c.Waiver; w != nil {
		amount := func(field, s string) money.Amount {
			if s == "" {
				return 0
			}
			a, err := money.ParseAmount(s, cur)
			if err != nil {
				e.Add("changes.waiver."+field, "%v", err)
			}
			return a
		}
		out.Waiver = &engine.WaiverChange{Penalty: amount("penalty", w.Penalty), Compound: amount("compound", w.Compound),
			Interest: amount("interest", w.Interest), Fees: amount("fees", w.Fees)}
	}
	return out
}

// quote computes the quote of changes on a loan, st its fold as of the
// effective date, with its APR, as the API shows it.
func (p RestructuringPolicy) quote(lg loanLog, st engine.LoanState, c engine.Changes) (RestructuringQuote, engine.RestructureQuote, error) {
	effective := st.AsOf
	q, err := engine.QuoteRestructuring(lg.terms, st, effective, c)
	if err != nil {
		return RestructuringQuote{}, q, err
	}
	cur := lg.terms.Currency
	out := RestructuringQuote{EffectiveDate: effective.String(), Currency: cur.Code,
		Outstanding: QuoteOutstanding{Principal: q.Outstanding.Principal.Format(cur), Interest: q.Outstanding.Interest.Format(cur),
			Penalty: q.Outstanding.Penalty.Format(cur), Compound: q.Outstanding.Compound.Format(cur), Total: q.Outstanding.Total().Format(cur)},
		Balance: q.Balance.Format(cur), Waived: charges(q.Waived, cur), Capitalised: q.Capitalised.Format(cur),
		Carried: charges(q.Carried, cur), TotalCostBefore: q.TotalCostBefore.Format(cur), TotalCostAfter: q.TotalCostAfter.Format(cur),
		APRCapPercent: p.APRCapPercent.String()}
	if q.Outstanding.Fees > 0 {
		out.Outstanding.Fees = q.Outstanding.Fees.Format(cur)
	}
	for _, r := range q.Installments {
		row := QuoteRow{Number: r.Number, StartDate: r.StartDate.String(), DueDate: r.DueDate.String(),
			Principal: r.Principal.Format(cur), Interest: r.Interest.Format(cur), Total: (r.Total + r.Fees).Format(cur), BalanceAfter: r.BalanceAfter.Format(cur)}
		if r.Fees > 0 {
			row.Fees = r.Fees.Format(cur)
		}
		out.Installments = append(out.Installments, row)
	}
	if apr, ok := planAPR(lg.terms, q, effective, c); ok {
		out.APRPercent = money.FormatScaled(int64(apr.Units), int(apr.Scale))
		out.WithinCap = apr.Cmp(p.APRCapPercent) <= 0
	}
	return out, q, nil
}

// planAPR is the APR of a new plan: what the borrower owes on the
// effective date and the plan repays — principal, overdue and accrued
// interest, penalty and compound interest, less what is waived (a freeze
// plan does not charge the accrued interest) — advanced on that date,
// against the plan's payments (carried penalty and compound on the first
// paying row), by IRR per period of the plan's frequency. Rows already due
// (a waiver alone keeps overdue ones) count as paid the day after. A plan
// that charges nothing beyond what is owed has an APR of 0.
func planAPR(t engine.Terms, q engine.RestructureQuote, effective engine.Date, c engine.Changes) (money.Rate, bool) {
	unit := t.Frequency
	switch {
	case c.InterestFreezePlan != nil:
		unit = engine.Frequency{Unit: engine.Month, Every: 1}
	case c.Reamortisation != nil:
		unit = c.Reamortisation.Frequency
	}
	owed := q.Outstanding.Total() - q.Waived.Interest - q.Waived.Penalty - q.Waived.Compound - q.Waived.Fees
	if c.InterestFreezePlan == nil {
		owed += q.Accrued
	}
	var flows []engine.CashFlow
	extra := q.Carried.Penalty + q.Carried.Compound
	if c.OnlyWaiver() {
		// A waiver alone leaves its penalty on the installments.
		extra = 0
	}
	var paid money.Amount
	for _, r := range q.Installments {
		// The row's fees are paid with it: the APR counts every fee.
		amount := r.Total + r.Fees
		if amount > 0 && extra > 0 {
			amount += extra
			extra = 0
		}
		if amount > 0 {
			paid += amount
			flows = append(flows, engine.CashFlow{Amount: amount, Date: max(r.DueDate, effective+1)})
		}
	}
	if owed <= 0 {
		return money.Rate{}, false
	}
	if paid <= owed {
		return money.Rate{Scale: 2}, true
	}
	apr, err := engine.ComputeAPR(engine.APRInput{Advanced: owed, AdvanceDate: effective, Payments: flows,
		Method: engine.IRRNominal, UnitPeriod: unit, Decimals: 2})
	return apr, err == nil
}

// QuoteRestructuringParams are the inputs of QuoteRestructuring.
type QuoteRestructuringParams struct {
	LoanID string
	// EffectiveDate is NoDate for today.
	EffectiveDate engine.Date
	Changes       ChangesInput
}

// QuoteRestructuring returns what the changes would do to the loan on the
// effective date. It writes nothing. A quote that breaks an eligibility
// rule is a *PreconditionError naming the rule.
func (l *Loans) QuoteRestructuring(ctx context.Context, p QuoteRestructuringParams) (RestructuringQuote, error) {
	if p.LoanID == "" {
		return RestructuringQuote{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "loan_id", Description: "required"}}}
	}
	lg, err := l.load(ctx, p.LoanID, time.Time{})
	if err != nil {
		return RestructuringQuote{}, err
	}
	now, ags, err := agreementsAsOf(lg, l.Today())
	if err != nil {
		return RestructuringQuote{}, err
	}
	var e engine.InvalidError
	c := p.Changes.resolve(&e, lg.terms.Currency)
	q, _, err := l.restructuring.checkedQuote(lg, now, ags, p.EffectiveDate, c, e)
	return q, err
}

// checkedQuote validates an effective date (NoDate: today) and changes,
// adding to the violations e already holds, checks eligibility and
// quotes. now is the loan's fold as of today and ags its agreements.
func (p RestructuringPolicy) checkedQuote(lg loanLog, now engine.LoanState, ags []AgreementView, effective engine.Date, c engine.Changes, e engine.InvalidError) (RestructuringQuote, engine.Date, error) {
	if effective == engine.NoDate {
		effective = now.AsOf
	}
	if effective < lg.terms.DisbursementDate {
		e.Add("effective_date", "must not be before the disbursement date %s", lg.terms.DisbursementDate)
	}
	// The fold as of today holds every repayment not reversed (none is
	// dated after today), the latest last.
	if n := len(now.Payments); n > 0 && effective < now.Payments[n-1].ValueDate {
		e.Add("effective_date", "must not be before the value date of the latest repayment, %s: a later agreement would reallocate it",
			now.Payments[n-1].ValueDate)
	}
	var inv *engine.InvalidError
	if err := c.Validate(lg.terms, effective); errors.As(err, &inv) {
		e.Violations = append(e.Violations, inv.Violations...)
	}
	if err := e.Err(); err != nil {
		return RestructuringQuote{}, effective, err
	}
	at := now
	if effective != now.AsOf {
		at = lg.fold(effective)
	}
	if err := p.eligible(lg, now, at, ags, c); err != nil {
		return RestructuringQuote{}, effective, err
	}
	q, eq, err := p.quote(lg, at, c)
	if err != nil {
		return q, effective, err
	}
	return q, effective, p.eligiblePlan(lg, c, eq)
}
