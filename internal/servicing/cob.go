package servicing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// Close of business (COB) runs a business date over every active loan: it
// folds each loan's log as of the date, journals the penalty and compound
// interest the date charged, and refreshes the loan's position (status,
// DPD, bucket, risk class, outstanding) that collection queries read.
// Everything it writes is derived from the logs and can be written again:
// the journal's key (business date, loan) makes a second write of a day a
// no-op, and a loan whose position is at the date is done, so a run killed
// half-way finishes the rest when started again.

// CloseOfBusinessActor is the actor of what close of business records.
const CloseOfBusinessActor = "close-of-business"

// Close runs close of business.
type Close struct {
	store store.CloseOfBusiness
	loans *Loans
	batch int
	// reminderDays, prenoticeDays and calendarStart: see NewCloseParams.
	reminderDays, prenoticeDays int
	calendarStart               engine.Date
	// lines and freezeDays: see NewCloseParams.
	lines      *CreditLines
	freezeDays int
	log        *slog.Logger
	// step and carry: see NewCloseParams.StepUnchanged and CarrySteady;
	// policy: policyFingerprint.
	step, carry bool
	policy      int64
	// carryWorkers, carryPage, leftMax and keepDates: see
	// NewCloseParams.
	carryWorkers, carryPage, leftMax, keepDates int
	// mu serialises runs in this process; the date order check and the
	// journal's key keep concurrent processes honest.
	mu sync.Mutex
}

// NewCloseParams configure NewClose.
type NewCloseParams struct {
	Store store.CloseOfBusiness
	// Loans gives the clock, business time zone and delinquency policy.
	Loans *Loans
	// BatchSize is how many loans one read and one write carry; 0 means
	// 500.
	BatchSize int
	// ReminderDays is how many days before a due date the reminder goes
	// out; 0 means 3.
	ReminderDays int
	// PrenoticeDays is the days past due on which the credit-report
	// pre-notice goes out; 0 means 1, the first day overdue.
	PrenoticeDays int
	// CalendarStart is where the business calendar starts: the first run
	// of close of business may not close a date before it. NoDate means
	// the earliest disbursement date of any loan.
	CalendarStart engine.Date
	// Lines, when set, are the credit lines whose freezes close of
	// business decides (FreezeLinesDays).
	Lines *CreditLines
	// FreezeLinesDays: a line any of whose loans is this many days past
	// due at the end of a business date is frozen (drawdowns stop), and a
	// line close of business froze is unfrozen once none is. 0 means
	// never. Lenders freeze on the first day overdue: loand's default is 1.
	FreezeLinesDays int
	// Logger receives a line for every loan that cannot be closed; nil
	// means slog.Default().
	Logger *slog.Logger
	// StepUnchanged keeps with each position the fold it was made from,
	// so that the next date steps a loan nothing was recorded for since on
	// from it (one day's accrual, engine StepTo) instead of reading and
	// replaying its log (issue 21). loand sets it. Off, every date
	// replays every loan, from its snapshot when it has one, as tests
	// of that path need.
	StepUnchanged bool
	// CarrySteady, with StepUnchanged, keeps with each position how many
	// days ahead its loan changes only by a day's charges (a steady run,
	// found by folding the days ahead), and carries such loans on in the
	// store on the next dates (CarryPositions) instead of folding them
	// (issue 21). loand sets it. Off, every loan goes through the fold
	// every date, as tests of stepping need.
	CarrySteady bool
	// CarryWorkers is how many pages of the carry (CarrySteady) run at
	// once, each a statement on a connection of its own over a range of
	// loan ids of its own; 0 means 2. PostgreSQL runs a statement on one
	// core: one at a time left the database's second core idle for most
	// of the carry.
	CarryWorkers int
	// CarryPageSize is how many of the day before's positions one page of
	// the carry scans (one transaction; the run's progress is saved after
	// each); 0 means 20,000.
	CarryPageSize int
	// CarryLeftMax is how many of the loans the carry left a run keeps to
	// fold by id (CarryResult.Left, up to ~170 bytes each at loand's
	// peak), and never more than half the loans the date has to do (see
	// keepLeft); a date that leaves more scans every loan for them. 0
	// means 1,048,576: a book of 3,000,000 loans leaves 320,000-540,000
	// on the dates when one loan in six to nine reaches a boundary, and
	// reading them by id costs PostgreSQL less than scanning for them
	// (make bench-cob).
	CarryLeftMax int
	// KeepPositionDates, when above 0, is how many business dates of
	// positions a run keeps: once its last date is closed, the positions
	// of the dates before the last KeepPositionDates are pruned
	// (store.PrunePositions; the journal, the notices and the runs stay).
	// 0 keeps every date's. A position is read by the next date's close
	// and, for the last date, by the collection lists, so any number
	// keeps what they read; more keeps history to look into.
	KeepPositionDates int
}

// NewClose returns the close-of-business use cases.
func NewClose(p NewCloseParams) *Close {
	c := &Close{store: p.Store, loans: p.Loans, batch: p.BatchSize, reminderDays: p.ReminderDays, prenoticeDays: p.PrenoticeDays,
		calendarStart: p.CalendarStart, lines: p.Lines, freezeDays: p.FreezeLinesDays, log: p.Logger, step: p.StepUnchanged,
		carry: p.StepUnchanged && p.CarrySteady, carryWorkers: p.CarryWorkers, carryPage: p.CarryPageSize,
		leftMax: p.CarryLeftMax, keepDates: p.KeepPositionDates}
	if c.log == nil {
		c.log = slog.Default()
	}
	if c.batch <= 0 {
		c.batch = 500
	}
	if c.reminderDays <= 0 {
		c.reminderDays = 3
	}
	if c.prenoticeDays <= 0 {
		c.prenoticeDays = 1
	}
	if c.carryWorkers <= 0 {
		c.carryWorkers = 2
	}
	if c.carryPage <= 0 {
		c.carryPage = 20_000
	}
	if c.leftMax <= 0 {
		c.leftMax = 1 << 20
	}
	c.policy = c.policyFingerprint()
	return c
}

// COBProgress is reported while a run goes.
type COBProgress struct {
	Run store.COBRun
}

// RunParams are the inputs of Run.
type RunParams struct {
	// BusinessDate is the date to close; NoDate means yesterday.
	BusinessDate engine.Date
	// Progress, if set, is called after every batch and at the end of
	// every date.
	Progress func(COBProgress)
}

// Run closes the business date and every date after the last one closed
// before it, in order. A date already completed is not run again.
func (c *Close) Run(ctx context.Context, p RunParams) (store.COBRun, error) {
	today := c.loans.Today()
	d := p.BusinessDate
	if d == engine.NoDate {
		d = today - 1
	}
	if d > today {
		return store.COBRun{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "business_date",
			Description: fmt.Sprintf("must not be after today (%s)", today)}}}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if done, err := c.store.GetCOBRun(ctx, store.COBRunKey{BusinessDate: d}); err == nil && done.Status == store.COBCompleted {
		return done, nil
	} else if err != nil && !errors.Is(err, store.ErrNotFound) {
		return store.COBRun{}, err
	}
	first := d
	last, err := c.store.LastCOBRun(ctx)
	switch {
	case errors.Is(err, store.ErrNotFound):
		if err := c.checkFirstDate(ctx, d, today); err != nil {
			return store.COBRun{}, err
		}
	case err != nil:
		return store.COBRun{}, err
	case last.BusinessDate > d:
		return store.COBRun{}, refuse(ReasonCOBOutOfOrder, "business dates run in order: %s has run, %s never did", last.BusinessDate, d)
	case last.Status == store.COBCompleted:
		first = last.BusinessDate + 1
	default:
		// The last run stopped half-way: finish it first.
		first = last.BusinessDate
	}
	var run store.COBRun
	for day := first; day <= d; day++ {
		if run, err = c.runDate(ctx, day, p.Progress); err != nil {
			return run, err
		}
	}
	c.countDelinquent(ctx, d)
	c.prune(ctx, d)
	return run, nil
}

// countDelinquent tells the observer how many loans the business date
// left in each bucket. Only the last date of a run is counted: a run
// catching up dates reports where it ends. A count that fails is logged
// and skipped: the date is closed all the same.
func (c *Close) countDelinquent(ctx context.Context, d engine.Date) {
	obs := c.loans.observe
	if _, none := obs.(noObserver); none {
		return // nobody to tell: spare the database the count
	}
	counts, err := c.store.CountDelinquent(ctx, store.DelinquencyCountQuery{AsOf: d})
	if err != nil {
		c.log.WarnContext(ctx, "close of business: delinquent loans not counted", "business_date", d.String(), "error", err)
		return
	}
	obs.DelinquentLoans(d, counts)
}

// checkFirstDate refuses a first close of business before the business
// calendar starts: at CalendarStart when the operator set one, else at
// the earliest disbursement date of any loan, else, with no loan yet,
// yesterday (the date a run with none closes). Every later run catches
// up day by day from the first, so a first date far back (0001-01-01 is
// a date) would make every nightly run close decades of days.
func (c *Close) checkFirstDate(ctx context.Context, d, today engine.Date) error {
	start, what := c.calendarStart, "the start of the server's business calendar"
	if start == engine.NoDate {
		earliest, err := c.store.EarliestDisbursement(ctx)
		switch {
		case errors.Is(err, store.ErrNotFound):
			start, what = today-1, "yesterday, since no loan has been disbursed"
		case err != nil:
			return err
		default:
			start, what = earliest, "the earliest disbursement date of any loan"
		}
	}
	if d < start {
		return &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "business_date",
			Description: fmt.Sprintf("the first close of business must not be before %s, %s", start, what)}}}
	}
	return nil
}

// runDate runs one business date to its end, timing each phase, and
// tells the observer and the log how it went.
func (c *Close) runDate(ctx context.Context, d engine.Date, progress func(COBProgress)) (_ store.COBRun, err error) {
	r := &dateRun{c: c, d: d, progress: progress}
	began := time.Now()
	defer func() {
		if err != nil && r.run.LoansDone != r.savedDone {
			r.saveStopped(ctx)
		}
		r.report(ctx, time.Since(began), err)
	}()
	if err := timed(&r.phases.Count, func() error { return r.start(ctx) }); err != nil {
		return r.run, err
	}
	// Agreements broken by the end of d first, so the positions of d
	// show what a break reinstates. One that cannot be checked is logged
	// and counted like a loan that cannot be closed.
	if err := timed(&r.phases.Agreements, func() error { return r.fail(c.breakAgreements(ctx, d)) }); err != nil {
		return r.run, err
	}
	if err := timed(&r.phases.Carry, func() error { return r.carryLoans(ctx) }); err != nil {
		return r.run, err
	}
	if err := timed(&r.phases.Fold, func() error { return r.closeLoans(ctx) }); err != nil {
		return r.run, err
	}
	// Lines after the loans: the positions of d are what they read.
	if err := timed(&r.phases.Lines, func() error { return r.fail(c.freezeLines(ctx, d)) }); err != nil {
		return r.run, err
	}
	if r.run.Failures == 0 {
		r.run.Status, r.run.FinishedAt = store.COBCompleted, c.loans.now().UTC()
	}
	if err := r.save(ctx); err != nil {
		return r.run, err
	}
	if r.run.Failures > 0 {
		return r.run, refuse(ReasonCOBLoansFailed, "%d loans or agreements could not be closed for %s (logged); run the date again to retry them", r.run.Failures, d)
	}
	return r.run, nil
}

// timed runs f and sets *took to how long it ran.
func timed(took *time.Duration, f func() error) error {
	began := time.Now()
	err := f()
	*took = time.Since(began)
	return err
}

// fail counts a phase's failures (logged by the phase) with the run's,
// and passes its error on.
func (r *dateRun) fail(failed int, err error) error {
	r.run.Failures += int64(failed)
	return err
}

// report tells the observer, and the log at info, how the date's run
// went: what it closed, how long it and each phase took.
func (r *dateRun) report(ctx context.Context, took time.Duration, err error) {
	rep := COBDateReport{BusinessDate: r.d, Loans: r.run.LoansDone - r.doneAtStart, Carried: r.carried, Failures: r.run.Failures,
		Took: took, Phases: r.phases, Err: err}
	r.c.loans.observe.CloseOfBusinessDate(rep)
	attrs := []any{"business_date", r.d.String(), "loans", rep.Loans, "carried", rep.Carried, "failures", rep.Failures,
		"seconds", took.Seconds()}
	rep.Phases.Each(func(name string, d time.Duration) { attrs = append(attrs, name+"_seconds", d.Seconds()) })
	if err != nil {
		attrs = append(attrs, "error", err)
	}
	r.c.log.InfoContext(ctx, "close of business: date run", attrs...)
}

// dateRun is one business date's run in progress.
type dateRun struct {
	c        *Close
	d        engine.Date
	run      store.COBRun
	progress func(COBProgress)
	// doneAtStart is how many loans the date had done before this run
	// took it up (a run stopped half-way), and savedDone how many the
	// run's record last saved said were.
	doneAtStart, savedDone int64
	// carried is how many loans this run carried on in the store, and
	// phases how long each phase took.
	carried int64
	phases  COBPhases
	// left are the loans the carry left, a list a carry statement (each
	// from a range of ids of its own), when leftKnown: it carried every
	// page, and they were few enough to keep (keepLeft). The fold then
	// reads those alone rather than scan every loan for them.
	left      [][]string
	leftKnown bool
}

// start takes the date's run over (TakeCOBRun: it begins one, or takes up
// one stopped half-way or still going in another process, which is then
// refused its next write), counts the loans done and still to do and
// records it RUNNING.
func (r *dateRun) start(ctx context.Context) error {
	runner := newRunnerID(r.c.loans.now())
	take := store.COBRun{BusinessDate: r.d, Status: store.COBRunning, StartedAt: r.c.loans.now().UTC(), Runner: runner}
	if err := r.c.store.TakeCOBRun(ctx, take); err != nil {
		return err
	}
	// Read back for the loans done before, but with this run's runner:
	// a later run may have taken the date over since, and its runner is
	// not this run's to write with.
	var err error
	if r.run, err = r.c.store.GetCOBRun(ctx, store.COBRunKey{BusinessDate: r.d}); err != nil {
		return err
	}
	r.run.Runner = runner
	r.savedDone = r.run.LoansDone
	// The loans done are those with a position of the date. The record
	// says fewer when a run stopped between a batch's write and the save
	// of its count; it says more only after a prune dropped the date's
	// positions, and then it is all that is left of them.
	written, err := r.c.store.CountPositions(ctx, store.PositionCountQuery{AsOf: r.d})
	if err != nil {
		return err
	}
	r.run.LoansDone = max(r.run.LoansDone, written)
	r.doneAtStart = r.run.LoansDone
	todo, err := r.c.store.CountCOBLoans(ctx, store.COBLoansParams{BusinessDate: r.d})
	if err != nil {
		return err
	}
	r.run.Status, r.run.LoansTotal, r.run.Failures = store.COBRunning, r.run.LoansDone+todo, 0
	return r.save(ctx)
}

// save records the run as it stands and reports it.
func (r *dateRun) save(ctx context.Context) error {
	if err := r.c.store.SaveCOBRun(ctx, r.run); err != nil {
		return err
	}
	r.savedDone = r.run.LoansDone
	if r.progress != nil {
		r.progress(COBProgress{Run: r.run})
	}
	return nil
}

// stoppedSaveTimeout bounds saveStopped's write.
const stoppedSaveTimeout = 10 * time.Second

// saveStopped records how many loans are done when the run stopped on an
// error before saving its last count, on a context of its own (ctx may be
// what stopped it): pages written as it stopped are done, and the record
// is what GetCOBRun shows until the next run, which counts them again
// (start). A save that fails is logged: the positions are right either
// way.
func (r *dateRun) saveStopped(ctx context.Context) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), stoppedSaveTimeout)
	defer cancel()
	if err := r.c.store.SaveCOBRun(ctx, r.run); err != nil {
		r.c.log.WarnContext(ctx, "close of business: progress of a stopped run not saved", "business_date", r.d.String(),
			"loans_done", r.run.LoansDone, "error", err)
	}
}
