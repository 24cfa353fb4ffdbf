// Package storetest is the conformance suite every servicing.Store passes:
// one set of tests, run against PostgreSQL and SQLite on real databases.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/servicing"
)

// NewStore returns a fresh, migrated, empty store for one test.
type NewStore func(t *testing.T) servicing.Store

var t0 = time.Date(2024, 1, 15, 9, 30, 0, 123456000, time.UTC)

func loan(id, borrower string) servicing.NewLoanRecord {
	return servicing.NewLoanRecord{
		Loan: servicing.LoanRecord{LoanID: id, BorrowerID: borrower, Currency: "CNY",
			Terms: []byte(`{"principal":"12000.00"}`), Status: "ACTIVE", Version: 2, CreatedAt: t0},
		Events: []servicing.EventRecord{
			{LoanID: id, Seq: 1, Kind: "ORIGINATION", ValueDate: "2024-01-15", RecordedAt: t0, RequestID: "create-" + id, Actor: "test"},
			{LoanID: id, Seq: 2, Kind: "DISBURSEMENT", ValueDate: "2024-01-15", RecordedAt: t0, RequestID: "create-" + id, Actor: "test", Amount: "12000.00"},
		},
		Request: servicing.RequestRecord{RequestID: "create-" + id, Method: "CreateLoan", RequestHash: "h", LoanID: id, Seq: 2, RecordedAt: t0},
	}
}

func payment(id string, version int64, requestID string) servicing.AppendEventParams {
	at := t0.Add(time.Duration(version) * time.Hour)
	return servicing.AppendEventParams{
		LoanID: id, ExpectedVersion: version,
		Event: servicing.EventRecord{LoanID: id, Seq: version + 1, Kind: "REPAYMENT", ValueDate: "2024-02-15",
			RecordedAt: at, RequestID: requestID, Actor: "test", Amount: "1066.19"},
		Request: servicing.RequestRecord{RequestID: requestID, Method: "RecordRepayment", RequestHash: "h2", LoanID: id, Seq: version + 1, RecordedAt: at},
	}
}

// pagedLoanIDs lists every loan's id, limit to a page, following each
// page's last id as the next page's start.
func pagedLoanIDs(t *testing.T, s servicing.Store, limit int) []string {
	t.Helper()
	var ids []string
	for after := ""; ; {
		page, err := s.ListLoans(context.Background(), servicing.LoanQuery{AfterLoanID: after, Limit: limit})
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range page {
			ids = append(ids, l.LoanID)
		}
		if len(page) < limit {
			return ids
		}
		after = page[len(page)-1].LoanID
	}
}

// Run runs the suite.
func Run(t *testing.T, newStore NewStore) {
	ctx := context.Background()
	t.Run("CreateAndGet", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
			t.Fatal(err)
		}
		lg, err := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "L1", RequestID: "create-L1"})
		if err != nil {
			t.Fatal(err)
		}
		got, events := lg.Loan, lg.Events
		if lg.Request == nil || lg.Request.Seq != 2 {
			t.Fatalf("request record = %+v", lg.Request)
		}
		if got.LoanID != "L1" || got.Currency != "CNY" || got.BorrowerID != "B1" || got.Version != 2 || got.Status != "ACTIVE" || !got.CreatedAt.Equal(t0) || string(got.Terms) != `{"principal": "12000.00"}` && string(got.Terms) != `{"principal":"12000.00"}` {
			t.Fatalf("got %+v", got)
		}
		if len(events) != 2 {
			t.Fatalf("events %v", events)
		}
		if e := events[0]; e.LoanID != "L1" || e.Seq != 1 || e.Kind != "ORIGINATION" || e.RequestID != "create-L1" || e.Actor != "test" || e.Amount != "" {
			t.Fatalf("event %+v", e)
		}
		if e := events[1]; e.Seq != 2 || e.Kind != "DISBURSEMENT" || e.ValueDate != "2024-01-15" || !e.RecordedAt.Equal(t0) || e.Amount != "12000.00" && e.Amount != "12000.0000" {
			t.Fatalf("event %+v", e)
		}
		if _, err := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "nope"}); !errors.Is(err, servicing.ErrNotFound) {
			t.Fatalf("missing loan: %v", err)
		}
	})
	t.Run("DuplicateLoanAndRequest", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateLoan(ctx, loan("L1", "B1")); !errors.Is(err, servicing.ErrDuplicate) {
			t.Fatalf("same loan twice: %v", err)
		}
		if err := s.AppendEvent(ctx, payment("L1", 2, "pay-1")); err != nil {
			t.Fatal(err)
		}
		p := payment("L1", 3, "pay-1")
		if err := s.AppendEvent(ctx, p); !errors.Is(err, servicing.ErrDuplicate) {
			t.Fatalf("request id reused: %v", err)
		}
		// The failed append wrote nothing.
		lg, _ := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "L1"})
		if lg.Loan.Version != 3 || len(lg.Events) != 3 {
			t.Fatalf("version %d, %d events after a refused append", lg.Loan.Version, len(lg.Events))
		}
		r, err := s.FindRequest(ctx, servicing.RequestKey{RequestID: "pay-1"})
		if err != nil || r.LoanID != "L1" || r.Seq != 3 || r.RequestHash != "h2" {
			t.Fatalf("request %+v %v", r, err)
		}
		if _, err := s.FindRequest(ctx, servicing.RequestKey{RequestID: "nope"}); !errors.Is(err, servicing.ErrNotFound) {
			t.Fatalf("unknown request: %v", err)
		}
	})
	t.Run("VersionConflict", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendEvent(ctx, payment("L1", 1, "stale")); !errors.Is(err, servicing.ErrVersionConflict) {
			t.Fatalf("stale version: %v", err)
		}
		if err := s.AppendEvent(ctx, payment("L1", 5, "ahead")); !errors.Is(err, servicing.ErrVersionConflict) {
			t.Fatalf("a version ahead of the log (a gap): %v", err)
		}
		lg, _ := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "L1"})
		if lg.Loan.Version != 2 || len(lg.Events) != 2 {
			t.Fatalf("refused appends wrote: version %d, %d events", lg.Loan.Version, len(lg.Events))
		}
		if _, err := s.FindRequest(ctx, servicing.RequestKey{RequestID: "stale"}); !errors.Is(err, servicing.ErrNotFound) {
			t.Fatalf("a refused append left its request: %v", err)
		}
		if err := s.AppendEvent(ctx, payment("nope", 2, "x")); !errors.Is(err, servicing.ErrNotFound) {
			t.Fatalf("missing loan: %v", err)
		}
	})
	t.Run("ConcurrentAppendsOneWins", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
			t.Fatal(err)
		}
		const writers = 8
		var wg sync.WaitGroup
		errs := make([]error, writers)
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = s.AppendEvent(ctx, payment("L1", 2, fmt.Sprintf("w-%d", i)))
			}()
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, servicing.ErrVersionConflict):
			default:
				t.Errorf("unexpected error: %v", err)
			}
		}
		lg, _ := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "L1"})
		if won != 1 || len(lg.Events) != 3 {
			t.Fatalf("%d writers won, %d events; want exactly one", won, len(lg.Events))
		}
	})
	t.Run("StatusProjection", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendEvent(ctx, payment("L1", 2, "pay-1")); err != nil {
			t.Fatal(err)
		}
		paid := payment("L1", 3, "pay-2")
		paid.SetStatus = "PAID_OFF"
		if err := s.AppendEvent(ctx, paid); err != nil {
			t.Fatal(err)
		}
		lg, err := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "L1", RequestID: "pay-2"})
		if err != nil || lg.Loan.Status != "PAID_OFF" || lg.Loan.Version != 4 || lg.Request == nil || lg.Request.Seq != 4 {
			t.Fatalf("after a status change: %+v %+v %v", lg.Loan, lg.Request, err)
		}
		// A refused append changes no status.
		stale := payment("L1", 3, "pay-3")
		stale.SetStatus = "ACTIVE"
		if err := s.AppendEvent(ctx, stale); !errors.Is(err, servicing.ErrVersionConflict) {
			t.Fatalf("stale append: %v", err)
		}
		got, err := s.ListLoans(ctx, servicing.LoanQuery{Status: "PAID_OFF", Limit: 10})
		if err != nil || len(got) != 1 || got[0].Version != 4 {
			t.Fatalf("status filter: %+v %v", got, err)
		}
	})
	t.Run("Snapshots", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, id := range []string{"L1", "L2"} {
			if err := s.CreateLoan(ctx, loan(id, "B1")); err != nil {
				t.Fatal(err)
			}
		}
		load := func(format int) servicing.LoanLog {
			t.Helper()
			lg, err := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "L1", RequestID: "pay-4", SnapshotFormat: format})
			if err != nil {
				t.Fatal(err)
			}
			return lg
		}
		seqs := func(events []servicing.EventRecord) []int64 {
			var out []int64
			for _, e := range events {
				out = append(out, e.Seq)
			}
			return out
		}
		// No snapshot yet: the whole log.
		if lg := load(1); lg.Snapshot != nil || !slices.Equal(seqs(lg.Events), []int64{1, 2}) || lg.Loan.Version != 2 || lg.Loan.BorrowerID != "B1" {
			t.Fatalf("no snapshot: %+v %v %+v", lg.Snapshot, seqs(lg.Events), lg.Loan)
		}
		snap := func(p servicing.AppendEventParams, format int, state string) servicing.AppendEventParams {
			p.Snapshot = &servicing.SnapshotRecord{Seq: p.Event.Seq, Format: format, AsOf: "2024-02-15", LastValueDate: "2024-02-14", State: []byte(state)}
			return p
		}
		if err := s.AppendEvent(ctx, snap(payment("L1", 2, "pay-3"), 1, "\x00at3")); err != nil {
			t.Fatal(err)
		}
		if err := s.AppendEvent(ctx, payment("L1", 3, "pay-4")); err != nil {
			t.Fatal(err)
		}
		// A snapshot of another format is not read.
		if err := s.AppendEvent(ctx, snap(payment("L1", 4, "pay-5"), 2, "format 2")); err != nil {
			t.Fatal(err)
		}
		// A refused append stores no snapshot: a stale one, with a status.
		stale := snap(payment("L1", 3, "pay-x"), 1, "stale")
		stale.SetStatus = "PAID_OFF"
		if err := s.AppendEvent(ctx, stale); !errors.Is(err, servicing.ErrVersionConflict) {
			t.Fatalf("stale append: %v", err)
		}
		lg := load(1)
		if sn := lg.Snapshot; sn == nil || sn.Seq != 3 || sn.Format != 1 || sn.AsOf != "2024-02-15" || sn.LastValueDate != "2024-02-14" ||
			string(sn.State) != "\x00at3" || !sn.RecordedAt.Equal(t0.Add(2*time.Hour)) {
			t.Fatalf("snapshot %+v", lg.Snapshot)
		}
		if !slices.Equal(seqs(lg.Events), []int64{4, 5}) || lg.Loan.Version != 5 || lg.Loan.Status != "ACTIVE" || lg.Loan.BorrowerID != "B1" ||
			lg.Request == nil || lg.Request.Seq != 4 {
			t.Fatalf("after the snapshot: events %v, loan %+v, request %+v", seqs(lg.Events), lg.Loan, lg.Request)
		}
		if e := lg.Events[0]; e.Kind != "REPAYMENT" || e.RequestID != "pay-4" || e.LoanID != "L1" {
			t.Fatalf("event after the snapshot %+v", e)
		}
		// Format 0 asks for no snapshot; format 2 finds its own.
		if lg := load(0); lg.Snapshot != nil || len(lg.Events) != 5 {
			t.Fatalf("without snapshots: %+v, %d events", lg.Snapshot, len(lg.Events))
		}
		if lg := load(2); lg.Snapshot == nil || lg.Snapshot.Seq != 5 || len(lg.Events) != 0 || lg.Loan.Version != 5 || lg.Loan.Currency != "CNY" {
			t.Fatalf("format 2: %+v, events %v, loan %+v", lg.Snapshot, seqs(lg.Events), lg.Loan)
		}
		// The latest snapshot wins, with a status change in the same append.
		last := snap(payment("L1", 5, "pay-6"), 1, "at6")
		last.SetStatus = "PAID_OFF"
		if err := s.AppendEvent(ctx, last); err != nil {
			t.Fatal(err)
		}
		if lg := load(1); lg.Snapshot == nil || lg.Snapshot.Seq != 6 || string(lg.Snapshot.State) != "at6" || len(lg.Events) != 0 ||
			lg.Loan.Version != 6 || lg.Loan.Status != "PAID_OFF" {
			t.Fatalf("latest snapshot: %+v, events %v, loan %+v", lg.Snapshot, seqs(lg.Events), lg.Loan)
		}
		// A snapshot must end at its event.
		bad := snap(payment("L1", 6, "pay-7"), 1, "x")
		bad.Snapshot.Seq = 3
		if err := s.AppendEvent(ctx, bad); err == nil {
			t.Fatal("a snapshot at another seq than its event was stored")
		}
		// A marker (an empty state) after a snapshot: the whole log again,
		// and no snapshot.
		if err := s.AppendEvent(ctx, snap(payment("L1", 6, "pay-8"), 1, "")); err != nil {
			t.Fatal(err)
		}
		if lg := load(1); lg.Snapshot != nil || len(lg.Events) != 7 || lg.Loan.Version != 7 || lg.Loan.BorrowerID != "B1" || lg.Loan.Status != "PAID_OFF" {
			t.Fatalf("after a marker: %+v, events %v, loan %+v", lg.Snapshot, seqs(lg.Events), lg.Loan)
		}
		// Another loan's snapshots are its own.
		if _, err := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "nope", SnapshotFormat: 1}); !errors.Is(err, servicing.ErrNotFound) {
			t.Fatalf("missing loan: %v", err)
		}
		if lg, err := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "L2", SnapshotFormat: 1}); err != nil || lg.Snapshot != nil || len(lg.Events) != 2 {
			t.Fatalf("L2: %+v %v", lg, err)
		}
	})
	t.Run("EventPayload", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		if err := s.CreateLoan(ctx, loan("L1", "B1")); err != nil {
			t.Fatal(err)
		}
		w := payment("L1", 2, "waive-1")
		w.Event.Kind, w.Event.Amount, w.Event.Reason = "WAIVER", "", "hardship"
		w.Event.Payload = `{"penalty":"20.40","interest":"0.00"}`
		if err := s.AppendEvent(ctx, w); err != nil {
			t.Fatal(err)
		}
		lg, err := s.LoadLoan(ctx, servicing.LoadLoanParams{LoanID: "L1"})
		if err != nil {
			t.Fatal(err)
		}
		e := lg.Events[2]
		// PostgreSQL's jsonb may respace the document; its content is what counts.
		if e.Kind != "WAIVER" || e.Amount != "" || e.Reason != "hardship" ||
			e.Payload != `{"penalty":"20.40","interest":"0.00"}` && e.Payload != `{"penalty": "20.40", "interest": "0.00"}` {
			t.Fatalf("waiver event %+v", e)
		}
		if lg.Events[1].Payload != "" {
			t.Fatalf("an event without payload reads %q", lg.Events[1].Payload)
		}
	})
	t.Run("ListLoansPagesAndFilters", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for i := range 7 {
			if err := s.CreateLoan(ctx, loan(fmt.Sprintf("L%02d", i), fmt.Sprintf("B%d", i%2))); err != nil {
				t.Fatal(err)
			}
		}
		if ids := pagedLoanIDs(t, s, 3); fmt.Sprint(ids) != "[L00 L01 L02 L03 L04 L05 L06]" {
			t.Fatalf("pages gave %v", ids)
		}
		b1, err := s.ListLoans(ctx, servicing.LoanQuery{BorrowerID: "B1", Limit: 10})
		if err != nil || len(b1) != 3 {
			t.Fatalf("borrower filter: %d %v", len(b1), err)
		}
		none, err := s.ListLoans(ctx, servicing.LoanQuery{Status: "PAID_OFF", Limit: 10})
		if err != nil || len(none) != 0 {
			t.Fatalf("status filter: %d %v", len(none), err)
		}
	})
	t.Run("IdsOrderByteByByte", func(t *testing.T) {
		// Keyset pages follow the ids' bytes on every store, whatever the
		// database's collation: a locale's order ("_-5 a-3 b-1 B-2 Z-4"
		// in en-US) would differ between the stores and can change under
		// an operating system update. The PostgreSQL tests run on an ICU
		// en-US database where the server has ICU.
		t.Parallel()
		s := newStore(t)
		for _, id := range []string{"b-1", "B-2", "a-3", "Z-4", "_-5"} {
			if err := s.CreateLoan(ctx, loan(id, "B1")); err != nil {
				t.Fatal(err)
			}
		}
		if ids := pagedLoanIDs(t, s, 2); fmt.Sprint(ids) != "[B-2 Z-4 _-5 a-3 b-1]" {
			t.Fatalf("pages gave %v", ids)
		}
	})
	t.Run("AgreementProjection", func(t *testing.T) {
		t.Parallel()
		s := newStore(t)
		for _, id := range []string{"L1", "L2"} {
			if err := s.CreateLoan(ctx, loan(id, "B1")); err != nil {
				t.Fatal(err)
			}
		}
		agreement := func(loanID string, version int64, requestID, agreementID, status string) servicing.AppendEventParams {
			p := payment(loanID, version, requestID)
			p.Event.Kind, p.Event.Amount, p.Event.Payload = "AGREEMENT_PROPOSED", "", `{"agreement_id":"`+agreementID+`"}`
			p.Agreement = &servicing.AgreementRecord{AgreementID: agreementID, LoanID: loanID, Status: status, UpdatedAt: p.Event.RecordedAt}
			return p
		}
		for _, p := range []servicing.AppendEventParams{
			agreement("L1", 2, "a1", "AG1", "PROPOSED"),
			agreement("L2", 2, "a2", "AG2", "PROPOSED"),
			agreement("L1", 3, "a3", "AG1", "ACTIVE"),
			agreement("L1", 4, "a4", "AG3", "PROPOSED"),
		} {
			if err := s.AppendEvent(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
		// A lost race writes neither the event nor the projection.
		if err := s.AppendEvent(ctx, agreement("L1", 3, "a5", "AG4", "PROPOSED")); !errors.Is(err, servicing.ErrVersionConflict) {
			t.Fatalf("stale append: %v", err)
		}
		if _, err := s.FindAgreement(ctx, servicing.AgreementKey{AgreementID: "AG4"}); !errors.Is(err, servicing.ErrNotFound) {
			t.Fatalf("AG4 after a lost race: %v", err)
		}
		a, err := s.FindAgreement(ctx, servicing.AgreementKey{AgreementID: "AG1"})
		if err != nil || a.LoanID != "L1" || a.Status != "ACTIVE" || !a.UpdatedAt.Equal(t0.Add(3*time.Hour)) {
			t.Fatalf("AG1 = %+v %v", a, err)
		}
		ids := func(q servicing.AgreementQuery) []string {
			t.Helper()
			q.Limit = max(q.Limit, 10)
			rows, err := s.ListAgreements(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rows {
				out = append(out, r.AgreementID)
			}
			return out
		}
		for _, tc := range []struct {
			q    servicing.AgreementQuery
			want []string
		}{
			{servicing.AgreementQuery{}, []string{"AG1", "AG2", "AG3"}},
			{servicing.AgreementQuery{LoanID: "L1"}, []string{"AG1", "AG3"}},
			{servicing.AgreementQuery{Statuses: []string{"PROPOSED"}}, []string{"AG2", "AG3"}},
			{servicing.AgreementQuery{Statuses: []string{"ACTIVE", "BROKEN"}, LoanID: "L1"}, []string{"AG1"}},
			{servicing.AgreementQuery{AfterAgreementID: "AG1"}, []string{"AG2", "AG3"}},
			{servicing.AgreementQuery{LoanID: "L2", Statuses: []string{"ACTIVE"}}, nil},
		} {
			if got := ids(tc.q); !slices.Equal(got, tc.want) {
				t.Errorf("ListAgreements(%+v) = %v, want %v", tc.q, got, tc.want)
			}
		}
		if rows, err := s.ListAgreements(ctx, servicing.AgreementQuery{Limit: 2}); err != nil || len(rows) != 2 {
			t.Fatalf("limit: %d %v", len(rows), err)
		}
		done := servicing.AgreementRecord{AgreementID: "AG1", LoanID: "L1", Status: "COMPLETED", UpdatedAt: t0.Add(9 * time.Hour)}
		if err := s.SaveAgreement(ctx, done); err != nil {
			t.Fatal(err)
		}
		if a, err := s.FindAgreement(ctx, servicing.AgreementKey{AgreementID: "AG1"}); err != nil || a.Status != "COMPLETED" {
			t.Fatalf("after SaveAgreement: %+v %v", a, err)
		}
		done.LoanID = "L2"
		if err := s.SaveAgreement(ctx, done); !errors.Is(err, servicing.ErrNotFound) {
			t.Fatalf("SaveAgreement on the wrong loan: %v", err)
		}
	})
}
