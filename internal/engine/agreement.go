package engine

import (
	"errors"

	"github.com/loancore/loancore/internal/money"
)

// How the fold applies restructuring agreements. An EventAgreement runs
// quote — the very computation QuoteRestructuring returns — on the loan as
// it stands at the end of the effective date, so a quote made from the
// same log is what the agreement executes, to the cent. The installments
// not fully paid are replaced by the quote's rows; what had been paid or
// waived on them is kept in LoanState.Superseded so every payment is still
// accounted for; charges carried over (overdue and accrued interest,
// penalty, compound interest) sit on the first paying row. A waiver alone
// changes no row: it forgives, and the plan stays.

// plan is how the rows of a plan made by an agreement are re-amortised
// after a prepayment: the terms that made them and the shift from an
// installment's number to its position in those terms' due-date sequence
// (position = Number − 1 + shift).
type plan struct {
	terms Terms
	shift int
}

// planTerms returns the terms the current plan's rows follow: the
// contract's until an agreement replaced the plan.
func (st *LoanState) planTerms(t *Terms) *Terms {
	if st.plan != nil {
		return &st.plan.terms
	}
	return t
}

func (st *LoanState) shift() int {
	if st.plan != nil {
		return st.plan.shift
	}
	return 0
}

// dueIndex is installment k's 0-based position in the due-date sequence of
// the terms its plan follows.
func (st *LoanState) dueIndex(k int) int { return st.Installments[k].Number - 1 + st.shift() }

// Settled is what was paid and waived of installments, by component.
type Settled struct {
	PrincipalPaid  money.Amount
	InterestPaid   money.Amount
	InterestWaived money.Amount
	PenaltyPaid    money.Amount
	PenaltyWaived  money.Amount
	CompoundPaid   money.Amount
	CompoundWaived money.Amount
	FeesPaid       money.Amount
	FeesWaived     money.Amount
	// LateFees and PrepaymentFees are the late and prepayment fees among
	// FeesPaid + FeesWaived (the rest are service fees), for Cost. A
	// prepayment fee is paid when it is charged, so it is all settled; of
	// the rest, a row's service fee is taken as settled before its late
	// fee, as the late fee was charged last.
	LateFees, PrepaymentFees money.Amount
	// PenaltyCharged, CompoundCharged and LateFeesCharged are what the
	// replaced rows had charged of penalty, compound interest and late
	// fees — paid, waived, capitalised or carried — less the penalty and
	// compound an agreement carried onto its new plan (charged there
	// again): with the rows', what LoanState.Charged counts, so a
	// restructuring never takes back a charge from the accrual journal.
	PenaltyCharged, CompoundCharged, LateFeesCharged money.Amount
}

func (s *Settled) add(in *InstallmentState) {
	s.PenaltyCharged += in.PenaltyAccrued
	s.CompoundCharged += in.CompoundAccrued
	s.LateFeesCharged += in.lateFee
	settled := in.FeesPaid + in.FeesWaived
	prepayment := min(settled, in.prepaymentFee)
	s.PrepaymentFees += prepayment
	s.LateFees += max(0, min(in.lateFee, settled-prepayment-(in.FeesDue-in.lateFee-in.prepaymentFee)))
	s.PrincipalPaid += in.PrincipalPaid
	s.InterestPaid += in.InterestPaid
	s.InterestWaived += in.InterestWaived
	s.PenaltyPaid += in.PenaltyPaid
	s.PenaltyWaived += in.PenaltyWaived
	s.CompoundPaid += in.CompoundPaid
	s.CompoundWaived += in.CompoundWaived
	s.FeesPaid += in.FeesPaid
	s.FeesWaived += in.FeesWaived
}

// AgreementResult is how the fold applied one restructuring agreement.
type AgreementResult struct {
	Seq       int64
	ValueDate Date
	// Ref is the event's Ref: the caller's name for the agreement.
	Ref string
	// Applied is false when the changes could not be applied to the loan
	// as it stood on the effective date (a backdated payment settled it,
	// say); Err says why and nothing changed.
	Applied bool
	Err     error
	// Quote is what the agreement executed.
	Quote RestructureQuote
	// FirstNumber and LastNumber are the numbers of the plan's first and
	// last installments after the agreement.
	FirstNumber, LastNumber int
	// BrokenOn is the value date of the EventAgreementBroken that broke
	// it, or NoDate; Reinstated is what that event charged again.
	BrokenOn   Date
	Reinstated Charges
	// frozen: it is an interest freeze plan.
	frozen bool
}

// errNoChanges refuses an EventAgreement without changes.
var errNoChanges = errors.New("the agreement has no changes")

// applyAgreement applies an EventAgreement: the quote of its changes on
// the loan as it stands, installments, plan and penalty accrual.
func (st *LoanState) applyAgreement(t *Terms, e Event) {
	res := AgreementResult{Seq: e.Seq, ValueDate: e.ValueDate, Ref: e.Ref, BrokenOn: NoDate}
	defer func() {
		st.Agreements = append(st.Agreements, res)
		st.settleLastDay(e.ValueDate)
	}()
	if e.Changes == nil {
		res.Err = errNoChanges
		return
	}
	var ie InvalidError
	e.Changes.check(&ie, t, e.ValueDate)
	if err := ie.Err(); err != nil {
		res.Err = err
		return
	}
	// The agreement takes the loan as it stands at the end of its day:
	// a late fee whose grace ends that day is owed (QuoteRestructuring's
	// fold as of the day has it), and settleLastDay makes it final.
	st.postLateFees(t, e.ValueDate)
	at := *st
	at.AsOf = e.ValueDate
	r, err := quote(t, &at, e.ValueDate, *e.Changes)
	if err != nil {
		res.Err = err
		return
	}
	q := r.q
	res.Applied, res.Quote = true, q
	res.FirstNumber, res.LastNumber = q.Installments[0].Number, q.Installments[len(q.Installments)-1].Number
	if r.waiverOnly {
		st.forgive(q.Waived.Penalty, q.Waived.Compound, q.Waived.Interest, e.ValueDate, true)
		st.forgiveFees(q.Waived.Fees, e.ValueDate)
		if st.PaidOffDate == NoDate && st.settled() {
			st.PaidOffDate = e.ValueDate
		}
		return
	}
	for i := r.rm.first; i < len(st.Installments); i++ {
		st.Superseded.add(&st.Installments[i])
	}
	st.Superseded.PenaltyCharged -= q.Carried.Penalty
	st.Superseded.CompoundCharged -= q.Carried.Compound
	rows := make([]InstallmentState, r.rm.first, r.rm.first+len(q.Installments))
	copy(rows, st.Installments[:r.rm.first])
	for i, row := range q.Installments {
		in := InstallmentState{Number: row.Number, StartDate: row.StartDate, DueDate: row.DueDate,
			PrincipalDue: row.Principal, InterestDue: row.Interest, FeesDue: row.Fees, accrualFrom: row.StartDate, extraInterest: r.extra[i]}
		if i == r.paying {
			in.PenaltyAccrued, in.CompoundAccrued = q.Carried.Penalty, q.Carried.Compound
		}
		rows = append(rows, in)
	}
	st.Installments = rows
	// The new rows fall due after the effective date: their late fees
	// are still to be decided, whatever the old rows' were.
	st.lateNext = min(st.lateNext, r.rm.first)
	// A prepayment on the new plan keeps its maturity: level 0 makes
	// reamortise re-compute the installment rather than the term.
	st.plan, st.level = r.plan, 0
	st.frozen, res.frozen = r.frozen, r.frozen
}

// breakAgreement applies an EventAgreementBroken: the agreement is marked
// broken; a freeze plan's penalty accrual resumes; with Reinstate what it
// waived is owed again, on the first unpaid installment of the plan.
func (st *LoanState) breakAgreement(e Event) {
	defer st.settleLastDay(e.ValueDate)
	var ag *AgreementResult
	for i := range st.Agreements {
		if st.Agreements[i].Seq == e.Target {
			ag = &st.Agreements[i]
		}
	}
	if ag == nil || !ag.Applied || ag.BrokenOn != NoDate {
		return
	}
	ag.BrokenOn = e.ValueDate
	if ag.frozen {
		st.frozen = false
	}
	if !e.Reinstate {
		return
	}
	w := ag.Quote.Waived
	if w == (Charges{}) || len(st.Installments) == 0 {
		return
	}
	k := len(st.Installments) - 1
	for i := range st.Installments {
		if st.Installments[i].Unpaid() > 0 {
			k = i
			break
		}
	}
	in := &st.Installments[k]
	in.PenaltyAccrued += w.Penalty
	in.CompoundAccrued += w.Compound
	in.InterestDue += w.Interest
	in.extraInterest += w.Interest
	in.FeesDue += w.Fees
	st.charged += w.Penalty + w.Compound
	ag.Reinstated = w
	if st.PaidOffDate != NoDate && !st.settled() {
		st.PaidOffDate = NoDate
	}
}

// settleLastDay makes the charges of the last accrued day final: an
// agreement (or its break) took the loan as it stood at the end of its
// day, so a payment later that day no longer avoids the day's penalty,
// and PayoffAt must not leave it out. The late fees stay as they were
// charged (close of business's journal counts them; LATE_FEE notices name
// them): settledOn marks the day final for them instead.
func (st *LoanState) settleLastDay(d Date) {
	for i := range st.Installments {
		st.Installments[i].lastPenalty, st.Installments[i].lastCompound = 0, 0
	}
	st.settledOn = d
}

// payCarried pays up to amount of the charges an agreement carried onto
// installment i before it is due — penalty, compound interest, carried
// interest — and returns what is left.
func (st *LoanState) payCarried(i int, amount money.Amount, res *PaymentResult) money.Amount {
	in := &st.Installments[i]
	if p := min(amount, in.unpaidPenalty()); p > 0 {
		in.PenaltyPaid += p
		amount -= p
		res.Parts = append(res.Parts, AllocationPart{Installment: in.Number, Component: ComponentPenalty, Amount: p})
	}
	if c := min(amount, in.unpaidCompound()); c > 0 {
		in.CompoundPaid += c
		amount -= c
		res.Parts = append(res.Parts, AllocationPart{Installment: in.Number, Component: ComponentCompound, Amount: c})
	}
	if x := min(amount, in.unpaidExtra()); x > 0 {
		// Paid ahead like interest charged before the period's accrual
		// start, so accruedInterest does not count it as accrued interest.
		in.InterestPaid += x
		in.extraPaid += x
		in.chargedBefore += x
		amount -= x
		res.Parts = append(res.Parts, AllocationPart{Installment: in.Number, Component: ComponentInterest, Amount: x})
	}
	return amount
}

// carried is what a re-amortisation from installment k must keep of the
// rows it replaces besides their principal and period interest: charges
// carried or spread onto them and what was paid or waived of those.
type carried struct {
	extraUnpaid, extraPaid, curExtraPaid money.Amount
	penAcc, penPaid, penWaived           money.Amount
	compAcc, compPaid, compWaived        money.Amount
	intWaived                            money.Amount
}

func (st *LoanState) carriedFrom(k int) carried {
	var c carried
	for i := k; i < len(st.Installments); i++ {
		in := &st.Installments[i]
		c.extraUnpaid += in.extraInterest - in.extraPaid
		if i == k {
			c.curExtraPaid = in.extraPaid
		} else {
			c.extraPaid += in.extraPaid
		}
		c.penAcc += in.PenaltyAccrued
		c.penPaid += in.PenaltyPaid
		c.penWaived += in.PenaltyWaived
		c.compAcc += in.CompoundAccrued
		c.compPaid += in.CompoundPaid
		c.compWaived += in.CompoundWaived
		c.intWaived += in.InterestWaived
	}
	return c
}

// onto puts what was carried on the first row of a re-amortisation, whose
// InterestPaid already holds the current row's (curExtraPaid included).
func (c carried) onto(in *InstallmentState) {
	in.InterestDue += c.extraUnpaid + c.extraPaid + c.intWaived
	in.InterestPaid += c.extraPaid
	in.chargedBefore += c.extraPaid
	in.extraInterest += c.extraUnpaid + c.extraPaid + c.curExtraPaid
	in.extraPaid += c.extraPaid + c.curExtraPaid
	in.InterestWaived += c.intWaived
	in.PenaltyAccrued += c.penAcc
	in.PenaltyPaid += c.penPaid
	in.PenaltyWaived += c.penWaived
	in.CompoundAccrued += c.compAcc
	in.CompoundPaid += c.compPaid
	in.CompoundWaived += c.compWaived
}

// withoutCharges is the installment without penalty, compound, waived or
// carried amounts, for a re-amortisation that puts them back with onto.
func (in InstallmentState) withoutCharges() InstallmentState {
	in.PenaltyAccrued, in.PenaltyPaid, in.PenaltyWaived = 0, 0, 0
	in.CompoundAccrued, in.CompoundPaid, in.CompoundWaived = 0, 0, 0
	in.InterestWaived, in.extraInterest, in.extraPaid = 0, 0, 0
	in.gracePenalty, in.graceCompound, in.lastPenalty, in.lastCompound = 0, 0, 0, 0
	return in
}
