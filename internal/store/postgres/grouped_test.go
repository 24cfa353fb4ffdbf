package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/postgres"
)

// TestAppendGroupOutcomes: appends that arrive together are written in
// groups, and each caller is told what happened to its own append, as if
// it had gone alone. Round by round, four appends race for the next seq
// of each of 24 loans, and one more reuses the request id of a winner of
// the round before (on a loan of its own): exactly one append a seq wins, the
// log holds the winner's event, the others are told of the conflict, and
// the reused id is told it is a duplicate and not written.
func TestAppendGroupOutcomes(t *testing.T) {
	ctx := context.Background()
	s := openSolo(t, pgtest.URL(t))
	const loans, racers, rounds = 24, 4, 6
	for i := range loans + 1 {
		if err := s.CreateLoan(ctx, newLoan(fmt.Sprint("G", i))); err != nil {
			t.Fatal(err)
		}
	}
	dup := fmt.Sprint("G", loans) // where the reused ids go: it stays at version 2
	var lastWinner string
	for r := range rounds {
		version := int64(2 + r)
		calls := make([]store.AppendEventParams, 0, loans*racers+1)
		for i := range loans {
			for k := range racers {
				calls = append(calls, racer(fmt.Sprint("G", i), version, fmt.Sprintf("r%d-%d-%d", r, i, k)))
			}
		}
		if lastWinner != "" {
			calls = append(calls, racer(dup, 2, lastWinner))
		}
		errs := appendAll(s, calls)
		winners := map[string]string{}
		for j, c := range calls {
			switch {
			case errs[j] == nil:
				if w, twice := winners[c.LoanID]; twice {
					t.Fatalf("round %d: %s and %s both written at seq %d of %s", r, w, c.Event.RequestID, c.Event.Seq, c.LoanID)
				}
				winners[c.LoanID] = c.Event.RequestID
			case c.Event.RequestID == lastWinner:
				if !errors.Is(errs[j], store.ErrDuplicate) {
					t.Fatalf("round %d: the reused request id %s: %v, want ErrDuplicate", r, lastWinner, errs[j])
				}
			case !errors.Is(errs[j], store.ErrVersionConflict):
				t.Fatalf("round %d: %s: %v, want written or ErrVersionConflict", r, c.Event.RequestID, errs[j])
			}
		}
		for i := range loans {
			id := fmt.Sprint("G", i)
			log, err := s.LoadLoan(ctx, store.LoadLoanParams{LoanID: id})
			if err != nil {
				t.Fatal(err)
			}
			last := log.Events[len(log.Events)-1]
			if int64(len(log.Events)) != version+1 || last.RequestID != winners[id] {
				t.Fatalf("round %d: %s's log has %d events ending in %q; want %d ending in the winner's %q",
					r, id, len(log.Events), last.RequestID, version+1, winners[id])
			}
		}
		lastWinner = winners["G1"]
	}
	groups, rows := s.AppendGroups()
	wantGrouped(t, "append", groups, rows)
}

// racer is an append at version of loan id, with request id rid.
func racer(id string, version int64, rid string) store.AppendEventParams {
	p := pay(id, version)
	p.Event.RequestID, p.Request.RequestID = rid, rid
	return p
}

// appendAll makes the appends at once and returns their errors in
// order.
func appendAll(s *postgres.Store, calls []store.AppendEventParams) []error {
	errs := make([]error, len(calls))
	atOnce(len(calls), func(j int) { errs[j] = s.AppendEvent(context.Background(), calls[j]) })
	return errs
}

// atOnce calls call(0) … call(n-1), each on its own goroutine, released
// together, and returns when all have.
func atOnce(n int, call func(i int)) {
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			call(i)
		})
	}
	close(start)
	wg.Wait()
}

// wantGrouped fails the test unless some group carried more than one
// call: otherwise it tested calls that went alone.
func wantGrouped(t *testing.T, what string, groups, calls int64) {
	t.Helper()
	t.Logf("%d groups of more than one %s carried %d", groups, what, calls)
	if groups == 0 || calls <= groups {
		t.Fatalf("%d groups of %d %ss: they never went together", groups, calls, what)
	}
}

// TestLoadGroupAnswers: loads that arrive together are read in groups,
// and each caller gets its own loan: many loads at once of 24 loans with
// logs of different lengths, some with a request's record asked for, of
// loans that do not exist, and from a snapshot.
func TestLoadGroupAnswers(t *testing.T) {
	ctx := context.Background()
	s := openSolo(t, pgtest.URL(t))
	const loans = 24
	for i := range loans {
		id := fmt.Sprint("L", i)
		if err := s.CreateLoan(ctx, newLoan(id)); err != nil {
			t.Fatal(err)
		}
		for v := range int64(i % 4) {
			if err := s.AppendEvent(ctx, pay(id, 2+v)); err != nil {
				t.Fatal(err)
			}
		}
	}
	type load struct {
		p    store.LoadLoanParams
		log  store.LoanLog
		err  error
		want int64 // the version; 0: not found
	}
	var loads []*load
	for round := range 8 {
		for i := range loans + 2 {
			p := store.LoadLoanParams{LoanID: fmt.Sprint("L", i)}
			if round%2 == 1 {
				p.RequestID = "c-" + p.LoanID
			}
			if round%3 == 2 {
				p.SnapshotFormat = 1
			}
			want := int64(0)
			if i < loans {
				want = int64(2 + i%4)
			}
			loads = append(loads, &load{p: p, want: want})
		}
	}
	atOnce(len(loads), func(i int) { loads[i].log, loads[i].err = s.LoadLoan(context.Background(), loads[i].p) })
	for _, l := range loads {
		switch {
		case l.want == 0:
			if !errors.Is(l.err, store.ErrNotFound) {
				t.Fatalf("%+v: %v, want ErrNotFound", l.p, l.err)
			}
		case l.err != nil || l.log.Loan.LoanID != l.p.LoanID || l.log.Loan.Version != l.want ||
			int64(len(l.log.Events)) != l.want || l.log.Events[0].RequestID != "c-"+l.p.LoanID:
			t.Fatalf("%+v: %v, %s at version %d with %d events; want version %d", l.p, l.err, l.log.Loan.LoanID, l.log.Loan.Version, len(l.log.Events), l.want)
		case (l.p.RequestID != "") != (l.log.Request != nil) || (l.log.Request != nil && l.log.Request.LoanID != l.p.LoanID):
			t.Fatalf("%+v: request record %+v", l.p, l.log.Request)
		}
	}
	groups, calls := s.LoadGroups()
	wantGrouped(t, "load", groups, calls)
}
