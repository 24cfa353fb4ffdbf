package servicing

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

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
	// NoticeLateFee says an installment was charged its late fee at the
	// end of the date's business day, its grace's last (issue 20).
	NoticeLateFee = "LATE_FEE"
)

// position folds one loan as of d and of the day before: the difference
// in charges is the date's accrual. A loan that cannot be folded is an
// error, logged by the caller's caller; it never stops the run.
func (c *Close) position(ctx context.Context, cl store.COBLoan, d engine.Date, memo *termsMemo) (pos store.Position, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("loan %s: panic: %v", cl.Loan.LoanID, r)
		}
	}()
	lg, st, err := c.fold(ctx, cl, d, memo)
	if err != nil {
		return pos, err
	}
	// The head of the view is all a position and its notices read: the
	// installments' views viewOf adds cost 8 kB and more time than the
	// figures (BenchmarkCOBPositionOverdue).
	v := c.loans.headOf(lg, st, d, time.Time{})
	pos = figures(cl, &v, st)
	// Against what was journalled, not against a fold of the day before:
	// a backdated payment that changed earlier days is corrected here.
	pos.AccruedToday = store.Accrual{Penalty: pos.Charged.Penalty - cl.Charged.Penalty, Compound: pos.Charged.Compound - cl.Charged.Compound,
		Fees: pos.Charged.Fees - cl.Charged.Fees}
	pos.Notices = c.notices(cl, &v, d)
	pos.Version = lg.loan.Version
	if c.step && steppable(lg, st, cl.Events, d) {
		if worthStepping(cl) {
			// The fold's step state (engine EncodeStepState: its snapshot
			// with the last payment only); steppable vouched it encodes.
			pos.State, _ = st.EncodeStepState()
		}
		if c.carry {
			pos.Steady = c.steadyRun(lg, st, cl, pos)
		}
	}
	return pos, nil
}

// figures is the position of a loan's view as of its date: the figures
// close of business writes, without the date's accrual, notices, version
// or state.
func figures(cl store.COBLoan, v *LoanView, st engine.LoanState) store.Position {
	return store.Position{LoanID: cl.Loan.LoanID, BorrowerID: cl.Loan.BorrowerID, Currency: cl.Loan.Currency, AsOf: v.AsOf,
		Status: v.Status, DaysPastDue: v.DaysPastDue, Bucket: v.Bucket, RiskClass: v.RiskClass, Outstanding: v.Outstanding,
		Charged: charged(st)}
}

// stepMinEvents is the shortest log whose loan keeps a state to be
// stepped on from. Decoding and encoding a state costs more than
// replaying a log of two events (BenchmarkCOBPositionOverdue: 22-27 us
// stepped against 18-22 replayed) and a third of replaying one of forty
// (BenchmarkCOBFold: 30-37 against 92-107), each payment adding about
// 2 us to a replay: they break even near four.
const stepMinEvents = 4

// worthStepping reports whether a loan's next date should step it on
// rather than replay it: its log is long enough (stepMinEvents), or
// came from a snapshot (which a long log has), or was stepped already.
func worthStepping(cl store.COBLoan) bool {
	return cl.Stepped() || cl.Snapshot != nil || len(cl.Events) >= stepMinEvents
}

// steppable reports whether a later date may step the fold as of d on
// (engine StepTo) or carry its position on (a steady run): no event of
// the log is dated after d (a payment dated today, an agreement effective
// later: the fold as of d left them out, and a later date's must not),
// and the state has a snapshot (no agreement or freeze). Other loans are
// replayed every date, as all were before. The events the page read
// count as well as the log's: a fold taken up from a snapshot does not
// count the later events of its tail it left out.
func steppable(lg loanLog, st engine.LoanState, read []store.EventRecord, d engine.Date) bool {
	if lg.latestValueDate() > d || lg.terms.InterestRecalculation || !st.Snapshottable() {
		return false
	}
	day := d.String()
	for _, e := range read {
		if e.ValueDate > day { // both YYYY-MM-DD
			return false
		}
	}
	return true
}

// fold is a loan's log and its fold as of d: stepped on from its previous
// position's state when nothing was recorded since (the page then brings
// no log; stepped), taken up from the loan's snapshot when the page
// brought one and the events after it allow
// (Loans.fromSnapshot, leaving out events dated after d), else replayed
// from the whole log, read again when the page brought only the events
// after a snapshot. Either way the decoded terms come from memo.
func (c *Close) fold(ctx context.Context, cl store.COBLoan, d engine.Date, memo *termsMemo) (loanLog, engine.LoanState, error) {
	var lg loanLog
	var err error
	if cl.Stepped() {
		var ok bool
		if lg, ok, err = stepped(cl, d, memo); err == nil && !ok {
			lg, err = c.loans.load(ctx, cl.Loan.LoanID, time.Time{})
		}
	} else if cl.Snapshot == nil {
		var dec *decodedTerms
		if err = CheckLog(cl.Loan.LoanID, cl.Events); err == nil {
			dec, err = memo.decode(cl.Loan.LoanID, cl.Loan.Terms)
		}
		if err == nil {
			lg, err = logFrom(cl.Loan.LoanID, cl.Loan, cl.Events, dec)
		}
	} else {
		var ok bool
		if lg, ok, err = c.loans.fromSnapshot(cl.Loan, cl.Snapshot, cl.Events, d, true, memo); err == nil && !ok {
			lg, err = c.loans.load(ctx, cl.Loan.LoanID, time.Time{})
		}
	}
	if err != nil {
		return loanLog{}, engine.LoanState{}, err
	}
	return lg, lg.fold(d), nil
}

// stepped is a loan's fold as of d stepped on from its previous
// position's state (engine StepTo), a day's accrual for a loan closed the
// day before: the page left its log out, since its version has not moved
// since that position, and that position kept a state only when no event
// was dated after its date. It is false when the state cannot be stepped
// (it does not decode, or is dated after d); the caller then reads the
// log.
func stepped(cl store.COBLoan, d engine.Date, memo *termsMemo) (loanLog, bool, error) {
	dec, err := memo.decode(cl.Loan.LoanID, cl.Loan.Terms)
	if err != nil {
		return loanLog{}, false, err
	}
	// A carried position keeps the state it was carried from, dated
	// before it; stepping on from there gives the same (StepTo).
	st, err := engine.DecodeSnapshot(cl.PrevState)
	if err != nil || st.AsOf > cl.PrevAsOf {
		return loanLog{}, false, nil
	}
	if st, ok := st.StepTo(dec.terms, d); ok {
		return loanLog{source: snapshotFold, loan: cl.Loan, terms: dec.terms, apr: dec.apr, folded: &st, foldedAsOf: d,
			lastValueDate: cl.PrevAsOf}, true, nil
	}
	return loanLog{}, false, nil
}

// notices returns the notices of date d for a loan as of d (v by pointer:
// the look ahead asks this of every day, and a view is ~1 kB).
func (c *Close) notices(cl store.COBLoan, v *LoanView, d engine.Date) []store.Notice {
	if v.Status != store.StatusActive {
		return nil
	}
	var out []store.Notice
	add := func(kind string, number int, due engine.Date, amount money.Amount) {
		out = append(out, store.Notice{ID: fmt.Sprintf("%s:%s:%s:%d", v.LoanID, kind, d, number), Date: d, LoanID: v.LoanID,
			BorrowerID: v.BorrowerID, Currency: v.Terms.Currency.Code, Kind: kind, InstallmentNumber: number, DueDate: due,
			Amount: amount, DaysPastDue: v.DaysPastDue, Bucket: v.Bucket})
	}
	// The state's installments, which the view's wrap: a view looked at
	// ahead (headOf) has no views of them. By pointer, and what is unpaid
	// summed only on the days it is told: the look ahead asks this of
	// every day, and an installment's state is ~300 bytes.
	for i := range v.state.Installments {
		in := &v.state.Installments[i]
		if fee := in.LateFee(); fee > 0 && v.Terms.LateFeeDay(in.DueDate) == d {
			add(NoticeLateFee, in.Number, in.DueDate, fee)
		}
		// Each kind a constant of its own: a kind in a variable would be
		// boxed for Sprintf, an allocation a notice.
		switch in.DueDate {
		case d + engine.Date(c.reminderDays):
			if unpaid := in.Unpaid(); unpaid != 0 {
				add(NoticeUpcomingDue, in.Number, in.DueDate, unpaid)
			}
		case d - 1:
			if unpaid := in.Unpaid(); unpaid != 0 {
				add(NoticeFirstOverdue, in.Number, in.DueDate, unpaid)
			}
		}
	}
	// A bucket change is seen against yesterday's position, so from the
	// second closed date of a loan on.
	if cl.PrevAsOf == d-1 && cl.PrevBucket != v.Bucket {
		add(NoticeBucketChange, 0, engine.NoDate, overdueOn(&v.state, d))
	}
	if v.DaysPastDue == c.prenoticeDays {
		add(NoticeCreditReport, 0, engine.NoDate, overdueOn(&v.state, d))
	}
	return out
}

// overdueOn is what the installments due before d leave unpaid.
func overdueOn(st *engine.LoanState, d engine.Date) money.Amount {
	var overdue money.Amount
	for i := range st.Installments {
		if in := &st.Installments[i]; in.DueDate < d {
			overdue += in.Unpaid()
		}
	}
	return overdue
}

// charged is all penalty, compound interest and late fees a fold has
// charged, paid, waived or not, restructured or not (engine
// LoanState.Charged: an agreement that replaces rows capitalises, carries
// or waives their charges, it does not take them back). Service fees are
// left out as interest is: they fall due on the plan, they do not accrue.
func charged(st engine.LoanState) (a store.Accrual) {
	a.Penalty, a.Compound, a.Fees = st.Charged()
	return a
}

// maxMemoTerms bounds a termsMemo: a decoded 12-installment document is
// about 2 KiB, so 4,096 of them are 8 MiB at most.
const maxMemoTerms = 4096

// termsMemo remembers the terms documents close of business decoded in
// one run, by the document's bytes. Decoding a document (JSON, a schedule,
// a hash for its APR) was half of folding a loan with a short log
// (BenchmarkCOBPositionOverdue), and loans sold as one product on one day
// share their document. When full it starts again (a miss only decodes
// again). A nil memo decodes every time.
type termsMemo struct {
	mu sync.Mutex
	m  map[string]*decodedTerms
}

// decode returns the decoded document, decoding it on a miss. A document
// that does not decode is not remembered: the error names the loan.
func (m *termsMemo) decode(loanID string, doc []byte) (*decodedTerms, error) {
	if m == nil {
		return decode(loanID, doc, nil)
	}
	m.mu.Lock()
	dec, ok := m.m[string(doc)]
	m.mu.Unlock()
	if ok {
		return dec, nil
	}
	dec, err := decode(loanID, doc, nil)
	if err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= maxMemoTerms {
		m.m = make(map[string]*decodedTerms)
	}
	m.m[string(doc)] = dec
	return dec, nil
}
