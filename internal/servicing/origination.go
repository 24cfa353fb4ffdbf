package servicing

import (
	"context"
	"crypto/sha256"
	"errors"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// CreateLoanParams are the inputs of CreateLoan.
type CreateLoanParams struct {
	RequestID string
	// RequestHash identifies the request body, to tell a retry from a
	// different request under the same id.
	RequestHash string
	LoanID      string
	BorrowerID  string
	Terms       engine.Terms
	Actor       string
	// OnBehalfOf is the end user Actor acts for, recorded beside it; "" for none.
	OnBehalfOf string
}

// CreateLoan originates a loan: it records the origination and the
// disbursement; the loan is ACTIVE from its disbursement date. A retry
// answers with the loan as it was when the first call booked it.
func (l *Loans) CreateLoan(ctx context.Context, p CreateLoanParams) (LoanView, error) {
	var e engine.InvalidError
	CheckLoanIdentity(&e, p.RequestID, p.LoanID, p.BorrowerID)
	var inv *engine.InvalidError
	if err := p.Terms.Validate(); errors.As(err, &inv) {
		e.Violations = append(e.Violations, inv.Prefixed("terms.").Violations...)
	}
	if err := e.Err(); err != nil {
		return LoanView{}, err
	}
	req := request{method: "CreateLoan", id: p.RequestID, hash: p.RequestHash}
	if v, ok, err := l.createdBefore(ctx, req); ok || err != nil {
		return v, err
	}
	now := l.now().UTC()
	rec, built, err := newLoan(p, req, now)
	if err != nil {
		return LoanView{}, err
	}
	err = l.store.CreateLoan(ctx, rec)
	if errors.Is(err, store.ErrDuplicate) {
		// Either a concurrent retry of this request won, or the loan id is
		// taken by another request.
		if v, ok, err := l.createdBefore(ctx, req); ok || err != nil {
			return v, err
		}
		return LoanView{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "loan_id", Description: "already exists"}}}
	}
	if err != nil {
		return LoanView{}, err
	}
	// The loan as stored, as GetLoan(as_of today, known_at now) reads it,
	// folded on the schedule already built for its APR: a 360-installment
	// schedule costs milliseconds.
	got, err := l.store.LoadLoan(ctx, store.LoadLoanParams{LoanID: rec.Loan.LoanID})
	if err != nil {
		return LoanView{}, err
	}
	lg, err := logWith(rec.Loan.LoanID, got.Loan, got.Events, now, &built)
	if err != nil {
		return LoanView{}, err
	}
	return l.view(lg, l.dateAt(now), now), nil
}

// createdBefore answers a retry of a CreateLoan request with the loan as
// the first call booked it, and true; false if the request is new. The
// same id with another body is ErrRequestConflict.
func (l *Loans) createdBefore(ctx context.Context, req request) (LoanView, bool, error) {
	r, ok, err := l.replay(ctx, req.id, req.method, req.hash)
	if err != nil || !ok {
		return LoanView{}, ok, err
	}
	v, err := l.GetLoan(ctx, GetLoanParams{LoanID: r.LoanID, AsOf: l.dateAt(r.RecordedAt), KnownAt: r.RecordedAt})
	return v, true, err
}

// newLoan is what CreateLoan writes: the loan's row with its terms
// document, its origination and disbursement (net of the upfront fee or
// the UPFRONT charge), and the request's record on the disbursement; and
// the schedule built for its APR, for reading it back. An empty loan id
// takes a server-assigned one.
func newLoan(p CreateLoanParams, req request, now time.Time) (store.NewLoanRecord, builtSchedule, error) {
	id := p.LoanID
	if id == "" {
		id = newLoanID(now)
	}
	apr, built, err := bookedAPR(p.Terms)
	if err != nil {
		return store.NewLoanRecord{}, built, err
	}
	doc, err := encodeTerms(p.Terms, apr)
	if err != nil {
		return store.NewLoanRecord{}, built, err
	}
	c := p.Terms.Currency
	disb := p.Terms.DisbursementDate.String()
	return store.NewLoanRecord{
		Loan: store.LoanRecord{LoanID: id, BorrowerID: p.BorrowerID, Currency: c.Code, Terms: doc, Status: store.StatusActive, CreatedAt: now},
		Events: []store.EventRecord{
			{LoanID: id, Seq: 1, Kind: store.KindOrigination, ValueDate: disb, RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, Amount: p.Terms.Principal.Format(c)},
			{LoanID: id, Seq: 2, Kind: store.KindDisbursement, ValueDate: disb, RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf,
				Amount: (p.Terms.Principal - p.Terms.EffectiveUpfrontFee()).Format(c)},
		},
		Request: req.record(id, 2, now),
	}, built, nil
}

// bookedAPROf is the APR a loan was booked with: the one its terms
// document keeps (stored, when has), or, for a loan booked before the
// document kept one, its schedule's worked out again (sched, when the
// caller has built it; built here otherwise) — once per document: the
// answer is remembered by the document's hash (oldAPRs), since it is a
// function of the document alone and the document is never rewritten.
func bookedAPROf(doc []byte, t engine.Terms, stored money.Rate, has bool, sched *engine.Schedule) (money.Rate, error) {
	if has {
		return stored, nil
	}
	key := sha256.Sum256(doc)
	if apr, ok := oldAPRs.get(key); ok {
		return apr, nil
	}
	if sched == nil {
		s, err := engine.BuildSchedule(t)
		if err != nil {
			return money.Rate{}, err
		}
		sched = &s
	}
	apr := engine.ScheduleAPR(t, *sched, DefaultAPRDecimals)
	oldAPRs.put(key, apr, nil)
	return apr, nil
}

// maxOldAPRs bounds oldAPRs: about 100 bytes an entry.
const maxOldAPRs = 10_000

// oldAPRs remembers the APRs bookedAPROf worked out, by terms document.
// It is the process's, not a Loans': keyed by the document, an entry is
// right for any loan and any store that has that document.
var oldAPRs = newBoundedMap[[sha256.Size]byte, money.Rate](maxOldAPRs)

// bookedAPR is the APR a loan is booked with, as its terms document keeps
// it: the IRR APR of its schedule at DefaultAPRDecimals, the figure
// QuoteSchedule gives for the same terms. It is worked out once, here,
// because a long loan's schedule and IRR solve cost milliseconds, too
// much for every read of the loan.
//
// The schedule is built for the terms as the stored document will give
// them back (its defaults filled in), so that reading the new loan back
// takes it (logWith) instead of building it again.
func bookedAPR(t engine.Terms) (string, builtSchedule, error) {
	if doc, err := encodeTerms(t, ""); err == nil {
		if stored, _, _, err := decodeTerms(doc); err == nil {
			t = stored
		}
	}
	s, err := engine.BuildSchedule(t)
	if err != nil {
		var inv *engine.InvalidError
		if errors.As(err, &inv) {
			return "", builtSchedule{}, inv.Prefixed("terms.")
		}
		return "", builtSchedule{}, err
	}
	apr := engine.ScheduleAPR(t, s, DefaultAPRDecimals)
	return money.FormatScaled(int64(apr.Units), int(apr.Scale)), builtSchedule{terms: t, schedule: s}, nil
}
