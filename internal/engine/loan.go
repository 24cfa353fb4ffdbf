package engine

import (
	"cmp"
	"slices"

	"github.com/loancore/loancore/internal/money"
)

// EventKind is the kind of an event in a loan's log that the fold reads.
type EventKind uint8

// The event kinds the fold applies. Origination and disbursement are
// implied by the terms.
const (
	// EventRepayment is money received from the borrower.
	EventRepayment EventKind = iota + 1
	// EventReversal cancels an earlier event (a repayment, a waiver or a
	// write-off), named by Target.
	EventReversal
	// EventWaiver forgives (减免) up to WaivePenalty, WaiveCompound and
	// WaiveInterest of what is unpaid on installments due by its value
	// date, oldest due first.
	EventWaiver
	// EventWriteOff writes the loan off (核销) on its value date: penalty
	// and compound interest stop accruing after that day.
	EventWriteOff
	// EventAgreement applies a restructuring agreement's Changes to the
	// loan as it stands at the end of its value date (the effective date).
	EventAgreement
	// EventAgreementBroken records that the agreement Target (the seq of
	// its EventAgreement) was broken on the value date; with Reinstate
	// what it waived is owed again.
	EventAgreementBroken
	// EventTranche lends Amount more on its value date (a tranche of a
	// loan with an approved amount): the plan not yet due is re-solved
	// from that date over the same maturity (tranche.go).
	EventTranche
)

// Event is one entry of a loan's log as the fold sees it.
type Event struct {
	Seq       int64
	Kind      EventKind
	ValueDate Date
	Amount    money.Amount
	// Target is the Seq of the event a reversal cancels.
	Target int64
	// WaivePenalty, WaiveCompound and WaiveInterest are the most a waiver
	// forgives of unpaid penalty, compound interest and contract interest.
	WaivePenalty  money.Amount
	WaiveCompound money.Amount
	WaiveInterest money.Amount
	// WaiveFees is the most a waiver forgives of unpaid fees.
	WaiveFees money.Amount
	// Changes are an EventAgreement's; they are only read.
	Changes *Changes
	// Reinstate makes an EventAgreementBroken charge again what the
	// agreement waived.
	Reinstate bool
	// Ref is the caller's name for an EventAgreement's agreement, kept in
	// its AgreementResult.
	Ref string
}

// InstallmentState is one installment of a loan as of a date.
type InstallmentState struct {
	Number        int
	StartDate     Date
	DueDate       Date
	PrincipalDue  money.Amount
	InterestDue   money.Amount
	PrincipalPaid money.Amount
	InterestPaid  money.Amount
	// PenaltyAccrued and PenaltyPaid are the installment's penalty
	// interest (罚息) charged and paid; CompoundAccrued and CompoundPaid its
	// compound interest (复利). Zero unless the terms have a penalty policy.
	PenaltyAccrued  money.Amount
	PenaltyPaid     money.Amount
	CompoundAccrued money.Amount
	CompoundPaid    money.Amount
	// PenaltyWaived, CompoundWaived and InterestWaived are what waivers
	// forgave of penalty, compound interest and contract interest: settled
	// like paid amounts, without money.
	PenaltyWaived  money.Amount
	CompoundWaived money.Amount
	InterestWaived money.Amount
	// FeesDue are the service fees of the installment (its schedule row's
	// Fees), owed from its due date; FeesPaid and FeesWaived what was paid
	// and forgiven of them.
	FeesDue    money.Amount
	FeesPaid   money.Amount
	FeesWaived money.Amount
	// lateFee is the late fee posted in FeesDue when the grace ended;
	// prepaymentFee the prepayment fees posted (and paid) in FeesDue by
	// prepayments in its period. The rest of FeesDue is service fees (and
	// fees an agreement carried onto the row): Cost tells them apart.
	lateFee, prepaymentFee money.Amount
	// gracePenalty and graceCompound are the penalty of grace days held
	// aside: charged when grace ends with the installment unpaid, dropped
	// if it is paid by then.
	gracePenalty, graceCompound money.Amount
	// lastPenalty and lastCompound are what the last accrued day charged.
	lastPenalty, lastCompound money.Amount
	// accrualFrom is the day the interest not yet charged starts to
	// accrue: StartDate, or the date of a prepayment in this period, which
	// charged chargedBefore for the days before it.
	accrualFrom   Date
	chargedBefore money.Amount
	// open is the penalty bookkeeping as it stood before the fold's last
	// accrual, the one from the last payment or waiver to AsOf.
	open openCharges
	// extraInterest is the part of InterestDue that is not this period's
	// own interest: charges a restructuring agreement carried onto the row
	// or spread over it. extraPaid is what of it was paid before the due
	// date.
	extraInterest, extraPaid money.Amount
	// balanceDays is, with interest recalculation, the sum over the days
	// of this period accounted so far of the principal outstanding at
	// each day's end, in minor-unit-days: the exact base of its interest.
	balanceDays money.U128
	// lateDays are the last installment's balance-days of the days on or
	// after its due date, and lateInterest the part of InterestDue they
	// add: contract interest on principal overdue after maturity.
	lateDays     money.U128
	lateInterest money.Amount
}

// openCharges is an installment's penalty bookkeeping kept aside by
// keepOpen: its fields as they were before the final accrual.
type openCharges struct {
	penalty, compound           money.Amount
	gracePenalty, graceCompound money.Amount
	lastPenalty, lastCompound   money.Amount
}

// openState is a loan's penalty bookkeeping kept aside by keepOpen. With
// the installments' open charges it is the state of a penalty fold with
// every payment and waiver applied and nothing accrued after the last:
// what Append picks up from.
type openState struct {
	valid          bool
	accruedThrough Date
	charged        money.Amount
	cappedOn       Date
	// lateNext is LoanState.lateNext before the final accrual, which may
	// post late fees: reopen takes them back to decide them again.
	lateNext int
}

// Unpaid returns what is left to pay of the installment, penalty and
// compound interest included; waived amounts count as settled.
func (in InstallmentState) Unpaid() money.Amount {
	return in.PrincipalDue - in.PrincipalPaid + in.unpaidInterest() + in.unpaidPenalty() + in.unpaidCompound() + in.unpaidFees()
}

// unpaidFees is the fees neither paid nor waived.
func (in *InstallmentState) unpaidFees() money.Amount {
	return in.FeesDue - in.FeesPaid - in.FeesWaived
}

// unpaidInterest is the contract interest neither paid nor waived.
func (in *InstallmentState) unpaidInterest() money.Amount {
	return in.InterestDue - in.InterestPaid - in.InterestWaived
}

// unpaidPenalty is the penalty charged and neither paid nor waived.
func (in *InstallmentState) unpaidPenalty() money.Amount {
	return in.PenaltyAccrued - in.PenaltyPaid - in.PenaltyWaived
}

// unpaidCompound is the compound interest charged and neither paid nor
// waived.
func (in *InstallmentState) unpaidCompound() money.Amount {
	return in.CompoundAccrued - in.CompoundPaid - in.CompoundWaived
}

// LoanState is a loan as of a date: the pure result of folding its log.
type LoanState struct {
	AsOf         Date
	Installments []InstallmentState
	Payments     []PaymentResult
	// Waivers are the waivers applied, in the order the fold applied them.
	Waivers []WaiverResult
	// Credit is money received beyond everything owed.
	Credit money.Amount
	// PaidOffDate is the value date of the payment or waiver that settled
	// the loan, or NoDate.
	PaidOffDate Date
	// WrittenOffDate is the value date of the earliest write-off, or
	// NoDate. Penalty and compound interest accrue through that day only.
	WrittenOffDate Date
	// CappedOn is the first day the penalty policy's cap held back penalty
	// or compound interest, or NoDate.
	CappedOn Date
	// settledOn is the last day an agreement (or its break) made final
	// (settleLastDay): a late fee posted at its end is owed by a payoff on
	// it. Only set once the loan has agreements, which are never
	// snapshotted, so the snapshot does not carry it.
	settledOn Date
	// accruedThrough is the last day penalty accrual has run for; charged
	// is all penalty and compound interest charged so far.
	accruedThrough Date
	charged        money.Amount
	// level is the current level installment (or EQUAL_PRINCIPAL part), kept
	// across re-amortisations.
	level money.Amount
	// open is set by a fold with a penalty policy: see openState.
	open openState
	// Agreements are the restructuring agreements the fold met, in its
	// order, applied or not.
	Agreements []AgreementResult
	// Superseded is what was paid and waived on installments a
	// restructuring agreement replaced: with the installments, it accounts
	// for every payment.
	Superseded Settled
	// plan, once an agreement replaced the plan, is how the new plan's
	// rows are re-amortised; nil means the contract's.
	plan *plan
	// frozen stops penalty and compound accrual: an interest freeze plan
	// is in force.
	frozen bool
	// recalc is set for terms with interest recalculation; recalcThrough
	// is then the first day whose interest is not yet accounted.
	recalc        bool
	recalcThrough Date
	// lateNext is the index of the first installment whose late fee
	// (charges.go) is not yet decided: those before it had their grace
	// end passed, with or without a fee.
	lateNext int
}

// Fold replays the repayments, waivers, write-offs, tranches and reversals of a
// loan's log with value dates up to asOf, in value-date order (ties by
// Seq), over the schedule of the terms. A reversal removes its target, of
// any kind, as if it had never been received, whatever their value dates. Fold never fails on a valid log:
// money beyond what is owed becomes Credit, and policy decides elsewhere
// whether such a payment may be recorded.
func Fold(t Terms, events []Event, asOf Date) LoanState {
	return FoldSchedule(t, buildSchedule(&t), events, asOf)
}

// FoldSchedule is Fold with the terms' schedule already built (by
// BuildSchedule of the same terms), for callers that fold one loan often.
// The schedule is only read.
func FoldSchedule(t Terms, sched Schedule, events []Event, asOf Date) LoanState {
	return foldSchedule(t, sched, events, asOf, false)
}

// foldSchedule is FoldSchedule; with oneDayAtATime it runs penalty accrual
// for one day per call, which must change nothing (the tests check it).
// newFoldState is a fold's state before any event: the schedule's rows,
// owing nothing paid, with the level a prepayment keeps.
func newFoldState(t *Terms, sched Schedule, asOf Date) LoanState {
	st := LoanState{AsOf: asOf, PaidOffDate: NoDate, WrittenOffDate: NoDate, CappedOn: NoDate, level: sched.InstallmentAmount, accruedThrough: t.DisbursementDate,
		recalc: t.InterestRecalculation, recalcThrough: t.DisbursementDate}
	if t.Method == EqualPrincipal && len(sched.Installments) > 1 {
		st.level = sched.Installments[t.PrincipalGracePeriods].Principal
	}
	st.Installments = make([]InstallmentState, len(sched.Installments))
	for i, in := range sched.Installments {
		st.Installments[i] = InstallmentState{Number: in.Number, StartDate: in.StartDate, DueDate: in.DueDate,
			PrincipalDue: in.Principal, InterestDue: in.Interest, FeesDue: in.Fees, accrualFrom: in.StartDate}
	}
	return st
}

// eventsToApply picks the events a fold as of asOf applies, in value-date
// then log order: those not reversed and dated by asOf. A write-off is not
// applied but ends accrual: the earliest one's date is kept.
func (st *LoanState) eventsToApply(events []Event, asOf Date) []Event {
	reversed := map[int64]bool{}
	for _, e := range events {
		if e.Kind == EventReversal {
			reversed[e.Target] = true
		}
	}
	// One allocation for the events to apply, however many (a daily-paid
	// loan has hundreds).
	pays := make([]Event, 0, len(events))
	for _, e := range events {
		if reversed[e.Seq] || e.ValueDate > asOf {
			continue
		}
		switch e.Kind {
		case EventRepayment, EventWaiver, EventAgreement, EventAgreementBroken, EventTranche:
			pays = append(pays, e)
		case EventWriteOff:
			// Only the earliest write-off counts, whatever order the log
			// gives them in; later ones change nothing.
			if st.WrittenOffDate == NoDate || e.ValueDate < st.WrittenOffDate {
				st.WrittenOffDate = e.ValueDate
			}
		}
	}
	slices.SortStableFunc(pays, func(a, b Event) int {
		return cmp.Or(cmp.Compare(a.ValueDate, b.ValueDate), cmp.Compare(a.Seq, b.Seq))
	})
	return pays
}

func foldSchedule(t Terms, sched Schedule, events []Event, asOf Date, oneDayAtATime bool) LoanState {
	st := newFoldState(&t, sched, asOf)
	pays := st.eventsToApply(events, asOf)
	// Every repayment adds one result (apply): room for them all at once.
	if n := countRepayments(pays); n > 0 {
		st.Payments = make([]PaymentResult, 0, n)
	}
	late := t.hasLateFee()
	if !t.HasPenalty {
		for _, e := range pays {
			st.recalcBefore(&t, e.ValueDate)
			if late {
				st.postLateFees(&t, e.ValueDate-1)
			}
			st.applyEvent(&t, e)
		}
		st.recalcProject(&t, asOf)
		if late {
			st.postLateFees(&t, asOf)
		}
		return st
	}
	// A payment reduces the base of its own value date: accrue the days
	// before it, apply it, and the days after it once everything is in.
	a := newAccrual(&t)
	for _, e := range pays {
		end := e.ValueDate - 1
		if e.Kind == EventAgreement || e.Kind == EventAgreementBroken {
			// An agreement takes the loan as it stands at the end of its
			// effective date, as the quote did.
			end = e.ValueDate
		}
		st.recalcBefore(&t, e.ValueDate)
		st.accrue(a, end, oneDayAtATime)
		if late {
			st.postLateFees(&t, e.ValueDate-1)
		}
		st.applyEvent(&t, e)
	}
	st.recalcProject(&t, asOf)
	st.keepOpen()
	st.accrue(a, asOf, oneDayAtATime)
	if late {
		st.postLateFees(&t, asOf)
	}
	return st
}

// accrue runs penalty accrual through end; with oneDayAtATime one day per
// call of accrueTo. A write-off ends accrual with its own day, whatever
// comes later.
func (st *LoanState) accrue(a *accrual, end Date, oneDayAtATime bool) {
	if st.WrittenOffDate != NoDate {
		end = min(end, st.WrittenOffDate)
	}
	if st.frozen {
		// Nothing accrues while frozen; the days still count as done.
		if end > st.accruedThrough {
			for i := range st.Installments {
				st.Installments[i].lastPenalty, st.Installments[i].lastCompound = 0, 0
			}
			st.accruedThrough = end
		}
		return
	}
	for oneDayAtATime && st.accruedThrough < end-1 {
		st.accrueTo(a, st.accruedThrough+1)
	}
	st.accrueTo(a, end)
}

// keepOpen sets aside the penalty bookkeeping of a penalty fold with every
// payment and waiver applied, before the final accrual to AsOf.
func (st *LoanState) keepOpen() {
	for i := range st.Installments {
		in := &st.Installments[i]
		in.open = openCharges{penalty: in.PenaltyAccrued, compound: in.CompoundAccrued,
			gracePenalty: in.gracePenalty, graceCompound: in.graceCompound,
			lastPenalty: in.lastPenalty, lastCompound: in.lastCompound}
	}
	st.open = openState{valid: true, accruedThrough: st.accruedThrough, charged: st.charged, cappedOn: st.CappedOn, lateNext: st.lateNext}
}

// reopen undoes the final accrual: it restores what keepOpen set aside
// and takes back the late fees posted since (unpostLateFees). The final
// accrual changes nothing else.
func (st *LoanState) reopen() {
	st.unpostLateFees(st.open.lateNext)
	for i := range st.Installments {
		in := &st.Installments[i]
		o := in.open
		in.PenaltyAccrued, in.CompoundAccrued = o.penalty, o.compound
		in.gracePenalty, in.graceCompound = o.gracePenalty, o.graceCompound
		in.lastPenalty, in.lastCompound = o.lastPenalty, o.lastCompound
	}
	st.accruedThrough, st.charged, st.CappedOn = st.open.accruedThrough, st.open.charged, st.open.cappedOn
}

// applyEvent applies one event of the fold's order: a repayment, a
// waiver, an agreement or its breaking, or a tranche.
func (st *LoanState) applyEvent(t *Terms, e Event) {
	switch e.Kind {
	case EventWaiver:
		st.waive(e)
	case EventAgreement:
		st.applyAgreement(t, e)
	case EventAgreementBroken:
		st.breakAgreement(e)
	case EventTranche:
		st.disburse(t, e)
	default:
		st.apply(t, e)
	}
}

// Append returns the state with one more repayment applied, without
// replaying the log, and true; or false when that might differ from a
// replay: any event but a repayment (a reversal, a waiver, a write-off), a
// payment dated after st.AsOf, one dated before a payment or waiver
// already applied (a backdated payment moves later ones) or with a Seq not
// above theirs, and, on terms with a penalty policy, a state that was not
// folded with that policy. For a penalty loan Append takes up the fold
// where its final accrual began — every payment and waiver applied —
// accrues to the day before the payment, applies it, and accrues to
// st.AsOf, as a replay would. Late fees decided after that point (or,
// without a penalty policy, on or after the payment's date) are taken
// back and decided again with the payment applied, so late-fee loans take
// the fast path too. st and what it shares are not changed.
func (st LoanState) Append(t Terms, e Event) (LoanState, bool) {
	return st.AppendAll(t, []Event{e})
}

// AppendAll is Append of each event of evs in turn, and true; or st and
// false when Append would refuse one of them. It copies st's installments
// once for them all, where Append copies them for each: a write that
// takes a loan up from its snapshot appends the events after it.
func (st LoanState) AppendAll(t Terms, evs []Event) (LoanState, bool) {
	next := st
	for i, e := range evs {
		if !next.appendable(&t, e) {
			return st, false
		}
		if i == 0 {
			next.own()
		}
		next.appendOwned(&t, e)
	}
	return next, true
}

// appendable says whether Append takes e (see Append).
func (st *LoanState) appendable(t *Terms, e Event) bool {
	if e.Kind != EventRepayment || e.ValueDate > st.AsOf || (t.HasPenalty && !st.open.valid) {
		return false
	}
	// With interest recalculation the days up to st.AsOf are accounted at
	// the balance before the payment; only one dated that day fits.
	if st.recalc && e.ValueDate != st.AsOf {
		return false
	}
	// An agreement effective after the payment would be quoted on a
	// different loan: replay.
	if n := len(st.Agreements); n > 0 && e.ValueDate <= st.Agreements[n-1].ValueDate {
		return false
	}
	if n := len(st.Payments); n > 0 && (e.ValueDate < st.Payments[n-1].ValueDate || e.Seq <= st.Payments[n-1].Seq) {
		return false
	}
	// Waivers and payments compete for the same interest, so a payment
	// must come after the last waiver in the fold's order too.
	n := len(st.Waivers)
	return n == 0 || e.ValueDate >= st.Waivers[n-1].ValueDate && e.Seq > st.Waivers[n-1].Seq
}

// own gives st copies of what the fold changes in place (installments)
// or appends to (payments, waivers), so that the state it was copied
// from, which a cache may share, stays as it was.
func (st *LoanState) own() {
	st.Installments = slices.Clone(st.Installments)
	st.Payments = slices.Clip(st.Payments)
	st.Waivers = slices.Clip(st.Waivers)
}

// appendOwned applies an appendable repayment to a state that owns its
// installments (own). Late fees decided after the point the fold takes
// up (or, without a penalty policy, on or after the payment's date) were
// decided without the payment: they are taken back and decided again.
func (st *LoanState) appendOwned(t *Terms, e Event) {
	late := t.hasLateFee()
	if !t.HasPenalty {
		if late {
			st.unpostLateFees(st.lateFeesFrom(t, e.ValueDate))
		}
		st.apply(t, e)
		st.recalcProject(t, st.AsOf)
		if late {
			st.postLateFees(t, st.AsOf)
		}
		return
	}
	a := newAccrual(t)
	st.reopen()
	st.accrue(a, e.ValueDate-1, false)
	if late {
		st.postLateFees(t, e.ValueDate-1)
	}
	st.apply(t, e)
	st.recalcProject(t, st.AsOf)
	st.keepOpen()
	st.accrue(a, st.AsOf, false)
	if late {
		st.postLateFees(t, st.AsOf)
	}
}

// AdvanceTo returns the state as of a later date without replaying the
// log, and true: for a log with no event dated after st.AsOf, which the
// caller vouches for, it is what a replay as of asOf gives. It returns
// false for a date before st.AsOf and, on terms with a penalty policy, for
// a state that was not folded with that policy. A penalty loan takes up
// the fold where its final accrual began and accrues to asOf; without one
// nothing but the date moves; late fees whose grace ended by asOf are
// then decided, as the fold's last step. st and what it shares are not
// changed.
func (st LoanState) AdvanceTo(t Terms, asOf Date) (LoanState, bool) {
	if asOf < st.AsOf || (t.HasPenalty && !st.open.valid) {
		return st, false
	}
	st.AsOf = asOf
	late := t.hasLateFee()
	if !t.HasPenalty && !st.recalc && !late {
		return st, true
	}
	st.Installments = slices.Clone(st.Installments)
	st.recalcProject(&t, asOf)
	if t.HasPenalty {
		st.reopen()
		st.accrue(newAccrual(&t), asOf, false)
	}
	if late {
		// As the fold's last step: the late fees whose grace ended since.
		st.postLateFees(&t, asOf)
	}
	return st, true
}
