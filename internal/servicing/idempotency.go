package servicing

import (
	"context"
	"errors"

	"github.com/loancore/loancore/internal/store"
)

// replay answers a retried request from the log as it was when the first
// one was recorded; a different body under the same id is refused.
func (l *Loans) replay(ctx context.Context, requestID, method, hash string) (store.RequestRecord, bool, error) {
	r, err := l.store.FindRequest(ctx, store.RequestKey{RequestID: requestID})
	if errors.Is(err, store.ErrNotFound) {
		return r, false, nil
	}
	if err != nil {
		return r, false, err
	}
	return r, true, sameRequest(r, method, hash)
}

// sameRequest refuses a request id reused for a different request.
func sameRequest(r store.RequestRecord, method, hash string) error {
	if r.Method != method || r.RequestHash != hash {
		return ErrRequestConflict
	}
	return nil
}
