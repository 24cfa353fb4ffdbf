package servicing

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// Restructuring agreements (信用协商) are events in their loan's log:
// AGREEMENT_PROPOSED carries the agreement with its quote frozen in it,
// AGREEMENT_ACCEPTED (value date = effective date) makes the fold apply
// the changes, AGREEMENT_CANCELLED withdraws a proposal and
// AGREEMENT_BROKEN, written by close of business, ends one. An
// agreement's status is worked out from those events and the fold; the
// agreements table is only a projection for lookups.

// Agreement statuses.
const (
	AgreementProposed  = "PROPOSED"
	AgreementActive    = "ACTIVE"
	AgreementCancelled = "CANCELLED"
	AgreementExpired   = "EXPIRED"
	AgreementBroken    = "BROKEN"
	AgreementCompleted = "COMPLETED"
)

// RestructuringPolicy holds the eligibility rules of agreements and how a
// restructured loan is classified. Zero fields take the defaults.
type RestructuringPolicy struct {
	// MaxAgreementsPerLoan is how many agreements a loan may have signed
	// over its life; default 3.
	MaxAgreementsPerLoan int
	// MinOnTimeBetweenDeferrals is how many installments of the previous
	// agreement's plan must have been paid on time before another
	// deferral (term extension, payment holiday, re-amortisation) takes
	// effect; default 3, negative turns the rule off.
	MinOnTimeBetweenDeferrals int
	// MaxExtensionMonths bounds how far past the contract's maturity a
	// plan may end (freeze plans aside); default 36.
	MaxExtensionMonths int
	// MaxFreezeInstallments bounds an interest freeze plan, at most 60
	// (the default).
	MaxFreezeInstallments int
	// ObservationMonths is how long after its effective date an agreement
	// keeps the loan marked restructured; default 12.
	ObservationMonths int
	// RiskFloor is the best risk class a restructured loan may have;
	// default SUBSTANDARD (次级), as for a borrower in financial
	// difficulty.
	RiskFloor engine.RiskClass
	// APRCapPercent is the APR a quote's within_cap compares against;
	// default 24.
	APRCapPercent money.Rate
	// DefaultBreakAfterMissed is break_after_missed when a proposal gives
	// none; default 2.
	DefaultBreakAfterMissed int
	// ProposalDays is how long a proposal stays open when it gives no
	// expires_on; default 14.
	ProposalDays int
}

// DefaultRestructuringPolicy is the policy with every default.
var DefaultRestructuringPolicy = RestructuringPolicy{}.WithDefaults()

// WithDefaults returns the policy with its zero fields set to the defaults.
func (p RestructuringPolicy) WithDefaults() RestructuringPolicy {
	def := func(v *int, d int) {
		if *v == 0 {
			*v = d
		}
	}
	def(&p.MaxAgreementsPerLoan, 3)
	def(&p.MinOnTimeBetweenDeferrals, 3)
	def(&p.MaxExtensionMonths, 36)
	def(&p.MaxFreezeInstallments, engine.MaxFreezeInstallments)
	def(&p.ObservationMonths, 12)
	def(&p.DefaultBreakAfterMissed, 2)
	def(&p.ProposalDays, 14)
	if p.RiskFloor == 0 {
		p.RiskFloor = engine.RiskSubstandard
	}
	if p.APRCapPercent.IsZero() {
		p.APRCapPercent = money.Rate{Units: 24}
	}
	return p
}

// Validate reports a policy out of range.
func (p RestructuringPolicy) Validate() error {
	switch {
	case p.MaxAgreementsPerLoan < 0, p.MaxExtensionMonths < 0, p.ObservationMonths < 0,
		p.DefaultBreakAfterMissed < 0, p.ProposalDays < 0:
		return errors.New("restructuring policy: limits must not be negative")
	case p.MaxFreezeInstallments < 0 || p.MaxFreezeInstallments > engine.MaxFreezeInstallments:
		return fmt.Errorf("restructuring policy: max freeze installments must be between 1 and %d", engine.MaxFreezeInstallments)
	case p.RiskFloor > engine.RiskLoss:
		return errors.New("restructuring policy: unknown risk floor")
	}
	return nil
}

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

// QuoteRow is one installment of a quoted plan.
type QuoteRow struct {
	Number       int    `json:"number"`
	StartDate    string `json:"start_date"`
	DueDate      string `json:"due_date"`
	Principal    string `json:"principal"`
	Interest     string `json:"interest"`
	Total        string `json:"total"`
	BalanceAfter string `json:"balance_after"`
}

// QuoteCharges are amounts of interest, penalty and compound interest.
type QuoteCharges struct {
	Interest string `json:"interest"`
	Penalty  string `json:"penalty"`
	Compound string `json:"compound"`
}

// QuoteOutstanding is what a loan owed on the effective date.
type QuoteOutstanding struct {
	Principal string `json:"principal"`
	Interest  string `json:"interest"`
	Penalty   string `json:"penalty"`
	Compound  string `json:"compound"`
	Total     string `json:"total"`
}

func charges(c engine.Charges, cur money.Currency) QuoteCharges {
	return QuoteCharges{Interest: c.Interest.Format(cur), Penalty: c.Penalty.Format(cur), Compound: c.Compound.Format(cur)}
}

// AgreementView is an agreement and where it stands.
type AgreementView struct {
	AgreementID      string
	LoanID           string
	Status           string
	Changes          engine.Changes
	Currency         money.Currency
	EffectiveDate    engine.Date
	ExpiresOn        engine.Date
	Quote            RestructuringQuote
	BreakAfterMissed int
	OnBreak          string
	Reason           string
	ProposedAt       time.Time
	SignedBy         string
	AcceptedAt       time.Time
	CancelledAt      time.Time
	CancelReason     string
	// BrokenOn is NoDate unless BROKEN; Reinstated is what the break
	// charged again.
	BrokenOn            engine.Date
	Reinstated          engine.Charges
	ProposalSeq         int64
	AcceptanceSeq       int64
	SpecialTransactions []string
	// firstNumber is the first installment of the plan it made, once
	// applied.
	firstNumber int
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
		out.Waiver = &engine.WaiverChange{Penalty: amount("penalty", w.Penalty), Compound: amount("compound", w.Compound), Interest: amount("interest", w.Interest)}
	}
	return out
}

// agreementsOf works out a loan's agreements from its log, their statuses
// as of today from st, the fold as of today.
func (l *Loans) agreementsOf(lg loanLog, st engine.LoanState, today engine.Date) ([]AgreementView, error) {
	cur := lg.terms.Currency
	var out []AgreementView
	bySeq := map[int64]int{}
	find := func(e store.EventRecord) (*AgreementView, error) {
		i, ok := bySeq[e.TargetSeq]
		if !ok {
			return nil, fmt.Errorf("event %d: no agreement proposed at %d", e.Seq, e.TargetSeq)
		}
		return &out[i], nil
	}
	for _, e := range lg.events {
		switch e.Kind {
		case store.KindAgreementProposed:
			d, err := decodeAgreement(e)
			if err != nil {
				return nil, err
			}
			c, err := decodeChanges(d.Changes, cur)
			if err != nil {
				return nil, fmt.Errorf("event %d: %w", e.Seq, err)
			}
			eff, err1 := engine.ParseDate(d.EffectiveDate)
			exp, err2 := engine.ParseDate(d.ExpiresOn)
			if err := errors.Join(err1, err2); err != nil || d.Quote == nil {
				return nil, fmt.Errorf("event %d: bad agreement dates or no quote: %v", e.Seq, err)
			}
			bySeq[e.Seq] = len(out)
			out = append(out, AgreementView{AgreementID: d.AgreementID, LoanID: lg.loan.LoanID, Changes: c, Currency: cur,
				EffectiveDate: eff, ExpiresOn: exp, Quote: *d.Quote, BreakAfterMissed: d.BreakAfterMissed, OnBreak: d.OnBreak,
				Reason: d.Reason, ProposedAt: e.RecordedAt, ProposalSeq: e.Seq, BrokenOn: engine.NoDate,
				SpecialTransactions: SpecialTransactions(c)})
		case store.KindAgreementAccepted:
			a, err := find(e)
			if err != nil {
				return nil, err
			}
			d, err := decodeAgreement(e)
			if err != nil {
				return nil, err
			}
			a.AcceptanceSeq, a.AcceptedAt, a.SignedBy = e.Seq, e.RecordedAt, d.SignedBy
		case store.KindAgreementCancelled:
			a, err := find(e)
			if err != nil {
				return nil, err
			}
			a.CancelledAt, a.CancelReason = e.RecordedAt, e.Reason
		}
	}
	for i := range out {
		a := &out[i]
		switch {
		case !a.CancelledAt.IsZero():
			a.Status = AgreementCancelled
		case a.AcceptanceSeq == 0 && today > a.ExpiresOn:
			a.Status = AgreementExpired
		case a.AcceptanceSeq == 0:
			a.Status = AgreementProposed
		default:
			a.Status = AgreementActive
			for _, r := range st.Agreements {
				if r.Seq != a.AcceptanceSeq {
					continue
				}
				a.firstNumber = r.FirstNumber
				switch {
				case r.BrokenOn != engine.NoDate:
					a.Status, a.BrokenOn, a.Reinstated = AgreementBroken, r.BrokenOn, r.Reinstated
				case planPaid(st, r):
					a.Status = AgreementCompleted
				}
			}
		}
	}
	return out, nil
}

// planPaid reports whether every installment of an applied agreement's
// plan is paid (or the loan is settled).
func planPaid(st engine.LoanState, r engine.AgreementResult) bool {
	if st.PaidOffDate != engine.NoDate {
		return true
	}
	if !r.Applied {
		return false
	}
	for _, in := range st.Installments {
		if in.Number >= r.FirstNumber && in.Unpaid() > 0 {
			return false
		}
	}
	return true
}

// restructured reports whether a loan as of its fold's date is
// restructured, the end of the observation period of its latest agreement
// in effect (NoDate if none) and that agreement's id.
func (l *Loans) restructured(st engine.LoanState) (bool, engine.Date, string) {
	for i := len(st.Agreements) - 1; i >= 0; i-- {
		r := st.Agreements[i]
		if !r.Applied {
			continue
		}
		until := r.ValueDate.AddMonths(l.restructuring.ObservationMonths) - 1
		return st.AsOf <= until || !planPaid(st, r), until, r.Ref
	}
	return false, engine.NoDate, ""
}

// agreementsAsOf folds a loan's log as of a date (today, for a request;
// the business date, for close of business) and works out its agreements
// from it.
func (l *Loans) agreementsAsOf(lg loanLog, d engine.Date) (engine.LoanState, []AgreementView, error) {
	st := lg.fold(d)
	ags, err := l.agreementsOf(lg, st, d)
	return st, ags, err
}

// quote computes the quote of changes on a loan, st its fold as of the
// effective date, with its APR, as the API shows it.
func (l *Loans) quote(lg loanLog, st engine.LoanState, c engine.Changes) (RestructuringQuote, engine.RestructureQuote, error) {
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
		APRCapPercent: l.restructuring.APRCapPercent.String()}
	for _, r := range q.Installments {
		out.Installments = append(out.Installments, QuoteRow{Number: r.Number, StartDate: r.StartDate.String(), DueDate: r.DueDate.String(),
			Principal: r.Principal.Format(cur), Interest: r.Interest.Format(cur), Total: r.Total.Format(cur), BalanceAfter: r.BalanceAfter.Format(cur)})
	}
	if apr, ok := planAPR(lg.terms, q, effective, c); ok {
		out.APRPercent = money.FormatScaled(int64(apr.Units), int(apr.Scale))
		out.WithinCap = apr.Cmp(l.restructuring.APRCapPercent) <= 0
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
	owed := q.Outstanding.Total() - q.Waived.Interest - q.Waived.Penalty - q.Waived.Compound
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
		amount := r.Total
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
	now, ags, err := l.agreementsAsOf(lg, l.Today())
	if err != nil {
		return RestructuringQuote{}, err
	}
	var e engine.InvalidError
	c := p.Changes.resolve(&e, lg.terms.Currency)
	q, _, err := l.checkedQuote(lg, now, ags, p.EffectiveDate, c, e)
	return q, err
}

// checkedQuote validates an effective date (NoDate: today) and changes,
// adding to the violations e already holds, checks eligibility and
// quotes. now is the loan's fold as of today and ags its agreements.
func (l *Loans) checkedQuote(lg loanLog, now engine.LoanState, ags []AgreementView, effective engine.Date, c engine.Changes, e engine.InvalidError) (RestructuringQuote, engine.Date, error) {
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
	if err := l.eligible(lg, now, at, ags, c); err != nil {
		return RestructuringQuote{}, effective, err
	}
	q, eq, err := l.quote(lg, at, c)
	if err != nil {
		return q, effective, err
	}
	return q, effective, l.eligiblePlan(lg, c, eq)
}

// eligible checks the rules that need no quote: the loan's status (now,
// its fold as of today), one agreement at a time, the number of
// agreements and the on-time installments between deferrals (at, its fold
// as of the effective date).
func (l *Loans) eligible(lg loanLog, now, at engine.LoanState, ags []AgreementView, c engine.Changes) error {
	pol := l.restructuring
	switch statusOf(now) {
	case store.StatusPaidOff:
		return &PreconditionError{Reason: "LOAN_PAID_OFF", Message: fmt.Sprintf("loan %s is PAID_OFF; nothing to restructure", lg.loan.LoanID)}
	case store.StatusWrittenOff:
		return &PreconditionError{Reason: "LOAN_WRITTEN_OFF", Message: fmt.Sprintf("loan %s is WRITTEN_OFF; it cannot be restructured", lg.loan.LoanID)}
	}
	signed := 0
	var prev *AgreementView
	for i := range ags {
		a := &ags[i]
		if a.AcceptanceSeq == 0 {
			continue
		}
		signed++
		prev = a
		if a.Status == AgreementActive {
			return &PreconditionError{Reason: "AGREEMENT_ACTIVE",
				Message: fmt.Sprintf("agreement %s is ACTIVE on loan %s: one agreement at a time (it must complete or break first)", a.AgreementID, lg.loan.LoanID)}
		}
	}
	if signed >= pol.MaxAgreementsPerLoan {
		return &PreconditionError{Reason: "MAX_AGREEMENTS_PER_LOAN",
			Message: fmt.Sprintf("loan %s has had %d agreements, the most allowed", lg.loan.LoanID, signed)}
	}
	deferral := func(c engine.Changes) bool {
		return c.TermExtension != nil || c.PaymentHoliday != nil || c.Reamortisation != nil
	}
	if prev != nil && deferral(c) && deferral(prev.Changes) && pol.MinOnTimeBetweenDeferrals > 0 {
		if n := onTimeInstallments(at, prev.firstNumber, prev.EffectiveDate); n < pol.MinOnTimeBetweenDeferrals {
			return &PreconditionError{Reason: "MIN_ON_TIME_INSTALLMENTS",
				Message: fmt.Sprintf("%d installments of agreement %s were paid on time by %s; %d are needed before another deferral",
					n, prev.AgreementID, at.AsOf, pol.MinOnTimeBetweenDeferrals)}
		}
	}
	if fp := c.InterestFreezePlan; fp != nil && fp.InstallmentCount > pol.MaxFreezeInstallments {
		return &PreconditionError{Reason: "MAX_FREEZE_INSTALLMENTS",
			Message: fmt.Sprintf("a freeze plan may have at most %d installments", pol.MaxFreezeInstallments)}
	}
	return nil
}

// eligiblePlan checks the rules on the quoted plan: how far past the
// contract's maturity it ends.
func (l *Loans) eligiblePlan(lg loanLog, c engine.Changes, q engine.RestructureQuote) error {
	if c.InterestFreezePlan != nil || len(q.Installments) == 0 {
		return nil
	}
	limit := lg.schedule.MaturityDate.AddMonths(l.restructuring.MaxExtensionMonths)
	if last := q.Installments[len(q.Installments)-1].DueDate; last > limit {
		return &PreconditionError{Reason: "MAX_EXTENSION_MONTHS",
			Message: fmt.Sprintf("the new plan would end on %s, more than %d months after the contract's maturity %s",
				last, l.restructuring.MaxExtensionMonths, lg.schedule.MaturityDate)}
	}
	return nil
}

// onTimeInstallments counts the installments from number first, due after
// from and by st.AsOf, fully paid by their due dates.
func onTimeInstallments(st engine.LoanState, first int, from engine.Date) int {
	lastPaid := map[int]engine.Date{}
	for _, p := range st.Payments {
		for _, part := range p.Parts {
			lastPaid[part.Installment] = max(lastPaid[part.Installment], p.ValueDate)
		}
	}
	n := 0
	for _, in := range st.Installments {
		if in.Number < first || in.DueDate <= from || in.DueDate > st.AsOf || in.Unpaid() > 0 {
			continue
		}
		if d, ok := lastPaid[in.Number]; !ok || d <= in.DueDate {
			n++
		}
	}
	return n
}

// ProposeAgreementParams are the inputs of ProposeAgreement.
type ProposeAgreementParams struct {
	RequestID     string
	RequestHash   string
	LoanID        string
	Changes       ChangesInput
	EffectiveDate engine.Date
	ExpiresOn     engine.Date
	// BreakAfterMissed is nil for the policy's default.
	BreakAfterMissed *int
	// OnBreak is BreakKeepPlan, BreakReinstate or "" (keep the plan).
	OnBreak string
	Reason  string
	Actor   string
}

// newAgreementID returns a server-assigned agreement id that sorts by
// creation time (to the microsecond) and never collides.
func newAgreementID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("AG%014x%s", now.UnixMicro(), hex.EncodeToString(b[:]))
}

// ProposeAgreement records an agreement offered to the borrower, its quote
// frozen into it.
func (l *Loans) ProposeAgreement(ctx context.Context, p ProposeAgreementParams) (AgreementView, error) {
	var e engine.InvalidError
	checkRequestID(&e, p.RequestID)
	if p.LoanID == "" {
		e.Add("loan_id", "required")
	}
	if p.BreakAfterMissed != nil && (*p.BreakAfterMissed < 1 || *p.BreakAfterMissed > engine.MaxInstallments) {
		e.Add("break_after_missed", "must be between 1 and %d", engine.MaxInstallments)
	}
	if p.OnBreak != "" && p.OnBreak != BreakKeepPlan && p.OnBreak != BreakReinstate {
		e.Add("on_break", "unknown break action %q", p.OnBreak)
	}
	if err := e.Err(); err != nil {
		return AgreementView{}, err
	}
	return retryOnConflict(ctx, l.writers, p.LoanID, func() (AgreementView, error) { return l.proposeAgreement(ctx, p) })
}

func (l *Loans) proposeAgreement(ctx context.Context, p ProposeAgreementParams) (AgreementView, error) {
	lg, prior, err := l.loadWithRequest(ctx, p.LoanID, p.RequestID, time.Time{})
	if prior != nil {
		if err := sameRequest(*prior, "ProposeAgreement", p.RequestHash); err != nil {
			return AgreementView{}, err
		}
		return l.agreementAt(ctx, *prior)
	}
	if err != nil {
		return AgreementView{}, err
	}
	now := l.now().UTC()
	today := l.dateAt(now)
	var e engine.InvalidError
	expires := p.ExpiresOn
	if expires == engine.NoDate {
		expires = today + engine.Date(l.restructuring.ProposalDays)
	}
	if expires < today {
		e.Add("expires_on", "must not be before today (%s)", today)
	}
	c := p.Changes.resolve(&e, lg.terms.Currency)
	st, ags, err := l.agreementsAsOf(lg, today)
	if err != nil {
		return AgreementView{}, err
	}
	q, effective, err := l.checkedQuote(lg, st, ags, p.EffectiveDate, c, e)
	if err != nil {
		return AgreementView{}, err
	}
	breakAfter := l.restructuring.DefaultBreakAfterMissed
	if p.BreakAfterMissed != nil {
		breakAfter = *p.BreakAfterMissed
	}
	onBreak := p.OnBreak
	if onBreak == "" {
		onBreak = BreakKeepPlan
	}
	id := newAgreementID(now)
	doc := agreementDoc{AgreementID: id, Changes: encodeChanges(c, lg.terms.Currency), EffectiveDate: effective.String(),
		ExpiresOn: expires.String(), BreakAfterMissed: breakAfter, OnBreak: onBreak, Reason: p.Reason, Quote: &q}
	seq := lg.loan.Version + 1
	ev := store.EventRecord{LoanID: p.LoanID, Seq: seq, Kind: store.KindAgreementProposed, ValueDate: today.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, Reason: p.Reason}
	w, err := l.appendAgreementEvent(ctx, lg, ev, doc, AgreementProposed, "ProposeAgreement", p.RequestHash, today)
	if err != nil {
		return AgreementView{}, err
	}
	return w.agreement, nil
}

// agreementWrite is what appending an agreement event gives: the
// agreement after it, as of the event's day, and the loan as of the date
// asked for.
type agreementWrite struct {
	agreement AgreementView
	loan      LoanView
}

// appendAgreementEvent writes an AGREEMENT_* event with its payload and
// the agreement's projection row. The answer is worked out from the log
// in hand, as agreementAt would from the store.
func (l *Loans) appendAgreementEvent(ctx context.Context, lg loanLog, ev store.EventRecord, doc agreementDoc, status, method, hash string, asOf engine.Date) (agreementWrite, error) {
	b, err := json.Marshal(doc)
	if err != nil {
		return agreementWrite{}, err
	}
	ev.Payload = string(b)
	after, err := lg.withEvent(ev)
	if err != nil {
		return agreementWrite{}, err
	}
	today := l.dateAt(ev.RecordedAt)
	now, ags, err := l.agreementsAsOf(after, today)
	if err != nil {
		return agreementWrite{}, err
	}
	a, err := findAgreement(ags, doc.AgreementID)
	if err != nil {
		return agreementWrite{}, err
	}
	st := now
	if asOf != today {
		st = after.fold(asOf)
	}
	view := l.viewOf(after, st, asOf, time.Time{})
	l.cache.drop(lg.loan.LoanID)
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: lg.loan.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		// The loan's status projection follows today's figures.
		SetStatus: statusChange(lg.loan.Status, statusOf(now)),
		Request:   store.RequestRecord{RequestID: ev.RequestID, Method: method, RequestHash: hash, LoanID: lg.loan.LoanID, Seq: ev.Seq, RecordedAt: ev.RecordedAt},
		Agreement: &store.AgreementRecord{AgreementID: doc.AgreementID, LoanID: lg.loan.LoanID, Status: status, UpdatedAt: ev.RecordedAt}})
	if err != nil {
		return agreementWrite{}, err
	}
	view.KnownAt = ev.RecordedAt
	return agreementWrite{agreement: a, loan: view}, nil
}

// agreementAt returns the agreement an agreement event belongs to, as
// known when it was recorded: the answer the request that wrote it gave.
func (l *Loans) agreementAt(ctx context.Context, r store.RequestRecord) (AgreementView, error) {
	lg, err := l.load(ctx, r.LoanID, r.RecordedAt)
	if err != nil {
		return AgreementView{}, err
	}
	var id string
	for _, e := range lg.events {
		if e.Seq == r.Seq {
			d, err := decodeAgreement(e)
			if err != nil {
				return AgreementView{}, err
			}
			id = d.AgreementID
		}
	}
	_, ags, err := l.agreementsAsOf(lg, l.dateAt(r.RecordedAt))
	if err != nil {
		return AgreementView{}, err
	}
	return findAgreement(ags, id)
}

// loadAgreement finds an agreement's loan, reads its log and, in the same
// round trip, the record of requestID.
func (l *Loans) loadAgreement(ctx context.Context, agreementID, requestID string) (loanLog, *store.RequestRecord, error) {
	if agreementID == "" {
		return loanLog{}, nil, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "agreement_id", Description: "required"}}}
	}
	rec, err := l.store.FindAgreement(ctx, store.AgreementKey{AgreementID: agreementID})
	if err != nil {
		return loanLog{}, nil, err
	}
	return l.loadWithRequest(ctx, rec.LoanID, requestID, time.Time{})
}

// findAgreement picks one agreement out of a loan's.
func findAgreement(ags []AgreementView, id string) (AgreementView, error) {
	for _, a := range ags {
		if a.AgreementID == id {
			return a, nil
		}
	}
	return AgreementView{}, store.ErrNotFound
}

// GetAgreement returns an agreement and its status today.
func (l *Loans) GetAgreement(ctx context.Context, agreementID string) (AgreementView, error) {
	lg, _, err := l.loadAgreement(ctx, agreementID, "")
	if err != nil {
		return AgreementView{}, err
	}
	_, ags, err := l.agreementsAsOf(lg, l.Today())
	if err != nil {
		return AgreementView{}, err
	}
	return findAgreement(ags, agreementID)
}

// doc is the agreement as its next event writes it down; the caller adds
// what is particular to the event.
func (a AgreementView) doc() agreementDoc {
	return agreementDoc{AgreementID: a.AgreementID, Changes: encodeChanges(a.Changes, a.Currency), EffectiveDate: a.EffectiveDate.String(),
		ExpiresOn: a.ExpiresOn.String(), BreakAfterMissed: a.BreakAfterMissed, OnBreak: a.OnBreak}
}

// AcceptAgreementParams are the inputs of AcceptAgreement.
type AcceptAgreementParams struct {
	RequestID   string
	RequestHash string
	AgreementID string
	SignedBy    string
	Actor       string
}

// AcceptAgreement signs a PROPOSED agreement and applies it to the loan
// at its effective date. The plan it executes must equal the frozen quote
// to the cent; otherwise the loan changed since the proposal and the call
// fails with QUOTE_STALE.
func (l *Loans) AcceptAgreement(ctx context.Context, p AcceptAgreementParams) (AgreementView, LoanView, error) {
	var e engine.InvalidError
	checkRequestID(&e, p.RequestID)
	if p.AgreementID == "" {
		e.Add("agreement_id", "required")
	}
	if p.SignedBy == "" {
		e.Add("signed_by", "required: who signed for the borrower")
	}
	if err := e.Err(); err != nil {
		return AgreementView{}, LoanView{}, err
	}
	type result struct {
		a AgreementView
		v LoanView
	}
	r, err := retryOnConflict(ctx, l.writers, "", func() (result, error) {
		a, v, err := l.acceptAgreement(ctx, p)
		return result{a, v}, err
	})
	return r.a, r.v, err
}

func (l *Loans) acceptAgreement(ctx context.Context, p AcceptAgreementParams) (AgreementView, LoanView, error) {
	lg, prior, err := l.loadAgreement(ctx, p.AgreementID, p.RequestID)
	if prior != nil {
		if err := sameRequest(*prior, "AcceptAgreement", p.RequestHash); err != nil {
			return AgreementView{}, LoanView{}, err
		}
		a, err := l.agreementAt(ctx, *prior)
		if err != nil {
			return a, LoanView{}, err
		}
		v, err := l.GetLoan(ctx, GetLoanParams{LoanID: prior.LoanID, AsOf: max(l.dateAt(prior.RecordedAt), a.EffectiveDate), KnownAt: prior.RecordedAt})
		return a, v, err
	}
	if err != nil {
		return AgreementView{}, LoanView{}, err
	}
	now := l.now().UTC()
	today := l.dateAt(now)
	st, ags, err := l.agreementsAsOf(lg, today)
	if err != nil {
		return AgreementView{}, LoanView{}, err
	}
	a, err := findAgreement(ags, p.AgreementID)
	if err != nil {
		return a, LoanView{}, err
	}
	if a.Status != AgreementProposed {
		return a, LoanView{}, &PreconditionError{Reason: "AGREEMENT_" + a.Status,
			Message: fmt.Sprintf("agreement %s is %s; only a PROPOSED agreement can be accepted", a.AgreementID, a.Status)}
	}
	q, _, err := l.checkedQuote(lg, st, ags, a.EffectiveDate, a.Changes, engine.InvalidError{})
	var inv *engine.InvalidError
	if errors.As(err, &inv) {
		return a, LoanView{}, &PreconditionError{Reason: "QUOTE_STALE",
			Message: fmt.Sprintf("the loan changed since agreement %s was proposed and it no longer applies (%v): quote again", a.AgreementID, err)}
	}
	if err != nil {
		return a, LoanView{}, err
	}
	if !reflect.DeepEqual(q, a.Quote) {
		return a, LoanView{}, &PreconditionError{Reason: "QUOTE_STALE",
			Message: fmt.Sprintf("the loan changed since agreement %s was proposed: its plan would now differ from the quote; quote again", a.AgreementID)}
	}
	doc := a.doc()
	doc.SignedBy = p.SignedBy
	ev := store.EventRecord{LoanID: lg.loan.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindAgreementAccepted, ValueDate: a.EffectiveDate.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, TargetSeq: a.ProposalSeq}
	w, err := l.appendAgreementEvent(ctx, lg, ev, doc, AgreementActive, "AcceptAgreement", p.RequestHash, max(today, a.EffectiveDate))
	if err != nil {
		return a, LoanView{}, err
	}
	return w.agreement, w.loan, nil
}

// CancelAgreementParams are the inputs of CancelAgreement.
type CancelAgreementParams struct {
	RequestID   string
	RequestHash string
	AgreementID string
	Reason      string
	Actor       string
}

// CancelAgreement withdraws a PROPOSED agreement.
func (l *Loans) CancelAgreement(ctx context.Context, p CancelAgreementParams) (AgreementView, error) {
	var e engine.InvalidError
	checkRequestID(&e, p.RequestID)
	if p.AgreementID == "" {
		e.Add("agreement_id", "required")
	}
	if p.Reason == "" {
		e.Add("reason", "required")
	}
	if err := e.Err(); err != nil {
		return AgreementView{}, err
	}
	return retryOnConflict(ctx, l.writers, "", func() (AgreementView, error) { return l.cancelAgreement(ctx, p) })
}

func (l *Loans) cancelAgreement(ctx context.Context, p CancelAgreementParams) (AgreementView, error) {
	lg, prior, err := l.loadAgreement(ctx, p.AgreementID, p.RequestID)
	if prior != nil {
		if err := sameRequest(*prior, "CancelAgreement", p.RequestHash); err != nil {
			return AgreementView{}, err
		}
		return l.agreementAt(ctx, *prior)
	}
	if err != nil {
		return AgreementView{}, err
	}
	now := l.now().UTC()
	today := l.dateAt(now)
	_, ags, err := l.agreementsAsOf(lg, today)
	if err != nil {
		return AgreementView{}, err
	}
	a, err := findAgreement(ags, p.AgreementID)
	if err != nil {
		return a, err
	}
	if a.Status != AgreementProposed {
		return a, &PreconditionError{Reason: "AGREEMENT_" + a.Status,
			Message: fmt.Sprintf("agreement %s is %s; only a PROPOSED agreement can be cancelled", a.AgreementID, a.Status)}
	}
	ev := store.EventRecord{LoanID: lg.loan.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindAgreementCancelled, ValueDate: today.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, TargetSeq: a.ProposalSeq, Reason: p.Reason}
	w, err := l.appendAgreementEvent(ctx, lg, ev, a.doc(), AgreementCancelled, "CancelAgreement", p.RequestHash, today)
	if err != nil {
		return a, err
	}
	return w.agreement, nil
}

// ListAgreementsParams are the inputs of ListAgreements.
type ListAgreementsParams struct {
	LoanID    string
	Status    string
	PageSize  int
	PageToken string
}

// projectionStatuses are the statuses the projection may hold for an
// agreement whose status today is s: EXPIRED and COMPLETED come with time
// and payments, not with an agreement event (close of business records
// COMPLETED when it sees it).
var projectionStatuses = map[string][]string{
	AgreementProposed:  {AgreementProposed},
	AgreementExpired:   {AgreementProposed},
	AgreementActive:    {AgreementActive},
	AgreementCompleted: {AgreementActive, AgreementCompleted},
	AgreementCancelled: {AgreementCancelled},
	AgreementBroken:    {AgreementBroken},
}

// ListAgreements returns one page of agreements ordered by id (oldest
// first), filtered by loan and by status today, and the next page's token.
func (l *Loans) ListAgreements(ctx context.Context, p ListAgreementsParams) ([]AgreementView, string, error) {
	var e engine.InvalidError
	size := pageSize(&e, p.PageSize)
	after := ""
	if p.PageToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.PageToken)
		if err != nil || len(b) == 0 {
			e.Add("page_token", "not a token this server issued")
		}
		after = string(b)
	}
	statuses, ok := projectionStatuses[p.Status]
	if p.Status != "" && !ok {
		e.Add("status", "unknown status %q", p.Status)
	}
	if err := e.Err(); err != nil {
		return nil, "", err
	}
	today := l.Today()
	type loanAgreements struct {
		ags []AgreementView
		err error
	}
	loans := map[string]loanAgreements{}
	var out []AgreementView
	for {
		rows, err := l.store.ListAgreements(ctx, store.AgreementQuery{LoanID: p.LoanID, Statuses: statuses, AfterAgreementID: after, Limit: size + 1})
		if err != nil {
			return nil, "", err
		}
		for _, r := range rows {
			la, ok := loans[r.LoanID]
			if !ok {
				lg, err := l.load(ctx, r.LoanID, time.Time{})
				if err == nil {
					_, la.ags, la.err = l.agreementsAsOf(lg, today)
				} else {
					la.err = err
				}
				loans[r.LoanID] = la
			}
			if la.err != nil {
				return nil, "", la.err
			}
			a, err := findAgreement(la.ags, r.AgreementID)
			if err != nil {
				return nil, "", fmt.Errorf("agreement %s: not in the log of loan %s", r.AgreementID, r.LoanID)
			}
			if p.Status != "" && a.Status != p.Status {
				after = r.AgreementID
				continue
			}
			if len(out) == size {
				return out, base64.RawURLEncoding.EncodeToString([]byte(out[size-1].AgreementID)), nil
			}
			out = append(out, a)
			after = r.AgreementID
		}
		if len(rows) <= size {
			return out, "", nil
		}
	}
}

// breakMissed appends AGREEMENT_BROKEN for an ACTIVE agreement whose
// borrower has missed break_after_missed installments of the new plan by
// the end of business date d (due before d, unpaid at its end). The
// request id is derived from the agreement and the date, so running the
// date again changes nothing. It reports whether it broke the agreement.
func (l *Loans) breakMissed(ctx context.Context, rec store.AgreementRecord, d engine.Date) (bool, error) {
	requestID := "cob:" + d.String() + ":break:" + rec.AgreementID
	return retryOnConflict(ctx, l.writers, rec.LoanID, func() (bool, error) {
		lg, prior, err := l.loadWithRequest(ctx, rec.LoanID, requestID, time.Time{})
		if prior != nil || err != nil {
			return false, err
		}
		st, ags, err := l.agreementsAsOf(lg, d)
		if err != nil {
			return false, err
		}
		a, err := findAgreement(ags, rec.AgreementID)
		if err == nil && a.Status == AgreementCompleted {
			// Completed with the last payment: the projection learns it here,
			// so close of business stops looking at the agreement.
			return false, l.store.SaveAgreement(ctx, store.AgreementRecord{AgreementID: a.AgreementID, LoanID: a.LoanID,
				Status: AgreementCompleted, UpdatedAt: l.now().UTC()})
		}
		if err != nil || a.Status != AgreementActive || a.EffectiveDate >= d {
			return false, err
		}
		missed := 0
		for _, in := range st.Installments {
			if in.Number >= a.firstNumber && in.DueDate > a.EffectiveDate && in.DueDate < d && in.Unpaid() > 0 {
				missed++
			}
		}
		if missed < a.BreakAfterMissed {
			return false, nil
		}
		now := l.now().UTC()
		doc := a.doc()
		doc.Missed = missed
		ev := store.EventRecord{LoanID: lg.loan.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindAgreementBroken, ValueDate: d.String(), RecordedAt: now,
			RequestID: requestID, Actor: "close-of-business", TargetSeq: a.AcceptanceSeq,
			Reason: fmt.Sprintf("%d installments of the plan missed", missed)}
		_, err = l.appendAgreementEvent(ctx, lg, ev, doc, AgreementBroken, "BreakAgreement", requestID, d)
		return err == nil, err
	})
}

// activeAgreements returns the rows of agreements the projection holds
// as ACTIVE, for close of business.
func (l *Loans) activeAgreements(ctx context.Context) ([]store.AgreementRecord, error) {
	var out []store.AgreementRecord
	for {
		after := ""
		if len(out) > 0 {
			after = out[len(out)-1].AgreementID
		}
		rows, err := l.store.ListAgreements(ctx, store.AgreementQuery{Statuses: []string{AgreementActive}, AfterAgreementID: after, Limit: 500})
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		if len(rows) < 500 {
			return out, nil
		}
	}
}
