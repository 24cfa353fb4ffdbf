package engine

import (
	"slices"
	"testing"
)

// TestRunEndCursorEqualsScan checks runEnd's cursor against the search
// over every installment it replaces: on random installments in due date
// order (some due the same day), any grace, and a fold's runs walked
// forward from before the first due date to past the last, each run ends
// on the same day. Installments out of order take the full search.
func TestRunEndCursorEqualsScan(t *testing.T) {
	s := newSeeded(t, 11)
	for range 2000 {
		var st LoanState
		due := Date(s.rng.IntN(40))
		for range 1 + s.rng.IntN(14) {
			due += Date(s.rng.IntN(45))
			st.Installments = append(st.Installments, InstallmentState{DueDate: due})
		}
		if s.rng.IntN(8) == 0 {
			slices.Reverse(st.Installments)
		}
		grace := Date(s.rng.IntN(20))
		start := Date(s.rng.IntN(30))
		end := due + grace + Date(s.rng.IntN(40))
		cur := st.newRunCursor()
		for d0 := start; d0 <= end; {
			var scan runCursor
			want := st.runEnd(&scan, d0, end, grace)
			got := st.runEnd(&cur, d0, end, grace)
			if got != want {
				s.fatalf("installments %v, grace %d: the run from %d ends on %d with the cursor, %d without", st.Installments, grace, d0, got, want)
			}
			d0 = got + 1
		}
	}
}
