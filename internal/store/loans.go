package store

import (
	"context"
	"fmt"
	"time"
)

// Loans is the loan aggregate: a loan's row and its append-only log of
// events, with the snapshots of its fold kept beside them. Every write
// touches one loan and checks its version.
type Loans interface {
	// CreateLoan writes a new loan, its first events and the request
	// record atomically. ErrDuplicate if the loan id or request id exists.
	CreateLoan(ctx context.Context, p NewLoanRecord) error
	// AppendEvent appends one event at ExpectedVersion+1 with its request
	// and, if SetStatus says so, the loan's new status, atomically.
	// ErrVersionConflict if the loan moved on, ErrDuplicate if the request
	// id exists, ErrNotFound for no loan.
	AppendEvent(ctx context.Context, p AppendEventParams) error
	// LoadLoan returns the loan's row and log, and the named request's
	// record, in one round trip where the database allows. ErrNotFound if
	// there is no such loan.
	LoadLoan(ctx context.Context, p LoadLoanParams) (LoanLog, error)
	// ListLoans returns loans ordered by id (bytewise), filtered, at most
	// Limit.
	ListLoans(ctx context.Context, p LoanQuery) ([]LoanRecord, error)
	// LoanVersions returns the version (the seq of the last event) of
	// each of the named loans that exists, in one round trip, as of one
	// instant: a statement started after a commit sees it. A loan with no
	// such id is absent from the map. It is the read cache's freshness
	// check: a loan's version changes with every event, whichever
	// process wrote it.
	LoanVersions(ctx context.Context, loanIDs []string) (map[string]int64, error)
	// LoanVersionsSince is LoanVersions with a change marker, so that a
	// check finding nothing changed reads no loan at all. The marker names
	// the store's committed state the versions were read in: two markers
	// read at different instants are equal only if no write committed in
	// between, in any process (a store may also tell a change where there
	// was none, never the reverse). When the marker read equals since,
	// Versions may be nil: the versions the caller confirmed at since still
	// hold. since "" asks for the versions whatever the marker.
	LoanVersionsSince(ctx context.Context, since string, loanIDs []string) (MarkedVersions, error)
	LocalMarker
}

// LocalMarker is every store's in-memory answer about its change marker.
// A store whose marker is read from memory its writers update, with no
// round trip and no wait on a writer (SQLite's WAL index), answers it;
// the read cache asks it first, alone, for each read: with nothing
// committed since, the read is answered without joining a shared check
// (no batch, no timer). A store whose marker is a round trip away
// (PostgreSQL) always says false, and the cache asks LoanVersionsSince.
// It is part of the contract rather than an optional interface so that a
// wrapper of a store (the feed's, the metrics') cannot hide it.
type LocalMarker interface {
	// MarkerUnchanged reports whether the store's change marker, read
	// now, is since, as LoanVersionsSince would read it: true only if no
	// write committed, in any process, since the read of since. false when
	// it moved or cannot be told this way (the marker is not in memory at
	// the moment): the caller then asks LoanVersionsSince.
	MarkerUnchanged(since string) bool
}

// MarkedVersions is LoanVersionsSince's answer: the marker of the state
// read (never "") and, unless it equals the since asked about, each named
// loan's version as LoanVersions gives it.
type MarkedVersions struct {
	Marker   string
	Versions map[string]int64
}

// LoanRecord is a loan's row: its identity, its terms as recorded at
// origination, and the projection columns queries filter on.
type LoanRecord struct {
	LoanID     string
	BorrowerID string
	Currency   string
	// Terms is the terms document (JSON) written at origination; it never
	// changes.
	Terms  []byte
	Status string
	// Version is the seq of the loan's last event (stores derive it from
	// the log; CreateLoan ignores it).
	Version   int64
	CreatedAt time.Time
}

// EventRecord is one entry of a loan's log. Amount is a decimal string in
// the loan's currency.
type EventRecord struct {
	LoanID     string
	Seq        int64
	Kind       string
	ValueDate  string
	RecordedAt time.Time
	RequestID  string
	// Actor is the authenticated subject that recorded the event.
	Actor string
	// OnBehalfOf is the end user a trusted channel named when it
	// recorded the event (x-on-behalf-of), or "".
	OnBehalfOf string
	Amount     string
	// TargetSeq is the event a reversal cancels, or 0.
	TargetSeq int64
	Reason    string
	// Payload is a JSON object with the details of kinds that carry more
	// than one amount (a waiver's), or "".
	Payload string
}

// NewLoanRecord is the input of Loans.CreateLoan: a loan, its first events
// and the request that created it (kept on the event Request.Seq names).
type NewLoanRecord struct {
	Loan    LoanRecord
	Events  []EventRecord
	Request RequestRecord
}

// AppendEventParams are the inputs of Loans.AppendEvent.
type AppendEventParams struct {
	LoanID string
	// ExpectedVersion is the version the event was computed against; the
	// event's Seq must be ExpectedVersion+1, and the append fails with
	// ErrVersionConflict if the loan has moved on.
	ExpectedVersion int64
	Event           EventRecord
	// Request is recorded on Event (its Seq must be Event.Seq).
	Request RequestRecord
	// SetStatus, when not empty, is the loan's new status for the
	// projection; empty leaves it as it is (the common case, which then
	// costs one INSERT and nothing else).
	SetStatus string
	// Agreement, when set, is written to the agreements projection (insert
	// or replace by id) in the same transaction: the event changes that
	// agreement.
	Agreement *AgreementRecord
	// Action, when set, is written to the actions projection (insert or
	// replace by id) in the same transaction: the event requests, executes
	// or rejects that four-eyes action.
	Action *ActionRecord
	// Line, when set, is appended to the loan's credit line in the same
	// transaction; ErrVersionConflict if the line moved on (nothing of
	// either is written then).
	Line *LineEventAppend
	// Snapshot, when set, is stored in the same transaction: the fold of
	// the log up to and including Event (its Seq must be Event.Seq), so it
	// exists exactly when the event does.
	Snapshot *SnapshotRecord
}

// Check reports an append whose parts disagree on their seqs: the
// event's with the version, the request's or the snapshot's with the
// event's, the line event's with the line's version. That is the caller's
// bug, not a conflict, and every store refuses it before it writes.
func (p AppendEventParams) Check() error {
	if p.Event.Seq != p.ExpectedVersion+1 || p.Request.Seq != p.Event.Seq {
		return fmt.Errorf("append of seq %d at version %d (request seq %d)", p.Event.Seq, p.ExpectedVersion, p.Request.Seq)
	}
	if p.Snapshot != nil && p.Snapshot.Seq != p.Event.Seq {
		return fmt.Errorf("snapshot at seq %d with the event at %d", p.Snapshot.Seq, p.Event.Seq)
	}
	if l := p.Line; l != nil {
		return checkLineAppend(l.Event.Seq, l.ExpectedVersion)
	}
	return nil
}

// SnapshotRecord is a stored fold of a loan's log up to one event: derived
// data, not history. It lets a write take the loan up where the snapshot
// left it and fold only the events after it, instead of the whole log.
// Snapshots are written, never changed; any of them may be dropped
// without losing anything, since the log alone says the same.
type SnapshotRecord struct {
	// Seq is the last event the fold applied.
	Seq int64
	// Format is the engine.SnapshotFormat of State; a reader ignores
	// snapshots of another.
	Format int
	// AsOf is the date the fold is as of (YYYY-MM-DD); LastValueDate the
	// latest value date of events 1..Seq.
	AsOf          string
	LastValueDate string
	// State is the fold, as engine.LoanState.EncodeSnapshot wrote it; or
	// empty, a marker: the fold from Seq on has no snapshot (a
	// restructuring agreement), and a load reads the whole log, not an
	// older snapshot that only a replay could take up.
	State []byte
	// RecordedAt is when its event was recorded, as read; a store writes
	// its event's, so an append leaves it unset.
	RecordedAt time.Time
}

// LoadLoanParams name a loan and, optionally, a request whose record to
// fetch in the same round trip.
type LoadLoanParams struct {
	LoanID string
	// RequestID, when not "", is a request whose record is read with the
	// loan (LoanLog.Request).
	RequestID string
	// SnapshotFormat, when not 0, asks for the loan's latest snapshot of
	// that format and only the events after it; the whole log and no
	// snapshot when the latest is a marker.
	SnapshotFormat int
}

// LoanLog is a loan's row, its log oldest first, and the record of the
// request named in LoadLoanParams if it exists (on any loan). Events is
// the whole log, or, when Snapshot is set, the events after Snapshot.Seq
// (none if the snapshot is of the last event). Loan.Version is the seq of
// the last event either way.
type LoanLog struct {
	Loan     LoanRecord
	Events   []EventRecord
	Snapshot *SnapshotRecord
	Request  *RequestRecord
}

// LoanQuery is the input of Loans.ListLoans.
type LoanQuery struct {
	Status     string
	BorrowerID string
	// AfterLoanID continues a listing after this loan id.
	AfterLoanID string
	Limit       int
	// Summary cuts each record's Terms to the document's currency and
	// principal (a JSON object of those two, null when absent), all a
	// list of loans shows: a page then carries and decodes a few bytes a
	// loan, not its whole document.
	Summary bool
}
