package servicing

import (
	"fmt"
	"slices"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// loanLog is a loan's row and log as known at an instant.
type loanLog struct {
	loan  store.LoanRecord
	terms engine.Terms
	// events are the log's records; a cache entry (cacheEntry) has none,
	// nor evs.
	events []store.EventRecord
	// evs is events as the fold reads them, parsed once per log read.
	evs []engine.Event
	// schedule is the terms' schedule, built once per log read (none in a
	// log taken up from a snapshot, which has no events to fold with it).
	schedule engine.Schedule
	// folded, when set, is the fold of events as of foldedAsOf, kept with
	// a cached log so the next write folds only once.
	folded     *engine.LoanState
	foldedAsOf engine.Date
	// lastValueDate, set by cacheEntry (which drops evs) and
	// fromSnapshot (which reads none), is the latest value date among the
	// log's events: a fold as of that day or later may be advanced to a
	// later day instead of replayed. latestValueDate works it out.
	lastValueDate engine.Date
	// sinceSnapshot is how many events of the log a write read from the
	// store beyond the loan's latest snapshot (all of them without one);
	// pastSnapshot, that the loan has a snapshot this whole log was read
	// past, since only a replay applies the events after it: the write
	// stores a new one (or a marker) however few they were, so the next
	// read need not replay.
	sinceSnapshot int
	pastSnapshot  bool
}

// CheckLog refuses a loan's log whose seqs are not 1, 2, 3… in order. The
// store's primary key keeps two events off one seq; this keeps a gap,
// however it came about, from being folded as if nothing were missing.
func CheckLog(loanID string, events []store.EventRecord) error {
	if len(events) == 0 {
		return fmt.Errorf("loan %s: broken log: no events", loanID)
	}
	return checkSeqs(loanID, 1, events)
}

// checkSeqs refuses events whose seqs are not first, first+1, … in order.
func checkSeqs(loanID string, first int64, events []store.EventRecord) error {
	for i, e := range events {
		if e.Seq != first+int64(i) {
			return fmt.Errorf("loan %s: broken log: event %d at position %d", loanID, e.Seq, first+int64(i))
		}
	}
	return nil
}

// logOf is a loan's row and whole log as the fold reads them, as known at
// an instant (zero: now).
func (l *Loans) logOf(loanID string, rec store.LoanRecord, events []store.EventRecord, knownAt time.Time) (loanLog, error) {
	if err := CheckLog(loanID, events); err != nil {
		return loanLog{}, err
	}
	terms, err := DecodeTerms(rec.Terms)
	if err != nil {
		return loanLog{}, err
	}
	if !knownAt.IsZero() {
		// known_at keeps the log up to the first event recorded after it:
		// a prefix, because an event is decided against all before it. (A
		// writer that read the log just after another's commit can record
		// an instant earlier than that event's; keeping it alone would fold
		// a payment without the one it followed.) The origination (the
		// events written with the loan) is always kept: a loan booked after
		// known_at shows as originated, with nothing that happened since.
		n := 0
		for n < len(events) && (!events[n].RecordedAt.After(knownAt) || !events[n].RecordedAt.After(rec.CreatedAt)) {
			n++
		}
		events = events[:n]
		rec.Version = events[len(events)-1].Seq
	}
	sched, err := engine.BuildSchedule(terms)
	if err != nil {
		return loanLog{}, fmt.Errorf("loan %s: stored terms: %w", loanID, err)
	}
	evs, err := engineEvents(terms, events)
	if err != nil {
		return loanLog{}, fmt.Errorf("loan %s: %w", loanID, err)
	}
	return loanLog{loan: rec, terms: terms, events: events, evs: evs, schedule: sched}, nil
}

// withEvent returns the log with one more event, its fold cleared; the
// receiver's slices are not changed, so a cached log stays valid.
func (lg loanLog) withEvent(e store.EventRecord) (loanLog, error) {
	ev, ok, err := engineEvent(lg.terms, e)
	if err != nil {
		return lg, err
	}
	lg.events = append(slices.Clip(lg.events), e)
	if ok {
		lg.evs = append(slices.Clip(lg.evs), ev)
	}
	lg.loan.Version = e.Seq
	lg.folded = nil
	return lg, nil
}

// advanced returns the log with its fold in hand moved to a later date
// (resume, with no events after the fold), and true; false when there is
// no fold in hand or resume refuses.
func (lg loanLog) advanced(asOf engine.Date) (loanLog, bool) {
	if lg.folded == nil {
		return lg, false
	}
	st, _, ok, _ := resume(lg.loan.LoanID, lg.terms, *lg.folded, lg.foldedAsOf, lg.lastValueDate, nil, asOf, false)
	if !ok {
		return lg, false
	}
	lg.folded, lg.foldedAsOf = &st, asOf
	return lg, true
}

// fold returns the log's fold as of a date: the one in hand if it is of
// that date, else a replay.
func (lg loanLog) fold(asOf engine.Date) engine.LoanState {
	if lg.folded != nil && lg.foldedAsOf == asOf {
		return *lg.folded
	}
	return engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, asOf)
}

// latestValueDate is the latest value date among the log's events, from
// its events when it has them.
func (lg loanLog) latestValueDate() engine.Date {
	d := lg.lastValueDate
	for _, e := range lg.evs {
		d = max(d, e.ValueDate)
	}
	return d
}
