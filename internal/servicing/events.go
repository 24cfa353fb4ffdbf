package servicing

import (
	"fmt"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// engineEvents converts the log to what the fold reads.
func engineEvents(terms engine.Terms, events []store.EventRecord) ([]engine.Event, error) {
	out := make([]engine.Event, 0, len(events))
	for _, e := range events {
		ev, ok, err := engineEvent(terms, e)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, ev)
		}
	}
	return out, nil
}

// engineEvent converts one event; false for kinds the fold does not read.
func engineEvent(terms engine.Terms, e store.EventRecord) (engine.Event, bool, error) {
	var ev engine.Event
	switch e.Kind {
	case store.KindRepayment:
		ev.Kind = engine.EventRepayment
		a, err := money.ParseAmount(e.Amount, terms.Currency)
		if err != nil {
			return ev, false, fmt.Errorf("event %d amount %q: %w", e.Seq, e.Amount, err)
		}
		ev.Amount = a
	case store.KindReversal:
		ev.Kind = engine.EventReversal
		ev.Target = e.TargetSeq
	case store.KindWaiver:
		ev.Kind = engine.EventWaiver
		var err error
		ev.WaivePenalty, ev.WaiveCompound, ev.WaiveInterest, err = decodeWaiver(terms, e)
		if err != nil {
			return ev, false, err
		}
		if ev.WaiveFees, err = decodeWaiverFees(terms, e); err != nil {
			return ev, false, err
		}
	case store.KindWriteOff:
		ev.Kind = engine.EventWriteOff
	case store.KindTranche:
		ev.Kind = engine.EventTranche
		a, err := money.ParseAmount(e.Amount, terms.Currency)
		if err != nil {
			return ev, false, fmt.Errorf("event %d amount %q: %w", e.Seq, e.Amount, err)
		}
		ev.Amount = a
	case store.KindAgreementAccepted, store.KindAgreementBroken:
		d, err := decodeAgreement(e)
		if err != nil {
			return ev, false, err
		}
		if e.Kind == store.KindAgreementBroken {
			ev.Kind, ev.Target, ev.Reinstate = engine.EventAgreementBroken, e.TargetSeq, d.OnBreak == BreakReinstate
			break
		}
		c, err := decodeChanges(d.Changes, terms.Currency)
		if err != nil {
			return ev, false, fmt.Errorf("event %d: %w", e.Seq, err)
		}
		ev.Kind, ev.Changes, ev.Ref = engine.EventAgreement, &c, d.AgreementID
	default:
		return ev, false, nil
	}
	d, err := engine.ParseDate(e.ValueDate)
	if err != nil {
		return ev, false, fmt.Errorf("event %d: %w", e.Seq, err)
	}
	ev.Seq, ev.ValueDate = e.Seq, d
	return ev, true, nil
}
