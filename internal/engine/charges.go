package engine

import (
	"math/big"

	"github.com/loancore/loancore/internal/money"
)

// ChargeKind is what a charge is charged for (issue 20).
type ChargeKind uint8

// The kinds of charge. The zero value is not a kind: a charge must say
// which it is.
const (
	// ServiceFee is charged with every installment (服务费, 分期手续费):
	// fixed, or a percent of the original principal or of the principal
	// outstanding at the period's start.
	ServiceFee ChargeKind = iota + 1
	// LateFee is charged once per installment still unpaid when the
	// penalty policy's grace days end (滞纳金): fixed, or a percent of the
	// overdue amount, optionally capped. Not in the schedule: it is
	// contingent on a missed payment.
	LateFee
	// PrepaymentFee is charged on principal paid ahead of schedule
	// (提前还款违约金): fixed, or a percent of the prepaid principal,
	// optionally capped, free after a number of installments. Contingent,
	// so not in the schedule either.
	PrepaymentFee
	// UpfrontCharge is deducted from the amount advanced, as the terms'
	// UpfrontFee is: fixed, or a percent of the original principal.
	UpfrontCharge
)

// String is the kind as the API names it.
func (k ChargeKind) String() string {
	switch k {
	case ServiceFee:
		return "SERVICE_FEE"
	case LateFee:
		return "LATE_FEE"
	case PrepaymentFee:
		return "PREPAYMENT_FEE"
	case UpfrontCharge:
		return "UPFRONT"
	}
	return "UNSPECIFIED"
}

// ChargeBasis is what a percent charge is a percent of. The zero value,
// NoBasis, is a fixed charge's.
type ChargeBasis uint8

// The bases of percent charges.
const (
	NoBasis ChargeBasis = iota
	// OriginalPrincipal is the principal lent.
	OriginalPrincipal
	// OutstandingPrincipal is the principal outstanding at the start of
	// the installment's period: before the installment is paid.
	OutstandingPrincipal
	// OverdueAmount is what of the installment is unpaid when its grace
	// days end.
	OverdueAmount
	// PrepaidPrincipal is the principal a payment repays ahead of
	// schedule.
	PrepaidPrincipal
)

// String is the basis as the API names it.
func (b ChargeBasis) String() string {
	switch b {
	case OriginalPrincipal:
		return "ORIGINAL_PRINCIPAL"
	case OutstandingPrincipal:
		return "OUTSTANDING_PRINCIPAL"
	case OverdueAmount:
		return "OVERDUE_AMOUNT"
	case PrepaidPrincipal:
		return "PREPAID_PRINCIPAL"
	}
	return "UNSPECIFIED"
}

// Charge is one charge of the terms: a fixed Amount, or Percent of Basis,
// each rounded to the minor unit with the contract's rounding mode.
type Charge struct {
	Kind ChargeKind
	// Amount is the fixed charge in minor units; zero for a percent one.
	Amount money.Amount
	// Percent is the charge in percent of Basis, per installment for a
	// service fee: "0.6" is 0.6%. Zero for a fixed charge.
	Percent money.Rate
	Basis   ChargeBasis
	// Cap is the most one percent late or prepayment fee may be; zero
	// means none.
	Cap money.Amount
	// FreeAfterInstallments, when not zero, ends a service fee after that
	// many installments, or waives a prepayment fee once that many
	// installments have fallen due.
	FreeAfterInstallments int
}

// Limits on charges.
const (
	// MaxCharges is the most charges terms may carry.
	MaxCharges = 16
	// MaxChargePercent is the largest percent a charge may be of its basis.
	MaxChargePercent = 100
)

// bases lists the bases each kind's percent may be of, in the order the
// API documents them.
var bases = map[ChargeKind][]ChargeBasis{
	ServiceFee:    {OriginalPrincipal, OutstandingPrincipal},
	LateFee:       {OverdueAmount},
	PrepaymentFee: {PrepaidPrincipal},
	UpfrontCharge: {OriginalPrincipal},
}

// checkCharges checks each charge on its own and the upfront ones against
// the terms' upfront fee: one upfront fee, given one way. Violations name
// "charges[i].field".
func (t *Terms) checkCharges(e *InvalidError) {
	if len(t.Charges) > MaxCharges {
		e.Add("charges", "at most %d charges", MaxCharges)
		return
	}
	upfront := 0
	for i := range t.Charges {
		c := &t.Charges[i]
		t.checkCharge(e, i, c)
		if c.Kind != UpfrontCharge {
			continue
		}
		if upfront++; upfront > 1 {
			e.Add(ListField("charges", i, "kind"), "at most one UPFRONT charge")
		} else if t.UpfrontFee != 0 {
			e.Add(ListField("charges", i, "kind"), "an UPFRONT charge and upfront_fee are the same fee: give one of them")
		} else if t.Principal > 0 && c.Amount == 0 && c.Percent.Cmp(money.Rate{Units: MaxChargePercent}) >= 0 {
			e.Add(ListField("charges", i, "percent"), "must be less than 100: the fee must be less than principal")
		} else if t.Principal > 0 && c.Amount >= t.Principal {
			e.Add(ListField("charges", i, "amount"), "must be less than principal")
		}
	}
}

// checkCharge checks one charge: a known kind, exactly one of amount and
// percent, a basis the kind's percent may be of, and a cap and
// free_after_installments only where the kind has them.
func (t *Terms) checkCharge(e *InvalidError, i int, c *Charge) {
	f := func(name string) string { return ListField("charges", i, name) }
	allowed, known := bases[c.Kind]
	if !known {
		e.Add(f("kind"), "required: SERVICE_FEE, LATE_FEE, PREPAYMENT_FEE or UPFRONT")
		return
	}
	percent := !c.Percent.IsZero()
	switch {
	case c.Amount < 0:
		e.Add(f("amount"), "must be greater than zero")
	case c.Amount > 0 && percent:
		e.Add(f("percent"), "give amount or percent, not both")
	case c.Amount == 0 && !percent:
		e.Add(f("amount"), "required: an amount, or a percent with a basis")
	case c.Percent.Cmp(money.Rate{Units: MaxChargePercent}) > 0:
		e.Add(f("percent"), "must be at most %d", MaxChargePercent)
	}
	switch {
	case !percent && c.Basis != NoBasis:
		e.Add(f("basis"), "only with percent: a fixed charge has no basis")
	case percent && c.Basis == NoBasis:
		e.Add(f("basis"), "required with percent: %s", basisNames(allowed))
	case percent && !hasBasis(allowed, c.Basis):
		e.Add(f("basis"), "a %s charge's percent is of %s", c.Kind, basisNames(allowed))
	}
	switch {
	case c.Cap < 0:
		e.Add(f("cap"), "must be greater than zero")
	case c.Cap > 0 && (c.Kind == ServiceFee || c.Kind == UpfrontCharge):
		e.Add(f("cap"), "only on a LATE_FEE or PREPAYMENT_FEE")
	case c.Cap > 0 && !percent:
		e.Add(f("cap"), "only with percent: a fixed charge is its own cap")
	}
	switch {
	case c.FreeAfterInstallments < 0:
		e.Add(f("free_after_installments"), "must not be negative")
	case c.FreeAfterInstallments > 0 && (c.Kind == LateFee || c.Kind == UpfrontCharge):
		e.Add(f("free_after_installments"), "only on a SERVICE_FEE or PREPAYMENT_FEE")
	case c.FreeAfterInstallments > 0 && t.InstallmentCount >= 1 && c.FreeAfterInstallments >= t.InstallmentCount:
		e.Add(f("free_after_installments"), "must be less than installment_count")
	}
}

func hasBasis(list []ChargeBasis, b ChargeBasis) bool {
	for _, x := range list {
		if x == b {
			return true
		}
	}
	return false
}

func basisNames(list []ChargeBasis) string {
	s := ""
	for i, b := range list {
		if i > 0 {
			s += " or "
		}
		s += b.String()
	}
	return s
}

// percentOf returns pct percent of base, rounded once to the minor unit
// with mode: the one rounding point of every percent charge.
func percentOf(base money.Amount, pct money.Rate, mode money.RoundingMode) money.Amount {
	v, _ := money.Mul64(uint64(base), pct.Units).DivRound(pct.Denominator(), mode)
	return money.Amount(v)
}

// EffectiveUpfrontFee is the fee deducted from the amount advanced: the
// terms' UpfrontFee, or their UPFRONT charge (fixed, or its percent of the
// principal rounded with the contract's mode). Validate allows only one.
func (t *Terms) EffectiveUpfrontFee() money.Amount {
	for _, c := range t.Charges {
		if c.Kind != UpfrontCharge {
			continue
		}
		if c.Amount > 0 {
			return c.Amount
		}
		return percentOf(t.Principal, c.Percent, t.Rounding.Mode)
	}
	return t.UpfrontFee
}

// serviceFee is the service fee c charges for one period of installment
// number (1-based) whose period starts with balance outstanding: none after
// FreeAfterInstallments.
func (t *Terms) serviceFee(c *Charge, number int, balance money.Amount) money.Amount {
	if c.FreeAfterInstallments > 0 && number > c.FreeAfterInstallments {
		return 0
	}
	switch c.Basis {
	case OriginalPrincipal:
		return percentOf(t.Principal, c.Percent, t.Rounding.Mode)
	case OutstandingPrincipal:
		return percentOf(balance, c.Percent, t.Rounding.Mode)
	}
	return c.Amount
}

// addServiceFees sets each row's Fees to the service fees of its period
// and returns their total; a row whose period starts with no principal
// outstanding bears none. A BULLET's one installment spans every period
// of the term, so it bears each period's fee: installment_count of them,
// on a balance that stays the principal.
func (t *Terms) addServiceFees(rows []Installment) money.Amount {
	var total money.Amount
	for k := range rows {
		in := &rows[k]
		periods := 1
		if t.Method == Bullet {
			periods = t.InstallmentCount
		}
		balance := in.BalanceAfter + in.Principal
		if balance == 0 {
			// A period that starts with nothing lent bears no fee: the
			// rows a rounded-up level left empty are not a loan.
			continue
		}
		in.Fees += t.periodsServiceFees(in.Number, periods, balance)
		total += in.Fees
	}
	return total
}

// periodsServiceFees is every service fee of the periods of installment
// numbers first..first+periods-1, each on balance: what addServiceFees
// puts on a row, and a re-planned BULLET's row for the periods an
// extension adds.
func (t *Terms) periodsServiceFees(first, periods int, balance money.Amount) money.Amount {
	var fees money.Amount
	for i := range t.Charges {
		c := &t.Charges[i]
		if c.Kind != ServiceFee {
			continue
		}
		for p := range periods {
			fees += t.serviceFee(c, first+p, balance)
		}
	}
	return fees
}

// feesBound is an upper bound on the service fees a schedule of t can
// charge in all: each of its periods bears each fee at most, a percent
// one of at most the principal plus one minor unit of rounding. It keeps
// repayableFits honest about fees; a big.Int, since sixteen charges of
// 100% over 1200 periods of the largest principal pass int64.
func (t *Terms) feesBound() *big.Int {
	total := new(big.Int)
	n := big.NewInt(int64(t.InstallmentCount))
	for _, c := range t.Charges {
		if c.Kind != ServiceFee {
			continue
		}
		per := big.NewInt(int64(c.Amount))
		if c.Amount == 0 {
			per.SetInt64(int64(percentOf(t.Principal, c.Percent, money.Up)))
		}
		total.Add(total, per.Mul(per, n))
	}
	return total
}

// LateFee is the late fee the terms charge an installment still unpaid
// when its grace days end, overdue being what of it is unpaid then: each
// LATE_FEE charge's fixed amount, or its percent of overdue rounded with
// the contract's mode and held to its cap, summed. Close of business will
// post it once per installment (issue 20, stage 2); nothing is charged on
// nothing overdue.
func (t *Terms) LateFee(overdue money.Amount) money.Amount {
	if overdue <= 0 {
		return 0
	}
	return t.contingentFee(LateFee, overdue)
}

// PrepaymentFee is the fee the terms charge a payment that repays prepaid
// of principal ahead of schedule when dueSoFar installments have fallen
// due: each PREPAYMENT_FEE charge's fixed amount, or its percent of
// prepaid rounded with the contract's mode and held to its cap, summed;
// a charge is free once FreeAfterInstallments installments have fallen
// due.
func (t *Terms) PrepaymentFee(prepaid money.Amount, dueSoFar int) money.Amount {
	if prepaid <= 0 {
		return 0
	}
	var total money.Amount
	for i := range t.Charges {
		c := t.Charges[i]
		if c.Kind != PrepaymentFee || (c.FreeAfterInstallments > 0 && dueSoFar >= c.FreeAfterInstallments) {
			continue
		}
		total += c.feeOn(prepaid, t.Rounding.Mode)
	}
	return total
}

// contingentFee sums the fees of every charge of kind on base.
func (t *Terms) contingentFee(kind ChargeKind, base money.Amount) money.Amount {
	var total money.Amount
	for i := range t.Charges {
		if t.Charges[i].Kind == kind {
			total += t.Charges[i].feeOn(base, t.Rounding.Mode)
		}
	}
	return total
}

// feeOn is a late or prepayment charge on base: its fixed amount, or its
// percent of base rounded once with mode and then held to its cap (the
// cap bounds the rounded fee, so a capped fee is the cap exactly).
func (c Charge) feeOn(base money.Amount, mode money.RoundingMode) money.Amount {
	if c.Amount > 0 {
		return c.Amount
	}
	fee := percentOf(base, c.Percent, mode)
	if c.Cap > 0 {
		fee = min(fee, c.Cap)
	}
	return fee
}

// prepaidWithFee splits amount, money a payment has for principal ahead of
// schedule, into the most principal (at most balance) it can prepay
// together with that principal's prepayment fee, and the fee. The fee
// grows with the principal (a percent rounded, then capped, or fixed), so
// the largest principal that fits is found by bisection. Without a
// prepayment fee it is min(amount, balance) and no fee; when the fee
// alone takes the whole amount, nothing is prepaid.
func (t *Terms) prepaidWithFee(amount, balance money.Amount, dueSoFar int) (principal, fee money.Amount) {
	hi := min(amount, balance)
	fits := func(p money.Amount) bool { return p+t.PrepaymentFee(p, dueSoFar) <= amount }
	if hi <= 0 || fits(hi) {
		return hi, t.PrepaymentFee(hi, dueSoFar)
	}
	lo := money.Amount(0) // 0 fits: no principal, no fee
	for hi-lo > 1 {
		mid := lo + (hi-lo)/2
		if fits(mid) {
			lo = mid
		} else {
			hi = mid
		}
	}
	return lo, t.PrepaymentFee(lo, dueSoFar)
}

// hasLateFee reports whether the terms charge a late fee.
func (t *Terms) hasLateFee() bool { return t.HasCharge(LateFee) }

// HasCharge reports whether the terms carry a charge of the kind.
func (t *Terms) HasCharge(kind ChargeKind) bool {
	for _, c := range t.Charges {
		if c.Kind == kind {
			return true
		}
	}
	return false
}

// postLateFees charges the late fee of every installment whose grace
// (the penalty policy's grace days; none without a policy) ended by the
// end of day through with something of it unpaid: once per installment,
// on what of its principal, interest and fees is unpaid then (penalty
// and compound are charges on the lateness, not the installment). It is
// part of the fold, as penalty accrual is: a pure function of the log
// and the date. None is charged after a write-off or while frozen.
func (st *LoanState) postLateFees(t *Terms, through Date) {
	grace := t.lateGraceDays()
	for ; st.lateNext < len(st.Installments); st.lateNext++ {
		in := &st.Installments[st.lateNext]
		end := in.DueDate.AddDays(grace)
		if end > through {
			return
		}
		if (st.WrittenOffDate != NoDate && end > st.WrittenOffDate) || st.frozen {
			continue
		}
		overdue := in.PrincipalDue - in.PrincipalPaid + in.unpaidInterest() + in.unpaidFees()
		in.lateFee = t.LateFee(overdue)
		in.FeesDue += in.lateFee
	}
}

// unpostLateFees takes back the late fees of installments from..lateNext-1,
// so that postLateFees decides them again: what Append and AdvanceTo do
// to the fees posted after the last event they take the fold up from. No
// payment or waiver came after those fees were posted (both refuse an
// event before the state's last), so none of them was paid or waived.
func (st *LoanState) unpostLateFees(from int) {
	for i := max(from, 0); i < st.lateNext && i < len(st.Installments); i++ {
		in := &st.Installments[i]
		in.FeesDue -= in.lateFee
		in.lateFee = 0
	}
	st.lateNext = min(st.lateNext, max(from, 0))
}

// lateFeesFrom is the index of the first installment whose late fee is
// decided on or after day d: those Append must decide again for a payment
// dated d.
func (st *LoanState) lateFeesFrom(t *Terms, d Date) int {
	grace := t.lateGraceDays()
	for i := range st.lateNext {
		if st.Installments[i].DueDate.AddDays(grace) >= d {
			return i
		}
	}
	return st.lateNext
}

// lateGraceDays is the days after a due date before a late fee: the
// penalty policy's grace days, none without a policy.
func (t *Terms) lateGraceDays() int {
	if t.HasPenalty {
		return t.Penalty.GraceDays
	}
	return 0
}

// hasOriginalPrincipalFee says whether a percent charge is of the original
// principal, which tranches leave undefined (checkApprovedAmount).
func (t *Terms) hasOriginalPrincipalFee() bool {
	for _, c := range t.Charges {
		if c.Basis == OriginalPrincipal && (c.Kind == ServiceFee || c.Kind == UpfrontCharge) {
			return true
		}
	}
	return false
}

// LateFee is the late fee the fold charged the installment when its grace
// ended unpaid (part of FeesDue), or zero.
func (in InstallmentState) LateFee() money.Amount { return in.lateFee }

// LateFeeDay is the day whose end decides the late fee of an installment
// due on due: the last of its grace days.
func (t *Terms) LateFeeDay(due Date) Date { return due.AddDays(t.lateGraceDays()) }

// keptServiceFees are the contract's service fees as a re-amortisation's
// new plan of n installments keeps them, the installment after kept being
// its first: fixed amounts as they are; a percent of the original
// principal fixed at the contract's principal (the new plan's own
// principal is the balance); a percent of the outstanding principal on the
// new balances; free_after_installments counted on from the contract's
// numbers, so a fee already over is dropped and one free after the new
// plan's end charges every row.
func (t *Terms) keptServiceFees(kept, n int) []Charge {
	var out []Charge
	for _, c := range t.Charges {
		if c.Kind != ServiceFee {
			continue
		}
		if c.Basis == OriginalPrincipal {
			c = Charge{Kind: ServiceFee, Amount: percentOf(t.Principal, c.Percent, t.Rounding.Mode), FreeAfterInstallments: c.FreeAfterInstallments}
			if c.Amount == 0 {
				continue
			}
		}
		if f := c.FreeAfterInstallments; f > 0 {
			switch {
			case f <= kept:
				continue
			case f-kept >= n:
				c.FreeAfterInstallments = 0
			default:
				c.FreeAfterInstallments = f - kept
			}
		}
		out = append(out, c)
	}
	return out
}
