package servicing

import (
	"errors"
	"fmt"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// snapshotFormat is the snapshot format loads ask for: the engine's, or 0
// (none) when snapshots are off.
func (l *Loans) snapshotFormat() int {
	if l.snapshotEvery == 0 {
		return 0
	}
	return engine.SnapshotFormat
}

// fromSnapshot takes a loan up from its snapshot sn and the events after
// it (tail), without a replay: decoded, advanced to asOf and with the tail
// appended (resume), a fold as of asOf that equals the replay of the whole
// log. False when the tail needs a replay (Append refuses one) or the
// snapshot cannot be read or advanced.
func (l *Loans) fromSnapshot(rec store.LoanRecord, sn *store.SnapshotRecord, tail []store.EventRecord, asOf engine.Date, skipLater bool, memo *termsMemo) (loanLog, bool, error) {
	if err := checkSeqs(rec.LoanID, sn.Seq+1, tail); err != nil {
		return loanLog{}, false, err
	}
	terms, apr, err := snapshotTerms(rec, memo)
	if err != nil {
		return loanLog{}, false, err
	}
	st, err := engine.DecodeSnapshot(sn.State)
	snapAsOf, err1 := engine.ParseDate(sn.AsOf)
	last, err2 := engine.ParseDate(sn.LastValueDate)
	if err = errors.Join(err, err1, err2); err != nil {
		// Derived data only: the log still answers, at the cost of a
		// replay. Say so, since it should never happen.
		l.log.Warn("loan snapshot unreadable; replaying the log", "loan_id", rec.LoanID, "snapshot_seq", sn.Seq, "err", err)
		return loanLog{}, false, nil
	}
	st, last, ok, err := resume(rec.LoanID, terms, st, snapAsOf, last, tail, asOf, skipLater)
	if err != nil || !ok {
		return loanLog{}, false, err
	}
	// No schedule: like a cache entry, the log has no events to fold with
	// one, and every decision that needs them is made again from the
	// whole log (errStaleCache).
	return loanLog{source: snapshotFold, loan: rec, terms: terms, apr: apr, folded: &st, foldedAsOf: asOf,
		lastValueDate: last, sinceSnapshot: len(tail)}, true, nil
}

// snapshotTerms is a loan's terms and booked APR, for a fold taken up
// from its snapshot: from memo when there is one (close of business,
// where loans sold as one product share their document), else decoded
// here without the schedule only a whole log needs.
func snapshotTerms(rec store.LoanRecord, memo *termsMemo) (engine.Terms, money.Rate, error) {
	if memo != nil {
		dec, err := memo.decode(rec.LoanID, rec.Terms)
		if err != nil {
			return engine.Terms{}, money.Rate{}, err
		}
		return dec.terms, dec.apr, nil
	}
	terms, apr, hasAPR, err := decodeTerms(rec.Terms)
	if err != nil {
		return engine.Terms{}, money.Rate{}, err
	}
	if apr, err = bookedAPROf(rec.Terms, terms, apr, hasAPR, nil); err != nil {
		return engine.Terms{}, money.Rate{}, fmt.Errorf("loan %s: stored terms: %w", rec.LoanID, err)
	}
	return terms, apr, nil
}

// resume takes up a fold in hand (a snapshot's, or a cache entry's) as of
// foldAsOf, of a log whose latest value date is last: advanced to asOf,
// with the repayments of tail (events after the fold's) appended, it is
// what a replay of the whole log as of asOf gives. With skipLater, tail
// events dated after asOf are left out, as a replay as of asOf leaves them
// out (reversals, which a replay applies whatever their date, still need
// one). It returns the log's latest value date too, and false when the
// fold cannot be advanced to asOf or the tail needs a replay.
func resume(loanID string, terms engine.Terms, st engine.LoanState, foldAsOf, last engine.Date, tail []store.EventRecord, asOf engine.Date, skipLater bool) (engine.LoanState, engine.Date, bool, error) {
	// An event dated after the fold's day (an agreement effective later)
	// is applied only by a replay as of a later day; a fold dated after
	// asOf (the clock or time zone moved back, or a close of business for
	// an earlier date) cannot be advanced.
	if last > foldAsOf || foldAsOf > asOf {
		return engine.LoanState{}, 0, false, nil
	}
	// Loans with interest on the actual balance are advanced payment by
	// payment (resumeStepwise); others once, first, as they always were.
	if terms.InterestRecalculation {
		return resumeStepwise(loanID, terms, st, last, tail, asOf, skipLater)
	}
	st, ok := st.AdvanceTo(terms, asOf)
	if !ok {
		return engine.LoanState{}, 0, false, nil
	}
	evs, last, err := tailEvents(loanID, terms, tail, last, asOf, skipLater)
	if err != nil {
		return engine.LoanState{}, 0, false, err
	}
	// One copy of the fold for the whole tail (AppendAll), not one per
	// event: the write that reads a snapshot pays for it.
	if st, ok = st.AppendAll(terms, evs); !ok {
		return engine.LoanState{}, 0, false, nil
	}
	return st, last, true, nil
}

// tailEvents are the events of tail the fold reads, as resume applies
// them, and the latest value date among them and last.
func tailEvents(loanID string, terms engine.Terms, tail []store.EventRecord, last, asOf engine.Date, skipLater bool) ([]engine.Event, engine.Date, error) {
	evs := make([]engine.Event, 0, len(tail))
	for _, e := range tail {
		ev, read, err := engineEvent(terms, e)
		if err != nil {
			return nil, 0, fmt.Errorf("loan %s: %w", loanID, err)
		}
		if !read || skipLater && ev.Kind != engine.EventReversal && ev.ValueDate > asOf {
			continue
		}
		evs = append(evs, ev)
		last = max(last, ev.ValueDate)
	}
	return evs, last, nil
}

// resumeStepwise is resume for interest on the actual balance, which
// accounts the days up to the fold's date at the balance it holds, so the
// fold takes a payment only on its own date: it is advanced to each
// payment's day in turn, as the writes that recorded them were (a fold a
// day at a time equals one fold: engine's TestRecalcDailyCloseEqualsOneFold).
func resumeStepwise(loanID string, terms engine.Terms, st engine.LoanState, last engine.Date, tail []store.EventRecord, asOf engine.Date, skipLater bool) (engine.LoanState, engine.Date, bool, error) {
	evs, last, err := tailEvents(loanID, terms, tail, last, asOf, skipLater)
	if err != nil {
		return engine.LoanState{}, 0, false, err
	}
	ok := true
	for _, ev := range evs {
		if ev.ValueDate > st.AsOf && ev.ValueDate <= asOf {
			if st, ok = st.AdvanceTo(terms, ev.ValueDate); !ok {
				return engine.LoanState{}, 0, false, nil
			}
		}
		if st, ok = st.Append(terms, ev); !ok {
			return engine.LoanState{}, 0, false, nil
		}
	}
	if st, ok = st.AdvanceTo(terms, asOf); !ok {
		return engine.LoanState{}, 0, false, nil
	}
	return st, last, true, nil
}

// snapshotOf is st, the fold of the log up to the event seq as of today,
// as a snapshot to store with that event. A state with no snapshot (a
// restructuring agreement) gives a marker (an empty state) when the loan
// has a snapshot it was read past, so that reads stop taking that one up
// only to find they must replay; else nil. last is the log's latest value
// date.
func snapshotOf(st engine.LoanState, seq int64, today, last engine.Date, pastSnapshot bool) *store.SnapshotRecord {
	b, err := trimmed(st).EncodeSnapshot()
	switch {
	case err == nil:
	case pastSnapshot:
		b = []byte{}
	default:
		return nil
	}
	return &store.SnapshotRecord{Seq: seq, Format: engine.SnapshotFormat, AsOf: today.String(), LastValueDate: last.String(), State: b}
}

// trimmed is a fold with only its last payment's allocation: all a later
// Append needs, whatever the length of the loan's history.
func trimmed(st engine.LoanState) engine.LoanState {
	if n := len(st.Payments); n > 1 {
		st.Payments = []engine.PaymentResult{st.Payments[n-1]}
	}
	return st
}
