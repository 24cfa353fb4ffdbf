package store

import "errors"

// Errors a store returns; each store maps its database's errors to these
// once, so nothing above it sees SQL.
var (
	// ErrNotFound: no such loan, request, agreement or run.
	ErrNotFound = errors.New("not found")
	// ErrVersionConflict: the loan changed since it was read.
	ErrVersionConflict = errors.New("version conflict")
	// ErrDuplicate: the loan id or request id is taken.
	ErrDuplicate = errors.New("duplicate")
	// ErrUnavailable: the database cannot be reached, or the connection
	// broke during the call (a crash, a restart, the network); the request
	// may be retried as it is.
	ErrUnavailable = errors.New("database unavailable")
	// ErrFull: the database has no room for the write (its disk is full);
	// the write changed nothing. Retrying helps only once room is made.
	ErrFull = errors.New("database full")
	// ErrTakenOver: a later run of the business date took its close over
	// (CloseOfBusiness.TakeCOBRun); this one's write changed nothing.
	ErrTakenOver = errors.New("close of business of the date taken over by a later run")
)
