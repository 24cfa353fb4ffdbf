package servicing

import (
	"encoding/json"
	"fmt"
	"math"

	// Documents are read with segmentio's drop-in decoder, written with
	// encoding/json: a read decodes a document in a fifth of encoding/json's
	// time, and every loan close of business folds, every cold write and
	// every row of a page of loans reads one (BenchmarkDecodeTerms).
	// Writing stays with encoding/json, so stored documents do not change
	// by a byte; FuzzTermsDocDecodesAsStd holds the two decoders to the
	// same answers.
	segjson "github.com/segmentio/encoding/json"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// termsDoc is how a loan's terms are written down at origination: every
// value as the API spells it, so the stored document reads like the
// request and survives any change to the engine's in-memory types.
type termsDoc struct {
	Currency  string `json:"currency"`
	Principal string `json:"principal"`
	// Exactly one of the three rates is written: the one the loan was
	// quoted in. The annual equivalent of the others is recomputed on
	// reading; it is exact, so nothing is lost by not storing it.
	AnnualRatePercent  string `json:"annual_rate_percent,omitempty"`
	MonthlyRatePercent string `json:"monthly_rate_percent,omitempty"`
	DailyRatePercent   string `json:"daily_rate_percent,omitempty"`
	InstallmentCount   int    `json:"installment_count"`
	// InstallmentAmount is the level installment the count was derived
	// from, when the borrower chose one; the derived count is stored too.
	InstallmentAmount string `json:"installment_amount,omitempty"`
	FrequencyUnit     string `json:"frequency_unit"`
	FrequencyEvery    int    `json:"frequency_every"`
	// FrequencyDays are a SEMI_MONTH loan's two days of the month.
	FrequencyDays         []int  `json:"frequency_days,omitempty"`
	Method                string `json:"method"`
	DisbursementDate      string `json:"disbursement_date"`
	FirstDueDate          string `json:"first_due_date,omitempty"`
	InterestAccrual       string `json:"interest_accrual"`
	DayCount              string `json:"day_count"`
	RoundingMode          string `json:"rounding_mode"`
	InstallmentMultiple   string `json:"installment_multiple"`
	PrincipalGracePeriods int    `json:"principal_grace_periods"`
	InterestFreePeriods   int    `json:"interest_free_periods"`
	// PaymentTiming is written only for IN_ADVANCE, so documents from
	// before payment timing existed read as in arrears, as they were.
	PaymentTiming   string `json:"payment_timing,omitempty"`
	UpfrontFee      string `json:"upfront_fee"`
	AllocationOrder string `json:"allocation_order"`
	Prepayment      string `json:"prepayment"`
	Overpayment     string `json:"overpayment"`
	// Penalty is absent for a loan without a penalty policy.
	Penalty *penaltyDoc `json:"penalty,omitempty"`
	// InterestRecalculation is absent (false) in documents written before
	// it existed, which is what those loans are.
	InterestRecalculation bool `json:"interest_recalculation,omitempty"`
	// ApprovedAmount is absent for a loan that takes no tranches, as every
	// loan written before tranches existed.
	ApprovedAmount string `json:"approved_amount,omitempty"`
	// LevelOverActualPeriods is absent (false) in documents written before
	// it existed, which is what those loans are.
	LevelOverActualPeriods bool `json:"level_over_actual_periods,omitempty"`
	// EarlyPayment is written only for COVERS_NEXT_INSTALLMENT: absent, it
	// is PREPAY_PRINCIPAL, what loans booked before it do.
	EarlyPayment string `json:"early_payment,omitempty"`
	// Charges are absent in documents written before charges existed, and
	// in every one without them, so those documents read, and are
	// written, exactly as before (issue 20).
	Charges []chargeDoc `json:"charges,omitempty"`
	// APRPercent is the IRR APR of the schedule the loan was booked with,
	// at DefaultAPRDecimals: derived from the terms above, and written
	// down with them only because working it out again (a schedule and
	// an IRR solve, milliseconds for a long loan) would cost every read.
	// Absent in documents written before it existed; those loans work it
	// out on reading (loanAPR) rather than have their stored row
	// rewritten.
	APRPercent string `json:"apr_percent,omitempty"`
}

// penaltyDoc is a penalty policy as written down, every default filled in.
type penaltyDoc struct {
	AnnualRatePercent       string `json:"annual_rate_percent,omitempty"`
	MarkupPercent           string `json:"markup_percent,omitempty"`
	Basis                   string `json:"basis"`
	CompoundOverdueInterest bool   `json:"compound_overdue_interest"`
	DayCount                string `json:"day_count"`
	GraceDays               int    `json:"grace_days"`
	GraceMode               string `json:"grace_mode"`
	CapAnnualPercent        string `json:"cap_annual_percent,omitempty"`
	// OverdueContractInterest is absent for the default, BESIDE_PENALTY.
	OverdueContractInterest string `json:"overdue_contract_interest,omitempty"`
}

// chargeDoc is one charge as written down: kind and basis by the API's
// names without their prefixes, amounts in the loan's currency.
type chargeDoc struct {
	Kind                  string `json:"kind"`
	Amount                string `json:"amount,omitempty"`
	Percent               string `json:"percent,omitempty"`
	Basis                 string `json:"basis,omitempty"`
	Cap                   string `json:"cap,omitempty"`
	FreeAfterInstallments int    `json:"free_after_installments,omitempty"`
}

var (
	chargeKindNames  = []string{engine.ServiceFee: "SERVICE_FEE", engine.LateFee: "LATE_FEE", engine.PrepaymentFee: "PREPAYMENT_FEE", engine.UpfrontCharge: "UPFRONT"}
	chargeBasisNames = []string{engine.OriginalPrincipal: "ORIGINAL_PRINCIPAL", engine.OutstandingPrincipal: "OUTSTANDING_PRINCIPAL", engine.OverdueAmount: "OVERDUE_AMOUNT", engine.PrepaidPrincipal: "PREPAID_PRINCIPAL"}
	unitNames        = []string{engine.Month: "MONTH", engine.Week: "WEEK", engine.Day: "DAY", engine.SemiMonth: "SEMI_MONTH"}
	methodNames      = []string{engine.EqualInstallment: "EQUAL_INSTALLMENT", engine.EqualPrincipal: "EQUAL_PRINCIPAL", engine.InterestOnly: "INTEREST_ONLY", engine.Bullet: "BULLET", engine.Flat: "FLAT"}
	accrualNames     = []string{engine.Periodic: "PERIODIC", engine.Daily: "DAILY"}
	dayCountNames    = []string{engine.Act365Fixed: "ACT_365_FIXED", engine.Act360: "ACT_360", engine.Act364: "ACT_364", engine.Thirty360: "THIRTY_360", engine.ActAct: "ACT_ACT"}
	modeNames        = []string{money.HalfUp: "HALF_UP", money.HalfEven: "HALF_EVEN", money.Down: "DOWN", money.Up: "UP", money.Ceiling: "CEILING"}
	allocationNames  = []string{0: "INTEREST_FIRST", engine.InterestFirst: "INTEREST_FIRST", engine.PrincipalFirst: "PRINCIPAL_FIRST", engine.PenaltyFirst: "PENALTY_FIRST", engine.CivilCode: "CIVIL_CODE", engine.AllInterestFirst: "ALL_INTEREST_FIRST"}
	basisNames       = []string{0: "OVERDUE_PRINCIPAL", engine.OverduePrincipal: "OVERDUE_PRINCIPAL", engine.OverduePrincipalAndInterest: "OVERDUE_PRINCIPAL_AND_INTEREST"}
	graceModeNames   = []string{0: "FROM_DUE_DATE", engine.FromDueDate: "FROM_DUE_DATE", engine.FromGraceEnd: "FROM_GRACE_END"}
	prepaymentNames  = []string{0: "REDUCE_TERM", engine.ReduceTerm: "REDUCE_TERM", engine.ReduceInstallment: "REDUCE_INSTALLMENT", engine.KeepInstallment: "KEEP_INSTALLMENT"}
	overpaymentNames = []string{0: "REFUSE", engine.RefuseOverpayment: "REFUSE", engine.KeepCredit: "KEEP_CREDIT"}
	overdueNames     = []string{0: "", engine.BesidePenalty: "", engine.ReplacedByPenalty: "REPLACED_BY_PENALTY"}
)

// lookup finds a name's index; index 0 is never returned for names that
// also appear later (the zero-value defaults).
func lookup(names []string, s string) (int, error) {
	for i := len(names) - 1; i >= 1; i-- {
		if names[i] == s {
			return i, nil
		}
	}
	return 0, fmt.Errorf("unknown value %q", s)
}

// encodeTerms writes a loan's terms down, with the APR of its schedule
// (apr, at DefaultAPRDecimals; "" leaves it out).
func encodeTerms(t engine.Terms, apr string) ([]byte, error) {
	c := t.Currency
	d := termsDoc{
		APRPercent:            apr,
		Currency:              c.Code,
		Principal:             t.Principal.Format(c),
		InstallmentCount:      t.InstallmentCount,
		FrequencyUnit:         unitNames[t.Frequency.Unit],
		FrequencyEvery:        t.Frequency.Every,
		Method:                methodNames[t.Method],
		DisbursementDate:      t.DisbursementDate.String(),
		InterestAccrual:       accrualNames[t.InterestAccrual],
		DayCount:              dayCountNames[t.DayCount],
		RoundingMode:          modeNames[t.Rounding.Mode],
		InstallmentMultiple:   t.Rounding.Multiple.Format(c),
		PrincipalGracePeriods: t.PrincipalGracePeriods,
		InterestFreePeriods:   t.InterestFreePeriods,
		UpfrontFee:            t.UpfrontFee.Format(c),
		AllocationOrder:       allocationNames[t.Allocation],
		Prepayment:            prepaymentNames[t.Prepayment],
		Overpayment:           overpaymentNames[t.Overpayment],
		InterestRecalculation: t.InterestRecalculation,
	}
	d.LevelOverActualPeriods = t.LevelOverActualPeriods
	if t.Early == engine.CoversNextInstallment {
		d.EarlyPayment = "COVERS_NEXT_INSTALLMENT"
	}
	d.AnnualRatePercent, d.MonthlyRatePercent, d.DailyRatePercent = t.QuotedRateOf().Fields()
	if t.InstallmentAmount != 0 {
		d.InstallmentAmount = t.InstallmentAmount.Format(c)
	}
	if t.ApprovedAmount != 0 {
		d.ApprovedAmount = t.ApprovedAmount.Format(c)
	}
	if t.Timing == engine.InAdvance {
		d.PaymentTiming = "IN_ADVANCE"
	}
	if t.Frequency.Days != [2]int{} {
		d.FrequencyDays = t.Frequency.Days[:]
	}
	if t.FirstDueDate != engine.NoDate {
		d.FirstDueDate = t.FirstDueDate.String()
	}
	d.Charges = encodeCharges(t)
	if t.HasPenalty {
		p := t.Penalty.WithDefaults()
		d.Penalty = &penaltyDoc{Basis: basisNames[p.Basis], CompoundOverdueInterest: p.CompoundOverdueInterest,
			DayCount: dayCountNames[p.DayCount], GraceDays: p.GraceDays, GraceMode: graceModeNames[p.GraceMode],
			OverdueContractInterest: overdueNames[p.OverdueInterest]}
		if p.HasAnnualRate {
			d.Penalty.AnnualRatePercent = p.AnnualRate.String()
		} else {
			d.Penalty.MarkupPercent = p.MarkupPercent.String()
		}
		if p.HasCap {
			d.Penalty.CapAnnualPercent = p.CapAnnualPercent.String()
		}
	}
	return json.Marshal(d)
}

// encodeCharges writes the terms' charges down; nil for none.
func encodeCharges(t engine.Terms) []chargeDoc {
	var out []chargeDoc
	for _, ch := range t.Charges {
		cd := chargeDoc{Kind: chargeKindNames[ch.Kind], FreeAfterInstallments: ch.FreeAfterInstallments}
		if ch.Amount != 0 {
			cd.Amount = ch.Amount.Format(t.Currency)
		}
		if !ch.Percent.IsZero() {
			cd.Percent, cd.Basis = ch.Percent.String(), chargeBasisNames[ch.Basis]
		}
		if ch.Cap != 0 {
			cd.Cap = ch.Cap.Format(t.Currency)
		}
		out = append(out, cd)
	}
	return out
}

// charges reads the charges as written down.
func (r *docReader) charges(docs []chargeDoc, c money.Currency) []engine.Charge {
	var out []engine.Charge
	for _, cd := range docs {
		ch := engine.Charge{Kind: engine.ChargeKind(r.name(chargeKindNames, cd.Kind)), FreeAfterInstallments: cd.FreeAfterInstallments}
		if cd.Amount != "" {
			ch.Amount = r.amount(cd.Amount, c)
		}
		if cd.Percent != "" {
			ch.Percent = r.rate(cd.Percent, engine.MaxChargePercent)
			ch.Basis = engine.ChargeBasis(r.name(chargeBasisNames, cd.Basis))
		}
		if cd.Cap != "" {
			ch.Cap = r.amount(cd.Cap, c)
		}
		out = append(out, ch)
	}
	return out
}

// DecodeTerms reads a terms document written at origination, reporting
// every value that does not parse.
func DecodeTerms(b []byte) (engine.Terms, error) {
	t, _, _, err := decodeTerms(b)
	return t, err
}

// decodeTerms reads a terms document and the APR it was booked with:
// hasAPR is false for a document written before the APR was stored.
func decodeTerms(b []byte) (t engine.Terms, apr money.Rate, hasAPR bool, err error) {
	var d termsDoc
	if err := segjson.Unmarshal(b, &d); err != nil {
		return engine.Terms{}, apr, false, fmt.Errorf("terms document: %w", err)
	}
	t, err = d.terms()
	if err != nil || d.APRPercent == "" {
		return t, apr, false, err
	}
	apr, err = money.ParseRate(d.APRPercent, maxStoredAPRPercent)
	if err == nil && apr.Scale > DefaultAPRDecimals {
		err = fmt.Errorf("more than %d decimal places", DefaultAPRDecimals)
	}
	if err != nil {
		return t, apr, false, fmt.Errorf("terms document: apr_percent %q: %w", d.APRPercent, err)
	}
	// ParseRate drops trailing zeros; the APR is shown with all its
	// places, as QuoteSchedule shows it ("12.00").
	for apr.Scale < DefaultAPRDecimals {
		apr.Units, apr.Scale = apr.Units*10, apr.Scale+1
	}
	return t, apr, true, nil
}

// maxStoredAPRPercent bounds a stored APR as read back: the largest an
// APR at DefaultAPRDecimals can be (ScheduleAPR's ceiling).
const maxStoredAPRPercent = math.MaxInt64 / 100

// terms reads the document's terms.
func (d termsDoc) terms() (engine.Terms, error) {
	c, ok := money.LookupCurrency(d.Currency)
	if !ok {
		return engine.Terms{}, fmt.Errorf("terms document: unknown currency %q", d.Currency)
	}
	var r docReader
	t := engine.Terms{
		Currency:              c,
		Principal:             r.amount(d.Principal, c),
		InstallmentCount:      d.InstallmentCount,
		Frequency:             engine.Frequency{Unit: engine.FrequencyUnit(r.name(unitNames, d.FrequencyUnit)), Every: d.FrequencyEvery},
		Method:                engine.Method(r.name(methodNames, d.Method)),
		DisbursementDate:      r.date(d.DisbursementDate),
		FirstDueDate:          engine.NoDate,
		InterestAccrual:       engine.Accrual(r.name(accrualNames, d.InterestAccrual)),
		DayCount:              engine.DayCount(r.name(dayCountNames, d.DayCount)),
		Rounding:              engine.Rounding{Mode: money.RoundingMode(r.name(modeNames, d.RoundingMode)), Multiple: r.amount(d.InstallmentMultiple, c)},
		PrincipalGracePeriods: d.PrincipalGracePeriods,
		InterestFreePeriods:   d.InterestFreePeriods,
		UpfrontFee:            r.amount(d.UpfrontFee, c),
		Allocation:            engine.AllocationOrder(r.name(allocationNames, d.AllocationOrder)),
		Prepayment:            engine.PrepaymentPolicy(r.name(prepaymentNames, d.Prepayment)),
		Overpayment:           engine.OverpaymentPolicy(r.name(overpaymentNames, d.Overpayment)),
		InterestRecalculation: d.InterestRecalculation,
	}
	r.policies(&d, &t)
	if d.InstallmentAmount != "" {
		t.InstallmentAmount = r.amount(d.InstallmentAmount, c)
	}
	if d.ApprovedAmount != "" {
		t.ApprovedAmount = r.amount(d.ApprovedAmount, c)
	}
	if len(d.FrequencyDays) == 2 {
		t.Frequency.Days = [2]int{d.FrequencyDays[0], d.FrequencyDays[1]}
	}
	switch d.PaymentTiming {
	case "":
	case "IN_ADVANCE":
		t.Timing = engine.InAdvance
	default:
		r.errs = append(r.errs, fmt.Errorf("unknown payment_timing %q", d.PaymentTiming))
	}
	if d.FirstDueDate != "" {
		t.FirstDueDate = r.date(d.FirstDueDate)
	}
	if d.Penalty != nil {
		t.HasPenalty, t.Penalty = true, r.penalty(*d.Penalty)
	}
	t.Charges = r.charges(d.Charges, c)
	if len(r.errs) > 0 {
		return t, fmt.Errorf("terms document: %v", r.errs)
	}
	return t, nil
}

// policies reads the document's early payment policy and quoted rate
// into t (terms): the fields whose absence means a default.
func (r *docReader) policies(d *termsDoc, t *engine.Terms) {
	t.LevelOverActualPeriods = d.LevelOverActualPeriods
	switch d.EarlyPayment {
	case "":
		// As the API reads an unspecified policy.
		t.Early = engine.PrepayPrincipal
	case "COVERS_NEXT_INSTALLMENT":
		t.Early = engine.CoversNextInstallment
	default:
		r.errs = append(r.errs, fmt.Errorf("unknown early_payment %q", d.EarlyPayment))
	}
	switch {
	case d.MonthlyRatePercent != "":
		t.SetQuotedRate(engine.QuotedRate{Unit: engine.PerMonth, Rate: r.rate(d.MonthlyRatePercent, engine.MaxRatePercent)})
	case d.DailyRatePercent != "":
		t.SetQuotedRate(engine.QuotedRate{Unit: engine.PerDay, Rate: r.rate(d.DailyRatePercent, engine.MaxRatePercent)})
	default:
		t.AnnualRate = r.rate(d.AnnualRatePercent, engine.MaxRatePercent)
	}
}

// penalty reads a penalty policy as written down.
func (r *docReader) penalty(pd penaltyDoc) engine.PenaltyPolicy {
	p := engine.PenaltyPolicy{
		Basis:                   engine.PenaltyBasis(r.name(basisNames, pd.Basis)),
		DayCount:                engine.DayCount(r.name(dayCountNames, pd.DayCount)),
		GraceMode:               engine.GraceMode(r.name(graceModeNames, pd.GraceMode)),
		CompoundOverdueInterest: pd.CompoundOverdueInterest,
		GraceDays:               pd.GraceDays,
	}
	if pd.OverdueContractInterest != "" {
		p.OverdueInterest = engine.OverdueInterestPolicy(r.name(overdueNames, pd.OverdueContractInterest))
	}
	if pd.AnnualRatePercent != "" {
		p.AnnualRate, p.HasAnnualRate = r.rate(pd.AnnualRatePercent, engine.MaxRatePercent), true
	}
	if pd.MarkupPercent != "" {
		p.MarkupPercent, p.HasMarkupPercent = r.rate(pd.MarkupPercent, engine.MaxMarkupPercent), true
	}
	if pd.CapAnnualPercent != "" {
		p.CapAnnualPercent, p.HasCap = r.rate(pd.CapAnnualPercent, engine.MaxRatePercent), true
	}
	return p
}

// principalDoc is the part of a terms document PrincipalOf reads.
type principalDoc struct {
	Currency  string `json:"currency"`
	Principal string `json:"principal"`
}

// PrincipalOf reads a terms document's principal alone, formatted in its
// currency, as a list of loans shows it: a whole document decoded into
// terms for every row of a page cost more than the page's query.
func PrincipalOf(doc []byte) (string, error) {
	var d principalDoc
	if err := segjson.Unmarshal(doc, &d); err != nil {
		return "", fmt.Errorf("terms document: %w", err)
	}
	c, ok := money.LookupCurrency(d.Currency)
	if !ok {
		return "", fmt.Errorf("terms document: unknown currency %q", d.Currency)
	}
	a, err := money.ParseAmount(d.Principal, c)
	if err != nil {
		return "", fmt.Errorf("terms document: principal: %w", err)
	}
	return a.Format(c), nil
}
