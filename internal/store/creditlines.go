package store

import (
	"context"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/engine"
)

// CreditLines is the credit line aggregate: a line's row and its
// append-only log, keyed like a loan's, with the line's seq as its
// optimistic lock. A drawdown is the one write that touches two
// aggregates: the line's DRAWDOWN event and the new loan, in one
// transaction, so that the line's version check decides between
// concurrent drawdowns and a refused one leaves no loan behind.
type CreditLines interface {
	// OpenCreditLine writes a new line and its first event with the
	// request recorded on it, atomically. ErrDuplicate if the line id or
	// the request id exists.
	OpenCreditLine(ctx context.Context, p NewCreditLineRecord) error
	// AppendLineEvent appends one event at ExpectedVersion+1 with its
	// request and, if SetStatus says so, the line's new status,
	// atomically. ErrVersionConflict if the line moved on, ErrDuplicate if
	// the request id exists, ErrNotFound for no line.
	AppendLineEvent(ctx context.Context, p AppendLineEventParams) error
	// Drawdown appends the line's DRAWDOWN event at ExpectedVersion+1 and
	// books the new loan (its row, first events and the request, recorded
	// on the loan's event as CreateLoan records it) in one transaction:
	// both or neither. ErrVersionConflict if the line moved on (another
	// drawdown, a freeze, a new limit), ErrDuplicate if the loan id or the
	// request id exists, ErrNotFound for no line.
	Drawdown(ctx context.Context, p DrawdownRecord) error
	// LoadCreditLine returns the line's row and whole log, and the named
	// request's record, looked up on loans' and lines' logs alike.
	// ErrNotFound if there is no such line.
	LoadCreditLine(ctx context.Context, p LoadCreditLineParams) (CreditLineLog, error)
	// ListCreditLines returns lines ordered by id (bytewise), filtered, at
	// most Limit.
	ListCreditLines(ctx context.Context, p CreditLineQuery) ([]CreditLineRecord, error)
	// LineOfLoan returns the row (with its version) of the line the loan
	// was drawn under. ErrNotFound if the loan was drawn under none.
	LineOfLoan(ctx context.Context, loanID string) (CreditLineRecord, error)
	// LinesToReview returns the ids of the lines, not closed, whose
	// freeze close of business must decide for a business date: those
	// with a loan whose saved position as of that date is at least
	// MinDaysPastDue days past due, and the FROZEN ones whose last freeze
	// was by FrozenBy. By id (bytewise), after AfterCreditLineID, at most
	// Limit. The others cannot change that date: none of their loans is
	// past due enough to freeze them, and nothing of theirs is close of
	// business's to lift.
	LinesToReview(ctx context.Context, p LineReviewQuery) ([]string, error)
}

// LineReviewQuery is the input of CreditLines.LinesToReview.
type LineReviewQuery struct {
	// AsOf is the business date whose positions (Closes.SavePositions) to
	// read.
	AsOf           engine.Date
	MinDaysPastDue int
	// FrozenBy is the actor whose freezes close of business may lift.
	FrozenBy          string
	AfterCreditLineID string
	Limit             int
}

// LineEventAppend is a line event appended with a loan's event, in its
// transaction (AppendEventParams.Line): a write on a loan that raises its
// line's used principal takes the line's next seq, so that it races the
// line's drawdowns on the line's version rather than slipping past them.
type LineEventAppend struct {
	// ExpectedVersion is the line's version the write was decided
	// against; Event.Seq must be ExpectedVersion+1.
	ExpectedVersion int64
	// Event names the loan; no request is recorded on it (the request is
	// the loan event's).
	Event CreditLineEventRecord
}

// CreditLineRecord is a line's row: its identity, what it was opened with
// (never changed) and its status as of its last event.
type CreditLineRecord struct {
	CreditLineID string
	BorrowerID   string
	Currency     string
	Revolving    bool
	// ExpiresOn is the last day of drawdowns (YYYY-MM-DD), or "".
	ExpiresOn string
	// Terms is the drawdown template and its bounds (JSON), written at
	// opening; it never changes.
	Terms  []byte
	Status string
	// Version is the seq of the line's last event (stores derive it from
	// the log; OpenCreditLine ignores it).
	Version   int64
	CreatedAt time.Time
}

// CreditLineEventRecord is one entry of a line's log. Amount is a decimal
// string in the line's currency: the limit an OPENED or LIMIT_CHANGED
// sets, or what a DRAWDOWN draws.
type CreditLineEventRecord struct {
	CreditLineID string
	Seq          int64
	Kind         string
	ValueDate    string
	RecordedAt   time.Time
	RequestID    string
	Actor        string
	OnBehalfOf   string
	Amount       string
	// LoanID is the loan a DRAWDOWN booked, or "".
	LoanID string
	Reason string
}

// NewCreditLineRecord is the input of CreditLines.OpenCreditLine: a line,
// its OPENED event and the request recorded on it.
type NewCreditLineRecord struct {
	Line    CreditLineRecord
	Event   CreditLineEventRecord
	Request RequestRecord
}

// AppendLineEventParams are the inputs of CreditLines.AppendLineEvent.
type AppendLineEventParams struct {
	CreditLineID string
	// ExpectedVersion is the version the event was decided against; the
	// event's Seq must be ExpectedVersion+1.
	ExpectedVersion int64
	Event           CreditLineEventRecord
	// Request is recorded on Event (its CreditLineID and Seq are Event's).
	// A write made by the system (close of business) has none: RequestID
	// "".
	Request RequestRecord
	// SetStatus, when not empty, is the line's new status.
	SetStatus string
}

// Check reports a line event whose seq is not the one after the version
// it was decided against, or that would be the line's first (a line is
// opened with CreateCreditLine); as AppendEventParams.Check.
func (p AppendLineEventParams) Check() error {
	return checkLineAppend(p.Event.Seq, p.ExpectedVersion)
}

// checkLineAppend is a line append's check: seq after version, and not
// the line's first.
func checkLineAppend(seq, version int64) error {
	if seq != version+1 || seq < 2 {
		return fmt.Errorf("line append of seq %d at version %d", seq, version)
	}
	return nil
}

// DrawdownRecord is the input of CreditLines.Drawdown.
type DrawdownRecord struct {
	CreditLineID    string
	ExpectedVersion int64
	// Event is the line's DRAWDOWN at ExpectedVersion+1, naming the loan.
	Event CreditLineEventRecord
	// Loan is the loan drawn, as Loans.CreateLoan takes it; its request
	// is the drawdown's.
	Loan NewLoanRecord
}

// LoadCreditLineParams name a line and, optionally, a request whose
// record to fetch with it.
type LoadCreditLineParams struct {
	CreditLineID string
	RequestID    string
}

// CreditLineLog is a line's row, its whole log oldest first, and the
// record of the request named in LoadCreditLineParams if it exists (on
// any line or loan).
type CreditLineLog struct {
	Line    CreditLineRecord
	Events  []CreditLineEventRecord
	Request *RequestRecord
}

// CreditLineQuery is the input of CreditLines.ListCreditLines.
type CreditLineQuery struct {
	BorrowerID string
	// AfterCreditLineID continues a listing after this line id.
	AfterCreditLineID string
	Limit             int
}

// The kinds of a line's events.
const (
	LineKindOpened       = "OPENED"
	LineKindLimitChanged = "LIMIT_CHANGED"
	LineKindFrozen       = "FROZEN"
	LineKindUnfrozen     = "UNFROZEN"
	LineKindDrawdown     = "DRAWDOWN"
	LineKindClosed       = "CLOSED"
	// LineKindRepaymentReversed records a reversal on a loan of a
	// revolving line: the principal it put back into use (Amount, as of
	// the day it was recorded) and the loan.
	LineKindRepaymentReversed = "REPAYMENT_REVERSED"
	// LineKindPrincipalCapitalised records an agreement event on a loan
	// of a revolving line that raised its principal outstanding (arrears
	// capitalised on acceptance): by how much (Amount).
	LineKindPrincipalCapitalised = "PRINCIPAL_CAPITALISED"
	// LineKindTrancheDrawn records a tranche of a loan of the line
	// (Amount, on the tranche's value date): it draws on the line as a
	// drawdown does.
	LineKindTrancheDrawn = "TRANCHE_DRAWN"
)

// The statuses of a line's row.
const (
	LineStatusActive = "ACTIVE"
	LineStatusFrozen = "FROZEN"
	LineStatusClosed = "CLOSED"
)
