package servicing

import (
	"encoding/json"
	"fmt"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// How restructuring agreements are written down in their loan's log. Each
// AGREEMENT_* event carries the whole agreement as the API spells it —
// amounts as decimal strings, enums by name — so every event reads on its
// own and survives changes to the engine's in-memory types.

// agreementDoc is the payload of an AGREEMENT_* event.
type agreementDoc struct {
	AgreementID      string     `json:"agreement_id"`
	Changes          changesDoc `json:"changes"`
	EffectiveDate    string     `json:"effective_date"`
	ExpiresOn        string     `json:"expires_on"`
	BreakAfterMissed int        `json:"break_after_missed"`
	OnBreak          string     `json:"on_break"`
	Reason           string     `json:"reason,omitempty"`
	// Quote is the quote frozen at proposal (AGREEMENT_PROPOSED only).
	Quote *RestructuringQuote `json:"quote,omitempty"`
	// SignedBy is who signed (AGREEMENT_ACCEPTED).
	SignedBy string `json:"signed_by,omitempty"`
	// Missed is how many installments were missed (AGREEMENT_BROKEN).
	Missed int `json:"missed_installments,omitempty"`
	// ActionID is the four-eyes action whose approval accepted it
	// (AGREEMENT_ACCEPTED).
	ActionID string `json:"action_id,omitempty"`
}

// changesDoc is engine.Changes as written down.
type changesDoc struct {
	TermExtension      *termExtensionDoc  `json:"term_extension,omitempty"`
	PaymentHoliday     *paymentHolidayDoc `json:"payment_holiday,omitempty"`
	RateChange         *rateChangeDoc     `json:"rate_change,omitempty"`
	Waiver             *WaiverInput       `json:"waiver,omitempty"`
	Capitalisation     *capitalisationDoc `json:"capitalisation,omitempty"`
	Reamortisation     *reamortisationDoc `json:"reamortisation,omitempty"`
	InterestFreezePlan *freezePlanDoc     `json:"interest_freeze_plan,omitempty"`
}

type termExtensionDoc struct {
	ExtraInstallments int `json:"extra_installments"`
}

type paymentHolidayDoc struct {
	FromInstallment int    `json:"from_installment"`
	Count           int    `json:"count"`
	Interest        string `json:"interest"`
}

type rateChangeDoc struct {
	AnnualRatePercent string `json:"annual_rate_percent"`
}

type capitalisationDoc struct {
	IncludePenalty bool `json:"include_penalty"`
}

type reamortisationDoc struct {
	Method           string `json:"method"`
	InstallmentCount int    `json:"installment_count"`
	FrequencyUnit    string `json:"frequency_unit"`
	FrequencyEvery   int    `json:"frequency_every"`
	FirstDueDate     string `json:"first_due_date"`
}

type freezePlanDoc struct {
	InstallmentCount  int    `json:"installment_count"`
	FirstDueDate      string `json:"first_due_date"`
	AnnualRatePercent string `json:"annual_rate_percent,omitempty"`
}

// WaiverInput are a waiver's amounts as decimal strings in the loan's
// currency; empty means none.
type WaiverInput struct {
	Penalty  string `json:"penalty"`
	Compound string `json:"compound"`
	Interest string `json:"interest"`
	// Fees is omitted when empty, so agreements written before fees
	// read and write byte-identically.
	Fees string `json:"fees,omitempty"`
}

// Holiday interest treatments and break actions as written down.
const (
	HolidayCapitalise = "CAPITALISE"
	HolidaySpread     = "SPREAD"
	BreakKeepPlan     = "KEEP_PLAN"
	BreakReinstate    = "REINSTATE_WAIVED"
)

var holidayNames = []string{engine.HolidayCapitalise: HolidayCapitalise, engine.HolidaySpread: HolidaySpread}

func encodeChanges(c engine.Changes, cur money.Currency) changesDoc {
	var d changesDoc
	if x := c.TermExtension; x != nil {
		d.TermExtension = &termExtensionDoc{x.ExtraInstallments}
	}
	if h := c.PaymentHoliday; h != nil {
		d.PaymentHoliday = &paymentHolidayDoc{h.FromInstallment, h.Count, holidayNames[h.Interest]}
	}
	if r := c.RateChange; r != nil {
		d.RateChange = &rateChangeDoc{r.AnnualRate.String()}
	}
	if w := c.Waiver; w != nil {
		d.Waiver = &WaiverInput{Penalty: w.Penalty.Format(cur), Compound: w.Compound.Format(cur), Interest: w.Interest.Format(cur)}
		if w.Fees > 0 {
			d.Waiver.Fees = w.Fees.Format(cur)
		}
	}
	if cp := c.Capitalisation; cp != nil {
		d.Capitalisation = &capitalisationDoc{cp.IncludePenalty}
	}
	if ra := c.Reamortisation; ra != nil {
		d.Reamortisation = &reamortisationDoc{methodNames[ra.Method], ra.InstallmentCount, unitNames[ra.Frequency.Unit], ra.Frequency.Every, ra.FirstDueDate.String()}
	}
	if fp := c.InterestFreezePlan; fp != nil {
		d.InterestFreezePlan = &freezePlanDoc{InstallmentCount: fp.InstallmentCount, FirstDueDate: fp.FirstDueDate.String()}
		if !fp.AnnualRate.IsZero() {
			d.InterestFreezePlan.AnnualRatePercent = fp.AnnualRate.String()
		}
	}
	return d
}

// decodeChanges reads an agreement's changes as written down; the error
// is the first value that does not parse.
func decodeChanges(d changesDoc, cur money.Currency) (engine.Changes, error) {
	var c engine.Changes
	var r docReader
	if x := d.TermExtension; x != nil {
		c.TermExtension = &engine.TermExtension{ExtraInstallments: x.ExtraInstallments}
	}
	if h := d.PaymentHoliday; h != nil {
		c.PaymentHoliday = &engine.PaymentHoliday{FromInstallment: h.FromInstallment, Count: h.Count,
			Interest: engine.HolidayInterest(r.name(holidayNames, h.Interest))}
	}
	if rc := d.RateChange; rc != nil {
		c.RateChange = &engine.RateChange{AnnualRate: r.rate(rc.AnnualRatePercent, engine.MaxRatePercent)}
	}
	if w := d.Waiver; w != nil {
		c.Waiver = &engine.WaiverChange{Penalty: r.optionalAmount(w.Penalty, cur), Compound: r.optionalAmount(w.Compound, cur),
			Interest: r.optionalAmount(w.Interest, cur), Fees: r.optionalAmount(w.Fees, cur)}
	}
	if cp := d.Capitalisation; cp != nil {
		c.Capitalisation = &engine.Capitalisation{IncludePenalty: cp.IncludePenalty}
	}
	if ra := d.Reamortisation; ra != nil {
		c.Reamortisation = &engine.Reamortisation{Method: engine.Method(r.name(methodNames, ra.Method)), InstallmentCount: ra.InstallmentCount,
			Frequency:    engine.Frequency{Unit: engine.FrequencyUnit(r.name(unitNames, ra.FrequencyUnit)), Every: ra.FrequencyEvery},
			FirstDueDate: r.date(ra.FirstDueDate)}
	}
	if fp := d.InterestFreezePlan; fp != nil {
		c.InterestFreezePlan = &engine.InterestFreezePlan{InstallmentCount: fp.InstallmentCount, FirstDueDate: r.date(fp.FirstDueDate)}
		if fp.AnnualRatePercent != "" {
			c.InterestFreezePlan.AnnualRate = r.rate(fp.AnnualRatePercent, engine.MaxRatePercent)
		}
	}
	return c, r.first()
}

// decodeAgreement reads an AGREEMENT_* event's payload.
func decodeAgreement(e store.EventRecord) (agreementDoc, error) {
	var d agreementDoc
	if err := json.Unmarshal([]byte(e.Payload), &d); err != nil {
		return d, fmt.Errorf("event %d payload: %w", e.Seq, err)
	}
	return d, nil
}

// SpecialTransactions returns the credit-report special-transaction kinds
// (征信特殊交易类型) of an agreement's changes: EXTENSION (展期) for a term
// extension, payment holiday, rate change or re-amortisation;
// PERSONALISED_INSTALLMENT (个性化分期) for an interest freeze plan;
// DEBT_REDUCTION (减免) for a waiver.
func SpecialTransactions(c engine.Changes) []string {
	var out []string
	if c.TermExtension != nil || c.PaymentHoliday != nil || c.RateChange != nil || c.Reamortisation != nil {
		out = append(out, "EXTENSION")
	}
	if c.InterestFreezePlan != nil {
		out = append(out, "PERSONALISED_INSTALLMENT")
	}
	if c.Waiver != nil {
		out = append(out, "DEBT_REDUCTION")
	}
	return out
}

// EventAgreement returns the agreement an AGREEMENT_* event belongs to and
// its special-transaction kinds; "" for other events.
func EventAgreement(e store.EventRecord, cur money.Currency) (agreementID string, specials []string) {
	switch e.Kind {
	case store.KindAgreementProposed, store.KindAgreementAccepted, store.KindAgreementCancelled, store.KindAgreementBroken:
	default:
		return "", nil
	}
	d, err := decodeAgreement(e)
	if err != nil {
		return "", nil
	}
	c, _ := decodeChanges(d.Changes, cur)
	return d.AgreementID, SpecialTransactions(c)
}
