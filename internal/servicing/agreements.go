package servicing

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

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
	// OnBehalfOf is the end user Actor acts for, recorded beside it; "" for none.
	OnBehalfOf string
}

// ProposeAgreement records an agreement offered to the borrower, its quote
// frozen into it.
func (l *Loans) ProposeAgreement(ctx context.Context, p ProposeAgreementParams) (AgreementView, error) {
	e := writeChecks(p.RequestID, "loan_id", p.LoanID)
	if p.BreakAfterMissed != nil && (*p.BreakAfterMissed < 1 || *p.BreakAfterMissed > engine.MaxInstallments) {
		e.Add("break_after_missed", "must be between 1 and %d", engine.MaxInstallments)
	}
	if p.OnBreak != "" && p.OnBreak != BreakKeepPlan && p.OnBreak != BreakReinstate {
		e.Add("on_break", "unknown break action %q", p.OnBreak)
	}
	req := request{method: "ProposeAgreement", id: p.RequestID, hash: p.RequestHash}
	return idempotent(ctx, l, write[AgreementView]{req: req, loanID: p.LoanID, invalid: e.Err(), answer: l.agreementAt,
		decide: func(ctx context.Context, lg loanLog, now time.Time) (AgreementView, error) {
			ev, doc, err := l.proposal(p, lg, now)
			if err != nil {
				return AgreementView{}, err
			}
			w, err := l.appendAgreementEvent(ctx, lg, ev, doc, AgreementProposed, req, l.dateAt(now), nil)
			return w.agreement, err
		}})
}

// proposal is the AGREEMENT_PROPOSED event of a proposal on the loan as
// read at now, and the agreement it writes down with its quote.
func (l *Loans) proposal(p ProposeAgreementParams, lg loanLog, now time.Time) (store.EventRecord, agreementDoc, error) {
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
	st, ags, err := agreementsAsOf(lg, today)
	if err != nil {
		return store.EventRecord{}, agreementDoc{}, err
	}
	q, effective, err := l.restructuring.checkedQuote(lg, st, ags, p.EffectiveDate, c, e)
	if err != nil {
		return store.EventRecord{}, agreementDoc{}, err
	}
	breakAfter := l.restructuring.DefaultBreakAfterMissed
	if p.BreakAfterMissed != nil {
		breakAfter = *p.BreakAfterMissed
	}
	onBreak := p.OnBreak
	if onBreak == "" {
		onBreak = BreakKeepPlan
	}
	doc := agreementDoc{AgreementID: newAgreementID(now), Changes: encodeChanges(c, lg.terms.Currency), EffectiveDate: effective.String(),
		ExpiresOn: expires.String(), BreakAfterMissed: breakAfter, OnBreak: onBreak, Reason: p.Reason, Quote: &q}
	ev := store.EventRecord{LoanID: p.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindAgreementProposed, ValueDate: today.String(),
		RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, Reason: p.Reason}
	return ev, doc, nil
}

// AcceptAgreementParams are the inputs of AcceptAgreement.
type AcceptAgreementParams struct {
	RequestID   string
	RequestHash string
	AgreementID string
	SignedBy    string
	Actor       string
	// OnBehalfOf is the end user Actor acts for, recorded beside it; "" for none.
	OnBehalfOf string
	// FourEyes holds the acceptance for approval when it says so of the
	// agreement's waiver (0 without one).
	FourEyes FourEyes
}

// Acceptance is what AcceptAgreement did.
type Acceptance struct {
	// Agreement is the agreement, ACTIVE (PROPOSED while held).
	Agreement AgreementView
	// Loan is the loan as of the later of today and the effective date.
	Loan LoanView
	// Pending is the action holding the acceptance for approval; nil when
	// it was executed.
	Pending *ActionView
}

// AcceptAgreement signs a PROPOSED agreement and applies it to the loan
// at its effective date. The plan it executes must equal the frozen quote
// to the cent; otherwise the loan changed since the proposal and the call
// fails with QUOTE_STALE.
func (l *Loans) AcceptAgreement(ctx context.Context, p AcceptAgreementParams) (Acceptance, error) {
	e := writeChecks(p.RequestID, "agreement_id", p.AgreementID)
	if p.SignedBy == "" {
		e.Add("signed_by", "required: who signed for the borrower")
	}
	req := request{method: "AcceptAgreement", id: p.RequestID, hash: p.RequestHash}
	w, err := idempotent(ctx, l, write[agreementWrite]{req: req, invalid: e.Err(),
		load: func(ctx context.Context, _ time.Time, _ bool) (loanLog, *store.RequestRecord, error) {
			return l.loadAgreement(ctx, p.AgreementID, p.RequestID)
		},
		answer: l.acceptanceAt,
		decide: func(ctx context.Context, lg loanLog, now time.Time) (agreementWrite, error) {
			a, ev, err := l.acceptance(p, lg, now)
			if err != nil {
				return agreementWrite{agreement: a}, err
			}
			if pl := acceptancePlan(lg, a, ev, p.SignedBy); holds(p.FourEyes, pl, lg) {
				view, _, held, err := l.hold(ctx, lg, pl, req, now)
				return agreementWrite{agreement: a, loan: view, pending: held}, err
			}
			doc := a.doc()
			doc.SignedBy = p.SignedBy
			return l.appendAgreementEvent(ctx, lg, ev, doc, AgreementActive, req, max(l.dateAt(now), a.EffectiveDate), nil)
		}})
	return Acceptance{Agreement: w.agreement, Loan: w.loan, Pending: w.pending}, err
}

// acceptancePlan is an acceptance as four-eyes would hold it: it moves
// the agreement's waiver, if it has one.
func acceptancePlan(lg loanLog, a AgreementView, ev store.EventRecord, signedBy string) plan {
	var waived money.Amount
	if w := a.Changes.Waiver; w != nil {
		waived = w.Penalty + w.Compound + w.Interest
	}
	c := lg.terms.Currency
	return plan{event: ev, held: heldRequest{Method: "AcceptAgreement", LoanID: lg.loan.LoanID, AgreementID: a.AgreementID,
		SignedBy: signedBy, Amount: waived.Format(c)}, moved: waived}
}

// acceptance is the AGREEMENT_ACCEPTED event of an acceptance on the loan
// as read at now, and the agreement it accepts, after checking it is
// PROPOSED and that the quote made again on the log as it is equals the
// frozen one to the cent.
func (l *Loans) acceptance(p AcceptAgreementParams, lg loanLog, now time.Time) (AgreementView, store.EventRecord, error) {
	st, ags, a, err := l.proposed(lg, p.AgreementID, l.dateAt(now), "accepted")
	if err != nil {
		return a, store.EventRecord{}, err
	}
	q, _, err := l.restructuring.checkedQuote(lg, st, ags, a.EffectiveDate, a.Changes, engine.InvalidError{})
	var inv *engine.InvalidError
	switch {
	case errors.As(err, &inv):
		return a, store.EventRecord{}, refuse(ReasonQuoteStale,
			"the loan changed since agreement %s was proposed and it no longer applies (%v): quote again", a.AgreementID, err)
	case err != nil:
		return a, store.EventRecord{}, err
	case !reflect.DeepEqual(q, a.Quote):
		return a, store.EventRecord{}, refuse(ReasonQuoteStale,
			"the loan changed since agreement %s was proposed: its plan would now differ from the quote; quote again", a.AgreementID)
	}
	return a, store.EventRecord{LoanID: lg.loan.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindAgreementAccepted, ValueDate: a.EffectiveDate.String(),
		RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, TargetSeq: a.ProposalSeq}, nil
}

// acceptanceAt rebuilds the answer to a recorded acceptance: the agreement
// and the loan as known then, as of the later of that day and the
// effective date.
func (l *Loans) acceptanceAt(ctx context.Context, r store.RequestRecord) (agreementWrite, error) {
	if w, ok, err := l.heldAcceptanceAt(ctx, r); ok || err != nil {
		return w, err
	}
	a, err := l.agreementAt(ctx, r)
	if err != nil {
		return agreementWrite{agreement: a}, err
	}
	v, err := l.GetLoan(ctx, GetLoanParams{LoanID: r.LoanID, AsOf: max(l.dateAt(r.RecordedAt), a.EffectiveDate), KnownAt: r.RecordedAt})
	return agreementWrite{agreement: a, loan: v}, err
}

// heldAcceptanceAt rebuilds the answer to a recorded acceptance that was
// held for approval, and true; false if the request executed at once.
func (l *Loans) heldAcceptanceAt(ctx context.Context, r store.RequestRecord) (agreementWrite, bool, error) {
	lg, err := l.load(ctx, r.LoanID, r.RecordedAt)
	if err != nil {
		return agreementWrite{}, false, err
	}
	held, err := heldAt(lg, r.Seq)
	if held == nil || err != nil {
		return agreementWrite{}, false, err
	}
	today := l.dateAt(r.RecordedAt)
	_, ags, err := agreementsAsOf(lg, today)
	if err != nil {
		return agreementWrite{}, true, err
	}
	a, err := findAgreement(ags, held.held.AgreementID)
	return agreementWrite{agreement: a, loan: l.view(lg, today, r.RecordedAt), pending: held}, true, err
}

// CancelAgreementParams are the inputs of CancelAgreement.
type CancelAgreementParams struct {
	RequestID   string
	RequestHash string
	AgreementID string
	Reason      string
	Actor       string
	// OnBehalfOf is the end user Actor acts for, recorded beside it; "" for none.
	OnBehalfOf string
}

// CancelAgreement withdraws a PROPOSED agreement.
func (l *Loans) CancelAgreement(ctx context.Context, p CancelAgreementParams) (AgreementView, error) {
	e := writeChecks(p.RequestID, "agreement_id", p.AgreementID)
	if p.Reason == "" {
		e.Add("reason", "required")
	}
	req := request{method: "CancelAgreement", id: p.RequestID, hash: p.RequestHash}
	return idempotent(ctx, l, write[AgreementView]{req: req, invalid: e.Err(), answer: l.agreementAt,
		load: func(ctx context.Context, _ time.Time, _ bool) (loanLog, *store.RequestRecord, error) {
			return l.loadAgreement(ctx, p.AgreementID, p.RequestID)
		},
		decide: func(ctx context.Context, lg loanLog, now time.Time) (AgreementView, error) {
			today := l.dateAt(now)
			_, _, a, err := l.proposed(lg, p.AgreementID, today, "cancelled")
			if err != nil {
				return a, err
			}
			ev := store.EventRecord{LoanID: lg.loan.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindAgreementCancelled, ValueDate: today.String(),
				RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, TargetSeq: a.ProposalSeq, Reason: p.Reason}
			w, err := l.appendAgreementEvent(ctx, lg, ev, a.doc(), AgreementCancelled, req, today, nil)
			if err != nil {
				return a, err
			}
			return w.agreement, nil
		}})
}

// proposed finds agreement id on the loan as of today, with the loan's
// fold and agreements then, refusing (to be verb, "accepted" or
// "cancelled") one that is no longer PROPOSED.
func (l *Loans) proposed(lg loanLog, id string, today engine.Date, verb string) (engine.LoanState, []AgreementView, AgreementView, error) {
	st, ags, err := agreementsAsOf(lg, today)
	if err != nil {
		return st, ags, AgreementView{}, err
	}
	a, err := findAgreement(ags, id)
	if err == nil && a.Status != AgreementProposed {
		err = notProposed(a, verb)
	}
	return st, ags, a, err
}

// agreementWrite is what appending an agreement event gives: the
// agreement after it, as of the event's day, and the loan as of the date
// asked for; or, for an acceptance held for approval, the agreement as it
// was, the loan and the action.
type agreementWrite struct {
	agreement AgreementView
	loan      LoanView
	pending   *ActionView
}

// appendAgreementEvent writes an AGREEMENT_* event with its payload and
// the agreement's projection row. The answer is worked out from the log
// in hand, as agreementAt would from the store.
func (l *Loans) appendAgreementEvent(ctx context.Context, lg loanLog, ev store.EventRecord, doc agreementDoc, status string, req request,
	asOf engine.Date, action *store.ActionRecord) (agreementWrite, error) {
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
	now, ags, err := agreementsAsOf(after, today)
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
	line, err := l.lineTouched(ctx, lg, ev, l.viewOf(after, now, today, time.Time{}), today)
	if err != nil {
		return agreementWrite{}, err
	}
	l.cache.drop(lg.loan.LoanID)
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: lg.loan.LoanID, ExpectedVersion: lg.loan.Version, Event: ev, Line: line,
		// The loan's status projection follows today's figures.
		SetStatus: statusChange(lg.loan.Status, statusOf(now)),
		Request:   req.record(lg.loan.LoanID, ev.Seq, ev.RecordedAt),
		Agreement: &store.AgreementRecord{AgreementID: doc.AgreementID, LoanID: lg.loan.LoanID, Status: status, UpdatedAt: ev.RecordedAt},
		Action:    action})
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
	_, ags, err := agreementsAsOf(lg, l.dateAt(r.RecordedAt))
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
