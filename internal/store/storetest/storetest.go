package storetest

import (
	"context"
	"flag"
	"reflect"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// NewStore returns a fresh, migrated, empty store for one test.
type NewStore func(t *testing.T) store.Store

// testCase is one scenario of the suite, run on a fresh store of its own.
type testCase struct {
	name string
	run  func(t *testing.T, s store.Store)
}

// cases are every area's scenarios, in the order Run starts them.
func cases() [][]testCase {
	return [][]testCase{loanCases, requestCases, snapshotCases, agreementCases, actionCases, closeOfBusinessCases, pruneCases, secretCases, feedCases, creditLineCases}
}

// Run runs the suite: every scenario in parallel, each on its own store,
// and, once all are done, checks that they called every method of
// store.Store.
func Run(t *testing.T, newStore NewStore) {
	calls := newCallLog()
	t.Cleanup(func() {
		if f := flag.Lookup("test.run"); f != nil && f.Value.String() != "" {
			return // a chosen few scenarios: they need not call every method
		}
		if missed := calls.missing(reflect.TypeFor[store.Store]()); len(missed) > 0 && !t.Failed() {
			t.Errorf("no conformance test calls %v: add one", missed)
		}
	})
	for _, area := range cases() {
		for _, tc := range area {
			t.Run(tc.name, func(t *testing.T) {
				t.Parallel()
				tc.run(t, &recorder{Store: newStore(t), calls: calls})
			})
		}
	}
}

// t0 is when the suite's loans were booked; each payment is an hour later
// than the version it appends to.
var t0 = time.Date(2024, 1, 15, 9, 30, 0, 123456000, time.UTC)

// loan is a new loan as servicing books one: its row, the origination and
// the disbursement (recorded on behalf of a customer), and the request
// that created it.
func loan(id, borrower string) store.NewLoanRecord {
	return store.NewLoanRecord{
		Loan: store.LoanRecord{LoanID: id, BorrowerID: borrower, Currency: "CNY",
			Terms: []byte(`{"principal":"12000.00"}`), Status: "ACTIVE", Version: 2, CreatedAt: t0},
		Events: []store.EventRecord{
			{LoanID: id, Seq: 1, Kind: "ORIGINATION", ValueDate: "2024-01-15", RecordedAt: t0, RequestID: "create-" + id, Actor: "test"},
			{LoanID: id, Seq: 2, Kind: "DISBURSEMENT", ValueDate: "2024-01-15", RecordedAt: t0, RequestID: "create-" + id, Actor: "test",
				OnBehalfOf: "customer-" + borrower, Amount: "12000.00"},
		},
		Request: store.RequestRecord{RequestID: "create-" + id, Method: "CreateLoan", RequestHash: "h", LoanID: id, Seq: 2, RecordedAt: t0},
	}
}

// payment is a repayment appended to a loan at version.
func payment(id string, version int64, requestID string) store.AppendEventParams {
	at := t0.Add(time.Duration(version) * time.Hour)
	return store.AppendEventParams{
		LoanID: id, ExpectedVersion: version,
		Event: store.EventRecord{LoanID: id, Seq: version + 1, Kind: "REPAYMENT", ValueDate: "2024-02-15",
			RecordedAt: at, RequestID: requestID, Actor: "test", Amount: "1066.19"},
		Request: store.RequestRecord{RequestID: requestID, Method: "RecordRepayment", RequestHash: "h2", LoanID: id, Seq: version + 1, RecordedAt: at},
	}
}

// createLoans books a loan of borrower for each id, or fails the test.
func createLoans(t *testing.T, s store.Store, borrower string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if err := s.CreateLoan(context.Background(), loan(id, borrower)); err != nil {
			t.Fatal(err)
		}
	}
}

// appendAll appends each of ps in order, or fails the test.
func appendAll(t *testing.T, s store.Store, ps ...store.AppendEventParams) {
	t.Helper()
	for _, p := range ps {
		if err := s.AppendEvent(context.Background(), p); err != nil {
			t.Fatalf("append %s seq %d: %v", p.LoanID, p.Event.Seq, err)
		}
	}
}

// seqs are the seqs of events, in order.
func seqs(events []store.EventRecord) []int64 {
	var out []int64
	for _, e := range events {
		out = append(out, e.Seq)
	}
	return out
}
