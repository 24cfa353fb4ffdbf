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
