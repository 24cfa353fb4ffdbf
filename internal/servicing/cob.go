package servicing

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
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

// Notice kinds.
const (
	// NoticeUpcomingDue reminds of an installment due in a few days (还款提醒).
	NoticeUpcomingDue = "UPCOMING_DUE"
	// NoticeFirstOverdue is the first day an installment is overdue.
	NoticeFirstOverdue = "FIRST_OVERDUE"
	// NoticeBucketChange says the loan moved to another delinquency bucket.
	NoticeBucketChange = "BUCKET_CHANGE"
	// NoticeCreditReport is the pre-notice that must precede reporting the
	// borrower as overdue to a credit bureau.
	NoticeCreditReport = "CREDIT_REPORT_PRENOTICE"
)

// Close runs close of business.
type Close struct {
	store store.CloseOfBusiness
	loans *Loans
	batch int
	// reminderDays and prenoticeDays: see NewCloseParams.
	reminderDays, prenoticeDays int
	log                         *slog.Logger
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
	// Logger receives a line for every loan that cannot be closed; nil
	// means slog.Default().
	Logger *slog.Logger
}

// NewClose returns the close-of-business use cases.
func NewClose(p NewCloseParams) *Close {
	c := &Close{store: p.Store, loans: p.Loans, batch: p.BatchSize, reminderDays: p.ReminderDays, prenoticeDays: p.PrenoticeDays, log: p.Logger}
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
	case err != nil:
		return store.COBRun{}, err
	case last.BusinessDate > d:
		return store.COBRun{}, &PreconditionError{Reason: "COB_OUT_OF_ORDER",
			Message: fmt.Sprintf("business dates run in order: %s has run, %s never did", last.BusinessDate, d)}
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
	return run, nil
}

// runDate runs one business date to its end.
func (c *Close) runDate(ctx context.Context, d engine.Date, progress func(COBProgress)) (store.COBRun, error) {
	run, err := c.store.GetCOBRun(ctx, store.COBRunKey{BusinessDate: d})
	if errors.Is(err, store.ErrNotFound) {
		run = store.COBRun{BusinessDate: d, Status: store.COBRunning, StartedAt: c.loans.now().UTC()}
	} else if err != nil {
		return run, err
	}
	todo, err := c.store.CountCOBLoans(ctx, store.COBLoansParams{BusinessDate: d})
	if err != nil {
		return run, err
	}
	run.Status, run.LoansTotal, run.Failures = store.COBRunning, run.LoansDone+todo, 0
	if err := c.store.SaveCOBRun(ctx, run); err != nil {
		return run, err
	}
	report := func() {
		if progress != nil {
			progress(COBProgress{Run: run})
		}
	}
	report()
	// Agreements broken by the end of d first, so the positions of d
	// show what a break reinstates. One that cannot be checked is logged
	// and counted like a loan that cannot be closed.
	failed, err := c.breakAgreements(ctx, d)
	if err != nil {
		return run, err
	}
	run.Failures += int64(failed)
	workers := max(1, runtime.GOMAXPROCS(0))
	// The next page is read while this one is folded and written, so the
	// database and the folding keep both cores busy.
	type fetched struct {
		page store.COBPage
		err  error
	}
	pages := make(chan fetched, 1)
	fetch := func(after string) {
		go func() {
			p, err := c.store.COBLoans(ctx, store.COBLoansParams{BusinessDate: d, AfterLoanID: after, Limit: c.batch, SnapshotFormat: c.loans.snapshotFormat()})
			pages <- fetched{p, err}
		}()
	}
	fetch("")
	for more := true; more; {
		f := <-pages
		if f.err != nil {
			return run, f.err
		}
		if err := ctx.Err(); err != nil {
			return run, err
		}
		if more = f.page.Next != ""; more {
			fetch(f.page.Next)
		}
		batch := f.page.Loans
		if len(batch) == 0 {
			continue
		}
		positions := make([]store.Position, len(batch))
		failed := make([]error, len(batch))
		var wg sync.WaitGroup
		for w := range workers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < len(batch); i += workers {
					positions[i], failed[i] = c.position(ctx, batch[i], d)
				}
			}()
		}
		wg.Wait()
		ok := positions[:0]
		for i, pos := range positions {
			if failed[i] != nil {
				run.Failures++
				c.log.ErrorContext(ctx, "close of business: loan not closed", "business_date", d.String(),
					"loan_id", batch[i].Loan.LoanID, "error", failed[i])
				continue
			}
			ok = append(ok, pos)
		}
		if err := c.store.SavePositions(ctx, store.SavePositionsParams{BusinessDate: d, Positions: ok}); err != nil {
			return run, err
		}
		run.LoansDone += int64(len(ok))
		if err := c.store.SaveCOBRun(ctx, run); err != nil {
			return run, err
		}
		report()
	}
	if run.Failures == 0 {
		run.Status, run.FinishedAt = store.COBCompleted, c.loans.now().UTC()
	}
	if err := c.store.SaveCOBRun(ctx, run); err != nil {
		return run, err
	}
	report()
	if run.Failures > 0 {
		return run, &PreconditionError{Reason: "COB_LOANS_FAILED",
			Message: fmt.Sprintf("%d loans or agreements could not be closed for %s (logged); run the date again to retry them", run.Failures, d)}
	}
	return run, nil
}

// position folds one loan as of d and of the day before: the difference
// in charges is the date's accrual. A loan that cannot be folded is an
// error, logged by the caller's caller; it never stops the run.
func (c *Close) position(ctx context.Context, cl store.COBLoan, d engine.Date) (pos store.Position, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("loan %s: panic: %v", cl.Loan.LoanID, r)
		}
	}()
	lg, st, err := c.fold(ctx, cl, d)
	if err != nil {
		return pos, err
	}
	v := c.loans.viewOf(lg, st, d, time.Time{})
	pos = store.Position{LoanID: cl.Loan.LoanID, BorrowerID: cl.Loan.BorrowerID, Currency: cl.Loan.Currency, AsOf: d,
		Status: v.Status, DaysPastDue: v.DaysPastDue, Bucket: v.Bucket, RiskClass: v.RiskClass,
		Outstanding: v.Outstanding}
	pos.Charged.Penalty, pos.Charged.Compound = charged(st)
	// Against what was journalled, not against a fold of the day before:
	// a backdated payment that changed earlier days is corrected here.
	pos.AccruedToday = store.Accrual{Penalty: pos.Charged.Penalty - cl.Charged.Penalty, Compound: pos.Charged.Compound - cl.Charged.Compound}
	pos.Notices = c.notices(cl, v, d)
	return pos, nil
}

// fold is a loan's log and its fold as of d: taken up from the loan's
// snapshot when the page brought one and the events after it allow
// (Loans.fromSnapshot, leaving out events dated after d), else replayed
// from the whole log, read again when the page brought only the events
// after a snapshot.
func (c *Close) fold(ctx context.Context, cl store.COBLoan, d engine.Date) (loanLog, engine.LoanState, error) {
	var lg loanLog
	var err error
	if cl.Snapshot == nil {
		lg, err = c.loans.logOf(cl.Loan.LoanID, cl.Loan, cl.Events, time.Time{})
	} else {
		var ok bool
		if lg, ok, err = c.loans.fromSnapshot(cl.Loan, cl.Snapshot, cl.Events, d, true); err == nil && !ok {
			lg, err = c.loans.load(ctx, cl.Loan.LoanID, time.Time{})
		}
	}
	if err != nil {
		return loanLog{}, engine.LoanState{}, err
	}
	return lg, lg.fold(d), nil
}

// notices returns the notices of date d for a loan as of d.
func (c *Close) notices(cl store.COBLoan, v LoanView, d engine.Date) []store.Notice {
	if v.Status != store.StatusActive {
		return nil
	}
	var out []store.Notice
	add := func(kind string, number int, due engine.Date, amount money.Amount) {
		out = append(out, store.Notice{ID: fmt.Sprintf("%s:%s:%s:%d", v.LoanID, kind, d, number), Date: d, LoanID: v.LoanID,
			BorrowerID: v.BorrowerID, Currency: v.Terms.Currency.Code, Kind: kind, InstallmentNumber: number, DueDate: due,
			Amount: amount, DaysPastDue: v.DaysPastDue, Bucket: v.Bucket})
	}
	var overdue money.Amount
	for _, in := range v.Installment {
		unpaid := in.Unpaid()
		if unpaid == 0 {
			continue
		}
		if in.DueDate < d {
			overdue += unpaid
		}
		switch in.DueDate {
		case d + engine.Date(c.reminderDays):
			add(NoticeUpcomingDue, in.Number, in.DueDate, unpaid)
		case d - 1:
			add(NoticeFirstOverdue, in.Number, in.DueDate, unpaid)
		}
	}
	// A bucket change is seen against yesterday's position, so from the
	// second closed date of a loan on.
	if cl.PrevAsOf == d-1 && cl.PrevBucket != v.Bucket {
		add(NoticeBucketChange, 0, engine.NoDate, overdue)
	}
	if v.DaysPastDue == c.prenoticeDays {
		add(NoticeCreditReport, 0, engine.NoDate, overdue)
	}
	return out
}

// ListNoticesParams are the inputs of ListNotices.
type ListNoticesParams struct {
	From, To  engine.Date
	PageSize  int
	PageToken string
}

// ListNotices returns one page of the notices dated From..To, by date and
// id, and the token of the next page ("" at the end).
func (c *Close) ListNotices(ctx context.Context, p ListNoticesParams) ([]store.Notice, string, error) {
	var e engine.InvalidError
	if p.From == engine.NoDate {
		e.Add("from_date", "required: a date as YYYY-MM-DD")
	}
	if p.To == engine.NoDate {
		p.To = p.From
	}
	if p.To < p.From {
		e.Add("to_date", "must not be before from_date")
	}
	size := pageSize(&e, p.PageSize)
	afterDate, afterID := engine.NoDate, ""
	if p.PageToken != "" {
		date, id, ok := strings.Cut(p.PageToken, "|")
		d, err := engine.ParseDate(date)
		if !ok || err != nil || id == "" {
			e.Add("page_token", "not a token this server issued")
		}
		afterDate, afterID = d, id
	}
	if err := e.Err(); err != nil {
		return nil, "", err
	}
	got, err := c.store.DueNotices(ctx, store.NoticeQuery{From: p.From, To: p.To, AfterDate: afterDate, AfterID: afterID, Limit: size + 1})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(got) > size {
		got = got[:size]
		last := got[size-1]
		next = last.Date.String() + "|" + last.ID
	}
	return got, next, nil
}

// charged is all penalty and compound interest a fold has charged, paid,
// waived or not.
func charged(st engine.LoanState) (penalty, compound money.Amount) {
	for _, in := range st.Installments {
		penalty += in.PenaltyAccrued
		compound += in.CompoundAccrued
	}
	return penalty, compound
}

// AccruedTotal returns the sum of a loan's journal lines: after a date is
// closed, what the loan had been charged by then.
func (c *Close) AccruedTotal(ctx context.Context, loanID string) (store.Accrual, error) {
	return c.store.AccrualTotal(ctx, store.AccrualQuery{LoanID: loanID})
}

// GetRun returns the run of a business date.
func (c *Close) GetRun(ctx context.Context, d engine.Date) (store.COBRun, error) {
	if d == engine.NoDate {
		return store.COBRun{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "business_date", Description: "required"}}}
	}
	r, err := c.store.GetCOBRun(ctx, store.COBRunKey{BusinessDate: d})
	if errors.Is(err, store.ErrNotFound) {
		return r, fmt.Errorf("close of business has not run for %s: %w", d, store.ErrNotFound)
	}
	return r, err
}

// ListDelinquentParams are the inputs of ListDelinquent.
type ListDelinquentParams struct {
	// AsOf is a completed business date; NoDate means the last one.
	AsOf      engine.Date
	Bucket    engine.Bucket
	RiskClass engine.RiskClass
	PageSize  int
	// AfterLoanID continues a listing.
	AfterLoanID string
}

// ListDelinquent returns one page of the loans past due at a closed
// business date — the collection team's work list — and the last loan id
// of the page when there may be more.
func (c *Close) ListDelinquent(ctx context.Context, p ListDelinquentParams) ([]store.Position, engine.Date, string, error) {
	var e engine.InvalidError
	size := pageSize(&e, p.PageSize)
	if err := e.Err(); err != nil {
		return nil, engine.NoDate, "", err
	}
	last, err := c.store.LastCOBRun(ctx)
	if errors.Is(err, store.ErrNotFound) {
		return nil, engine.NoDate, "", &PreconditionError{Reason: "COB_NEVER_RAN", Message: "close of business has never run"}
	} else if err != nil {
		return nil, engine.NoDate, "", err
	}
	asOf := p.AsOf
	if asOf == engine.NoDate {
		asOf = last.BusinessDate
	}
	// Positions are kept for the latest date only, and are that date's
	// only once its run completed.
	if asOf != last.BusinessDate || last.Status != store.COBCompleted {
		return nil, asOf, "", &PreconditionError{Reason: "COB_NOT_CLOSED",
			Message: fmt.Sprintf("positions are for the last closed business date; %s is not it (last run %s, %s)", asOf, last.BusinessDate, last.Status)}
	}
	got, err := c.store.DelinquentPositions(ctx, store.PositionQuery{AsOf: asOf, Bucket: p.Bucket, RiskClass: p.RiskClass, AfterLoanID: p.AfterLoanID, Limit: size + 1})
	if err != nil {
		return nil, asOf, "", err
	}
	next := ""
	if len(got) > size {
		got = got[:size]
		next = got[size-1].LoanID
	}
	return got, asOf, next, nil
}

// breakAgreements marks BROKEN every ACTIVE agreement whose borrower has
// missed its break_after_missed installments by the end of d. It returns
// how many agreements could not be checked (each is logged); an error
// means the agreements could not be listed at all.
func (c *Close) breakAgreements(ctx context.Context, d engine.Date) (int, error) {
	recs, err := c.loans.activeAgreements(ctx)
	if err != nil {
		return 0, err
	}
	failed := 0
	for _, rec := range recs {
		id := rec.AgreementID
		broke, err := c.loans.breakMissed(ctx, rec, d)
		switch {
		case ctx.Err() != nil:
			return failed, ctx.Err()
		case err != nil:
			failed++
			c.log.ErrorContext(ctx, "close of business: agreement not checked", "business_date", d.String(), "agreement_id", id, "error", err)
		case broke:
			c.log.InfoContext(ctx, "close of business: agreement broken", "business_date", d.String(), "agreement_id", id)
		}
	}
	return failed, nil
}
