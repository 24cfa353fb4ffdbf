package servicing

import (
	"context"
	"sync"
)

// loanWriters makes this process's writes to one loan take turns: a write
// waits for the one before it on the same loan instead of racing it,
// losing at the store's version check, backing off for milliseconds and
// reading the whole log again. Between processes the version check still
// decides, and a loser still retries.
type loanWriters struct {
	mu    sync.Mutex
	turns map[string]*loanTurn
}

// loanTurn is one loan's turn: ch holds a token while a write is in
// progress; writers counts those holding or waiting for it, so the entry
// goes when the last one leaves.
type loanTurn struct {
	ch      chan struct{}
	writers int
}

func newLoanWriters() *loanWriters {
	return &loanWriters{turns: make(map[string]*loanTurn)}
}

// take waits for the loan's turn, or for ctx to end; the caller gives
// the turn back with give.
func (w *loanWriters) take(ctx context.Context, loanID string) (*loanTurn, error) {
	w.mu.Lock()
	t := w.turns[loanID]
	if t == nil {
		t = &loanTurn{ch: make(chan struct{}, 1)}
		w.turns[loanID] = t
	}
	t.writers++
	w.mu.Unlock()
	select {
	case t.ch <- struct{}{}:
		return t, nil
	case <-ctx.Done():
		w.leave(loanID, t)
		return nil, ctx.Err()
	}
}

// give ends the turn take returned.
func (w *loanWriters) give(loanID string, t *loanTurn) {
	<-t.ch
	w.leave(loanID, t)
}

func (w *loanWriters) leave(loanID string, t *loanTurn) {
	w.mu.Lock()
	if t.writers--; t.writers == 0 {
		delete(w.turns, loanID)
	}
	w.mu.Unlock()
}
