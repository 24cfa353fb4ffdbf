package grpcapi

import (
	"errors"
	"strings"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// anyPrecision parses amounts whose currency is unknown or absent: enough
// decimal places to report syntax errors without inventing precision errors.
var anyPrecision = money.Currency{Code: "", MinorUnits: 4}

// parser reads request fields into engine values, collecting a violation per
// bad field instead of stopping at the first.
type parser struct {
	errs engine.InvalidError
}

func (p *parser) add(field, format string, args ...any) {
	p.errs.Add(field, format, args...)
}

// describe turns a money parse error into a field description; example is
// a valid value to show when the syntax is wrong.
func describe(err error, example string) string {
	if errors.Is(err, money.ErrSyntax) {
		return "must be a decimal number such as \"" + example + "\""
	}
	return err.Error()
}

func (p *parser) currency(field, code string) (money.Currency, bool) {
	if code == "" {
		p.add(field, "required: an ISO 4217 code such as \"CNY\"")
		return anyPrecision, false
	}
	c, ok := money.LookupCurrency(strings.ToUpper(code))
	if !ok {
		p.add(field, "unknown ISO 4217 currency %s", money.QuoteInput(code))
		return anyPrecision, false
	}
	return c, true
}

// amount parses a required amount; an empty optional amount is zero.
func (p *parser) amount(field, s string, c money.Currency, required bool) money.Amount {
	if s == "" {
		if required {
			p.add(field, "required")
		}
		return 0
	}
	a, err := money.ParseAmount(s, c)
	if err != nil {
		p.add(field, "%s", describe(err, "1000.00"))
		return 0
	}
	return a
}

func (p *parser) rate(field, s string) money.Rate {
	if s == "" {
		p.add(field, "required: a percentage per year such as \"4.9\"")
		return money.Rate{}
	}
	r, err := money.ParseRate(s, engine.MaxRatePercent)
	if err != nil {
		p.add(field, "%s", describe(err, "4.9"))
		return money.Rate{}
	}
	return r
}

func (p *parser) date(field, s string, required bool) engine.Date {
	if s == "" {
		if required {
			p.add(field, "required: a date as YYYY-MM-DD")
		}
		return engine.NoDate
	}
	d, err := engine.ParseDate(s)
	if err != nil {
		p.add(field, "%v", err)
		return engine.NoDate
	}
	return d
}

// frequency reads a Frequency. use says what it is for: a loan's terms
// take SEMI_MONTH with its days, an APR's unit period SEMI_MONTH without
// days (Appendix J needs none), and a reamortisation neither, since an
// agreement does not record the days.
func (p *parser) frequency(field string, f *loancorev1.Frequency, use frequencyUse) engine.Frequency {
	out := engine.Frequency{Unit: engine.Month, Every: 1}
	if f == nil {
		return out
	}
	switch f.GetUnit() {
	case loancorev1.FrequencyUnit_FREQUENCY_UNIT_UNSPECIFIED, loancorev1.FrequencyUnit_FREQUENCY_UNIT_MONTH:
	case loancorev1.FrequencyUnit_FREQUENCY_UNIT_WEEK:
		out.Unit = engine.Week
	case loancorev1.FrequencyUnit_FREQUENCY_UNIT_DAY:
		out.Unit = engine.Day
	case loancorev1.FrequencyUnit_FREQUENCY_UNIT_SEMI_MONTH:
		out.Unit = engine.SemiMonth
		if use == reamortisationFrequency {
			p.add(field+".unit", "SEMI_MONTH is not available for a reamortisation")
		}
	default:
		p.add(field+".unit", "unknown value %d", f.GetUnit())
		out.Unit = 0
	}
	if f.GetEvery() != 0 {
		out.Every = int(f.GetEvery())
	}
	p.daysOfMonth(field, f.GetDaysOfMonth(), use, &out)
	return out
}

// frequencyUse is what a Frequency is read for.
type frequencyUse uint8

// The uses of a Frequency.
const (
	termsFrequency frequencyUse = iota
	aprUnitPeriod
	reamortisationFrequency
)

// daysOfMonth reads days_of_month: in a loan's terms, two days for
// SEMI_MONTH (default 1 and 16) and none for the other units, which
// engine.Terms.Validate checks; anywhere else, none.
func (p *parser) daysOfMonth(field string, days []int32, use frequencyUse, out *engine.Frequency) {
	switch {
	case len(days) > 0 && use != termsFrequency:
		p.add(field+".days_of_month", "only in a loan's terms")
	case len(days) > 0 && len(days) != 2:
		p.add(field+".days_of_month", "two days, or none for the default 1 and 16")
	case len(days) == 2:
		out.Days = [2]int{int(days[0]), int(days[1])}
	case out.Unit == engine.SemiMonth && use == termsFrequency:
		out.Days = engine.DefaultSemiMonthDays
	}
}

// paymentTiming reads payment_timing; unset is in arrears.
func (p *parser) paymentTiming(field string, v loancorev1.PaymentTiming) engine.PaymentTiming {
	switch v {
	case loancorev1.PaymentTiming_PAYMENT_TIMING_UNSPECIFIED, loancorev1.PaymentTiming_PAYMENT_TIMING_IN_ARREARS:
		return engine.InArrears
	case loancorev1.PaymentTiming_PAYMENT_TIMING_IN_ADVANCE:
		return engine.InAdvance
	}
	p.enumUnknown(field, int32(v))
	return engine.InArrears
}

func (p *parser) enumUnknown(field string, v int32) {
	p.add(field, "unknown value %d", v)
}

// terms converts the API's LoanTerms into engine terms, applying the
// documented defaults. Field paths are prefixed with prefix ("terms.").
// Each enum and the rounding have a reader of their own, so this reads as
// the list of the fields it fills; the order of the calls is the order of
// the violations a bad request gets back.
func (p *parser) terms(prefix string, in *loancorev1.LoanTerms) engine.Terms {
	if in == nil {
		p.add(strings.TrimSuffix(prefix, "."), "required")
		return engine.Terms{}
	}
	f := func(name string) string { return prefix + name }
	var t engine.Terms
	cur, curOK := p.currency(f("currency"), in.GetCurrency())
	if curOK {
		t.Currency = cur
	}
	t.Principal = p.amount(f("principal"), in.GetPrincipal(), cur, true)
	quoted := p.contractRate(f, in)
	t.InstallmentCount = int(in.GetInstallmentCount())
	t.Frequency = p.frequency(f("frequency"), in.GetFrequency(), termsFrequency)

	t.Method = p.method(f("method"), in.GetMethod())

	t.DisbursementDate = p.date(f("disbursement_date"), in.GetDisbursementDate(), true)
	t.FirstDueDate = p.date(f("first_due_date"), in.GetFirstDueDate(), false)

	t.InterestAccrual = p.interestAccrual(f("interest_accrual"), in.GetInterestAccrual())
	t.DayCount = p.dayCount(f("day_count"), in.GetDayCount())
	t.SetQuotedRate(quoted) // its annual equivalent needs the day count
	t.Rounding = p.rounding(prefix+"rounding.", in.GetRounding(), cur, curOK)
	t.Allocation = p.allocationOrder(f("allocation_order"), in.GetAllocationOrder())
	t.Prepayment = p.prepayment(f("prepayment"), in.GetPrepayment())
	t.Early = p.earlyPayment(f("early_payment"), in.GetEarlyPayment())
	t.Overpayment = p.overpayment(f("overpayment"), in.GetOverpayment())
	t.PrincipalGracePeriods = int(in.GetPrincipalGracePeriods())
	t.InterestFreePeriods = int(in.GetInterestFreePeriods())
	t.Timing = p.paymentTiming(f("payment_timing"), in.GetPaymentTiming())
	t.UpfrontFee = p.amount(f("upfront_fee"), in.GetUpfrontFee(), cur, false)
	t.Charges = p.charges(prefix, in.GetCharges(), cur)
	if pen := in.GetPenalty(); pen != nil {
		t.HasPenalty = true
		t.Penalty = p.penalty(prefix+"penalty.", pen)
	}
	t.InterestRecalculation = in.GetInterestRecalculation()
	t.ApprovedAmount = p.amount(f("approved_amount"), in.GetApprovedAmount(), cur, false)
	t.LevelOverActualPeriods = in.GetLevelInstallmentOverActualPeriods()
	p.installmentAmount(prefix, in, &t)
	return t
}

// installmentAmount reads installment_amount and derives the number of
// installments from it. Deriving builds rows, so it needs terms that
// parsed; when some field did not, the request is refused anyway and the
// count is set to 1 only so that no misleading complaint about
// installment_count is added to the real ones.
func (p *parser) installmentAmount(prefix string, in *loancorev1.LoanTerms, t *engine.Terms) {
	s := in.GetInstallmentAmount()
	if s == "" {
		return
	}
	t.InstallmentAmount = p.amount(prefix+"installment_amount", s, t.Currency, true)
	if p.errs.Err() != nil {
		t.InstallmentCount = max(t.InstallmentCount, 1)
		return
	}
	var inv *engine.InvalidError
	if errors.As(t.DeriveInstallmentCount(), &inv) {
		p.errs.Violations = append(p.errs.Violations, inv.Prefixed(prefix).Violations...)
	}
}

// contractRate reads the contract rate from whichever one of
// annual_rate_percent, monthly_rate_percent and daily_rate_percent is
// given. Each extra one is reported under its own field, so the message
// names what to remove; annual_rate_equivalent_percent is output only and
// not read.
func (p *parser) contractRate(f func(string) string, in *loancorev1.LoanTerms) engine.QuotedRate {
	given := []struct {
		unit    engine.RateUnit
		s, eg   string
		perWhat string
	}{
		{engine.PerYear, in.GetAnnualRatePercent(), "4.9", "year"},
		{engine.PerMonth, in.GetMonthlyRatePercent(), "1.5", "month"},
		{engine.PerDay, in.GetDailyRatePercent(), "0.05", "day"},
	}
	var q engine.QuotedRate
	n := 0
	for _, g := range given {
		if g.s == "" {
			continue
		}
		field := f(g.unit.Field())
		if n++; n > 1 {
			p.add(field, "give only one of annual_rate_percent, monthly_rate_percent and daily_rate_percent")
			continue
		}
		r, err := money.ParseRate(g.s, engine.MaxRatePercent)
		if err != nil {
			p.add(field, "%s", describe(err, g.eg))
		}
		q = engine.QuotedRate{Unit: g.unit, Rate: r}
	}
	if n == 0 {
		p.add(f("annual_rate_percent"), "required: a percentage per year such as \"4.9\" (or monthly_rate_percent, or daily_rate_percent)")
	}
	return q
}

// interestAccrual reads the interest accrual; unspecified is PERIODIC, the
// default the proto documents. An unknown value is reported under its
// field and read as zero, so the engine's own complaint about the field is
// dropped by err rather than said twice.
func (p *parser) interestAccrual(field string, v loancorev1.InterestAccrual) engine.Accrual {
	switch v {
	case loancorev1.InterestAccrual_INTEREST_ACCRUAL_UNSPECIFIED, loancorev1.InterestAccrual_INTEREST_ACCRUAL_PERIODIC:
		return engine.Periodic
	case loancorev1.InterestAccrual_INTEREST_ACCRUAL_DAILY:
		return engine.Daily
	default:
		p.enumUnknown(field, int32(v))
		return 0
	}
}

// rounding reads the rounding; absent or unspecified parts default to
// HALF_UP and one minor unit. prefix is the rounding's path ("terms.rounding.").
// The multiple is an amount in the loan's currency, so it is held to the
// currency's minor unit only when the currency itself was valid; otherwise
// the currency's violation is the one to fix.
func (p *parser) rounding(prefix string, r *loancorev1.Rounding, cur money.Currency, curOK bool) engine.Rounding {
	out := engine.Rounding{Mode: money.HalfUp, Multiple: 1}
	if r == nil {
		return out
	}
	switch r.GetMode() {
	case loancorev1.RoundingMode_ROUNDING_MODE_UNSPECIFIED, loancorev1.RoundingMode_ROUNDING_MODE_HALF_UP:
	case loancorev1.RoundingMode_ROUNDING_MODE_HALF_EVEN:
		out.Mode = money.HalfEven
	case loancorev1.RoundingMode_ROUNDING_MODE_DOWN:
		out.Mode = money.Down
	case loancorev1.RoundingMode_ROUNDING_MODE_UP:
		out.Mode = money.Up
	case loancorev1.RoundingMode_ROUNDING_MODE_CEILING:
		out.Mode = money.Ceiling
	default:
		p.enumUnknown(prefix+"mode", int32(r.GetMode()))
	}
	if s := r.GetInstallmentMultiple(); s != "" {
		m := p.amount(prefix+"installment_multiple", s, cur, true)
		if m > 0 {
			out.Multiple = m
		} else if curOK {
			p.add(prefix+"installment_multiple", "must be at least %s", money.Amount(1).Format(cur))
		}
	}
	return out
}

// allocationOrder reads the allocation order; unspecified is
// INTEREST_FIRST, the default the proto documents. An unknown value is
// reported under its field and read as zero, as interestAccrual explains.
func (p *parser) allocationOrder(field string, v loancorev1.AllocationOrder) engine.AllocationOrder {
	switch v {
	case loancorev1.AllocationOrder_ALLOCATION_ORDER_UNSPECIFIED, loancorev1.AllocationOrder_ALLOCATION_ORDER_INTEREST_FIRST:
		return engine.InterestFirst
	case loancorev1.AllocationOrder_ALLOCATION_ORDER_PRINCIPAL_FIRST:
		return engine.PrincipalFirst
	case loancorev1.AllocationOrder_ALLOCATION_ORDER_PENALTY_FIRST:
		return engine.PenaltyFirst
	case loancorev1.AllocationOrder_ALLOCATION_ORDER_CIVIL_CODE:
		return engine.CivilCode
	case loancorev1.AllocationOrder_ALLOCATION_ORDER_ALL_INTEREST_FIRST:
		return engine.AllInterestFirst
	default:
		p.enumUnknown(field, int32(v))
		return 0
	}
}

// prepayment reads the prepayment policy; unspecified is REDUCE_TERM, the
// default the proto documents. An unknown value is reported under its
// field and read as zero, as interestAccrual explains.
func (p *parser) prepayment(field string, v loancorev1.PrepaymentPolicy) engine.PrepaymentPolicy {
	switch v {
	case loancorev1.PrepaymentPolicy_PREPAYMENT_POLICY_UNSPECIFIED, loancorev1.PrepaymentPolicy_PREPAYMENT_POLICY_REDUCE_TERM:
		return engine.ReduceTerm
	case loancorev1.PrepaymentPolicy_PREPAYMENT_POLICY_REDUCE_INSTALLMENT:
		return engine.ReduceInstallment
	case loancorev1.PrepaymentPolicy_PREPAYMENT_POLICY_KEEP_INSTALLMENT:
		return engine.KeepInstallment
	default:
		p.enumUnknown(field, int32(v))
		return 0
	}
}

// earlyPayment reads the early payment policy; unspecified is
// PREPAY_PRINCIPAL, the default the proto documents. An unknown value is
// reported under its field and read as zero, as interestAccrual explains.
func (p *parser) earlyPayment(field string, v loancorev1.EarlyPayment) engine.EarlyPayment {
	switch v {
	case loancorev1.EarlyPayment_EARLY_PAYMENT_UNSPECIFIED, loancorev1.EarlyPayment_EARLY_PAYMENT_PREPAY_PRINCIPAL:
		return engine.PrepayPrincipal
	case loancorev1.EarlyPayment_EARLY_PAYMENT_COVERS_NEXT_INSTALLMENT:
		return engine.CoversNextInstallment
	default:
		p.enumUnknown(field, int32(v))
		return 0
	}
}

// overpayment reads the overpayment policy; unspecified is REFUSE, the
// default the proto documents. An unknown value is reported under its
// field and read as zero, as interestAccrual explains.
func (p *parser) overpayment(field string, v loancorev1.OverpaymentPolicy) engine.OverpaymentPolicy {
	switch v {
	case loancorev1.OverpaymentPolicy_OVERPAYMENT_POLICY_UNSPECIFIED, loancorev1.OverpaymentPolicy_OVERPAYMENT_POLICY_REFUSE:
		return engine.RefuseOverpayment
	case loancorev1.OverpaymentPolicy_OVERPAYMENT_POLICY_KEEP_CREDIT:
		return engine.KeepCredit
	default:
		p.enumUnknown(field, int32(v))
		return 0
	}
}

// penalty converts a penalty policy; the engine fills in the defaults of
// the parts left empty.
func (p *parser) penalty(prefix string, in *loancorev1.PenaltyPolicy) engine.PenaltyPolicy {
	var out engine.PenaltyPolicy
	optionalRate := func(field, s string, maxPercent int64) (money.Rate, bool) {
		if s == "" {
			return money.Rate{}, false
		}
		r, err := money.ParseRate(s, maxPercent)
		if err != nil {
			p.add(prefix+field, "%s", describe(err, "50"))
			return money.Rate{}, false
		}
		return r, true
	}
	out.AnnualRate, out.HasAnnualRate = optionalRate("annual_rate_percent", in.GetAnnualRatePercent(), engine.MaxRatePercent)
	out.MarkupPercent, out.HasMarkupPercent = optionalRate("markup_percent", in.GetMarkupPercent(), engine.MaxMarkupPercent)
	out.CapAnnualPercent, out.HasCap = optionalRate("cap_annual_percent", in.GetCapAnnualPercent(), engine.MaxRatePercent)
	switch in.GetBasis() {
	case loancorev1.PenaltyBasis_PENALTY_BASIS_UNSPECIFIED, loancorev1.PenaltyBasis_PENALTY_BASIS_OVERDUE_PRINCIPAL:
		out.Basis = engine.OverduePrincipal
	case loancorev1.PenaltyBasis_PENALTY_BASIS_OVERDUE_PRINCIPAL_AND_INTEREST:
		out.Basis = engine.OverduePrincipalAndInterest
	default:
		p.enumUnknown(prefix+"basis", int32(in.GetBasis()))
	}
	out.CompoundOverdueInterest = in.GetCompoundOverdueInterest()
	out.DayCount = p.dayCount(prefix+"day_count", in.GetDayCount())
	out.GraceDays = int(in.GetGraceDays())
	switch in.GetGraceMode() {
	case loancorev1.GraceMode_GRACE_MODE_UNSPECIFIED, loancorev1.GraceMode_GRACE_MODE_FROM_DUE_DATE:
		out.GraceMode = engine.FromDueDate
	case loancorev1.GraceMode_GRACE_MODE_FROM_GRACE_END:
		out.GraceMode = engine.FromGraceEnd
	default:
		p.enumUnknown(prefix+"grace_mode", int32(in.GetGraceMode()))
	}
	switch in.GetOverdueContractInterest() {
	case loancorev1.OverdueContractInterest_OVERDUE_CONTRACT_INTEREST_UNSPECIFIED, loancorev1.OverdueContractInterest_OVERDUE_CONTRACT_INTEREST_BESIDE_PENALTY:
		out.OverdueInterest = engine.BesidePenalty
	case loancorev1.OverdueContractInterest_OVERDUE_CONTRACT_INTEREST_REPLACED_BY_PENALTY:
		out.OverdueInterest = engine.ReplacedByPenalty
	default:
		p.enumUnknown(prefix+"overdue_contract_interest", int32(in.GetOverdueContractInterest()))
	}
	return out
}

// dayCount reads a day count; unspecified is ACT/360, the PBoC's
// convention.
func (p *parser) dayCount(field string, v loancorev1.DayCount) engine.DayCount {
	if v == loancorev1.DayCount_DAY_COUNT_UNSPECIFIED {
		return engine.Act360
	}
	for dc, pv := range dayCountToProto {
		if pv == v {
			return dc
		}
	}
	p.enumUnknown(field, int32(v))
	return 0
}

// err returns the collected violations. When there are any and the request
// has terms, it adds the violations the engine finds in the terms for fields
// not already reported, so one round trip names every bad field.
func (p *parser) err(prefix string, t *engine.Terms) error {
	if p.errs.Err() == nil {
		return nil
	}
	if t == nil {
		return &p.errs
	}
	// A field that failed to parse holds its zero value; the engine's
	// complaint about it would repeat the parse error in other words.
	reported := map[string]bool{}
	for _, v := range p.errs.Violations {
		reported[topField(prefix, v.Field)] = true
	}
	var inv *engine.InvalidError
	if errors.As(t.Validate(), &inv) {
		for _, v := range inv.Prefixed(prefix).Violations {
			if !reported[topField(prefix, v.Field)] {
				p.errs.Violations = append(p.errs.Violations, v)
			}
		}
	}
	return &p.errs
}

// topField returns the first path segment after prefix: "frequency" for
// "terms.frequency.every".
func topField(prefix, path string) string {
	seg, _, _ := strings.Cut(strings.TrimPrefix(path, prefix), ".")
	return seg
}

// aprDecimals reads an optional decimal-places field.
func (p *parser) aprDecimals(field string, v *int32, def int) int {
	if v == nil {
		return def
	}
	if *v < 0 || *v > engine.MaxAPRDecimals {
		p.add(field, "must be between 0 and %d", engine.MaxAPRDecimals)
		return def
	}
	return int(*v)
}

// method parses a required repayment method.
func (p *parser) method(field string, v loancorev1.RepaymentMethod) engine.Method {
	switch v {
	case loancorev1.RepaymentMethod_REPAYMENT_METHOD_UNSPECIFIED:
		p.add(field, "required: one of EQUAL_INSTALLMENT, EQUAL_PRINCIPAL, INTEREST_ONLY, BULLET, FLAT")
	case loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT:
		return engine.EqualInstallment
	case loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_PRINCIPAL:
		return engine.EqualPrincipal
	case loancorev1.RepaymentMethod_REPAYMENT_METHOD_INTEREST_ONLY:
		return engine.InterestOnly
	case loancorev1.RepaymentMethod_REPAYMENT_METHOD_BULLET:
		return engine.Bullet
	case loancorev1.RepaymentMethod_REPAYMENT_METHOD_FLAT:
		return engine.Flat
	default:
		p.enumUnknown(field, int32(v))
	}
	return 0
}

// filterName returns the servicing name of an optional enum filter: "" when
// it is unset, else the name names maps to it; a value not there is a
// violation of field.
func filterName[E ~int32](p *parser, field string, v E, names map[string]E) string {
	if v == 0 {
		return ""
	}
	for name, x := range names {
		if x == v {
			return name
		}
	}
	p.enumUnknown(field, int32(v))
	return ""
}
