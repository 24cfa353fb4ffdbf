package servicing

import (
	"errors"
	"fmt"
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

// doc is the agreement as its next event writes it down; the caller adds
// what is particular to the event.
func (a AgreementView) doc() agreementDoc {
	return agreementDoc{AgreementID: a.AgreementID, Changes: encodeChanges(a.Changes, a.Currency), EffectiveDate: a.EffectiveDate.String(),
		ExpiresOn: a.ExpiresOn.String(), BreakAfterMissed: a.BreakAfterMissed, OnBreak: a.OnBreak}
}

// agreementsOf works out a loan's agreements from its log, their statuses
// as of today from st, the fold as of today.
func agreementsOf(lg loanLog, st engine.LoanState, today engine.Date) ([]AgreementView, error) {
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
		var a *AgreementView
		var err error
		switch e.Kind {
		case store.KindAgreementProposed:
			var v AgreementView
			if v, err = proposedAgreement(lg, e); err == nil {
				bySeq[e.Seq] = len(out)
				out = append(out, v)
			}
		case store.KindAgreementAccepted:
			var d agreementDoc
			if a, err = find(e); err == nil {
				d, err = decodeAgreement(e)
				a.AcceptanceSeq, a.AcceptedAt, a.SignedBy = e.Seq, e.RecordedAt, d.SignedBy
			}
		case store.KindAgreementCancelled:
			if a, err = find(e); err == nil {
				a.CancelledAt, a.CancelReason = e.RecordedAt, e.Reason
			}
		}
		if err != nil {
			return nil, err
		}
	}
	for i := range out {
		out[i].settle(st, today)
	}
	return out, nil
}

// proposedAgreement is the agreement an AGREEMENT_PROPOSED event of the
// loan's log offers.
func proposedAgreement(lg loanLog, e store.EventRecord) (AgreementView, error) {
	cur := lg.terms.Currency
	d, err := decodeAgreement(e)
	if err != nil {
		return AgreementView{}, err
	}
	c, err := decodeChanges(d.Changes, cur)
	if err != nil {
		return AgreementView{}, fmt.Errorf("event %d: %w", e.Seq, err)
	}
	eff, err1 := engine.ParseDate(d.EffectiveDate)
	exp, err2 := engine.ParseDate(d.ExpiresOn)
	if err := errors.Join(err1, err2); err != nil || d.Quote == nil {
		return AgreementView{}, fmt.Errorf("event %d: bad agreement dates or no quote: %v", e.Seq, err)
	}
	return AgreementView{AgreementID: d.AgreementID, LoanID: lg.loan.LoanID, Changes: c, Currency: cur,
		EffectiveDate: eff, ExpiresOn: exp, Quote: *d.Quote, BreakAfterMissed: d.BreakAfterMissed, OnBreak: d.OnBreak,
		Reason: d.Reason, ProposedAt: e.RecordedAt, ProposalSeq: e.Seq, BrokenOn: engine.NoDate,
		SpecialTransactions: SpecialTransactions(c)}, nil
}

// settle works out the agreement's status as of today from st, the
// loan's fold as of today: CANCELLED, EXPIRED or PROPOSED from its own
// events; once accepted, BROKEN or COMPLETED from the fold, else ACTIVE.
func (a *AgreementView) settle(st engine.LoanState, today engine.Date) {
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
func (p RestructuringPolicy) restructured(st engine.LoanState) (bool, engine.Date, string) {
	for i := len(st.Agreements) - 1; i >= 0; i-- {
		r := st.Agreements[i]
		if !r.Applied {
			continue
		}
		until := r.ValueDate.AddMonths(p.ObservationMonths) - 1
		return st.AsOf <= until || !planPaid(st, r), until, r.Ref
	}
	return false, engine.NoDate, ""
}

// agreementsAsOf folds a loan's log as of a date (today, for a request;
// the business date, for close of business) and works out its agreements
// from it.
func agreementsAsOf(lg loanLog, d engine.Date) (engine.LoanState, []AgreementView, error) {
	st := lg.fold(d)
	ags, err := agreementsOf(lg, st, d)
	return st, ags, err
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
