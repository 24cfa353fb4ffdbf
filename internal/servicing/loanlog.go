package servicing

import (
	"fmt"
	"reflect"
	"slices"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// logSource says what a loanLog holds, and so what it can fold.
type logSource uint8

const (
	// wholeLog holds the loan's events as known at an instant, parsed for
	// the fold, with the terms' schedule: it folds as of any date by
	// replaying them.
	wholeLog logSource = iota + 1
	// snapshotFold holds the loan's latest stored snapshot taken up with
	// the events after it (fromSnapshot): a fold as of one date and no
	// events.
	snapshotFold
	// cachedFold is a log cache entry (cacheEntry): the fold as of the day
	// of this process's last write to the loan, and no events.
	cachedFold
)

// loanLog is a loan as a use case reads it: its row and terms, and either
// its whole log or a fold in hand; source says which. A fold in hand is
// all a repayment that changes no earlier one needs (it is appended to
// the fold), and costs the same however long the loan's history; every
// other decision needs the whole log and is made again from it
// (errStaleCache).
type loanLog struct {
	source logSource
	loan   store.LoanRecord
	terms  engine.Terms
	// apr is the APR the loan was booked with (bookedAPR): read from its
	// terms document, or worked out on reading for a loan booked before
	// the document kept it.
	apr money.Rate
	// events are a whole log's records, and evs the same as the fold
	// reads them, parsed once per read; none in a fold in hand.
	events []store.EventRecord
	evs    []engine.Event
	// schedule is the terms' schedule, built once per read of the whole
	// log (a cache entry keeps the one its log was read with).
	schedule engine.Schedule
	// folded is a fold in hand's state, as of foldedAsOf; nil in a whole
	// log.
	folded     *engine.LoanState
	foldedAsOf engine.Date
	// lastValueDate is, in a fold in hand, the latest value date among the
	// events it folded: a fold as of that day or later may be advanced to
	// a later day instead of replayed. latestValueDate works it out for
	// either source.
	lastValueDate engine.Date
	// sinceSnapshot is how many events of the log a write read from the
	// store beyond the loan's latest snapshot (all of them without one);
	// pastSnapshot, that the loan has a snapshot this whole log was read
	// past, since only a replay applies the events after it: the write
	// stores a new one (or a marker) however few they were, so the next
	// read need not replay.
	sinceSnapshot int
	pastSnapshot  bool
	// requestUnread says the write that read this log did not read the
	// record of its request with it (loadToPay): a refusal decided from
	// it, even from a whole log, is decided again from a read that does.
	requestUnread bool
	// tranches are the loan's tranches as its log says (tranchesOf), kept
	// in a fold in hand too: a loan that takes tranches has no snapshots
	// (snapshotToStore), so every fold in hand of one was made from its
	// whole log.
	tranches []Tranche
}

// replayable reports whether the log holds the whole log, so that it can
// be folded as of any date and take any event.
func (lg loanLog) replayable() bool { return lg.source == wholeLog }

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
func logOf(loanID string, rec store.LoanRecord, events []store.EventRecord, knownAt time.Time) (loanLog, error) {
	return logWith(loanID, rec, events, knownAt, nil)
}

// builtSchedule is a schedule built for terms, which a log of a loan with
// the same terms may take instead of building it again.
type builtSchedule struct {
	terms    engine.Terms
	schedule engine.Schedule
}

// logWith is logOf with a schedule already built (nil: none), taken when
// it was built for the terms the stored document decodes to.
func logWith(loanID string, rec store.LoanRecord, events []store.EventRecord, knownAt time.Time, built *builtSchedule) (loanLog, error) {
	if err := CheckLog(loanID, events); err != nil {
		return loanLog{}, err
	}
	dec, err := decode(loanID, rec.Terms, built)
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
	return logFrom(loanID, rec, events, dec)
}

// decodedTerms is what a loan's terms document gives its log: the terms,
// their schedule and the booked APR. It is a function of the document
// alone, so loans with the same document may share one (termsMemo); the
// engine never changes what it is given, so sharing is safe.
type decodedTerms struct {
	terms    engine.Terms
	apr      money.Rate
	schedule engine.Schedule
}

// decode decodes a stored terms document for loan loanID, taking the
// schedule already built (nil: none) when it was built for the terms the
// document decodes to.
func decode(loanID string, doc []byte, built *builtSchedule) (*decodedTerms, error) {
	terms, apr, hasAPR, err := decodeTerms(doc)
	if err != nil {
		return nil, err
	}
	var sched engine.Schedule
	if built != nil && reflect.DeepEqual(built.terms, terms) {
		sched = built.schedule
	} else if sched, err = engine.BuildSchedule(terms); err != nil {
		return nil, fmt.Errorf("loan %s: stored terms: %w", loanID, err)
	}
	if apr, err = bookedAPROf(doc, terms, apr, hasAPR, &sched); err != nil {
		return nil, fmt.Errorf("loan %s: stored terms: %w", loanID, err)
	}
	return &decodedTerms{terms: terms, apr: apr, schedule: sched}, nil
}

// logFrom is a whole log (CheckLog'd, up to its knownAt) on its decoded
// terms.
func logFrom(loanID string, rec store.LoanRecord, events []store.EventRecord, dec *decodedTerms) (loanLog, error) {
	evs, err := engineEvents(dec.terms, events)
	if err != nil {
		return loanLog{}, fmt.Errorf("loan %s: %w", loanID, err)
	}
	return loanLog{source: wholeLog, loan: rec, terms: dec.terms, apr: dec.apr, events: events, evs: evs, schedule: dec.schedule,
		tranches: tranchesOf(dec.terms, events, evs)}, nil
}

// withEvent returns the whole log with one more event; the receiver's
// slices are not changed. Only a whole log takes an event this way: a fold
// in hand takes a repayment by engine.LoanState.Append.
func (lg loanLog) withEvent(e store.EventRecord) (loanLog, error) {
	if !lg.replayable() {
		return lg, fmt.Errorf("loan %s: event %d added to a fold in hand", lg.loan.LoanID, e.Seq)
	}
	ev, ok, err := engineEvent(lg.terms, e)
	if err != nil {
		return lg, err
	}
	lg.events = append(slices.Clip(lg.events), e)
	if ok {
		lg.evs = append(slices.Clip(lg.evs), ev)
	}
	if ev.Kind == engine.EventTranche {
		lg.tranches = append(slices.Clip(lg.tranches), Tranche{Seq: ev.Seq, Amount: ev.Amount, ValueDate: ev.ValueDate})
	}
	lg.loan.Version = e.Seq
	return lg, nil
}

// advanced returns the log with its fold in hand moved to a later date
// (resume, with no events after the fold), and true; false for a whole
// log, or when resume refuses.
func (lg loanLog) advanced(asOf engine.Date) (loanLog, bool) {
	if lg.replayable() {
		return lg, false
	}
	st, _, ok, _ := resume(lg.loan.LoanID, lg.terms, *lg.folded, lg.foldedAsOf, lg.lastValueDate, nil, asOf, false)
	if !ok {
		return lg, false
	}
	lg.folded, lg.foldedAsOf = &st, asOf
	return lg, true
}

// fold returns the log's fold as of a date: a replay of the whole log, or
// the fold in hand, which is as of one date only. Asking a fold in hand
// for another date is a bug, not a request to refuse: it panics, which
// the server reports as an internal error.
func (lg loanLog) fold(asOf engine.Date) engine.LoanState {
	if lg.replayable() {
		return engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, asOf)
	}
	if asOf != lg.foldedAsOf {
		panic(fmt.Sprintf("servicing: loan %s: the fold in hand is as of %s, not %s", lg.loan.LoanID, lg.foldedAsOf, asOf))
	}
	return *lg.folded
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
