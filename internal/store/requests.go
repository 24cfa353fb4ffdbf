package store

import (
	"context"
	"time"
)

// Requests remembers the mutating requests, so that a retry is answered as
// the first call was.
type Requests interface {
	// FindRequest returns a recorded request, whether a loan's event or a
	// credit line's holds it. ErrNotFound if unknown.
	FindRequest(ctx context.Context, p RequestKey) (RequestRecord, error)
}

// RequestRecord remembers a mutating request so that a retry returns the
// first answer: which loan and event it produced and a hash of its body.
// Stores keep it on that event (Seq), so recording a request costs no
// write of its own.
type RequestRecord struct {
	RequestID   string
	Method      string
	RequestHash string
	// LoanID is the loan whose event Seq holds the record; or, for a
	// request recorded on a credit line's event, "" and CreditLineID
	// names the line.
	LoanID       string
	CreditLineID string
	Seq          int64
	RecordedAt   time.Time
}

// RequestKey names one request, for Requests.FindRequest.
type RequestKey struct{ RequestID string }
