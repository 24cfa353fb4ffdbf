package engine

import (
	"slices"

	"github.com/loancore/loancore/internal/money"
)

// Restructuring agreements (信用协商): QuoteRestructuring computes, without
// changing anything, the plan that would replace what remains of a loan;
// an EventAgreement in the log makes the fold apply exactly that
// computation at its effective date (agreement.go).

// HolidayInterest says what happens to the interest of a payment holiday's
// periods.
type HolidayInterest uint8

// The holiday interest treatments.
const (
	// HolidayCapitalise adds the holiday's interest to the principal at
	// the end of the holiday.
	HolidayCapitalise HolidayInterest = iota + 1
	// HolidaySpread adds the holiday's interest evenly to the interest of
	// the installments after the holiday, rounded down, the residue on the
	// last.
	HolidaySpread
)

// MaxFreezeInstallments is the most installments an interest freeze plan
// may have.
const MaxFreezeInstallments = 60

// TermExtension adds ExtraInstallments periods to the end of the plan and
// re-amortises over the longer term.
type TermExtension struct {
	ExtraInstallments int
}

// PaymentHoliday suspends Count installments from FromInstallment (a number
// of the original plan) and pushes the rest of the plan out by Count
// periods; Interest says what happens to the interest of those periods.
type PaymentHoliday struct {
	FromInstallment int
	Count           int
	Interest        HolidayInterest
}

// RateChange re-amortises at AnnualRate (percent a year) from the effective
// date.
type RateChange struct {
	AnnualRate money.Rate
}

// WaiverChange forgives up to Penalty, Compound, Interest (overdue
// contract interest) and Fees (fees due and unpaid: service and late fees
// of installments due by then) of what is owed on the effective date,
// never more than is owed.
type WaiverChange struct {
	Penalty  money.Amount
	Compound money.Amount
	Interest money.Amount
	Fees     money.Amount
}

// Capitalisation moves the overdue contract interest and the fees due and
// unpaid into the principal before re-amortising; with IncludePenalty the
// penalty and compound interest too. Fees go with the interest: both are
// the contract's price of the loan, penalty is the price of default.
type Capitalisation struct {
	IncludePenalty bool
}

// Reamortisation replaces the remaining plan with InstallmentCount
// installments by Method, every Frequency from FirstDueDate, accruing from
// the effective date. The contract's grace and interest-free periods do
// not carry over.
type Reamortisation struct {
	Method           Method
	InstallmentCount int
	Frequency        Frequency
	FirstDueDate     Date
}

// InterestFreezePlan (停息挂账) freezes everything outstanding and repays it
// in InstallmentCount (1..MaxFreezeInstallments) equal monthly installments
// without interest, the first on FirstDueDate — unless the agreement sets
// AnnualRate: then the frozen amount is repaid in equal installments
// (EQUAL_INSTALLMENT) at that rate, accruing from the effective date.
// Contract interest and penalty stop either way.
type InterestFreezePlan struct {
	InstallmentCount int
	FirstDueDate     Date
	AnnualRate       money.Rate
}

// Changes is what a restructuring agreement changes; at least one part is
// set. InterestFreezePlan combines with Waiver only, Reamortisation not
// with TermExtension or PaymentHoliday.
type Changes struct {
	TermExtension      *TermExtension
	PaymentHoliday     *PaymentHoliday
	RateChange         *RateChange
	Waiver             *WaiverChange
	Capitalisation     *Capitalisation
	Reamortisation     *Reamortisation
	InterestFreezePlan *InterestFreezePlan
}

// extraInstallments is the periods a term extension adds; none without one.
func (c Changes) extraInstallments() int {
	if c.TermExtension == nil {
		return 0
	}
	return c.TermExtension.ExtraInstallments
}

// Charges are amounts of contract interest, penalty interest (罚息),
// compound interest (复利) and fees (service and late fees, issue 20).
type Charges struct {
	Interest money.Amount
	Penalty  money.Amount
	Compound money.Amount
	Fees     money.Amount
}

// RestructureQuote is the new plan for what remains of a loan.
type RestructureQuote struct {
	// Installments replace every installment not fully paid. Numbers
	// continue after the last installment kept (the fully paid ones before
	// the first unpaid); due dates are after the effective date and
	// strictly increase. Holiday installments are rows of zero.
	Installments []Installment
	// Outstanding is what the loan owed on the effective date, before any
	// change.
	Outstanding Outstanding
	// Balance is the principal the new plan repays: the outstanding
	// principal plus Capitalised. The rows' principal parts sum to it.
	Balance money.Amount
	// Waived is what the waiver actually forgave.
	Waived Charges
	// Capitalised is what became principal: overdue interest (and penalty
	// and compound interest) capitalised, holiday interest capitalised, or
	// for a freeze plan every charge frozen with the principal.
	Capitalised money.Amount
	// Carried are the charges owed on the effective date that the new plan
	// neither waives nor capitalises, due with its first installment that
	// carries a payment: Carried.Interest (overdue interest plus the
	// current period's interest accrued to the effective date) is included
	// in that row's Interest, Carried.Fees in its Fees (on top of the new
	// plan's own fee for the row); Carried.Penalty and Carried.Compound are
	// owed on top of the row. A waiver alone keeps the plan: the penalty
	// and compound interest it leaves stay on their installments, and
	// Carried.Interest is 0 (the overdue interest is in the rows).
	Carried Charges
	// TotalCostBefore is what the old plan still costs beyond the
	// outstanding principal: its unpaid contract interest and fees, due or
	// not, plus unpaid penalty and compound interest, without any penalty
	// or late fee after the effective date. TotalCostAfter is the same for
	// the new plan: all it repays, its fees and carried penalty and
	// compound included, less the outstanding principal.
	TotalCostBefore money.Amount
	TotalCostAfter  money.Amount
	// Accrued is the current period's contract interest accrued to the
	// effective date and unpaid (part of Carried.Interest; a freeze plan
	// does not charge it).
	Accrued money.Amount
}

// QuoteRestructuring returns the plan that the changes c would give what
// remains of a loan on terms t, without applying it. st is the loan's fold
// as of effective (the caller folds; st.AsOf must equal effective).
//
// What remains is every installment not fully paid. The outstanding
// principal is the unpaid principal of all installments; the overdue
// interest the unpaid contract interest of installments due on or before
// effective; penalty and compound interest what is accrued and unpaid. In
// this order:
//
//   - A Waiver forgives up to its amounts of penalty, compound and overdue
//     interest, before anything else is computed. A Waiver alone keeps the
//     plan: the rows are the installments not fully paid as they are, with
//     what is left unpaid of each once the waiver has forgiven overdue
//     interest oldest due first.
//   - A Capitalisation moves the overdue interest (with IncludePenalty,
//     penalty and compound interest too) into the principal.
//   - An InterestFreezePlan repays the principal, overdue interest,
//     penalty and compound interest left in equal monthly installments
//     (rounded with the contract's mode, rounded down instead if that
//     would leave the last negative; the residue on the last), without
//     interest: the interest of the current period is not charged. With an
//     AnnualRate the frozen amount is re-amortised as EQUAL_INSTALLMENT at
//     that rate instead.
//   - A Reamortisation builds a schedule by its method, count, frequency
//     and first due date over the balance, accruing from effective, at the
//     contract rate or RateChange's.
//   - Otherwise the balance is re-amortised by the contract's method and
//     frequency (at RateChange's rate if set) over the remaining
//     not-yet-due installments plus TermExtension's, on the contract's due
//     dates from the next due date after effective; with none left (a
//     matured loan) only a term extension applies, its due dates stepped
//     from effective. Interest accrues on the balance from effective (from
//     the current period's start when effective is a due date); the
//     current period's interest on the not-yet-due principal up to
//     effective is carried. A PaymentHoliday's installments, numbered as in
//     the original plan, carry nothing; the plan before them is the
//     re-amortised one, the plan after them re-amortises what is left
//     (plus, HolidayCapitalise, the holiday's interest) over the rest,
//     pushed out by the holiday's length.
//
// Applied to the loan as an EventAgreement, the fold runs this same
// computation on the loan at the end of the effective date (agreement.go).
// Every re-amortisation reuses the schedule builder, so rounding follows
// the contract's. Invalid values or combinations return an *InvalidError
// naming the fields ("changes.interest_freeze_plan.installment_count").
func QuoteRestructuring(t Terms, st LoanState, effective Date, c Changes) (RestructureQuote, error) {
	if err := t.Validate(); err != nil {
		return RestructureQuote{}, err.(*InvalidError).Prefixed("terms.")
	}
	var e InvalidError
	if st.AsOf != effective {
		e.Add("effective_date", "must be the date the loan state is as of (%s)", st.AsOf)
	}
	if effective < t.DisbursementDate {
		e.Add("effective_date", "must not be before the disbursement date")
	}
	c.check(&e, &t, effective)
	if err := e.Err(); err != nil {
		return RestructureQuote{}, err
	}

	r, err := quote(&t, &st, effective, c)
	return r.q, err
}

// restructured is a quote and what applying it needs.
type restructured struct {
	q  RestructureQuote
	rm remaining
	// paying is the index of the first row that carries a payment; extra
	// per row the interest beyond the period's own (carried or spread).
	paying int
	extra  []money.Amount
	// plan re-amortises the new rows; frozen stops penalty accrual.
	plan   *plan
	frozen bool
	// waiverOnly: the plan stays, only the waiver applies.
	waiverOnly bool
}

// quote is QuoteRestructuring on checked inputs: st as of effective, c
// checked. The fold calls it to apply an agreement.
//
// The changes apply in the order QuoteRestructuring documents, one step
// per helper: the waiver, then a capitalisation, then whichever of a
// freeze plan or a new plan replaces the rows. Each step takes what the
// one before left of the charges, so what a waiver forgives is never
// capitalised, frozen or carried.
func quote(t *Terms, st *LoanState, effective Date, c Changes) (restructured, error) {
	var e InvalidError
	pt := st.planTerms(t)
	rm := remainingOf(t, st, effective)
	if rm.first < 0 {
		e.Add("effective_date", "the loan owes nothing on %s: nothing to restructure", effective)
		return restructured{}, e.Err()
	}
	q := RestructureQuote{Outstanding: st.Outstanding(), Accrued: rm.accrued}
	q.TotalCostBefore = rm.overdue + rm.future + rm.penalty + rm.compound + rm.fees + rm.futureFees

	left := q.waive(c.Waiver, rm)
	if c.OnlyWaiver() {
		q.Carried = Charges{Penalty: left.Penalty, Compound: left.Compound, Fees: left.Fees}
		return waiverQuote(st, rm, q, effective), nil
	}
	left = q.capitalise(c.Capitalisation, left)
	if fp := c.InterestFreezePlan; fp != nil {
		return freezeQuote(pt, fp, rm, q, left, effective)
	}
	q.Carried = Charges{Interest: left.Interest + rm.accrued, Penalty: left.Penalty, Compound: left.Compound, Fees: left.Fees}
	return newPlanQuote(pt, st, rm, c, q, effective)
}

// waive records what a waiver forgives, never more than is owed, and
// returns the overdue interest, penalty and compound interest left. It
// runs before anything else is computed so that every later step works
// on what the borrower still owes.
func (q *RestructureQuote) waive(w *WaiverChange, rm remaining) Charges {
	left := Charges{Interest: rm.overdue, Penalty: rm.penalty, Compound: rm.compound, Fees: rm.fees}
	if w != nil {
		q.Waived = Charges{Interest: min(w.Interest, left.Interest), Penalty: min(w.Penalty, left.Penalty),
			Compound: min(w.Compound, left.Compound), Fees: min(w.Fees, left.Fees)}
		left.Interest -= q.Waived.Interest
		left.Penalty -= q.Waived.Penalty
		left.Compound -= q.Waived.Compound
		left.Fees -= q.Waived.Fees
	}
	return left
}

// capitalise moves what a Capitalisation asks for from the charges left
// into q.Capitalised and returns what is still left. What is capitalised
// becomes principal of the new plan, so it must no longer be carried.
func (q *RestructureQuote) capitalise(cp *Capitalisation, left Charges) Charges {
	if cp == nil {
		return left
	}
	q.Capitalised += left.Interest + left.Fees
	left.Interest, left.Fees = 0, 0
	if cp.IncludePenalty {
		q.Capitalised += left.Penalty + left.Compound
		left.Penalty, left.Compound = 0, 0
	}
	return left
}

// freezeQuote is the quote of an interest freeze plan (停息挂账): every
// charge left, fees due included, is frozen with the principal, so nothing
// is carried, and the frozen amount is repaid without interest or, with an
// agreed rate, in equal installments at it. Penalty stops and the plan
// charges no fee (its rows' Fees are 0, late fees are not posted while
// frozen): the result is frozen.
func freezeQuote(pt *Terms, fp *InterestFreezePlan, rm remaining, q RestructureQuote, left Charges, effective Date) (restructured, error) {
	q.Capitalised += left.Interest + left.Penalty + left.Compound + left.Fees
	q.Balance = rm.principal + q.Capitalised
	q.TotalCostAfter = q.Capitalised
	var ft Terms
	if fp.AnnualRate.IsZero() {
		q.Installments = freezeRows(pt, fp, effective, q.Balance, rm.kept)
		ft = freezeTerms(pt, fp, effective)
	} else {
		// An agreed rate: the frozen amount re-amortised at it.
		tp := *pt
		tp.AnnualRate, tp.Quoted = fp.AnnualRate, QuotedRate{} // a new rate is agreed a year
		var err error
		q.Installments, ft, err = reamortisedRows(tp, &Reamortisation{Method: EqualInstallment, InstallmentCount: fp.InstallmentCount,
			Frequency: Frequency{Unit: Month, Every: 1}, FirstDueDate: fp.FirstDueDate}, effective, q.Balance, nil)
		if err != nil {
			return restructured{}, err
		}
		for i := range q.Installments {
			q.Installments[i].Number = rm.kept + 1 + i
			q.TotalCostAfter += q.Installments[i].Interest
		}
	}
	return restructured{q: q, rm: rm, extra: make([]money.Amount, len(q.Installments)), plan: &plan{terms: ft, shift: -rm.kept}, frozen: true}, nil
}

// freezeTerms are the terms an interest-free freeze plan's rows follow:
// equal principal, monthly, without interest, from the effective date.
// The fold re-amortises the plan on them after a prepayment, so they must
// describe freezeRows' rows, not the contract's.
func freezeTerms(pt *Terms, fp *InterestFreezePlan, effective Date) Terms {
	ft := *pt
	ft.AnnualRate, ft.Quoted, ft.Method, ft.Frequency = money.Rate{}, QuotedRate{}, EqualPrincipal, Frequency{Unit: Month, Every: 1}
	ft.DisbursementDate, ft.FirstDueDate, ft.InstallmentCount = effective, fp.FirstDueDate, fp.InstallmentCount
	ft.PrincipalGracePeriods, ft.InterestFreePeriods, ft.InterestAccrual = 0, 0, Periodic
	// A freeze plan charges no fee: its rows re-amortised bear none.
	ft.Charges = nil
	return ft
}

// newPlanQuote is the quote of a new plan for the balance: a
// Reamortisation's, or the contract's method and due dates re-amortised
// (with any extension, holiday or new rate). The charges carried (q.Carried)
// are due with the first row that carries a payment, so they are added to
// it here, after the rows are built, and never re-amortised.
func newPlanQuote(pt *Terms, st *LoanState, rm remaining, c Changes, q RestructureQuote, effective Date) (restructured, error) {
	tp := *pt
	if c.RateChange != nil {
		tp.AnnualRate, tp.Quoted = c.RateChange.AnnualRate, QuotedRate{} // a new rate is agreed a year
	}
	var rows []Installment
	var extra []money.Amount
	paying := 0
	var err error
	var np *plan
	if ra := c.Reamortisation; ra != nil {
		q.Balance = rm.principal + q.Capitalised
		var rt Terms
		rows, rt, err = reamortisedRows(tp, ra, effective, q.Balance, pt.keptServiceFees(rm.kept, ra.InstallmentCount))
		np = &plan{terms: rt, shift: -rm.kept}
	} else {
		var holidayInterest money.Amount
		rows, extra, paying, holidayInterest, np, err = replannedRows(&tp, st, rm, c, effective, rm.principal+q.Capitalised)
		q.Capitalised += holidayInterest
		q.Balance = rm.principal + q.Capitalised
	}
	if err != nil {
		return restructured{}, err
	}
	if extra == nil {
		extra = make([]money.Amount, len(rows))
	}
	rows[paying].Interest += q.Carried.Interest
	rows[paying].Total += q.Carried.Interest
	rows[paying].Fees += q.Carried.Fees
	extra[paying] += q.Carried.Interest
	for i := range rows {
		rows[i].Number = rm.kept + 1 + i
		q.TotalCostAfter += rows[i].Total + rows[i].Fees
	}
	q.TotalCostAfter += q.Carried.Penalty + q.Carried.Compound - rm.principal
	q.Installments = rows
	return restructured{q: q, rm: rm, paying: paying, extra: extra, plan: np}, nil
}

// OnlyWaiver reports whether the changes are a waiver and nothing else: a
// waiver alone keeps the plan.
func (c Changes) OnlyWaiver() bool {
	return c.Waiver != nil && c.TermExtension == nil && c.PaymentHoliday == nil && c.RateChange == nil &&
		c.Capitalisation == nil && c.Reamortisation == nil && c.InterestFreezePlan == nil
}

// waiverQuote is the quote of a waiver alone: the plan stays as it is, its
// rows are what remains unpaid of each installment once the waiver has
// forgiven overdue interest, oldest due first.
func waiverQuote(st *LoanState, rm remaining, q RestructureQuote, effective Date) restructured {
	after := LoanState{Installments: slices.Clone(st.Installments)}
	after.forgive(q.Waived.Penalty, q.Waived.Compound, q.Waived.Interest, effective, true)
	after.forgiveFees(q.Waived.Fees, effective)
	balance := rm.principal
	for _, in := range after.Installments[rm.first:] {
		p := in.PrincipalDue - in.PrincipalPaid
		i := in.unpaidInterest()
		f := in.unpaidFees()
		balance -= p
		q.Installments = append(q.Installments, Installment{Number: in.Number, StartDate: in.StartDate, DueDate: in.DueDate,
			Principal: p, Interest: i, Total: p + i, Fees: f, BalanceAfter: balance})
		q.TotalCostAfter += i + f
	}
	q.Balance = rm.principal
	q.TotalCostAfter += rm.penalty - q.Waived.Penalty + rm.compound - q.Waived.Compound
	return restructured{q: q, rm: rm, waiverOnly: true}
}

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

// remaining is what is left of a loan on the effective date.
type remaining struct {
	// first is the index of the first installment not fully paid, or -1;
	// kept is the number of the installment before it, or 0.
	first, kept int
	// next is the index of the first installment due after the effective
	// date and not fully paid, or -1.
	next int
	// principal is all unpaid principal; overdue and future the unpaid
	// contract interest of installments due by the date and after it;
	// accrued the current period's interest earned to the date on the
	// not-yet-due principal and unpaid; fees and futureFees the unpaid
	// fees of installments due by the date and after it.
	principal, overdue, future, accrued money.Amount
	penalty, compound                   money.Amount
	fees, futureFees                    money.Amount
}

func remainingOf(t *Terms, st *LoanState, effective Date) remaining {
	rm := remaining{first: -1, next: -1}
	for i := range st.Installments {
		in := &st.Installments[i]
		unpaid := in.Unpaid() > 0
		if rm.first < 0 && unpaid {
			rm.first = i
			if i > 0 {
				rm.kept = st.Installments[i-1].Number
			}
		}
		if rm.next < 0 && unpaid && in.DueDate > effective {
			rm.next = i
		}
		rm.principal += in.PrincipalDue - in.PrincipalPaid
		if in.DueDate <= effective {
			rm.overdue += in.unpaidInterest()
			rm.fees += in.unpaidFees()
		} else {
			rm.future += in.unpaidInterest()
			rm.futureFees += in.unpaidFees()
		}
		rm.penalty += in.unpaidPenalty()
		rm.compound += in.unpaidCompound()
	}
	if rm.next >= 0 {
		rm.accrued = st.accruedInterest(t, rm.next, effective)
	}
	return rm
}

// freezeRows splits the frozen amount into n equal monthly installments
// of principal only, the residue on the last.
func freezeRows(t *Terms, fp *InterestFreezePlan, effective Date, frozen money.Amount, kept int) []Installment {
	n := fp.InstallmentCount
	share := money.Amount(divRound(uint64(frozen), uint64(n), t.Rounding.Mode))
	if share*money.Amount(n-1) > frozen {
		share = frozen / money.Amount(n)
	}
	rows := make([]Installment, n)
	balance, start := frozen, effective
	for i := range n {
		due := step(fp.FirstDueDate, Frequency{Unit: Month, Every: 1}, i)
		p := share
		if i == n-1 {
			p = balance
		}
		balance -= p
		rows[i] = Installment{Number: kept + 1 + i, StartDate: start, DueDate: due, Principal: p, Total: p, BalanceAfter: balance}
		start = due
	}
	return rows
}

// reamortisedRows builds the schedule a Reamortisation asks for over the
// balance, on synthetic terms that start on the effective date, bearing
// the service fees charges (keptServiceFees; none for a freeze plan).
func reamortisedRows(tp Terms, ra *Reamortisation, effective Date, balance money.Amount, charges []Charge) ([]Installment, Terms, error) {
	tp.Method, tp.InstallmentCount, tp.Frequency = ra.Method, ra.InstallmentCount, ra.Frequency
	if tp.Prepayment == KeepInstallment && tp.Method != EqualInstallment {
		// A new plan of another method has no level installment to keep:
		// REDUCE_TERM keeps what it has (EQUAL_PRINCIPAL's principal part).
		tp.Prepayment = ReduceTerm
	}
	tp.DisbursementDate, tp.FirstDueDate = effective, ra.FirstDueDate
	tp.PrincipalGracePeriods, tp.InterestFreePeriods, tp.UpfrontFee = 0, 0, 0
	// The plan's fees are the contract's service fees as it stands
	// (keptServiceFees): validating the contract's own against the new
	// plan would refuse for them, and late and prepayment fees are read
	// from the contract's terms by the fold.
	tp.Charges = charges
	// The new plan's installments fall due at the ends of its periods.
	tp.Timing = InArrears
	tp.HasPenalty = false
	// Validate with at least one minor unit: a balance of zero (only
	// interest left) still gets a plan, of zeros.
	tp.Principal = max(balance, 1)
	if err := tp.Validate(); err != nil {
		return nil, tp, err.(*InvalidError).Prefixed("changes.reamortisation.")
	}
	tp.Principal = balance
	return buildSchedule(&tp).Installments, tp, nil
}

// replannedRows re-amortises the balance on the contract's method,
// frequency and due dates (a term extension, a holiday, a new rate, or
// only a waiver or capitalisation). It returns the rows, the index of the
// first row that carries a payment, the holiday interest capitalised and
// the plan that re-amortises the rows.
func replannedRows(tp *Terms, st *LoanState, rm remaining, c Changes, effective Date, balance money.Amount) (rows []Installment, extra []money.Amount, paying int, capitalised money.Amount, np *plan, err error) {
	rp, err := newReplan(tp, st, rm, c, effective, balance)
	if err == nil {
		err = rp.check(tp, c.PaymentHoliday)
	}
	if err != nil {
		return nil, nil, 0, 0, nil, err
	}
	np = rp.plan(tp, rm.kept)
	plain := segmentRows(tp, segment{start: rp.start, principal: balance, firstIndex: rp.idx0, count: rp.n, oddFirst: rp.odd})
	h := c.PaymentHoliday
	if h == nil {
		if tp.Method == Bullet {
			rp.addBulletFees(tp, plain, rm.futureFees, c.extraInstallments())
		} else {
			rp.addServiceFees(tp, plain, nil)
		}
		return plain, nil, 0, 0, np, nil
	}
	rows, extra, paying, capitalised = rp.holidayRows(tp, plain, h)
	rp.addServiceFees(tp, rows, h)
	return rows, extra, paying, capitalised, np, nil
}

// addBulletFees puts a BULLET's service fees on its one re-planned row.
// The row it replaces bore a fee for each of the periods up to its
// maturity, fixed when the loan was booked (a prepayment keeps them so
// too) and owed at maturity: the new row keeps what of them is unpaid
// (kept) and bears the contract's fees for each period an extension adds
// (added), numbered on from the plan's last period, on the new balance.
// A matured BULLET's fees are due already (waived, capitalised or
// carried as due fees are), so its new row bears the added periods' only.
func (rp *replan) addBulletFees(tp *Terms, rows []Installment, kept money.Amount, added int) {
	if len(rows) == 0 {
		return
	}
	in := &rows[len(rows)-1]
	in.Fees = kept + tp.periodsServiceFees(tp.InstallmentCount+1, added, rp.balance)
}

// addServiceFees puts the contract's service fees on rows re-amortised
// on its due dates: each row bears them as the installment of its due
// date would (numbered by due-date index, as the fold numbers the rows it
// re-amortises after a prepayment, so free_after_installments counts the
// contract's due dates), on its new balance. A holiday's rows bear none:
// a holiday carries no payment. A BULLET's single row takes its fees
// from addBulletFees instead (a holiday does not apply to a BULLET).
func (rp *replan) addServiceFees(tp *Terms, rows []Installment, h *PaymentHoliday) {
	if tp.Method == Bullet {
		return
	}
	for i := range rows {
		rows[i].Number = rp.idx0 + 1 + i
	}
	tp.addServiceFees(rows)
	if h != nil {
		pre := h.FromInstallment - 1 - rp.idx0
		for j := pre; j < pre+h.Count; j++ {
			rows[j].Fees = 0
		}
	}
}

// replan is where a re-amortisation on the contract's due dates starts and
// how far it runs. It is worked out once because the checks, the plan and
// the rows all need the same positions in the due-date sequence.
type replan struct {
	// idx0 is the due-date index of the first new row; n the number of
	// rows that carry payments (the not-yet-due installments plus the
	// extension's); hol the holiday's rows on top of them.
	idx0, n, hol int
	// start is the day the first row's interest starts to accrue; odd
	// makes that row accrue by days (effective falls inside its period).
	start Date
	odd   bool
	// balance is the principal the new rows repay.
	balance money.Amount
}

// newReplan finds where the new plan starts: at the first installment due
// after effective, keeping the contract's due dates, or, for a matured
// loan with nothing left to re-amortise over, at effective with the
// extension's due dates stepped from it. It changes tp in that case, since
// the contract's first due date, grace and free periods are then over.
func newReplan(tp *Terms, st *LoanState, rm remaining, c Changes, effective Date, balance money.Amount) (replan, error) {
	added := c.extraInstallments()
	rp := replan{start: effective, balance: balance}
	m := 0
	if rm.next >= 0 {
		rp.idx0, m = st.dueIndex(rm.next), len(st.Installments)-rm.next
		if tp.Method == Bullet {
			rp.idx0, m = tp.InstallmentCount-1, 1
		}
		in := st.Installments[rm.next]
		rp.start = max(effective, in.StartDate)
		rp.odd = rp.start != in.StartDate
	} else {
		if added == 0 {
			var e InvalidError
			e.Add("changes", "no installment is due after the effective date: add a term_extension, a reamortisation or an interest_freeze_plan")
			return rp, e.Err()
		}
		// A matured loan: the extension's due dates step from the
		// effective date; the contract's grace and free periods are over.
		tp.DisbursementDate, tp.FirstDueDate = effective, NoDate
		tp.PrincipalGracePeriods, tp.InterestFreePeriods, tp.Timing = 0, 0, InArrears
	}
	rp.n = m + added
	if c.PaymentHoliday != nil {
		rp.hol = c.PaymentHoliday.Count
	}
	return rp, nil
}

// check refuses a new plan that would not fit before any row is built:
// its last due date in range and its amounts in an int64, as Validate
// requires of any terms, and a holiday within the remaining plan. The
// changes' own check could not tell these: they need the loan.
func (rp *replan) check(tp *Terms, h *PaymentHoliday) error {
	var e InvalidError
	n, hol := rp.n, rp.hol
	anchor, off := tp.firstAnchor()
	fit := Terms{Currency: tp.Currency, Principal: max(rp.balance, 1), AnnualRate: tp.AnnualRate,
		InstallmentCount: n + hol, Frequency: tp.Frequency, Method: tp.Method, DisbursementDate: rp.start,
		FirstDueDate: step(anchor, tp.Frequency, rp.idx0+off), InterestAccrual: tp.InterestAccrual, DayCount: tp.DayCount, Rounding: tp.Rounding}
	if n+hol > MaxInstallments {
		e.Add("changes", "the new plan would have more than %d installments", MaxInstallments)
	} else if !step(anchor, tp.Frequency, rp.idx0+n+hol-1+off).InRange() {
		e.Add("changes", "the last due date would be after %s", MaxDate)
	} else if err := fit.Validate(); err != nil {
		e.Violations = append(e.Violations, err.(*InvalidError).Prefixed("changes.new_plan.").Violations...)
	}
	if h != nil {
		first := rp.idx0 + 1
		if h.FromInstallment < first || h.FromInstallment+h.Count-1 > rp.idx0+n {
			e.Add("changes.payment_holiday.from_installment", "the holiday must lie within installments %d to %d of the remaining plan", first, rp.idx0+n)
		}
	}
	return e.Err()
}

// plan is how the new rows are re-amortised after a later prepayment. The
// rows keep the contract's due-date sequence from idx0, so the plan is the
// contract's terms made long enough to hold them (a bullet's single row
// sits at its last index).
func (rp *replan) plan(tp *Terms, kept int) *plan {
	pl := *tp
	pl.InstallmentCount = max(pl.InstallmentCount, rp.idx0+rp.n+rp.hol)
	first := rp.idx0
	if tp.Method == Bullet {
		first = rp.idx0 + rp.n - 1
		pl.InstallmentCount = rp.idx0 + rp.n
	}
	return &plan{terms: pl, shift: first - kept}
}

// holidayRows puts a payment holiday into the plain re-amortised rows. The
// plan runs as re-amortised up to the holiday; the holiday's periods bear
// interest on what is left and carry no payment; then what is left (with
// the holiday's interest, capitalised) is re-amortised over the rest,
// pushed out by the holiday. It returns the rows, the interest each row
// carries beyond its own period's, the index of the first paying row and
// the interest capitalised.
func (rp *replan) holidayRows(tp *Terms, plain []Installment, h *PaymentHoliday) (rows []Installment, extra []money.Amount, paying int, capitalised money.Amount) {
	anchor, off := tp.firstAnchor()
	pre := h.FromInstallment - 1 - rp.idx0
	rows = append([]Installment(nil), plain[:pre]...)
	left, from := rp.balance, rp.start
	if pre > 0 {
		left, from = plain[pre-1].BalanceAfter, plain[pre-1].DueDate
	}
	var interest money.Amount
	for j := range h.Count {
		idx := rp.idx0 + pre + j
		due := step(anchor, tp.Frequency, idx+off)
		interest += periodInterest(tp, left, idx, from, due, pre == 0 && j == 0 && rp.odd)
		rows = append(rows, Installment{StartDate: from, DueDate: due, BalanceAfter: left})
		from = due
	}
	if h.Interest == HolidayCapitalise {
		capitalised = interest
		rows[len(rows)-1].BalanceAfter += interest
	}
	post := segmentRows(tp, segment{start: from, principal: left + capitalised, firstIndex: rp.idx0 + pre + h.Count, count: rp.n - pre})
	extra = make([]money.Amount, len(rows)+len(post))
	if h.Interest == HolidaySpread {
		spreadInterest(post, extra[len(rows):], interest)
	}
	if pre == 0 {
		paying = h.Count
	}
	return append(rows, post...), extra, paying, capitalised
}

// spreadInterest adds a holiday's interest evenly to the rows after it,
// rounded down, the residue on the last, and records each share in extra.
// Rounding down keeps every share within the interest, so the residue is
// never negative and the shares sum to it exactly.
func spreadInterest(post []Installment, extra []money.Amount, interest money.Amount) {
	share := interest / money.Amount(len(post))
	for i := range post {
		add := share
		if i == len(post)-1 {
			add = interest - share*money.Amount(len(post)-1)
		}
		post[i].Interest += add
		post[i].Total += add
		extra[i] = add
	}
}

// segmentRows is buildRows for a segment of a restructured plan, which may
// run past the contract's installment count: a FLAT level follows the
// segment, a grace period never covers the whole segment, and a BULLET
// segment is one row at its last due date with simple interest by days
// from its start, as a prepayment re-amortises a bullet loan.
func segmentRows(tp *Terms, sg segment) []Installment {
	t := *tp
	anchor, off := t.firstAnchor()
	if t.Method == Bullet {
		due := step(anchor, t.Frequency, sg.firstIndex+sg.count-1+off)
		var interest money.Amount
		if t.InterestFreePeriods-sg.firstIndex < sg.count {
			interest = dailyInterest(sg.principal, t.AnnualRate, t.DayCount, sg.start, due, t.Rounding.Mode)
		}
		return []Installment{{StartDate: sg.start, DueDate: due, Principal: sg.principal, Interest: interest, Total: sg.principal + interest}}
	}
	if t.PrincipalGracePeriods-sg.firstIndex >= sg.count {
		t.PrincipalGracePeriods = sg.firstIndex + sg.count - 1
	}
	t.InstallmentCount = sg.firstIndex + sg.count
	rows, _ := buildRows(&t, sg)
	return rows
}

// periodInterest is the interest buildRows charges for the period of
// due-date index idx from start to due on balance.
func periodInterest(t *Terms, balance money.Amount, idx int, start, due Date, byDays bool) money.Amount {
	switch {
	case idx < t.freeRows():
		return 0
	case t.InterestAccrual == Daily || byDays:
		return dailyInterest(balance, t.AnnualRate, t.DayCount, start, due, t.Rounding.Mode)
	}
	return interestFor(balance, t.periodicRate(), t.Rounding.Mode)
}
