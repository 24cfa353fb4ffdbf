package servicing

import (
	"context"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

func (l *Loans) load(ctx context.Context, loanID string, knownAt time.Time) (loanLog, error) {
	lg, _, err := l.loadWithRequest(ctx, loanID, "", knownAt)
	return lg, err
}

// loadWithRequest reads a loan's log as known at an instant (zero: now) and,
// in the same round trip, the record of requestID if there is one.
func (l *Loans) loadWithRequest(ctx context.Context, loanID, requestID string, knownAt time.Time) (loanLog, *store.RequestRecord, error) {
	got, err := l.store.LoadLoan(ctx, store.LoadLoanParams{LoanID: loanID, RequestID: requestID})
	if err != nil {
		return loanLog{}, got.Request, err
	}
	lg, err := logOf(loanID, got.Loan, got.Events, knownAt)
	return lg, got.Request, err
}

// loadNow reads a loan as its log stands now, to fold it as of asOf (today
// or later), with the record of requestID in the same round trip: from the
// loan's latest snapshot and the events after it, when snapshots are on
// and one can be taken up as of asOf (the log it returns then has a fold
// as of asOf and no events, as a cache entry has); else the whole log,
// read again if the snapshot could not be taken up.
func (l *Loans) loadNow(ctx context.Context, loanID, requestID string, asOf engine.Date) (loanLog, *store.RequestRecord, error) {
	got, err := l.store.LoadLoan(ctx, store.LoadLoanParams{LoanID: loanID, RequestID: requestID, SnapshotFormat: l.snapshotFormat()})
	if err != nil || got.Request != nil {
		return loanLog{}, got.Request, err
	}
	if got.Snapshot == nil {
		lg, err := logOf(loanID, got.Loan, got.Events, time.Time{})
		lg.sinceSnapshot = len(lg.events)
		return lg, nil, err
	}
	lg, ok, err := l.fromSnapshot(got.Loan, got.Snapshot, got.Events, asOf, false, nil)
	if err != nil || ok {
		return lg, nil, err
	}
	// The events after the snapshot are not all repayments in order (a
	// reversal, a backdated payment, an agreement): only a replay of the
	// whole log applies them.
	lg, prior, err := l.loadWithRequest(ctx, loanID, requestID, time.Time{})
	lg.pastSnapshot = true
	return lg, prior, err
}
