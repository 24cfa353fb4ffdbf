package servicing

import "errors"

// Errors of the loan use cases, mapped to gRPC codes in one place above.
var (
	// ErrRequestConflict: a request id was reused with a different body.
	ErrRequestConflict = errors.New("request_id was already used with a different request")
)

// PreconditionError is a request refused because of the loan's state
// (paying a paid-off loan, paying more than the payoff amount).
type PreconditionError struct {
	// Reason is a stable upper-case code, e.g. "LOAN_PAID_OFF".
	Reason  string
	Message string
}

func (e *PreconditionError) Error() string { return e.Message }

// errStaleCache asks for a decision made from a fold in hand (a cache
// entry, or a snapshot and the events after it) to be made again from the
// whole log: the cache cannot tell a refusal from a retry of a request
// that was accepted, and neither has the log that a backdated payment's
// replay or a refusal's payoff figure needs.
var errStaleCache = errors.New("decided from the cache")
