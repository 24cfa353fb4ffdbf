package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// agreementCases check the agreements projection: written with its event
// or not at all, found by id, listed by loan and status.
var agreementCases = []testCase{
	{"AgreementProjection", testAgreementProjection},
}

// agreement is an agreement event appended to a loan at version, with
// the projection row it writes.
func agreement(loanID string, version int64, requestID, agreementID, status string) store.AppendEventParams {
	p := payment(loanID, version, requestID)
	p.Event.Kind, p.Event.Amount, p.Event.Payload = "AGREEMENT_PROPOSED", "", `{"agreement_id":"`+agreementID+`"}`
	p.Agreement = &store.AgreementRecord{AgreementID: agreementID, LoanID: loanID, Status: status, UpdatedAt: p.Event.RecordedAt}
	return p
}

// agreementIDs lists the ids of the agreements q selects (at least 10).
func agreementIDs(t *testing.T, s store.Store, q store.AgreementQuery) []string {
	t.Helper()
	q.Limit = max(q.Limit, 10)
	rows, err := s.ListAgreements(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.AgreementID)
	}
	return out
}

func testAgreementProjection(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2")
	for _, p := range []store.AppendEventParams{
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
	if err := s.AppendEvent(ctx, agreement("L1", 3, "a5", "AG4", "PROPOSED")); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("stale append: %v", err)
	}
	if _, err := s.FindAgreement(ctx, store.AgreementKey{AgreementID: "AG4"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AG4 after a lost race: %v", err)
	}
	a, err := s.FindAgreement(ctx, store.AgreementKey{AgreementID: "AG1"})
	if err != nil || a.LoanID != "L1" || a.Status != "ACTIVE" || !a.UpdatedAt.Equal(t0.Add(3*time.Hour)) {
		t.Fatalf("AG1 = %+v %v", a, err)
	}
	for _, tc := range []struct {
		q    store.AgreementQuery
		want []string
	}{
		{store.AgreementQuery{}, []string{"AG1", "AG2", "AG3"}},
		{store.AgreementQuery{LoanID: "L1"}, []string{"AG1", "AG3"}},
		{store.AgreementQuery{Statuses: []string{"PROPOSED"}}, []string{"AG2", "AG3"}},
		{store.AgreementQuery{Statuses: []string{"ACTIVE", "BROKEN"}, LoanID: "L1"}, []string{"AG1"}},
		{store.AgreementQuery{AfterAgreementID: "AG1"}, []string{"AG2", "AG3"}},
		{store.AgreementQuery{LoanID: "L2", Statuses: []string{"ACTIVE"}}, nil},
	} {
		if got := agreementIDs(t, s, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("ListAgreements(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if rows, err := s.ListAgreements(ctx, store.AgreementQuery{Limit: 2}); err != nil || len(rows) != 2 {
		t.Fatalf("limit: %d %v", len(rows), err)
	}
	done := store.AgreementRecord{AgreementID: "AG1", LoanID: "L1", Status: "COMPLETED", UpdatedAt: t0.Add(9 * time.Hour)}
	if err := s.SaveAgreement(ctx, done); err != nil {
		t.Fatal(err)
	}
	if a, err := s.FindAgreement(ctx, store.AgreementKey{AgreementID: "AG1"}); err != nil || a.Status != "COMPLETED" {
		t.Fatalf("after SaveAgreement: %+v %v", a, err)
	}
	done.LoanID = "L2"
	if err := s.SaveAgreement(ctx, done); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("SaveAgreement on the wrong loan: %v", err)
	}
}
