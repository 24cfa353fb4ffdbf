package servicing

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestLoanWritersTakeTurns: a second writer to a loan waits for the first,
// a writer to another loan does not, a wait ends with its context, and
// nothing stays behind once every writer has left.
func TestLoanWritersTakeTurns(t *testing.T) {
	w := newLoanWriters()
	ctx := context.Background()
	first, err := w.take(ctx, "L1")
	if err != nil {
		t.Fatal(err)
	}
	other, err := w.take(ctx, "L2")
	if err != nil {
		t.Fatalf("another loan waited: %v", err)
	}
	w.give("L2", other)
	short, cancel := context.WithTimeout(ctx, 20*time.Millisecond)
	defer cancel()
	if _, err := w.take(short, "L1"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a second writer to L1 did not wait: %v", err)
	}
	got := make(chan *loanTurn)
	go func() {
		r, err := w.take(ctx, "L1")
		if err != nil {
			t.Error(err)
		}
		got <- r
	}()
	select {
	case <-got:
		t.Fatal("a second writer to L1 went ahead while the first held the turn")
	case <-time.After(20 * time.Millisecond):
	}
	w.give("L1", first)
	w.give("L1", <-got)
	if len(w.turns) != 0 {
		t.Fatalf("%d turns left behind", len(w.turns))
	}
}
