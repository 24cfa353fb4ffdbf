package storetest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// actionCases check the four-eyes actions projection: written with its
// event or not at all, beside an agreement's row when one event changes
// both, found by id, listed by loan and status.
var actionCases = []testCase{
	{"ActionProjection", testActionProjection},
}

// actionEvent is an event of a four-eyes action appended to a loan at
// version, with the projection row it writes.
func actionEvent(loanID string, version int64, requestID, actionID, status string) store.AppendEventParams {
	p := payment(loanID, version, requestID)
	p.Event.Kind, p.Event.Amount, p.Event.Payload = "ACTION_REQUESTED", "", `{"action_id":"`+actionID+`"}`
	p.Action = &store.ActionRecord{ActionID: actionID, LoanID: loanID, Method: "WriteOffLoan", Status: status, Maker: "maker",
		UpdatedAt: p.Event.RecordedAt}
	return p
}

// actionIDs lists the ids of the actions q selects (at least 10).
func actionIDs(t *testing.T, s store.Store, q store.ActionQuery) []string {
	t.Helper()
	q.Limit = max(q.Limit, 10)
	rows, err := s.ListActions(context.Background(), q)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rows {
		out = append(out, r.ActionID)
	}
	return out
}

func testActionProjection(t *testing.T, s store.Store) {
	ctx := context.Background()
	createLoans(t, s, "B1", "L1", "L2")
	// An approval that executes an agreement's acceptance changes both
	// projections in one append.
	both := actionEvent("L1", 4, "a3", "AC1", "APPROVED")
	both.Agreement = &store.AgreementRecord{AgreementID: "AG1", LoanID: "L1", Status: "ACTIVE", UpdatedAt: both.Event.RecordedAt}
	appendAll(t, s, actionEvent("L1", 2, "a1", "AC1", "PENDING_APPROVAL"), actionEvent("L2", 2, "a2", "AC2", "PENDING_APPROVAL"),
		actionEvent("L1", 3, "a4", "AC3", "PENDING_APPROVAL"), both)
	// A lost race writes neither the event nor the projection.
	if err := s.AppendEvent(ctx, actionEvent("L1", 3, "a5", "AC4", "PENDING_APPROVAL")); !errors.Is(err, store.ErrVersionConflict) {
		t.Fatalf("stale append: %v", err)
	}
	if _, err := s.FindAction(ctx, store.ActionKey{ActionID: "AC4"}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("AC4 after a lost race: %v", err)
	}
	a, err := s.FindAction(ctx, store.ActionKey{ActionID: "AC1"})
	if err != nil || a.LoanID != "L1" || a.Status != "APPROVED" || a.Method != "WriteOffLoan" || a.Maker != "maker" || !a.UpdatedAt.Equal(t0.Add(4*time.Hour)) {
		t.Fatalf("AC1 = %+v %v", a, err)
	}
	if g, err := s.FindAgreement(ctx, store.AgreementKey{AgreementID: "AG1"}); err != nil || g.Status != "ACTIVE" {
		t.Fatalf("the agreement written with an action: %+v %v", g, err)
	}
	for _, tc := range []struct {
		q    store.ActionQuery
		want []string
	}{
		{store.ActionQuery{}, []string{"AC1", "AC2", "AC3"}},
		{store.ActionQuery{LoanID: "L1"}, []string{"AC1", "AC3"}},
		{store.ActionQuery{Statuses: []string{"PENDING_APPROVAL"}}, []string{"AC2", "AC3"}},
		{store.ActionQuery{Statuses: []string{"PENDING_APPROVAL"}, LoanID: "L2"}, []string{"AC2"}},
		{store.ActionQuery{AfterActionID: "AC1"}, []string{"AC2", "AC3"}},
		{store.ActionQuery{LoanID: "L2", Statuses: []string{"REJECTED"}}, nil},
	} {
		if got := actionIDs(t, s, tc.q); !slices.Equal(got, tc.want) {
			t.Errorf("ListActions(%+v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if rows, err := s.ListActions(ctx, store.ActionQuery{Limit: 2}); err != nil || len(rows) != 2 {
		t.Fatalf("limit: %d %v", len(rows), err)
	}
}
