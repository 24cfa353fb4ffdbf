package servicing

import (
	"fmt"
	"testing"
)

// TestLeftPages: the loans the carry statements left are folded in pages
// of up to the size, by id, and a page never takes loans from two
// statements' lists, each from a range of ids of its own, whatever order
// the lists came in (the carry's workers finish in any order).
func TestLeftPages(t *testing.T) {
	for _, c := range []struct {
		lists [][]string
		size  int
		want  string
	}{
		{[][]string{{"L5", "L3"}, {}, {"L1", "L2"}}, 2, "[[L1 L2] [L3 L5]]"},
		{[][]string{{"L5", "L3"}, {"L1", "L2"}}, 3, "[[L1 L2] [L3 L5]]"},
		{[][]string{{"D"}, {"A", "B", "C"}}, 2, "[[A B] [C] [D]]"},
		{[][]string{{"A", "B", "C"}}, 1, "[[A] [B] [C]]"},
		{nil, 500, "[]"},
	} {
		if got := fmt.Sprint(leftPages(c.lists, c.size)); got != c.want {
			t.Errorf("leftPages(%v, %d) = %s, want %s", c.lists, c.size, got, c.want)
		}
	}
}

// TestKeepLeft: a run keeps the loans the carry left to fold them by id
// while they are no more than NewCloseParams.CarryLeftMax and no more
// than half the loans the date had to do (a run taken up half-way counts
// those still to do); past either, it keeps none and scans.
func TestKeepLeft(t *testing.T) {
	for _, c := range []struct {
		name          string
		max           int
		total, doneAt int64
		lists         [][]string
		wantKnown     bool
		wantKept      int
	}{
		{"few left", 100, 10, 0, [][]string{{"A", "B"}, {"C"}}, true, 3},
		{"half left", 100, 10, 0, [][]string{{"A", "B", "C"}, {"D", "E"}}, true, 5},
		{"more than half", 100, 10, 0, [][]string{{"A", "B", "C"}, {"D", "E", "F"}}, false, 0},
		{"every loan, as on a first date", 100, 4, 0, [][]string{{"A", "B"}, {"C", "D"}}, false, 0},
		{"over the cap", 2, 10, 0, [][]string{{"A", "B"}, {"C"}}, false, 0},
		{"taken up half-way: half of those still to do", 100, 20, 12, [][]string{{"A", "B", "C", "D"}, {"E"}}, false, 0},
		{"taken up half-way, few left", 100, 20, 12, [][]string{{"A", "B", "C", "D"}}, true, 4},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := &dateRun{c: &Close{leftMax: c.max}, leftKnown: true}
			r.run.LoansTotal, r.doneAtStart = c.total, c.doneAt
			for _, ids := range c.lists {
				r.keepLeft(ids)
			}
			kept := 0
			for _, ids := range r.left {
				kept += len(ids)
			}
			if r.leftKnown != c.wantKnown || kept != c.wantKept {
				t.Errorf("known %v, %d kept; want %v, %d", r.leftKnown, kept, c.wantKnown, c.wantKept)
			}
		})
	}
}
