package engine

import "github.com/loancore/loancore/internal/money"

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
