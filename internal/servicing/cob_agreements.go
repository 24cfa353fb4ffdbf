package servicing

import (
	"context"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// breakAgreements marks BROKEN every ACTIVE agreement whose borrower has
// missed its break_after_missed installments by the end of d. It returns
// how many agreements could not be checked (each is logged); an error
// means the agreements could not be listed at all.
func (c *Close) breakAgreements(ctx context.Context, d engine.Date) (int, error) {
	recs, err := c.loans.activeAgreements(ctx)
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, rec := range recs {
		id := rec.AgreementID
		broke, err := c.loans.breakMissed(ctx, rec, d)
		switch {
		case ctx.Err() != nil:
			return failed, ctx.Err()
		case err != nil:
			failed++
			c.log.ErrorContext(ctx, "close of business: agreement not checked", "business_date", d.String(), "agreement_id", id, "error", err)
		case broke:
			c.log.InfoContext(ctx, "close of business: agreement broken", "business_date", d.String(), "agreement_id", id)
		}
	}
	return failed, nil
}

// breakMissed appends AGREEMENT_BROKEN for an ACTIVE agreement whose
// borrower has missed break_after_missed installments of the new plan by
// the end of business date d (due before d, unpaid at its end). The
// request id is derived from the agreement and the date, so running the
// date again changes nothing. It reports whether it broke the agreement.
func (l *Loans) breakMissed(ctx context.Context, rec store.AgreementRecord, d engine.Date) (bool, error) {
	id := "cob:" + d.String() + ":break:" + rec.AgreementID
	req := request{method: "BreakAgreement", id: id, hash: id}
	return idempotent(ctx, l, write[bool]{req: req, loanID: rec.LoanID,
		answer: func(context.Context, store.RequestRecord) (bool, error) { return false, nil },
		decide: func(ctx context.Context, lg loanLog, now time.Time) (bool, error) {
			st, ags, err := agreementsAsOf(lg, d)
			if err != nil {
				return false, err
			}
			a, err := findAgreement(ags, rec.AgreementID)
			if err == nil && a.Status == AgreementCompleted {
				// Completed with the last payment: the projection learns it
				// here, so close of business stops looking at the agreement.
				return false, l.store.SaveAgreement(ctx, store.AgreementRecord{AgreementID: a.AgreementID, LoanID: a.LoanID,
					Status: AgreementCompleted, UpdatedAt: now})
			}
			missed := missedInstallments(st, a, d)
			if err != nil || a.Status != AgreementActive || a.EffectiveDate >= d || missed < a.BreakAfterMissed {
				return false, err
			}
			doc := a.doc()
			doc.Missed = missed
			ev := store.EventRecord{LoanID: lg.loan.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindAgreementBroken, ValueDate: d.String(),
				RecordedAt: now, RequestID: id, Actor: CloseOfBusinessActor, TargetSeq: a.AcceptanceSeq,
				Reason: fmt.Sprintf("%d installments of the plan missed", missed)}
			_, err = l.appendAgreementEvent(ctx, lg, ev, doc, AgreementBroken, req, d, nil)
			return err == nil, err
		}})
}

// missedInstallments counts the installments of an agreement's plan due
// after its effective date and before d, unpaid as of st.
func missedInstallments(st engine.LoanState, a AgreementView, d engine.Date) int {
	missed := 0
	for _, in := range st.Installments {
		if in.Number >= a.firstNumber && in.DueDate > a.EffectiveDate && in.DueDate < d && in.Unpaid() > 0 {
			missed++
		}
	}
	return missed
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
