package store

import (
	"context"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
)

// CloseOfBusiness is what the daily close of business keeps: its runs, the
// accrual journal, each active loan's position of each date and the
// notices of each date. Everything in it is derived from the loans' logs and may be
// written again: a journal line is keyed by (business date, loan), so a
// second write of a date is a no-op.
type CloseOfBusiness interface {
	// GetCOBRun returns a run; ErrNotFound if the date never ran.
	GetCOBRun(ctx context.Context, p COBRunKey) (COBRun, error)
	// LastCOBRun returns the run of the latest business date; ErrNotFound
	// if none.
	LastCOBRun(ctx context.Context) (COBRun, error)
	// SaveCOBRun creates or replaces a run's record, unless the record
	// has more loans done than p: a run's count only grows, and a save
	// cut off by a cancelled context may still commit after a later one
	// (the database finishes a statement whose client has gone), which
	// must not take the count back.
	SaveCOBRun(ctx context.Context, p COBRun) error
	// TakeCOBRun saves a run as SaveCOBRun does and makes p.Runner the
	// date's runner, once the writes of the runner before it (positions,
	// journal lines, a carry's page) have ended. From then on the writes
	// of an earlier runner (SavePositionsParams.Runner,
	// CarryPositionsParams.Runner) are refused with ErrTakenOver, and its
	// saves of the run (SaveCOBRun) are ignored: two processes closing one
	// date never write a loan's position of it twice, and the one that
	// started last goes on.
	TakeCOBRun(ctx context.Context, p COBRun) error
	// CountCOBLoans counts the active loans with no position on or after
	// the date.
	CountCOBLoans(ctx context.Context, p COBLoansParams) (int64, error)
	// CountPositions counts the loans with a position of AsOf, folded or
	// carried: the loans the date's runs have done. A run's record can
	// fall short of it (a run stopped between a batch's write and its
	// record's save), so a run starting on the date counts on from this.
	CountPositions(ctx context.Context, p PositionCountQuery) (int64, error)
	// COBLoans returns, with their logs, active loans after AfterLoanID,
	// by id, whose latest position is before the date: up to Limit of
	// them, from the next Limit loans (a store may also scan on past loans
	// done, as PostgreSQL does, until it has Limit).
	COBLoans(ctx context.Context, p COBLoansParams) (COBPage, error)
	// SavePositions journals the batch's accruals and appends the loans'
	// positions of the date, atomically. A loan's line and its position of
	// a date are written once; a second write of either is ignored, and
	// an earlier date's position stays beside a later's. The batch is derived data: writing it again
	// changes nothing.
	SavePositions(ctx context.Context, p SavePositionsParams) error
	// CarryPositions carries the loans of a page (by id, after
	// AfterLoanID and through ThroughLoanID when set, up to Limit
	// scanned) whose position of the day before
	// the date has a steady run (Position.Steady) that covers the date, of
	// the same policy, and whose version has not moved since, on to the
	// date: a position one day on (days past due + 1 when past due, the
	// run's daily penalty and compound added to what is outstanding and
	// charged, the rest, version and state as they were) and a journal
	// line of the daily amounts, written as SavePositions would. A loan
	// with a position at the date already is left as it is.
	CarryPositions(ctx context.Context, p CarryPositionsParams) (CarryResult, error)
	// CarryPageEnd returns where the page of a date's carry that starts
	// after AfterLoanID ends: the loan id of the Every-th position of the
	// day before the date after it, by id, or "" when there are fewer (the
	// page runs to the end). Pages so run after one end through the next
	// (CarryPositionsParams.ThroughLoanID), and several workers may each
	// carry pages of their own at once while the next end is found. A
	// store may count active loans instead of positions (PostgreSQL does:
	// their index is the cheaper to read): the day before's positions are
	// the active loans' but for those closed since, so a page is still
	// about Every positions, and any ends make disjoint pages.
	CarryPageEnd(ctx context.Context, p CarryPageEndParams) (string, error)
	// DelinquentPositions returns positions at AsOf with days past due,
	// filtered, by loan id.
	DelinquentPositions(ctx context.Context, p PositionQuery) ([]Position, error)
	// CountDelinquent counts the positions at AsOf with days past due, by
	// bucket (buckets with none are absent), in one statement, for the
	// gauges loand exports after a close of business.
	CountDelinquent(ctx context.Context, p DelinquencyCountQuery) (map[engine.Bucket]int64, error)
	// AccrualTotal sums a loan's journal lines.
	AccrualTotal(ctx context.Context, p AccrualQuery) (Accrual, error)
	// DueNotices returns notices dated From..To by date and id.
	DueNotices(ctx context.Context, p NoticeQuery) ([]Notice, error)
	// PrunePositions drops the positions of the dates before p.Before
	// (each loan's rows, and carried pages where a store keeps them), the
	// retention policy of a book that keeps only its recent dates: the
	// journal, the notices and the runs stay. A date a kept carried
	// position is based on is kept, with every date after it, so the
	// dates kept may start before p.Before (PruneResult.KeptFrom). From
	// then on COBLoans gives a loan with no position kept what its
	// journal lines sum to (COBLoan.Charged), which is what its latest
	// position had charged. A store may drop only the oldest of many
	// dates at once (PostgreSQL: 100), keeping from where it stopped;
	// pruning again drops the rest, and what is older still. Pruning a
	// date already pruned does nothing.
	PrunePositions(ctx context.Context, p PrunePositionsParams) (PruneResult, error)
	// EarliestDisbursement returns the earliest disbursement date of any
	// loan, the value date of its DISBURSEMENT event; ErrNotFound if
	// there is no loan. Close of business asks before its first run only,
	// so a store may read every loan's log for it.
	EarliestDisbursement(ctx context.Context) (engine.Date, error)
}

// COBRun is the record of one business date's run.
type COBRun struct {
	BusinessDate engine.Date
	// Status is COBRunning or COBCompleted.
	Status string
	// LoansTotal is how many loans the run had to do when it (re)started,
	// plus those done before; LoansDone how many are done; Failures how
	// many could not be folded (reported, left for the next run).
	LoansTotal int64
	LoansDone  int64
	Failures   int64
	StartedAt  time.Time
	FinishedAt time.Time
	// Runner names the run that writes the date now (TakeCOBRun); empty
	// for a record saved by no runner.
	Runner string
}

// COBRunKey names a run.
type COBRunKey struct{ BusinessDate engine.Date }

// Position is a loan as of a business date, as close of business wrote it.
type Position struct {
	LoanID      string
	BorrowerID  string
	Currency    string
	AsOf        engine.Date
	Status      string
	DaysPastDue int
	Bucket      engine.Bucket
	RiskClass   engine.RiskClass
	Outstanding engine.Outstanding
	// Charged is all penalty, compound interest and late fees charged to
	// AsOf, paid, waived or not.
	Charged Accrual
	// AccruedToday is the journal line: what Charged grew by since the
	// loan's previous position (everything, for its first).
	AccruedToday Accrual
	// Notices are the notices of the date.
	Notices []Notice
	// Version is the loan's version (its last event's seq) the position
	// was folded at, and State the fold's state as of AsOf (the engine's
	// snapshot form) when the next date may step it on, else nil. Only
	// close of business reads them back (COBLoan); DelinquentPositions
	// leaves them out.
	Version int64
	State   []byte
	// Steady, when set, says the loan's next days up to its Through
	// change only as a steady run does, so close of business may carry
	// the position on in the store (CarryPositions) rather than fold the
	// loan again. State is then the fold's state as of a date on or before
	// AsOf: a carried position keeps the one it was carried from.
	Steady *SteadyRun
}

// SteadyRun is what a loan's position does on each day after its date
// through Through, as long as nothing is recorded for the loan: it is
// the day before's, days past due one more (when past due), and the
// daily Penalty and Compound added to what is outstanding and charged.
// Close of business finds it by folding the days ahead (servicing), so
// it holds under the delinquency and notice policy it was found with,
// named by Policy: a position is carried only under the same.
type SteadyRun struct {
	Through           engine.Date
	Penalty, Compound money.Amount
	Policy            int64
}

// Accrual is the penalty and compound interest one business date charged
// one loan: a line of the accrual journal.
type Accrual struct {
	Penalty  money.Amount
	Compound money.Amount
	// Fees are the late fees the date charged (issue 20), posted at the
	// end of a grace's last day. Service fees fall due like interest,
	// which the journal does not count either, so they are not here.
	Fees money.Amount
}

// IsZero reports whether the line charged nothing: no line is written.
func (a Accrual) IsZero() bool { return a.Penalty == 0 && a.Compound == 0 && a.Fees == 0 }

// AccrualQuery names one loan's journal.
type AccrualQuery struct{ LoanID string }

// COBLoan is a loan as close of business reads it: its row, its log and
// what its latest position before the date had charged, its date and
// bucket. Events is the
// whole log, or, when Snapshot is set, the events after it. A loan whose
// positions were all pruned (PrunePositions) has no previous date or
// bucket, and Charged is its journal's sum.
//
// PrevVersion and PrevState are that position's Version and State. When
// PrevState is set and PrevVersion is the loan's version, nothing has
// been recorded for the loan since: Events and Snapshot are left out (the
// loan is stepped on from PrevState), and Loan.Version is still set.
type COBLoan struct {
	Loan        LoanRecord
	Events      []EventRecord
	Snapshot    *SnapshotRecord
	Charged     Accrual
	PrevAsOf    engine.Date
	PrevBucket  engine.Bucket
	PrevVersion int64
	PrevState   []byte
}

// Stepped reports whether the loan's log was left out because its
// previous position's state is at its version.
func (l COBLoan) Stepped() bool { return l.PrevState != nil && l.PrevVersion == l.Loan.Version }

// COBLoansParams page the loans a business date still has to do.
type COBLoansParams struct {
	BusinessDate engine.Date
	AfterLoanID  string
	Limit        int
	// SnapshotFormat, when not 0, asks for each loan's latest snapshot of
	// that format dated on or before BusinessDate, and only the events
	// after it.
	SnapshotFormat int
	// KnownTerms are terms documents the caller read already (a previous
	// page's). A store may give a loan whose document equals one of them
	// those bytes rather than read its own: the same text, not sent
	// again (loans sold as one product share their document).
	KnownTerms [][]byte
	// LoanIDs, when not empty, makes the page these loans alone, those of
	// them the date still has to do, by id, whatever AfterLoanID; Next is
	// then "". They are the loans the carry left (CarryResult.Left), up to
	// Limit of them: a close that carried every page folds those, rather
	// than scan every loan again for the few the carry did not do.
	LoanIDs []string
}

// COBPage is one page of the loans a date still has to do. Next is the
// cursor of the next page ("" at the end); a page may hold fewer loans
// than its limit, or none, when loans it scanned were done already.
type COBPage struct {
	Loans []COBLoan
	Next  string
}

// SavePositionsParams is one batch of a run's results.
type SavePositionsParams struct {
	BusinessDate engine.Date
	Positions    []Position
	// RecordedAt is when the batch was computed: the journal lines and
	// notices it writes carry it.
	RecordedAt time.Time
	// Runner, when set, is the run writing the batch: the store writes it
	// only while the run is the date's runner (TakeCOBRun), else refuses
	// it with ErrTakenOver.
	Runner string
}

// Next is the position a steady run makes of p, a position of its loan,
// on the day after p's: the rule CarryPositions applies (and the
// PostgreSQL store's statement spells out in SQL), and close of business
// checks day by day before it keeps a run. p's notices, version, state
// and run stay.
func (r SteadyRun) Next(p Position) Position {
	p.AsOf++
	if p.DaysPastDue > 0 {
		p.DaysPastDue++
	}
	p.Outstanding.Penalty += r.Penalty
	p.Outstanding.Compound += r.Compound
	p.Charged.Penalty += r.Penalty
	p.Charged.Compound += r.Compound
	p.AccruedToday = Accrual{Penalty: r.Penalty, Compound: r.Compound}
	return p
}

// CarryPositionsParams page the loans CarryPositions carries on to
// BusinessDate. Policy names the policy the runs must have been found
// with (SteadyRun.Policy); RecordedAt is what the journal lines carry.
// ThroughLoanID, when set, is the last loan id the page may scan (a page
// end from CarryPageEnd): a worker's page stops there, where another's
// begins.
type CarryPositionsParams struct {
	BusinessDate  engine.Date
	Policy        int64
	AfterLoanID   string
	ThroughLoanID string
	Limit         int
	RecordedAt    time.Time
	// Runner is as SavePositionsParams.Runner.
	Runner string
}

// CarryPageEndParams ask for the end of the page of Every positions of
// the day before BusinessDate after AfterLoanID.
type CarryPageEndParams struct {
	BusinessDate engine.Date
	AfterLoanID  string
	Every        int
}

// CarryResult is how many positions a page carried on, and the cursor of
// the next page ("" when the page scanned the last loan, or the last
// through ThroughLoanID).
type CarryResult struct {
	Carried int64
	Next    string
	// Left are the loans of the page's range the date may still have to
	// do, by id: those whose position of the day before it scanned and
	// did not carry (a loan done at the date already among them), and the
	// active loans with no position the day before (booked since, say).
	// The range is from AfterLoanID through the page's last loan scanned
	// when Next is set, else through ThroughLoanID, else to the end, so
	// the pages of a date leave, between them, every active loan they did
	// not carry.
	Left []string
}

// PrunePositionsParams name the dates PrunePositions drops: those before
// Before.
type PrunePositionsParams struct {
	Before engine.Date
}

// PruneResult is what PrunePositions did: the first date whose positions
// are kept (Before, or the earliest base of a kept carried position when
// that is earlier), and how many dates' positions it dropped (0 when
// every date before KeptFrom was dropped already).
type PruneResult struct {
	KeptFrom     engine.Date
	DatesDropped int
}

// PositionQuery pages the delinquent loans of a business date.
type PositionQuery struct {
	AsOf engine.Date
	// Bucket and RiskClass filter when set (M0 and 0 mean any).
	Bucket      engine.Bucket
	RiskClass   engine.RiskClass
	AfterLoanID string
	Limit       int
}

// DelinquencyCountQuery names the business date CountDelinquent counts.
type DelinquencyCountQuery struct{ AsOf engine.Date }

// PositionCountQuery names the business date CountPositions counts.
type PositionCountQuery struct{ AsOf engine.Date }

// Notice is one notice close of business emitted for a business date. ID
// is stable, for senders to deduplicate.
type Notice struct {
	ID                string
	Date              engine.Date
	LoanID            string
	BorrowerID        string
	Currency          string
	Kind              string
	InstallmentNumber int
	// DueDate is the installment's (NoDate for loan-level notices).
	DueDate engine.Date
	// Amount is the installment's unpaid amount, or for loan-level notices
	// all that is overdue.
	Amount      money.Amount
	DaysPastDue int
	Bucket      engine.Bucket
}

// NoticeQuery pages the notices of a date range.
type NoticeQuery struct {
	From, To engine.Date
	// AfterDate and AfterID continue a listing after that notice.
	AfterDate engine.Date
	AfterID   string
	Limit     int
}

// FromCursor is whether the page starts after its cursor (AfterDate,
// AfterID) rather than at From; a cursor before From starts at From. A
// store makes that the page's one lower bound, so that a page deep in a
// busy date is read from where the last one ended: beside a bound of
// From, the scan could start at From and read every notice before the
// cursor again.
func (q NoticeQuery) FromCursor() bool { return q.AfterDate != engine.NoDate && q.AfterDate >= q.From }
