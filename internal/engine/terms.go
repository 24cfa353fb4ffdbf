package engine

import (
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/loancore/loancore/internal/money"
)

// Method is a repayment method: how principal and interest are spread over
// the installments.
type Method uint8

// The repayment methods.
const (
	// EqualInstallment is the annuity (等额本息): a level installment, interest
	// on the outstanding balance, the rest principal.
	EqualInstallment Method = iota + 1
	// EqualPrincipal (等额本金) repays the same principal every period plus
	// interest on the outstanding balance.
	EqualPrincipal
	// InterestOnly (先息后本) pays interest every period and all principal
	// with the last installment.
	InterestOnly
	// Bullet (到期一次还本付息) pays principal and simple interest for the
	// whole term in one installment at maturity.
	Bullet
	// Flat (等本等息) charges interest on the original principal every period.
	Flat
)

// String returns the method's name.
func (m Method) String() string {
	switch m {
	case EqualInstallment:
		return "EQUAL_INSTALLMENT"
	case EqualPrincipal:
		return "EQUAL_PRINCIPAL"
	case InterestOnly:
		return "INTEREST_ONLY"
	case Bullet:
		return "BULLET"
	case Flat:
		return "FLAT"
	}
	return "UNKNOWN"
}

// FrequencyUnit is the unit of the repayment frequency.
type FrequencyUnit uint8

// The frequency units.
const (
	// Month steps due dates by calendar months, clamped to month end.
	Month FrequencyUnit = iota + 1
	// Week steps due dates by seven days.
	Week
	// Day steps due dates by days.
	Day
	// SemiMonth falls due on two fixed days of every month (Frequency.Days,
	// e.g. the 1st and the 16th), 24 periods a year. Every is 1.
	SemiMonth
)

// Frequency is "every Every Units", e.g. every 1 month or every 2 weeks.
type Frequency struct {
	Unit  FrequencyUnit
	Every int
	// Days are SemiMonth's two days of the month, the first 1 to 15 and
	// the second after it up to 31; a day past a month's end falls on its
	// last day. Zero for the other units.
	Days [2]int
}

// DefaultSemiMonthDays are the days of a semi-monthly frequency that does
// not name its own: the 1st and the 16th, fifteen days apart, so both
// halves of a month are as even as a calendar allows.
var DefaultSemiMonthDays = [2]int{1, 16}

// MaxEvery bounds Frequency.Every for each unit: a period is at most a year.
func MaxEvery(u FrequencyUnit) int {
	switch u {
	case Month:
		return 12
	case Week:
		return 52
	case Day:
		return 366
	case SemiMonth:
		return 1
	}
	return 0
}

// PaymentTiming says where in its period an installment falls due.
type PaymentTiming uint8

// The payment timings. The zero value is in arrears, as every loan before
// payment timing existed was.
const (
	// InArrears makes each installment due at the end of its period: the
	// first one period after disbursement (an ordinary annuity).
	InArrears PaymentTiming = iota
	// InAdvance makes each installment due at the start of its period (an
	// annuity due, Excel's PMT with type 1): the first falls due on the
	// disbursement date and bears no interest, as no time has passed, and
	// the last one period before the end of the term. The level installment
	// of EQUAL_INSTALLMENT is then the in-arrears one divided by 1 + i.
	InAdvance
)

// Accrual says how the interest of a period is computed.
type Accrual uint8

// The interest accrual modes.
const (
	// Periodic charges the annual rate divided by the periods per year for
	// every full period, as Chinese bank calculators and spreadsheets do. An
	// odd first period (an explicit first due date that is not one period
	// after disbursement) accrues by days.
	Periodic Accrual = iota + 1
	// Daily charges every period by its days under the day count.
	Daily
)

// DayCount is a day-count convention: how a span of days becomes a fraction
// of a year.
type DayCount uint8

// The day-count conventions.
const (
	// Act365Fixed divides actual days by 365.
	Act365Fixed DayCount = iota + 1
	// Act360 divides actual days by 360 (the PBoC's 日利率 = 年利率 / 360).
	Act360
	// Act364 divides actual days by 364.
	Act364
	// Thirty360 is the ISDA 30/360 bond basis (2006 ISDA Definitions
	// 4.16(f)): day 31 counts as 30 at the start, and at the end only when
	// the start is the 30th or 31st.
	Thirty360
	// ActAct is ACT/ACT ISDA: days in leap years over 366 plus days in other
	// years over 365.
	ActAct
)

// Rounding is the contract's rounding: the mode, and the multiple of minor
// units the level installment is rounded to.
type Rounding struct {
	Mode money.RoundingMode
	// Multiple is in minor units: 1 rounds to the cent, 100 to the yuan.
	Multiple money.Amount
}

// Terms are the contract terms that fix a loan's schedule.
type Terms struct {
	Currency money.Currency
	// Principal is the amount lent, in minor units.
	Principal money.Amount
	// AnnualRate is the contract rate in percent per year, the one every
	// computation uses. For a rate quoted a month or a day it is the
	// annual equivalent of Quoted (see SetQuotedRate).
	AnnualRate money.Rate
	// InstallmentAmount, when not zero, is the level installment of
	// EQUAL_INSTALLMENT as agreed, and InstallmentCount was derived from it
	// (DeriveInstallmentCount); the last installment takes the rest.
	InstallmentAmount money.Amount
	// Quoted is the rate as quoted when it was quoted a month or a day;
	// its zero value means AnnualRate is the quote.
	Quoted           QuotedRate
	InstallmentCount int
	Frequency        Frequency
	Method           Method
	DisbursementDate Date
	// FirstDueDate is NoDate for the default: one period after disbursement.
	FirstDueDate    Date
	InterestAccrual Accrual
	DayCount        DayCount
	Rounding        Rounding
	// PrincipalGracePeriods are interest-only periods at the start; the
	// level installment runs over the remaining periods.
	PrincipalGracePeriods int
	// InterestFreePeriods are periods at the start that bear no interest.
	InterestFreePeriods int
	// Timing is InArrears (the zero value) or InAdvance.
	Timing PaymentTiming
	// UpfrontFee is deducted from the amount advanced; it counts in the APR.
	// An UPFRONT charge is the other way to give it (EffectiveUpfrontFee).
	UpfrontFee money.Amount
	// Charges are the fees beside interest (charges.go): service fees in
	// the schedule and the APR; late and prepayment fees, contingent, not.
	Charges []Charge
	// Allocation, Prepayment and Overpayment are the servicing policies of
	// the loan; their zero values mean InterestFirst, ReduceTerm and
	// RefuseOverpayment.
	Allocation  AllocationOrder
	Prepayment  PrepaymentPolicy
	Overpayment OverpaymentPolicy
	// Early says what money paid before a due date settles first; the
	// zero value means PrepayPrincipal.
	Early EarlyPayment
	// Penalty is the loan's penalty policy, used when HasPenalty; without
	// one an overdue loan accrues no penalty or compound interest.
	Penalty    PenaltyPolicy
	HasPenalty bool
	// InterestRecalculation charges each day's interest on the principal
	// outstanding at the end of that day (recalc.go): early payments lower
	// interest from their value date, overdue principal keeps bearing it.
	InterestRecalculation bool
	// ApprovedAmount, when not zero, is the most the loan may lend in
	// all: Principal is the first tranche and EventTranche adds the rest
	// (tranche.go). Zero means no tranches.
	ApprovedAmount money.Amount
	// LevelOverActualPeriods solves EQUAL_INSTALLMENT's level installment
	// over each period's own rate (its days × the annual rate ÷ the day
	// count's year) instead of one periodic rate (annual ÷ periods a
	// year): with daily interest the plan then repays the principal at
	// maturity, and the last installment absorbs only rounding. Valid with
	// EQUAL_INSTALLMENT and INTEREST_ACCRUAL_DAILY, without
	// InstallmentAmount (which fixes the level).
	LevelOverActualPeriods bool
}

// Limits on terms.
const (
	// MaxInstallments is the most installments a schedule may have.
	MaxInstallments = 1200
	// MaxRatePercent is the highest annual rate accepted, in percent.
	MaxRatePercent = 1000
)

// FieldViolation names one invalid field and says what is wrong with it.
// Field is the snake_case path of the field inside the terms, as the API
// names it ("installment_count", "rounding.installment_multiple").
type FieldViolation struct {
	Field       string
	Description string
}

// InvalidError is returned for terms or inputs that cannot describe a loan.
// It lists every violation found, not just the first.
type InvalidError struct {
	Violations []FieldViolation
}

// Error joins the violations into one message.
func (e *InvalidError) Error() string {
	parts := make([]string, len(e.Violations))
	for i, v := range e.Violations {
		parts[i] = v.Field + ": " + v.Description
	}
	return "invalid: " + strings.Join(parts, "; ")
}

// Add appends a violation.
func (e *InvalidError) Add(field, format string, args ...any) {
	e.Violations = append(e.Violations, FieldViolation{Field: field, Description: fmt.Sprintf(format, args...)})
}

// Err returns e if it has violations and nil otherwise.
func (e *InvalidError) Err() error {
	if e == nil || len(e.Violations) == 0 {
		return nil
	}
	return e
}

// Validate checks the terms' internal consistency and returns an
// *InvalidError listing every problem. Parsing (syntax, precision, ranges of
// single values) happens where the terms are read; Validate checks what only
// the whole set of terms can tell.
//
// The checks are grouped by what they are about, one helper per group,
// and always run in the same order, so the same terms always give the
// same list of violations. The last two need sound terms to compute a
// schedule's dates and sums, so they run only when nothing else failed.
func (t *Terms) Validate() error {
	var e InvalidError
	t.checkAmountsAndRate(&e)
	t.checkConventions(&e)
	t.checkDates(&e)
	t.checkPeriodsAndFee(&e)
	t.checkPolicies(&e)
	t.checkRecalculation(&e)
	t.checkCharges(&e)
	t.checkApprovedAmount(&e)
	if e.Err() == nil {
		// Only when everything else is sound: the last due date must exist.
		if last := t.DueDate(t.InstallmentCount - 1); !last.InRange() {
			e.Add("installment_count", "the last due date would be after %s", MaxDate)
		} else if t := t.mostLent(); !t.repayableFits() || !t.actualPeriodLevelFits() {
			e.Add("principal", "with this rate and term the total repayable could exceed %d minor units", int64(math.MaxInt64))
		}
	}
	return e.Err()
}

// checkAmountsAndRate checks the figures every schedule is computed from:
// currency, principal, rate and number of installments, each on its own.
// How they bound other fields (the grace periods by the count, the fee by
// the principal) is checked with those fields, so that a violation names
// the field that has to change.
func (t *Terms) checkAmountsAndRate(e *InvalidError) {
	if t.Currency.Code == "" {
		e.Add("currency", "required")
	}
	if t.Principal <= 0 {
		e.Add("principal", "must be greater than zero")
	} else if t.Principal > money.MaxAmount {
		e.Add("principal", "must be at most %s", money.MaxAmount.Format(t.Currency))
	}
	t.checkQuotedRate(e)
	if t.InstallmentCount < 1 || t.InstallmentCount > MaxInstallments {
		e.Add("installment_count", "must be between 1 and %d", MaxInstallments)
	}
}

// checkConventions checks the enumerations that say how the schedule is
// computed: frequency, method, accrual, day count and rounding. Each
// zero value means "not given", so an unset one is reported here rather
// than silently computing with it.
func (t *Terms) checkConventions(e *InvalidError) {
	switch t.Frequency.Unit {
	case Month, Week, Day, SemiMonth:
		if t.Frequency.Every < 1 || t.Frequency.Every > MaxEvery(t.Frequency.Unit) {
			e.Add("frequency.every", "must be between 1 and %d", MaxEvery(t.Frequency.Unit))
		}
		t.Frequency.checkDays(e)
	default:
		e.Add("frequency.unit", "required")
	}
	if t.Method < EqualInstallment || t.Method > Flat {
		e.Add("method", "required")
	}
	if t.InterestAccrual != Periodic && t.InterestAccrual != Daily {
		e.Add("interest_accrual", "unknown accrual")
	}
	if t.DayCount < Act365Fixed || t.DayCount > ActAct {
		e.Add("day_count", "unknown day count")
	}
	if !t.Rounding.Mode.Valid() {
		e.Add("rounding.mode", "unknown rounding mode")
	}
	if t.Rounding.Multiple < 1 {
		e.Add("rounding.installment_multiple", "must be at least one minor unit")
	}
}

// checkDates checks the disbursement and first due dates. The order of
// the two is only checked when the disbursement date is itself sound, so
// that one bad date is not reported twice.
func (t *Terms) checkDates(e *InvalidError) {
	if !t.DisbursementDate.InRange() {
		e.Add("disbursement_date", "required")
	}
	if t.FirstDueDate != NoDate && t.DisbursementDate.InRange() && t.FirstDueDate <= t.DisbursementDate {
		e.Add("first_due_date", "must be after disbursement_date")
	}
}

// checkPeriodsAndFee checks the grace and interest-free periods and the
// upfront fee against the count and principal they are bounded by; a
// bound that is itself invalid (a count below 1, no principal) is left to
// its own field's violation.
func (t *Terms) checkPeriodsAndFee(e *InvalidError) {
	n := t.InstallmentCount
	if t.PrincipalGracePeriods < 0 {
		e.Add("principal_grace_periods", "must not be negative")
	} else if t.PrincipalGracePeriods > 0 {
		switch {
		case t.Method == InterestOnly || t.Method == Bullet:
			e.Add("principal_grace_periods", "does not apply to %s", t.Method)
		case n >= 1 && t.PrincipalGracePeriods >= n:
			e.Add("principal_grace_periods", "must be less than installment_count")
		}
	}
	if t.InterestFreePeriods < 0 {
		e.Add("interest_free_periods", "must not be negative")
	} else if n >= 1 && t.InterestFreePeriods > n {
		e.Add("interest_free_periods", "must be at most installment_count")
	}
	if t.UpfrontFee < 0 {
		e.Add("upfront_fee", "must not be negative")
	} else if t.Principal > 0 && t.UpfrontFee >= t.Principal {
		e.Add("upfront_fee", "must be less than principal")
	}
}

// checkPolicies checks the servicing policies. Their zero values are
// valid defaults, so only values past the last known one are refused; the
// penalty policy checks itself and its fields are reported under
// "penalty.".
func (t *Terms) checkPolicies(e *InvalidError) {
	if t.Early > CoversNextInstallment {
		e.Add("early_payment", "unknown early payment policy")
	} else if t.Early == CoversNextInstallment && !t.InterestRecalculation {
		// The plan's interest is for the whole period: settling the
		// installment early would charge more than the payoff amount.
		e.Add("early_payment", "EARLY_PAYMENT_COVERS_NEXT_INSTALLMENT needs interest_recalculation")
	}
	if t.Allocation > AllInterestFirst {
		e.Add("allocation_order", "unknown allocation order")
	}
	if t.Prepayment > KeepInstallment {
		e.Add("prepayment", "unknown prepayment policy")
	} else if t.Prepayment == KeepInstallment && t.Method != EqualInstallment {
		e.Add("prepayment", "PREPAYMENT_POLICY_KEEP_INSTALLMENT only with EQUAL_INSTALLMENT, whose installment is level (REDUCE_TERM keeps EQUAL_PRINCIPAL's principal part)")
	}
	t.checkTiming(e)
	t.checkActualPeriods(e)
	if t.InstallmentAmount != 0 && t.Method != EqualInstallment {
		e.Add("installment_amount", "only with EQUAL_INSTALLMENT, whose installments are level")
	}
	if t.Overpayment > KeepCredit {
		e.Add("overpayment", "unknown overpayment policy")
	}
	if t.HasPenalty {
		if err := t.Penalty.Validate(); err != nil {
			e.Violations = append(e.Violations, err.(*InvalidError).Prefixed("penalty.").Violations...)
		}
	}
}

// checkTiming checks an annuity due. It is an EQUAL_INSTALLMENT schedule
// (the annuity due of the textbooks and of Excel's PMT type 1); its first
// installment falls on the disbursement date by definition, so an explicit
// first due date contradicts it, and a grace period would make that first
// installment one of nothing (no principal, and no interest yet).
func (t *Terms) checkTiming(e *InvalidError) {
	switch {
	case t.Timing == InArrears:
	case t.Timing != InAdvance:
		e.Add("payment_timing", "unknown payment timing")
	case t.Method != EqualInstallment:
		e.Add("payment_timing", "IN_ADVANCE only with EQUAL_INSTALLMENT")
	case t.FirstDueDate != NoDate:
		e.Add("first_due_date", "must be empty with payment_timing IN_ADVANCE: the first installment is due on disbursement_date")
	case t.PrincipalGracePeriods > 0:
		e.Add("principal_grace_periods", "must be 0 with payment_timing IN_ADVANCE")
	case t.Frequency.Unit == SemiMonth && !t.Frequency.onSeries(t.DisbursementDate):
		// The first installment is due on the disbursement date; the
		// next one period later is only defined from a day of the series.
		e.Add("disbursement_date", "must be one of frequency.days_of_month with payment_timing IN_ADVANCE")
	}
}

// checkDays checks SemiMonth's days: the first 1 to 15 and the second
// after it, so that even clamped to February's end the two never meet.
func (f Frequency) checkDays(e *InvalidError) {
	switch {
	case f.Unit != SemiMonth:
		if f.Days != [2]int{} {
			e.Add("frequency.days_of_month", "only with SEMI_MONTH")
		}
	case f.Days[0] < 1 || f.Days[0] > 15 || f.Days[1] <= f.Days[0] || f.Days[1] > 31:
		e.Add("frequency.days_of_month", "two days: the first 1 to 15, the second after it, at most 31")
	}
}

// semiMonthDate is the idx-th date of a semi-monthly series counted from
// year 0: two a month, on Days clamped to the month's end.
func (f Frequency) semiMonthDate(idx int) Date {
	mo := idx / 2
	y, m := mo/12, mo%12+1
	return DateOf(y, m, min(f.Days[idx%2], DaysInMonth(y, m)))
}

// onSeries reports whether d is one of a semi-monthly series' dates.
func (f Frequency) onSeries(d Date) bool {
	y, m, _ := d.YMD()
	idx := (y*12 + m - 1) * 2
	return d == f.semiMonthDate(idx) || d == f.semiMonthDate(idx+1)
}

// semiMonthStep is step for SemiMonth: the k-th date of the series after
// anchor (anchor itself for k = 0), so a first due date or disbursement
// off the series still leads into it.
func (f Frequency) semiMonthStep(anchor Date, k int) Date {
	if k == 0 {
		return anchor
	}
	if k > 2*12*10000 {
		return MaxDate + 1
	}
	y, m, _ := anchor.YMD()
	idx := (y*12 + m - 1) * 2
	for f.semiMonthDate(idx) <= anchor {
		idx++
	}
	return f.semiMonthDate(idx + k - 1)
}

// freeRows is the number of rows at the start of the schedule that bear
// no interest: the interest-free periods, and for an annuity due also its
// first row, due on the disbursement date before any interest accrued.
func (t *Terms) freeRows() int {
	if t.Timing == InAdvance {
		return t.InterestFreePeriods + 1
	}
	return t.InterestFreePeriods
}

// repayableFits reports whether every amount of the schedule is sure to fit
// an int64. A row's interest is its base (at most the principal) times its
// rate, plus less than one minor unit of rounding, so no schedule repays
// more than P + P·Σ rate_k + n, the sum over the interest-bearing rows; the
// terms fit if that does. At 10^15 minor units and 1000% a year the sum
// passes 2^63 after about nine centuries of periods, or one odd first
// period that long. Service fees (feesBound) take their share of 2^63
// first.
func (t *Terms) repayableFits() bool {
	n, free := t.InstallmentCount, min(t.freeRows(), t.InstallmentCount)
	// Service fees come out of the same int64 as interest: what is left
	// for interest is what the fees leave.
	room := big.NewInt(math.MaxInt64 - int64(t.Principal) - int64(n))
	if room.Sub(room, t.feesBound()).Sign() < 0 {
		return false
	}
	if free >= n || t.AnnualRate.Units == 0 {
		return true
	}
	// Σ rate_k = annual × (periodic rows × ppyD/ppyN + Σ daily fractions),
	// the daily fractions all over the denominator fd.
	ppyN, ppyD := periodsPerYear(t.Frequency, t.DayCount)
	fd := t.DayCount.fractionDen()
	periodic := uint64(n - free)
	var daily uint64
	switch {
	case t.InterestAccrual == Daily:
		periodic = 0
		start := t.DisbursementDate
		if free > 0 {
			start = t.DueDate(free - 1)
		}
		if t.DayCount != Thirty360 {
			// Actual-day fractions of consecutive periods add up.
			daily, _ = t.DayCount.YearFraction(start, t.DueDate(n-1))
			break
		}
		for k := free; k < n; k++ {
			due := t.DueDate(k)
			fn, _ := t.DayCount.YearFraction(start, due)
			daily += fn
			start = due
		}
	case free == 0 && t.HasOddFirstPeriod():
		periodic--
		daily, _ = t.DayCount.YearFraction(t.DisbursementDate, t.DueDate(0))
	}
	// P·Σ rate_k ≤ MaxInt64 − P − n, multiplied out by every denominator:
	// P·units·(periodic·ppyD·fd + daily·ppyN) ≤ (MaxInt64−P−n)·den·ppyN·fd.
	// The right side is below 2^123; a left side beyond 128 bits is larger.
	lhs, ok := money.Mul64(uint64(t.Principal), t.AnnualRate.Units).MulSmall(periodic*ppyD*fd + daily*ppyN)
	if !ok {
		return false
	}
	rhs, _ := money.Mul64(room.Uint64(), t.AnnualRate.Denominator()).MulSmall(ppyN * fd)
	return lhs.Hi < rhs.Hi || (lhs.Hi == rhs.Hi && lhs.Lo <= rhs.Lo)
}

// firstAnchor returns the date that due dates are stepped from and the index
// offset: due date k (0-based) is step(anchor, k+offset).
func (t *Terms) firstAnchor() (Date, int) {
	switch {
	case t.FirstDueDate != NoDate:
		return t.FirstDueDate, 0
	case t.Timing == InAdvance:
		return t.DisbursementDate, 0
	}
	return t.DisbursementDate, 1
}

// DueDate returns the due date of installment k (0-based). Monthly dates are
// always stepped from the anchor's day of the month, so a clamp to a short
// month never carries into later months.
func (t *Terms) DueDate(k int) Date {
	anchor, off := t.firstAnchor()
	return step(anchor, t.Frequency, k+off)
}

func step(anchor Date, f Frequency, k int) Date {
	switch f.Unit {
	case Month:
		// Beyond the calendar the clamp is meaningless; signal the overflow
		// with a date outside the range instead of wrapping.
		if k*f.Every > 12*10000 {
			return MaxDate + 1
		}
		return anchor.AddMonths(k * f.Every)
	case Week:
		return anchor.AddDays(7 * k * f.Every)
	case SemiMonth:
		return f.semiMonthStep(anchor, k)
	default:
		return anchor.AddDays(k * f.Every)
	}
}

// HasOddFirstPeriod reports whether an explicit first due date makes the
// first period longer or shorter than one regular period.
//
// A semi-monthly loan disbursed off its two days has one too, even without
// a first due date: its first installment falls on the next of the days,
// less than a half month away, and accrues by days.
func (t *Terms) HasOddFirstPeriod() bool {
	if t.Frequency.Unit == SemiMonth && t.Timing == InArrears && !t.Frequency.onSeries(t.DisbursementDate) {
		return true
	}
	return t.FirstDueDate != NoDate && t.FirstDueDate != step(t.DisbursementDate, t.Frequency, 1)
}

// Prefixed returns a copy of e with prefix put before every field path, for
// callers that nest the checked value in a larger request ("terms.").
func (e *InvalidError) Prefixed(prefix string) *InvalidError {
	out := &InvalidError{Violations: make([]FieldViolation, len(e.Violations))}
	for i, v := range e.Violations {
		out.Violations[i] = FieldViolation{Field: prefix + v.Field, Description: v.Description}
	}
	return out
}

// checkRate adds a violation of field for a rate with more decimals than
// money.MaxRateScale or above MaxRatePercent.
func checkRate(e *InvalidError, field string, r money.Rate) {
	switch {
	case r.Scale > money.MaxRateScale:
		e.Add(field, "at most %d decimals", money.MaxRateScale)
	case r.Cmp(money.Rate{Units: MaxRatePercent}) > 0:
		e.Add(field, "must be at most %d", MaxRatePercent)
	}
}
