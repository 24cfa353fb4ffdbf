package servicing_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// tailStore counts, of the loads that returned a snapshot, the longest
// stretch of log read after it.
type tailStore struct {
	*countingStore
	longestTail atomic.Int64
}

func (s *tailStore) LoadLoan(ctx context.Context, p store.LoadLoanParams) (store.LoanLog, error) {
	lg, err := s.countingStore.LoadLoan(ctx, p)
	if lg.Snapshot != nil && int64(len(lg.Events)) > s.longestTail.Load() {
		s.longestTail.Store(int64(len(lg.Events)))
	}
	return lg, err
}

// TestSnapshotsServeColdWrites: with no log cache, as when a loan is paid
// once a month among millions, a repayment reads the loan's latest
// snapshot and at most SnapshotEvery-1 events after it, never the whole
// log, and stores a new snapshot when it has read that many; and every
// answer equals what a service folds from the whole log, with and without
// a penalty policy, on payment days weeks apart (penalty and compound
// interest accrued in between), on both stores; so does GetLoan, today and
// later, which reads the snapshot too. A third loan mixes in what a
// snapshot cannot be taken up past (backdated payments, reversals,
// waivers): its writes replay the log and its answers are still the log's.
func TestSnapshotsServeColdWrites(t *testing.T) { seeded(t, snapshotsServeColdWrites) }

func snapshotsServeColdWrites(t *testing.T, raw store.Store, seed uint64) {
	const every = 4
	rng := rand.New(rand.NewPCG(seed, 0x5a4b))
	ctx := context.Background()
	db := &tailStore{countingStore: &countingStore{Store: raw}}
	now := time.Date(2024, 1, 20, 4, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	cold, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC, CachedLoans: -1, SnapshotEvery: every})
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := servicing.NewLoans(servicing.NewLoansParams{Store: raw, Now: clock, Location: time.UTC, CachedLoans: -1, SnapshotEvery: -1})
	if err != nil {
		t.Fatal(err)
	}
	same := func(id, what string, got servicing.LoanView) {
		t.Helper()
		want, err := fresh.GetLoan(ctx, servicing.GetLoanParams{LoanID: id, AsOf: got.AsOf})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != want.Status || got.Version != want.Version || got.Outstanding != want.Outstanding || got.Credit != want.Credit ||
			got.DaysPastDue != want.DaysPastDue || got.NextDueDate != want.NextDueDate || got.CappedOn != want.CappedOn ||
			fmt.Sprintf("%+v", got.Installment) != fmt.Sprintf("%+v", want.Installment) {
			t.Fatalf("seed %d: %s %s as of %s: the answer differs from the log's fold\n got %+v\nwant %+v", seed, id, what, got.AsOf, got, want)
		}
	}
	// check compares a write's answer, and GetLoan today and 45 days on
	// (which read the latest snapshot too), with the log's fold.
	gets := int64(0)
	check := func(id, what string, got servicing.LoanView) {
		t.Helper()
		same(id, what, got)
		for _, asOf := range []engine.Date{got.AsOf, got.AsOf.AddDays(45)} {
			gets++
			read, err := cold.GetLoan(ctx, servicing.GetLoanParams{LoanID: id, AsOf: asOf})
			if err != nil {
				t.Fatal(err)
			}
			same(id, "GetLoan after "+what, read)
		}
	}
	for i, kind := range []string{"plain", "penalty", "mixed"} {
		terms := twelveMonths()
		if kind != "plain" {
			terms.HasPenalty, terms.Penalty = true, engine.PenaltyPolicy{GraceDays: 3, CompoundOverdueInterest: true}
		}
		terms.InstallmentCount = 36
		c := terms.Currency
		id := fmt.Sprintf("L%d", i)
		if _, err := cold.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c-" + id, RequestHash: "c", LoanID: id, BorrowerID: "B", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		read, written, loads, writes, refused, overdue := db.snapshotsRead.Load(), db.snapshotsWritten.Load(), db.loads.Load()+gets, 0, 0, 0
		var paid []int64
		for k := range 40 {
			now = now.Add(time.Duration(1+rng.IntN(30)) * 24 * time.Hour)
			today := engine.DateOf(now.Year(), int(now.Month()), now.Day())
			if kind == "mixed" && len(paid) > 0 {
				switch rng.IntN(4) {
				case 0:
					res, err := cold.ReverseRepayment(ctx, servicing.ReverseRepaymentParams{RequestID: fmt.Sprintf("%s-r%d", id, k), RequestHash: "r",
						LoanID: id, Seq: paid[len(paid)-1], Reason: "test", Actor: "test"})
					if err != nil {
						t.Fatalf("seed %d: reversal: %v", seed, err)
					}
					paid = paid[:len(paid)-1]
					check(id, "reversal", res.Loan)
					continue
				case 1:
					if _, err := cold.WaiveAmounts(ctx, servicing.WaiveAmountsParams{RequestID: fmt.Sprintf("%s-w%d", id, k), RequestHash: "w",
						LoanID: id, Penalty: "1.00", Reason: "test", Actor: "test"}); err != nil {
						var pre *servicing.PreconditionError
						var inv *engine.InvalidError
						if !errors.As(err, &pre) && !errors.As(err, &inv) {
							t.Fatalf("seed %d: waiver: %v", seed, err)
						}
					}
					continue
				}
			}
			vd := engine.NoDate
			if kind == "mixed" && rng.IntN(3) == 0 {
				vd = today.AddDays(-rng.IntN(60)) // often before earlier payments
				vd = max(vd, terms.DisbursementDate)
			}
			amount := money.Amount(1 + rng.Int64N(80_000))
			res, err := cold.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("%s-p%d", id, k), RequestHash: "h",
				LoanID: id, Amount: amount.Format(c), ValueDate: vd, Actor: "test"})
			var pre *servicing.PreconditionError
			if errors.As(err, &pre) {
				refused++
				continue // more than is owed, or paid off
			}
			if err != nil {
				t.Fatalf("seed %d: %s payment %d on %s: %v", seed, id, k, now.Format(time.DateOnly), err)
			}
			writes++
			paid = append(paid, res.Seq)
			if res.Loan.Outstanding.Penalty > 0 {
				overdue++
			}
			check(id, fmt.Sprintf("payment %d of %s", k, amount.Format(c)), res.Loan)
		}
		reads, writtenHere := db.snapshotsRead.Load()-read, db.snapshotsWritten.Load()-written
		if kind != "mixed" && reads < 2*int64(writes) {
			t.Fatalf("seed %d: %s: %d loads from a snapshot for %d payments, each followed by two GetLoan: GetLoan does not read snapshots", seed, id, reads, writes)
		}
		t.Logf("%s (%s): %d payments; %d loads from a snapshot, %d snapshots written", id, kind, writes, reads, writtenHere)
		if kind == "mixed" && (writes < 10 || writtenHere < 2) || kind != "mixed" && (writes < 25 || writtenHere < int64(writes/every)-1 || reads < int64(writes)-every-2) {
			t.Fatalf("seed %d: %s: %d payments, %d loads from a snapshot, %d snapshots written: snapshots were not used", seed, id, writes, reads, writtenHere)
		}
		if kind == "penalty" && overdue == 0 {
			t.Fatalf("seed %d: %s: never overdue: the test does not exercise accrual", seed, id)
		}
		// One read per payment and per GetLoan: a refusal decided from a
		// snapshot is decided again from the whole log, nothing else reads
		// twice.
		if n := db.loads.Load() - gets - loads; kind != "mixed" && n > int64(writes+2*refused) {
			t.Fatalf("seed %d: %s: %d loads for %d payments and %d refusals: snapshots were read but not taken up", seed, id, n, writes, refused)
		}
		if kind != "mixed" && db.longestTail.Load() > every-1 {
			t.Fatalf("seed %d: %s: a write read %d events after a snapshot, want at most %d", seed, id, db.longestTail.Load(), every-1)
		}
	}
}

// TestUnreadableSnapshotIsReplayed: a stored snapshot that does not decode
// (written by a bug, or damaged) costs a replay and a log line, never a
// wrong answer or a failed write.
func TestUnreadableSnapshotIsReplayed(t *testing.T) {
	eachStore(t, func(t *testing.T, raw store.Store) {
		ctx := context.Background()
		now := time.Date(2024, 3, 1, 4, 0, 0, 0, time.UTC)
		var logged bytes.Buffer
		loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: raw, Now: func() time.Time { return now }, Location: time.UTC,
			CachedLoans: -1, Logger: slog.New(slog.NewTextHandler(&logged, nil))})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
			t.Fatal(err)
		}
		// A payment written straight to the store, with a snapshot of
		// the right format that is not one.
		at := now.Add(-time.Hour)
		if err := raw.AppendEvent(ctx, store.AppendEventParams{LoanID: "L", ExpectedVersion: 2,
			Event: store.EventRecord{LoanID: "L", Seq: 3, Kind: store.KindRepayment, ValueDate: "2024-02-15", RecordedAt: at,
				RequestID: "p0", Actor: "test", Amount: "1066.19"},
			Request:  store.RequestRecord{RequestID: "p0", Method: "RecordRepayment", RequestHash: "h", LoanID: "L", Seq: 3, RecordedAt: at},
			Snapshot: &store.SnapshotRecord{Seq: 3, Format: engine.SnapshotFormat, AsOf: "2024-03-01", LastValueDate: "2024-02-15", State: []byte("garbage")},
		}); err != nil {
			t.Fatal(err)
		}
		res, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: "p1", RequestHash: "h", LoanID: "L", Amount: "500.00", Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		want, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L"})
		if err != nil {
			t.Fatal(err)
		}
		if res.Seq != 4 || res.Loan.Outstanding != want.Outstanding || fmt.Sprintf("%+v", res.Loan.Installment) != fmt.Sprintf("%+v", want.Installment) {
			t.Fatalf("answer %+v, the log's fold %+v", res.Loan, want)
		}
		if !strings.Contains(logged.String(), "loan snapshot unreadable") || !strings.Contains(logged.String(), "loan_id=L") {
			t.Fatalf("no log line for the unreadable snapshot: %q", logged.String())
		}
	})
}

// snapshotCounting counts the loans close of business read from a
// snapshot.
type snapshotCounting struct {
	store.CloseOfBusiness
	fromSnapshot, loans atomic.Int64
}

func (s *snapshotCounting) COBLoans(ctx context.Context, p store.COBLoansParams) (store.COBPage, error) {
	page, err := s.CloseOfBusiness.COBLoans(ctx, p)
	for _, l := range page.Loans {
		s.loans.Add(1)
		if l.Snapshot != nil {
			s.fromSnapshot.Add(1)
		}
	}
	return page, err
}

// TestCloseOfBusinessFromSnapshots: close of business takes each loan up
// from its latest snapshot dated on or before the business date and the
// events after it, leaving out those dated later, as a replay as of that
// date does; a reversal after the snapshot makes it replay the whole log.
// Each date is closed the morning after, once that day's payments (dated
// after it, and snapshots taken then) are in the log. For 40 dates, every
// delinquent position equals GetLoan as of the date (a replay of the whole
// log), and each loan's journal sums to what GetLoan charged.
func TestCloseOfBusinessFromSnapshots(t *testing.T) { seeded(t, closeOfBusinessFromSnapshots) }

func closeOfBusinessFromSnapshots(t *testing.T, db store.Store, seed uint64) {
	ctx := context.Background()
	now := time.Date(2024, 5, 1, 2, 0, 0, 0, time.UTC)
	clock := func() time.Time { now = now.Add(time.Microsecond); return now }
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC, CachedLoans: -1, SnapshotEvery: 2})
	if err != nil {
		t.Fatal(err)
	}
	cs := &snapshotCounting{CloseOfBusiness: db}
	cob := servicing.NewClose(servicing.NewCloseParams{Store: cs, Loans: loans, BatchSize: 4})
	const n = 10
	createPenaltyLoans(t, loans, n, "L%02d")
	payments := newDailyPayments(seed, 0xc0b5, n, 3, 8)
	for day := range 40 {
		// Today's payments, some dated back a few days, then a reversal
		// now and then; then yesterday is closed.
		payments.day(t, loans, day, dateOf(now))
		d := dateOf(now).AddDays(-1)
		if _, err := cob.Run(ctx, servicing.RunParams{BusinessDate: d}); err != nil {
			t.Fatalf("seed %d: close of %s: %v", seed, d, err)
		}
		page, _, _, err := cob.ListDelinquent(ctx, servicing.ListDelinquentParams{AsOf: d, PageSize: 100})
		if err != nil {
			t.Fatal(err)
		}
		for _, pos := range page {
			v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: pos.LoanID, AsOf: d})
			if err != nil {
				t.Fatal(err)
			}
			if pos.DaysPastDue != v.DaysPastDue || pos.Outstanding != v.Outstanding || pos.Bucket != v.Bucket || pos.Status != v.Status {
				t.Fatalf("seed %d: %s on %s: position %+v, the log's fold %+v dpd %d", seed, pos.LoanID, d, pos, v.Outstanding, v.DaysPastDue)
			}
		}
		// The journal telescopes: after each date it sums to what the
		// fold as of that date has charged.
		checkJournal(t, seed, loans, cob, d, n)
		now = now.Add(24 * time.Hour)
	}
	reversals := payments.reversals
	t.Logf("%d of %d loans closed from a snapshot; %d reversals", cs.fromSnapshot.Load(), cs.loans.Load(), reversals)
	if cs.fromSnapshot.Load() < cs.loans.Load()/2 || reversals == 0 {
		t.Fatalf("seed %d: %d of %d loans closed from a snapshot, %d reversals: the test does not exercise snapshots", seed, cs.fromSnapshot.Load(), cs.loans.Load(), reversals)
	}
}

// TestReplayStoresASnapshot: a repayment that found events after the
// loan's snapshot that only a replay applies (here a reversal) stores a new
// snapshot past them, however few they are, so the next write and GetLoan
// take the loan up from it instead of replaying again.
func TestReplayStoresASnapshot(t *testing.T) {
	eachStore(t, func(t *testing.T, opened store.Store) {
		db := &tailStore{countingStore: &countingStore{Store: opened}}
		ctx := context.Background()
		now := time.Date(2024, 2, 1, 4, 0, 0, 0, time.UTC)
		loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { return now }, Location: time.UTC,
			CachedLoans: -1, SnapshotEvery: 8})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
			t.Fatal(err)
		}
		pay := func(k int) servicing.RepaymentResult {
			t.Helper()
			now = now.Add(24 * time.Hour)
			res, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("p%d", k), RequestHash: "h", LoanID: "L", Amount: "100.00", Actor: "test"})
			if err != nil {
				t.Fatal(err)
			}
			return res
		}
		var last servicing.RepaymentResult
		for k := range 8 {
			last = pay(k) // the 7th reads 8 events: a snapshot at seq 9
		}
		if n := db.snapshotsWritten.Load(); n != 1 {
			t.Fatalf("%d snapshots after 8 payments, want 1", n)
		}
		if _, err := loans.ReverseRepayment(ctx, servicing.ReverseRepaymentParams{RequestID: "r", RequestHash: "r", LoanID: "L", Seq: last.Seq, Reason: "test", Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		pay(8)
		if n := db.snapshotsWritten.Load(); n != 2 {
			t.Fatalf("the payment that replayed past a reversal stored no snapshot (%d in all)", n)
		}
		loads, read := db.loads.Load(), db.snapshotsRead.Load()
		res := pay(9)
		v, err := loans.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L"})
		if err != nil {
			t.Fatal(err)
		}
		if db.loads.Load()-loads != 2 || db.snapshotsRead.Load()-read != 2 || v.Version != res.Seq {
			t.Fatalf("after the new snapshot a payment and a GetLoan made %d loads, %d from a snapshot; want one each from it",
				db.loads.Load()-loads, db.snapshotsRead.Load()-read)
		}
	})
}

// TestAgreementMarksSnapshotsOff: a loan's state after a restructuring
// agreement has no snapshot. The first repayment after the agreement
// reads the loan's older snapshot, must replay past it, and stores a
// marker; later repayments then read the whole log once, instead of the
// old snapshot and then the log; every answer is the log's fold.
func TestAgreementMarksSnapshotsOff(t *testing.T) {
	eachStore(t, func(t *testing.T, raw store.Store) {
		db := &countingStore{Store: raw}
		ctx := context.Background()
		now := time.Date(2024, 2, 1, 4, 0, 0, 0, time.UTC)
		clock := func() time.Time { return now }
		loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC, CachedLoans: -1, SnapshotEvery: 4})
		if err != nil {
			t.Fatal(err)
		}
		fresh, _ := servicing.NewLoans(servicing.NewLoansParams{Store: raw, Now: clock, Location: time.UTC, CachedLoans: -1, SnapshotEvery: -1})
		if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B", Terms: twelveMonths()}); err != nil {
			t.Fatal(err)
		}
		pay := func(k int) {
			t.Helper()
			now = now.Add(24 * time.Hour)
			res, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: fmt.Sprintf("p%d", k), RequestHash: "h", LoanID: "L", Amount: "100.00", Actor: "test"})
			if err != nil {
				t.Fatal(err)
			}
			want, err := fresh.GetLoan(ctx, servicing.GetLoanParams{LoanID: "L", AsOf: res.Loan.AsOf})
			if err != nil {
				t.Fatal(err)
			}
			if res.Loan.Outstanding != want.Outstanding || fmt.Sprintf("%+v", res.Loan.Installment) != fmt.Sprintf("%+v", want.Installment) {
				t.Fatalf("payment %d: the answer differs from the log's fold\n got %+v\nwant %+v", k, res.Loan, want)
			}
		}
		for k := range 6 {
			pay(k)
		}
		if db.snapshotsWritten.Load() == 0 {
			t.Fatal("no snapshot before the agreement; the test checks nothing")
		}
		a, err := loans.ProposeAgreement(ctx, servicing.ProposeAgreementParams{RequestID: "prop", RequestHash: "p", LoanID: "L",
			EffectiveDate: engine.DateOf(now.Year(), int(now.Month()), now.Day()),
			Changes:       servicing.ChangesInput{Changes: engine.Changes{TermExtension: &engine.TermExtension{ExtraInstallments: 6}}}, Actor: "test"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := loans.AcceptAgreement(ctx, servicing.AcceptAgreementParams{RequestID: "acc", RequestHash: "a", AgreementID: a.AgreementID, SignedBy: "B", Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		loads, read, written := db.loads.Load(), db.snapshotsRead.Load(), db.snapshotsWritten.Load()
		pay(6) // the old snapshot, then the whole log; a marker
		if db.loads.Load()-loads != 2 || db.snapshotsRead.Load()-read != 1 || db.snapshotsWritten.Load()-written != 1 {
			t.Fatalf("first payment after the agreement: %d loads, %d from a snapshot, %d snapshots written; want 2, 1, 1 (a marker)",
				db.loads.Load()-loads, db.snapshotsRead.Load()-read, db.snapshotsWritten.Load()-written)
		}
		loads, read = db.loads.Load(), db.snapshotsRead.Load()
		for k := 7; k < 12; k++ {
			pay(k)
		}
		if db.loads.Load()-loads != 5 || db.snapshotsRead.Load()-read != 0 {
			t.Fatalf("5 payments after the marker made %d loads, %d from a snapshot; want 5, 0", db.loads.Load()-loads, db.snapshotsRead.Load()-read)
		}
	})
}
