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
