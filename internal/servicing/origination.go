package servicing

import (
	"context"
	"errors"

	"github.com/loancore/loancore/internal/engine"
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
}

// CreateLoan originates a loan: it records the origination and the
// disbursement; the loan is ACTIVE from its disbursement date.
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
	if r, ok, err := l.replay(ctx, p.RequestID, "CreateLoan", p.RequestHash); err != nil || ok {
		if err != nil {
			return LoanView{}, err
		}
		return l.GetLoan(ctx, GetLoanParams{LoanID: r.LoanID, AsOf: l.dateAt(r.RecordedAt), KnownAt: r.RecordedAt})
	}
	now := l.now().UTC()
	id := p.LoanID
	if id == "" {
		id = newLoanID(now)
	}
	doc, err := encodeTerms(p.Terms)
	if err != nil {
		return LoanView{}, err
	}
	c := p.Terms.Currency
	disb := p.Terms.DisbursementDate.String()
	err = l.store.CreateLoan(ctx, store.NewLoanRecord{
		Loan: store.LoanRecord{LoanID: id, BorrowerID: p.BorrowerID, Currency: c.Code, Terms: doc, Status: store.StatusActive, CreatedAt: now},
		Events: []store.EventRecord{
			{LoanID: id, Seq: 1, Kind: store.KindOrigination, ValueDate: disb, RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor, Amount: p.Terms.Principal.Format(c)},
			{LoanID: id, Seq: 2, Kind: store.KindDisbursement, ValueDate: disb, RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor,
				Amount: (p.Terms.Principal - p.Terms.UpfrontFee).Format(c)},
		},
		Request: store.RequestRecord{RequestID: p.RequestID, Method: "CreateLoan", RequestHash: p.RequestHash, LoanID: id, Seq: 2, RecordedAt: now},
	})
	if errors.Is(err, store.ErrDuplicate) {
		// Either a concurrent retry of this request won, or the loan id is
		// taken by another request.
		if r, ok, rerr := l.replay(ctx, p.RequestID, "CreateLoan", p.RequestHash); rerr == nil && ok {
			return l.GetLoan(ctx, GetLoanParams{LoanID: r.LoanID, AsOf: l.dateAt(r.RecordedAt), KnownAt: r.RecordedAt})
		} else if rerr != nil {
			return LoanView{}, rerr
		}
		return LoanView{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "loan_id", Description: "already exists"}}}
	}
	if err != nil {
		return LoanView{}, err
	}
	return l.GetLoan(ctx, GetLoanParams{LoanID: id, AsOf: l.dateAt(now), KnownAt: now})
}
