package servicing

import (
	"context"
	"errors"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// Tranches: a loan whose terms have an approved amount lends its
// principal on the disbursement date and the rest in tranches
// (DisburseTranche), each a TRANCHE event the fold applies as more
// principal from its value date (engine: tranche.go). A tranche is not
// reversible: money lent is not undone by a correction of the log; an
// error is put right by the borrower repaying it.

// Tranche is one part of a loan's principal lent on one day.
type Tranche struct {
	// Seq is the event that lent it: the disbursement's for the first.
	Seq       int64
	Amount    money.Amount
	ValueDate engine.Date
}

// tranchesOf lists the tranches of a loan that takes them, as its log
// (known at the log's instant) says: the principal on the disbursement
// date, then each TRANCHE in the log's order. None for other loans.
func tranchesOf(terms engine.Terms, events []store.EventRecord, evs []engine.Event) []Tranche {
	if terms.ApprovedAmount == 0 {
		return nil
	}
	var out []Tranche
	for _, e := range events {
		if e.Kind == store.KindDisbursement {
			out = append(out, Tranche{Seq: e.Seq, Amount: terms.Principal, ValueDate: terms.DisbursementDate})
			break
		}
	}
	for _, e := range evs {
		if e.Kind == engine.EventTranche {
			out = append(out, Tranche{Seq: e.Seq, Amount: e.Amount, ValueDate: e.ValueDate})
		}
	}
	return out
}

// lent is what the tranches lend in all, whatever their dates.
func lent(ts []Tranche) money.Amount {
	var sum money.Amount
	for _, t := range ts {
		sum += t.Amount
	}
	return sum
}

// DisburseTrancheParams are the inputs of DisburseTranche.
type DisburseTrancheParams struct {
	RequestID   string
	RequestHash string
	LoanID      string
	// Amount is the decimal string as received, parsed in the loan's
	// currency.
	Amount string
	// ValueDate is NoDate for today.
	ValueDate  engine.Date
	Actor      string
	OnBehalfOf string
}

// TrancheResult is what DisburseTranche did.
type TrancheResult struct {
	Seq  int64
	Loan LoanView
}

// DisburseTranche lends another tranche of a loan with an approved
// amount, on a value date: the plan not yet due is solved again from it,
// and what came after it replays. On a loan of a credit line the tranche
// draws on the line, in the transaction of the loan's event.
func (l *Loans) DisburseTranche(ctx context.Context, p DisburseTrancheParams) (TrancheResult, error) {
	e := writeChecks(p.RequestID, "loan_id", p.LoanID)
	if p.Amount == "" {
		e.Add("amount", "required, greater than zero")
	}
	req := request{method: "DisburseTranche", id: p.RequestID, hash: p.RequestHash}
	return idempotent(ctx, l, write[TrancheResult]{req: req, loanID: p.LoanID, invalid: e.Err(),
		answer: l.trancheResult,
		decide: func(ctx context.Context, lg loanLog, now time.Time) (TrancheResult, error) {
			return l.disburseTranche(ctx, p, req, lg, now)
		}})
}

// disburseTranche decides a tranche on the whole log as read at now and
// appends it, with the line's event for a loan of a credit line.
func (l *Loans) disburseTranche(ctx context.Context, p DisburseTrancheParams, req request, lg loanLog, now time.Time) (TrancheResult, error) {
	today := l.dateAt(now)
	amount, vd, err := checkTranche(p, lg, today)
	if err != nil {
		return TrancheResult{}, err
	}
	if err := l.trancheAllowed(lg, amount, today); err != nil {
		return TrancheResult{}, err
	}
	ev := store.EventRecord{LoanID: p.LoanID, Seq: lg.loan.Version + 1, Kind: store.KindTranche, ValueDate: vd.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, OnBehalfOf: p.OnBehalfOf, Amount: amount.Format(lg.terms.Currency)}
	line, err := l.trancheLine(ctx, lg, ev, amount, today)
	if err != nil {
		return TrancheResult{}, err
	}
	after, err := lg.withEvent(ev)
	if err != nil {
		return TrancheResult{}, err
	}
	view := l.viewOf(after, after.fold(today), today, time.Time{})
	// The cache entry was made before the tranche, which may replay
	// everything after its date.
	l.cache.drop(p.LoanID)
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: p.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		SetStatus: statusChange(lg.loan.Status, view.Status), Request: req.record(p.LoanID, ev.Seq, now), Line: line})
	if err != nil {
		return TrancheResult{}, err
	}
	view.KnownAt = now
	return TrancheResult{Seq: ev.Seq, Loan: view}, nil
}

// checkTranche parses a tranche's amount in the loan's currency and its
// value date (NoDate: today): greater than zero; not in the future, not
// before the last tranche (the disbursement date for the first), and
// before the contract's last due date, so that there is a plan left to
// solve it over.
func checkTranche(p DisburseTrancheParams, lg loanLog, today engine.Date) (money.Amount, engine.Date, error) {
	var e engine.InvalidError
	amount, err := money.ParseAmount(p.Amount, lg.terms.Currency)
	switch {
	case err != nil:
		e.Add("amount", "%v", err)
	case amount <= 0:
		e.Add("amount", "must be greater than zero")
	}
	vd := p.ValueDate
	if vd == engine.NoDate {
		vd = today
	}
	last := lg.terms.DisbursementDate
	if ts := lg.tranches; len(ts) > 0 {
		last = ts[len(ts)-1].ValueDate
	}
	switch maturity := lg.schedule.MaturityDate; {
	case vd > today:
		e.Add("value_date", "must not be in the future (today is %s)", today)
	case vd < last:
		e.Add("value_date", "must not be before the last tranche, on %s", last)
	case vd >= maturity:
		e.Add("value_date", "must be before the last due date %s", maturity)
	}
	return amount, vd, e.Err()
}

// trancheAllowed refuses a tranche the loan's state forbids: no approved
// amount, nothing left of it, a loan paid off or written off, or one a
// restructuring agreement replanned (its plan has its own terms, which a
// tranche would have to be solved over: not built).
func (l *Loans) trancheAllowed(lg loanLog, amount money.Amount, today engine.Date) error {
	id, c := lg.loan.LoanID, lg.terms.Currency
	approved := lg.terms.ApprovedAmount
	if approved == 0 {
		return refuse(ReasonNoApprovedAmount, "loan %s has no approved_amount: it takes no tranches", id)
	}
	switch statusOf(lg.fold(today)) {
	case store.StatusPaidOff:
		return refuse(ReasonLoanPaidOff, "loan %s is PAID_OFF", id)
	case store.StatusWrittenOff:
		return refuse(ReasonLoanWrittenOff, "loan %s is WRITTEN_OFF", id)
	}
	for _, e := range lg.events {
		if e.Kind == store.KindAgreementAccepted {
			return refuse(ReasonAgreementSigned, "loan %s was restructured by event %d: a tranche after a restructuring agreement is not supported", id, e.Seq)
		}
	}
	if left := approved - lent(lg.tranches); amount > left {
		return refuse(ReasonApprovedAmountExceeded, "the tranche of %s is more than the %s left of the approved amount %s",
			amount.Format(c), left.Format(c), approved.Format(c))
	}
	return nil
}

// trancheLine is the line event a tranche of a loan drawn under a credit
// line appends with it, or nil for a loan of no line. A tranche draws on
// the line as a drawdown does: decided from the line as of today at its
// version V (it takes drawdowns; the tranche is at most what is
// available) and appended at V+1 in the loan's transaction, so that of a
// tranche and a drawdown decided from the same V one loses the race and
// is decided again.
func (l *Loans) trancheLine(ctx context.Context, lg loanLog, ev store.EventRecord, amount money.Amount, today engine.Date) (*store.LineEventAppend, error) {
	rec, err := l.store.LineOfLoan(ctx, lg.loan.LoanID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	log, err := l.store.LoadCreditLine(ctx, store.LoadCreditLineParams{CreditLineID: rec.CreditLineID})
	if err != nil {
		return nil, err
	}
	// The line's fold needs only the loan use cases (to fold its loans).
	v, err := (&CreditLines{loans: l}).view(ctx, log, today, time.Time{})
	if err != nil {
		return nil, err
	}
	if err := drawable(v, 0); err != nil {
		// The line takes no drawdowns (frozen, closed, expired).
		return nil, err
	}
	if c := v.Currency; amount > v.Available {
		return nil, refuse(ReasonLimitExceeded, "the tranche of %s is more than the %s available on credit line %s (limit %s, used %s)",
			amount.Format(c), v.Available.Format(c), v.CreditLineID, v.Limit.Format(c), v.Used.Format(c))
	}
	version := log.Events[len(log.Events)-1].Seq
	return &store.LineEventAppend{ExpectedVersion: version, Event: store.CreditLineEventRecord{CreditLineID: v.CreditLineID,
		Seq: version + 1, Kind: store.LineKindTrancheDrawn, ValueDate: ev.ValueDate, RecordedAt: ev.RecordedAt,
		RequestID: ev.RequestID, Actor: ev.Actor, OnBehalfOf: ev.OnBehalfOf, Amount: ev.Amount, LoanID: lg.loan.LoanID}}, nil
}

// trancheResult rebuilds the answer to a recorded tranche from the log as
// it was then.
func (l *Loans) trancheResult(ctx context.Context, r store.RequestRecord) (TrancheResult, error) {
	lg, err := l.load(ctx, r.LoanID, r.RecordedAt)
	if err != nil {
		return TrancheResult{}, err
	}
	return TrancheResult{Seq: r.Seq, Loan: l.view(lg, l.dateAt(r.RecordedAt), r.RecordedAt)}, nil
}
