package servicing

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/loancore/loancore/internal/engine"
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
		return a, LoanView{}, notProposed(a, "accepted")
	}
	q, _, err := l.checkedQuote(lg, st, ags, a.EffectiveDate, a.Changes, engine.InvalidError{})
	var inv *engine.InvalidError
	if errors.As(err, &inv) {
		return a, LoanView{}, refuse(ReasonQuoteStale, "the loan changed since agreement %s was proposed and it no longer applies (%v): quote again", a.AgreementID, err)
	}
	if err != nil {
		return a, LoanView{}, err
	}
	if !reflect.DeepEqual(q, a.Quote) {
		return a, LoanView{}, refuse(ReasonQuoteStale, "the loan changed since agreement %s was proposed: its plan would now differ from the quote; quote again", a.AgreementID)
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
		return a, notProposed(a, "cancelled")
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
