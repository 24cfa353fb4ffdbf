package servicing

import (
	"context"
	"crypto/rand"
	"errors"
	"time"

	"github.com/loancore/loancore/internal/store"
)

// maxAttempts bounds retries after losing an optimistic-concurrency race;
// after that the caller gets ErrVersionConflict (ABORTED) and may retry.
const maxAttempts = 8

// backoff waits a little, more with every attempt and jittered, so writers
// that collided do not collide again in lockstep.
func backoff(ctx context.Context, attempt int) error {
	var b [1]byte
	_, _ = rand.Read(b[:])
	d := time.Duration(attempt)*time.Millisecond + time.Duration(b[0])*20*time.Microsecond
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// retryOnConflict runs one read-decide-append attempt on a loan, again,
// after a short jittered wait, when another writer appended to the loan
// first. A concurrent retry of the same request then finds the first one's
// record and answers with it. With the loan's id, the attempts wait for
// this process's other writes to the loan (loanWriters); a write that
// learns its loan only from the store (an agreement by id) passes "".
func retryOnConflict[T any](ctx context.Context, w *loanWriters, loanID string, attempt func() (T, error)) (T, error) {
	if loanID != "" {
		turn, err := w.take(ctx, loanID)
		if err != nil {
			var zero T
			return zero, err
		}
		defer w.give(loanID, turn)
	}
	for n := 1; ; n++ {
		res, err := attempt()
		if n == maxAttempts || !(errors.Is(err, store.ErrVersionConflict) || errors.Is(err, store.ErrDuplicate)) {
			return res, err
		}
		if err := backoff(ctx, n); err != nil {
			var zero T
			return zero, err
		}
	}
}
