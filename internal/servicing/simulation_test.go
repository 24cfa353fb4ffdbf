package servicing_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/store/storetest"
)

var seedFlag = flag.Uint64("seed", 0, "seed of the simulation (0: from the clock)")

// testSeed is -seed, or one from the clock when it is 0; the seeded
// tests print it, so that a failure can be replayed.
func testSeed() uint64 {
	if seed := *seedFlag; seed != 0 {
		return seed
	}
	return uint64(time.Now().UnixNano())
}

func TestMain(m *testing.M) { pgtest.Main(m) }

// modelEvent is the simulation's own record of what was accepted.
type modelEvent struct {
	seq       int64
	kind      string
	amount    money.Amount
	valueDate engine.Date
	target    int64
	// changes are an accepted agreement's.
	changes *engine.Changes
}

type sent struct {
	params servicing.RecordRepaymentParams
	result servicing.RepaymentResult
}

// TestSimulation drives random repayments, backdated repayments, reversals,
// retries with the same request_id and restructuring agreements (proposed,
// some accepted) against a real store, and checks the service after every
// step against a simple model: the accepted log, the money it moved, and
// the engine's fold of exactly that log. A reversal must be refused exactly
// when the repayment is dated on or before a signed agreement's effective
// date.
func TestSimulation(t *testing.T) {
	seeded(t, func(t *testing.T, db store.Store, seed uint64) {
		simulate(t, db, seed, servicing.NewLoansParams{})
	})
}

// TestSimulationFromSnapshots is TestSimulation with no log cache and a
// snapshot every other event, so that nearly every repayment takes its
// loan up from a stored snapshot, or falls back to the whole log when the
// events after the snapshot need a replay (a backdated payment, a
// reversal, an agreement).
func TestSimulationFromSnapshots(t *testing.T) {
	seeded(t, func(t *testing.T, raw store.Store, seed uint64) {
		db := &countingStore{Store: raw}
		model := simulate(t, db, seed, servicing.NewLoansParams{CachedLoans: -1, SnapshotEvery: 2})
		t.Logf("%d loads, %d of them from a snapshot; %d snapshots written", db.loads.Load(), db.snapshotsRead.Load(), db.snapshotsWritten.Load())
		// A state with an agreement has no snapshot: unless one came
		// before the second repayment, snapshots were written and read.
		repayments := 0
		for _, e := range model {
			if e.kind == store.KindAgreementAccepted {
				break
			}
			if e.kind == store.KindRepayment {
				repayments++
			}
		}
		if repayments >= 2 && (db.snapshotsRead.Load() == 0 || db.snapshotsWritten.Load() == 0) {
			t.Fatalf("seed %d: the simulation used no snapshots", seed)
		}
	})
}

// seeded runs test on every store, in parallel, with the seed -seed names
// or a fresh one, which it prints.
func seeded(t *testing.T, test func(t *testing.T, db store.Store, seed uint64)) {
	seededKinds(t, func(t *testing.T, open storetest.NewStore, seed uint64) { test(t, open(t), seed) })
}

// seededKinds is seeded for a test that opens stores of each kind itself
// (open), as many as it compares.
func seededKinds(t *testing.T, test func(t *testing.T, open storetest.NewStore, seed uint64)) {
	seed := testSeed()
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			t.Logf("seed %d (replay with -seed=%d)", seed, seed)
			test(t, open, seed)
		})
	}
}

// eachStore runs f in parallel subtests, one per store, each on a fresh
// store of that kind.
func eachStore(t *testing.T, f func(t *testing.T, db store.Store)) {
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, open(t))
		})
	}
}

// simulate runs the simulation and returns the model's log.
func simulate(t *testing.T, db store.Store, seed uint64, params servicing.NewLoansParams) []modelEvent {
	fail := func(format string, args ...any) {
		t.Helper()
		t.Fatalf("seed %d: %s", seed, fmt.Sprintf(format, args...))
	}
	rng := rand.New(rand.NewPCG(seed, 0x5a11))
	ctx := context.Background()
	now := time.Date(2024, 1, 10, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Millisecond); return now }
	params.Store, params.Now, params.Location = db, clock, time.UTC
	loans, err := servicing.NewLoans(params)
	if err != nil {
		t.Fatal(err)
	}
	cny, _ := money.LookupCurrency("CNY")
	rate, _ := money.ParseRate([]string{"4.35", "12", "24", "0"}[rng.IntN(4)], engine.MaxRatePercent)
	terms := engine.Terms{
		Currency: cny, Principal: money.Amount(100_000 + rng.Int64N(5_000_000)), AnnualRate: rate,
		InstallmentCount: 3 + rng.IntN(10), Frequency: engine.Frequency{Unit: engine.Month, Every: 1},
		Method: engine.Method(1 + rng.IntN(5)), DisbursementDate: engine.DateOf(2024, 1, 10), FirstDueDate: engine.NoDate,
		InterestAccrual: engine.Periodic, DayCount: engine.Act360, Rounding: engine.Rounding{Mode: money.HalfUp, Multiple: 1},
		Allocation: engine.AllocationOrder(1 + rng.IntN(2)), Prepayment: engine.PrepaymentPolicy(1 + rng.IntN(2)),
		Overpayment: engine.OverpaymentPolicy(1 + rng.IntN(2)),
	}
	if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "create", RequestHash: "c", LoanID: "SIM",
		BorrowerID: "B", Terms: terms, Actor: "sim"}); err != nil {
		fail("create: %v", err)
	}
	sched, _ := engine.BuildSchedule(terms)
	model := []modelEvent{{seq: 1, kind: store.KindOrigination}, {seq: 2, kind: store.KindDisbursement}}
	var history []sent
	reversed := map[int64]bool{}

	for step := range 120 {
		today := dateOf(now)
		switch op := rng.IntN(10); {
		case op < 5: // a repayment, often backdated
			vd := terms.DisbursementDate.AddDays(rng.IntN(int(today-terms.DisbursementDate) + 1))
			amount := money.Amount(1 + rng.Int64N(int64(sched.InstallmentAmount)*2+1))
			p := servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("pay-%d", step), RequestHash: fmt.Sprint(amount, vd),
				LoanID: "SIM", Amount: amount.Format(cny), ValueDate: vd, Actor: "sim"}
			res, err := loans.RecordRepayment(ctx, p)
			var pre *servicing.PreconditionError
			switch {
			case err == nil:
				model = append(model, modelEvent{seq: res.Seq, kind: store.KindRepayment, amount: amount, valueDate: vd})
				if res.Seq != int64(len(model)) {
					fail("step %d: seq %d, model has %d events", step, res.Seq, len(model))
				}
				// The answer is the fold of the log with the payment, however
				// the service came by the loan (a cache entry, a snapshot and
				// the events after it, or the whole log).
				if want := engine.Fold(terms, engineLog(model), today); res.Loan.Outstanding != want.Outstanding() ||
					res.Loan.DaysPastDue != want.DaysPastDue() || res.Loan.Credit != want.Credit || res.Loan.Version != res.Seq {
					fail("step %d: repayment answered %+v dpd %d credit %d, model %+v dpd %d credit %d", step,
						res.Loan.Outstanding, res.Loan.DaysPastDue, res.Loan.Credit, want.Outstanding(), want.DaysPastDue(), want.Credit)
				}
				history = append(history, sent{p, res})
			case errors.As(err, &pre):
				// Refusals must be justified by the model's own fold.
				st := engine.Fold(terms, engineLog(model), today)
				withIt := engine.Fold(terms, append(engineLog(model), engine.Event{Seq: 999, Kind: engine.EventRepayment, ValueDate: vd, Amount: amount}), today)
				if st.PaidOffDate == engine.NoDate && withIt.Credit == st.Credit {
					fail("step %d: refused %s on %s (%v) but the model accepts it", step, p.Amount, vd, err)
				}
			default:
				fail("step %d: repayment: %v", step, err)
			}
		case op < 7 && len(history) > 0: // a retry, same body or not
			h := history[rng.IntN(len(history))]
			if rng.IntN(3) == 0 {
				p := h.params
				p.RequestHash += "-different"
				if _, err := loans.RecordRepayment(ctx, p); !errors.Is(err, servicing.ErrRequestConflict) {
					fail("step %d: reused request id with another body: %v", step, err)
				}
				break
			}
			res, err := loans.RecordRepayment(ctx, h.params)
			if err != nil || res.Seq != h.result.Seq || fmt.Sprint(res.Allocation) != fmt.Sprint(h.result.Allocation) ||
				res.Loan.Outstanding != h.result.Loan.Outstanding {
				fail("step %d: retry of %s answered differently: %v\n%+v\n%+v", step, h.params.RequestID, err, res.Allocation, h.result.Allocation)
			}
		case op == 8 && rng.IntN(2) == 0: // a restructuring agreement
			a, err := loans.ProposeAgreement(ctx, servicing.ProposeAgreementParams{RequestID: fmt.Sprintf("prop-%d", step),
				RequestHash: "p", LoanID: "SIM", Changes: randomChanges(rng, today), Actor: "sim"})
			var inv *engine.InvalidError
			var pre *servicing.PreconditionError
			if errors.As(err, &inv) || errors.As(err, &pre) {
				break
			}
			if err != nil {
				fail("step %d: propose: %v", step, err)
			}
			model = append(model, modelEvent{seq: a.ProposalSeq, kind: store.KindAgreementProposed})
			if rng.IntN(3) == 0 {
				break
			}
			accepted, err := loans.AcceptAgreement(ctx, servicing.AcceptAgreementParams{RequestID: fmt.Sprintf("acc-%d", step),
				RequestHash: "a", AgreementID: a.AgreementID, SignedBy: "sim", Actor: "sim"})
			acc := accepted.Agreement
			if err != nil {
				fail("step %d: accepting the agreement just proposed: %v", step, err)
			}
			model = append(model, modelEvent{seq: acc.AcceptanceSeq, kind: store.KindAgreementAccepted, valueDate: acc.EffectiveDate, changes: &acc.Changes})
		case op < 8: // a reversal of a live repayment
			var live []int64
			for _, e := range model {
				if e.kind == store.KindRepayment && !reversed[e.seq] {
					live = append(live, e.seq)
				}
			}
			if len(live) == 0 {
				break
			}
			target := live[rng.IntN(len(live))]
			signed := false
			for _, e := range model {
				if e.kind == store.KindAgreementAccepted && model[target-1].valueDate <= e.valueDate {
					signed = true
				}
			}
			res, err := loans.ReverseRepayment(ctx, servicing.ReverseRepaymentParams{RequestID: fmt.Sprintf("rev-%d", step),
				RequestHash: "r", LoanID: "SIM", Seq: target, Reason: "sim", Actor: "sim"})
			var pre *servicing.PreconditionError
			switch {
			case signed && errors.As(err, &pre) && pre.Reason == "AGREEMENT_SIGNED":
				continue
			case signed:
				fail("step %d: reversal of %d before a signed agreement: %v, want AGREEMENT_SIGNED", step, target, err)
			case err != nil:
				fail("step %d: reversal of %d: %v", step, target, err)
			}
			reversed[target] = true
			model = append(model, modelEvent{seq: res.Seq, kind: store.KindReversal, target: target})
		default: // time passes
			now = now.Add(time.Duration(1+rng.IntN(20)) * 24 * time.Hour)
		}

		// After every step: the log is the model's, and the loan is the fold
		// of exactly that log.
		today = dateOf(now)
		v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "SIM"})
		if err != nil {
			fail("step %d: get: %v", step, err)
		}
		if v.Version != int64(len(model)) {
			fail("step %d: version %d, model %d events", step, v.Version, len(model))
		}
		want := engine.Fold(terms, engineLog(model), today)
		if v.Outstanding != want.Outstanding() || v.DaysPastDue != want.DaysPastDue() || v.Credit != want.Credit {
			t.Logf("terms %+v\nmodel log %+v", terms, model)
			fail("step %d: loan %+v dpd %d credit %d, model %+v dpd %d credit %d", step, v.Outstanding, v.DaysPastDue, v.Credit,
				want.Outstanding(), want.DaysPastDue(), want.Credit)
		}
		// Money is conserved: what was received and not reversed is paid
		// on installments or held as credit.
		var received, applied money.Amount
		for _, e := range model {
			if e.kind == store.KindRepayment && !reversed[e.seq] && e.valueDate <= today {
				received += e.amount
			}
		}
		for _, in := range v.Installment {
			applied += in.PrincipalPaid + in.InterestPaid
		}
		// What agreements replaced keeps what was paid on it.
		applied += want.Superseded.PrincipalPaid + want.Superseded.InterestPaid
		if received != applied+v.Credit {
			fail("step %d: received %d, applied %d + credit %d", step, received, applied, v.Credit)
		}
		events, _, err := loans.ListLoanEvents(ctx, "SIM")
		if err != nil || len(events) != len(model) {
			fail("step %d: %d events in the store, %d in the model (%v)", step, len(events), len(model), err)
		}
	}
	kinds := map[string]int{}
	for _, e := range model {
		kinds[e.kind]++
	}
	t.Logf("model log: %v", kinds)
	return model
}

func engineLog(model []modelEvent) []engine.Event {
	var out []engine.Event
	for _, e := range model {
		switch e.kind {
		case store.KindRepayment:
			out = append(out, engine.Event{Seq: e.seq, Kind: engine.EventRepayment, ValueDate: e.valueDate, Amount: e.amount})
		case store.KindReversal:
			out = append(out, engine.Event{Seq: e.seq, Kind: engine.EventReversal, Target: e.target})
		case store.KindAgreementAccepted:
			out = append(out, engine.Event{Seq: e.seq, Kind: engine.EventAgreement, ValueDate: e.valueDate, Changes: e.changes})
		}
	}
	return out
}

func dateOf(t time.Time) engine.Date {
	y, m, d := t.Date()
	return engine.DateOf(y, int(m), d)
}
