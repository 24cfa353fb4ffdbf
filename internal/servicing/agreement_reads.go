package servicing

import (
	"context"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// GetAgreement returns an agreement and its status today.
func (l *Loans) GetAgreement(ctx context.Context, agreementID string) (AgreementView, error) {
	lg, _, err := l.loadAgreement(ctx, agreementID, "")
	if err != nil {
		return AgreementView{}, err
	}
	_, ags, err := agreementsAsOf(lg, l.Today())
	if err != nil {
		return AgreementView{}, err
	}
	return findAgreement(ags, agreementID)
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
	after, err := l.tokens.read(ctx, &e, listAgreements, p.PageToken)
	if err != nil {
		return nil, "", err
	}
	statuses, ok := projectionStatuses[p.Status]
	if p.Status != "" && !ok {
		e.Add("status", "unknown status %q", p.Status)
	}
	if err := e.Err(); err != nil {
		return nil, "", err
	}
	find := l.agreementFinder(ctx, l.Today())
	var out []AgreementView
	for {
		rows, err := l.store.ListAgreements(ctx, store.AgreementQuery{LoanID: p.LoanID, Statuses: statuses, AfterAgreementID: after, Limit: size + 1})
		if err != nil {
			return nil, "", err
		}
		for _, r := range rows {
			a, err := find(r)
			if err != nil {
				return nil, "", err
			}
			if p.Status != "" && a.Status != p.Status {
				after = r.AgreementID
				continue
			}
			if len(out) == size {
				next, err := l.tokens.issue(ctx, listAgreements, out[size-1].AgreementID)
				return out, next, err
			}
			out = append(out, a)
			after = r.AgreementID
		}
		if len(rows) <= size {
			return out, "", nil
		}
	}
}

// agreementFinder returns a function that works out the agreement of a
// projection row as of today from its loan's log, reading each loan once
// per listing. A row may be newer than the log read for its loan: an
// agreement proposed after that read is committed with its row and may
// be in a later batch of the same listing. Such a row is looked up in a
// fresh read of its loan's log, once; a row missing from that too is a
// projection that disagrees with the log, an internal error.
func (l *Loans) agreementFinder(ctx context.Context, today engine.Date) func(store.AgreementRecord) (AgreementView, error) {
	type loanAgreements struct {
		ags []AgreementView
		err error
	}
	read := func(loanID string) (la loanAgreements) {
		lg, err := l.load(ctx, loanID, time.Time{})
		if err != nil {
			return loanAgreements{err: err}
		}
		_, la.ags, la.err = agreementsAsOf(lg, today)
		return la
	}
	loans := map[string]loanAgreements{}
	return func(r store.AgreementRecord) (AgreementView, error) {
		la, cached := loans[r.LoanID]
		if !cached {
			la = read(r.LoanID)
			loans[r.LoanID] = la
		}
		if la.err != nil {
			return AgreementView{}, la.err
		}
		a, err := findAgreement(la.ags, r.AgreementID)
		if err != nil && cached {
			la = read(r.LoanID)
			loans[r.LoanID] = la
			if la.err != nil {
				return AgreementView{}, la.err
			}
			a, err = findAgreement(la.ags, r.AgreementID)
		}
		if err != nil {
			return a, fmt.Errorf("agreement %s: not in the log of loan %s", r.AgreementID, r.LoanID)
		}
		return a, nil
	}
}
