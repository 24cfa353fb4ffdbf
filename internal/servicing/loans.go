package servicing

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

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

// Installment statuses as of a date.
const (
	InstallmentPaid    = "PAID"
	InstallmentOverdue = "OVERDUE"
	InstallmentDue     = "DUE"
	InstallmentNotDue  = "NOT_DUE"
)

// maxAttempts bounds retries after losing an optimistic-concurrency race;
// after that the caller gets ErrVersionConflict (ABORTED) and may retry.
const maxAttempts = 8

// backoff waits a little, more with every attempt and jittered, so writers
// that collided do not collide again in lockstep.
func backoff(ctx context.Context, attempt int) error {
	var b [1]byte
	_, _ = rand.Read(b[:])
	d := time.Duration(attempt)*time.Millisecond + time.Duration(b[0])*20*time.Microsecond
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}

// LoanStore is what the loan use cases need of a store: loans and their
// logs, the requests recorded on them, and the agreements projection.
type LoanStore interface {
	store.Loans
	store.Requests
	store.Agreements
}

// Loans runs the loan use cases over a LoanStore.
type Loans struct {
	store         LoanStore
	delinquency   engine.DelinquencyPolicy
	restructuring RestructuringPolicy
	now           func() time.Time
	loc           *time.Location
	cache         *logCache
	writers       *loanWriters
	// snapshotEvery is how many events beyond its latest snapshot a write
	// must have read for it to store a new one; 0 turns snapshots off.
	snapshotEvery int
	log           *slog.Logger
}

// NewLoansParams configure NewLoans.
type NewLoansParams struct {
	Store LoanStore
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Location is the business time zone that decides "today"; nil means
	// Asia/Shanghai.
	Location *time.Location
	// CachedLoans is how many loans' logs to keep in memory for writes;
	// 0 means 10,000, negative turns the cache off.
	CachedLoans int
	// SnapshotEvery: a repayment that read at least this many events of
	// its loan's log beyond the latest stored snapshot (because the loan
	// was in no cache) stores the fold it made as a new snapshot, with its
	// event; the next such write reads that snapshot and the events after
	// it instead of the whole log. 0 means 8; negative turns snapshots off
	// (none is read or written).
	SnapshotEvery int
	// Logger receives a line for a stored snapshot that cannot be read
	// (the write then replays the log); nil means slog.Default().
	Logger *slog.Logger
	// Delinquency sets the buckets and risk classes; the zero value means
	// engine.DefaultDelinquencyPolicy.
	Delinquency engine.DelinquencyPolicy
	// Restructuring sets the eligibility rules of agreements and the
	// classification of restructured loans; zero fields take defaults.
	Restructuring RestructuringPolicy
}

// NewLoans returns the loan use cases.
func NewLoans(p NewLoansParams) (*Loans, error) {
	l := &Loans{store: p.Store, now: p.Now, loc: p.Location, delinquency: p.Delinquency, restructuring: p.Restructuring.WithDefaults(),
		writers: newLoanWriters()}
	if err := l.restructuring.Validate(); err != nil {
		return nil, err
	}
	if l.delinquency == (engine.DelinquencyPolicy{}) {
		l.delinquency = engine.DefaultDelinquencyPolicy
	} else if err := l.delinquency.Validate(); err != nil {
		return nil, fmt.Errorf("delinquency policy: %w", err)
	}
	switch {
	case p.CachedLoans == 0:
		l.cache = newLogCache(10_000)
	case p.CachedLoans > 0:
		l.cache = newLogCache(p.CachedLoans)
	}
	switch {
	case p.SnapshotEvery == 0:
		l.snapshotEvery = 8
	case p.SnapshotEvery > 0:
		l.snapshotEvery = p.SnapshotEvery
	}
	if l.log = p.Logger; l.log == nil {
		l.log = slog.Default()
	}
	if l.now == nil {
		l.now = time.Now
	}
	if l.loc == nil {
		loc, err := time.LoadLocation("Asia/Shanghai")
		if err != nil {
			return nil, err
		}
		l.loc = loc
	}
	return l, nil
}

// dateAt returns the business date of an instant.
func (l *Loans) dateAt(t time.Time) engine.Date {
	y, m, d := t.In(l.loc).Date()
	return engine.DateOf(y, int(m), d)
}

// Today returns the current business date.
func (l *Loans) Today() engine.Date { return l.dateAt(l.now()) }

// InstallmentView is one installment of a loan as of a date.
type InstallmentView struct {
	engine.InstallmentState
	Status string
}

// LoanView is a loan as of a date, as known at an instant.
type LoanView struct {
	LoanID      string
	BorrowerID  string
	Status      string
	Terms       engine.Terms
	AsOf        engine.Date
	KnownAt     time.Time
	Version     int64
	CreatedAt   time.Time
	Installment []InstallmentView
	Outstanding engine.Outstanding
	DaysPastDue int
	// Bucket and RiskClass classify DaysPastDue under the server's
	// delinquency policy.
	Bucket    engine.Bucket
	RiskClass engine.RiskClass
	// CappedOn is the first day the penalty cap held accrual back, or
	// NoDate.
	CappedOn engine.Date
	// WrittenOffDate is the write-off's value date, or NoDate.
	WrittenOffDate engine.Date
	NextDueDate    engine.Date
	Credit         money.Amount
	// Restructured says a restructuring agreement is in effect or in its
	// observation period (until RestructuredUntil); RiskClass is then at
	// least the policy's floor.
	Restructured      bool
	RestructuredUntil engine.Date
	// AgreementID is the agreement the plan follows as of the date: the
	// latest applied; "" if none.
	AgreementID string
	// state is the fold behind the view.
	state engine.LoanState
}

// loanLog is a loan's row and log as known at an instant.
type loanLog struct {
	loan  store.LoanRecord
	terms engine.Terms
	// events are the log's records; a cache entry (cacheEntry) has none,
	// nor evs.
	events []store.EventRecord
	// evs is events as the fold reads them, parsed once per log read.
	evs []engine.Event
	// schedule is the terms' schedule, built once per log read (none in a
	// log taken up from a snapshot, which has no events to fold with it).
	schedule engine.Schedule
	// folded, when set, is the fold of events as of foldedAsOf, kept with
	// a cached log so the next write folds only once.
	folded     *engine.LoanState
	foldedAsOf engine.Date
	// lastValueDate, set by cacheEntry (which drops evs) and
	// fromSnapshot (which reads none), is the latest value date among the
	// log's events: a fold as of that day or later may be advanced to a
	// later day instead of replayed. latestValueDate works it out.
	lastValueDate engine.Date
	// sinceSnapshot is how many events of the log a write read from the
	// store beyond the loan's latest snapshot (all of them without one);
	// pastSnapshot, that the loan has a snapshot this whole log was read
	// past, since only a replay applies the events after it: the write
	// stores a new one (or a marker) however few they were, so the next
	// read need not replay.
	sinceSnapshot int
	pastSnapshot  bool
}

func (l *Loans) load(ctx context.Context, loanID string, knownAt time.Time) (loanLog, error) {
	lg, _, err := l.loadWithRequest(ctx, loanID, "", knownAt)
	return lg, err
}

// loadWithRequest reads a loan's log as known at an instant (zero: now) and,
// in the same round trip, the record of requestID if there is one.
func (l *Loans) loadWithRequest(ctx context.Context, loanID, requestID string, knownAt time.Time) (loanLog, *store.RequestRecord, error) {
	got, err := l.store.LoadLoan(ctx, store.LoadLoanParams{LoanID: loanID, RequestID: requestID})
	if err != nil {
		return loanLog{}, got.Request, err
	}
	lg, err := l.logOf(loanID, got.Loan, got.Events, knownAt)
	return lg, got.Request, err
}

// logOf is a loan's row and whole log as the fold reads them, as known at
// an instant (zero: now).
func (l *Loans) logOf(loanID string, rec store.LoanRecord, events []store.EventRecord, knownAt time.Time) (loanLog, error) {
	if err := CheckLog(loanID, events); err != nil {
		return loanLog{}, err
	}
	terms, err := DecodeTerms(rec.Terms)
	if err != nil {
		return loanLog{}, err
	}
	if !knownAt.IsZero() {
		// known_at keeps the log up to the first event recorded after it:
		// a prefix, because an event is decided against all before it. (A
		// writer that read the log just after another's commit can record
		// an instant earlier than that event's; keeping it alone would fold
		// a payment without the one it followed.) The origination (the
		// events written with the loan) is always kept: a loan booked after
		// known_at shows as originated, with nothing that happened since.
		n := 0
		for n < len(events) && (!events[n].RecordedAt.After(knownAt) || !events[n].RecordedAt.After(rec.CreatedAt)) {
			n++
		}
		events = events[:n]
		rec.Version = events[len(events)-1].Seq
	}
	sched, err := engine.BuildSchedule(terms)
	if err != nil {
		return loanLog{}, fmt.Errorf("loan %s: stored terms: %w", loanID, err)
	}
	evs, err := engineEvents(terms, events)
	if err != nil {
		return loanLog{}, fmt.Errorf("loan %s: %w", loanID, err)
	}
	return loanLog{loan: rec, terms: terms, events: events, evs: evs, schedule: sched}, nil
}

// CheckLog refuses a loan's log whose seqs are not 1, 2, 3… in order. The
// store's primary key keeps two events off one seq; this keeps a gap,
// however it came about, from being folded as if nothing were missing.
func CheckLog(loanID string, events []store.EventRecord) error {
	if len(events) == 0 {
		return fmt.Errorf("loan %s: broken log: no events", loanID)
	}
	return checkSeqs(loanID, 1, events)
}

// checkSeqs refuses events whose seqs are not first, first+1, … in order.
func checkSeqs(loanID string, first int64, events []store.EventRecord) error {
	for i, e := range events {
		if e.Seq != first+int64(i) {
			return fmt.Errorf("loan %s: broken log: event %d at position %d", loanID, e.Seq, first+int64(i))
		}
	}
	return nil
}

// loadNow reads a loan as its log stands now, to fold it as of asOf (today
// or later), with the record of requestID in the same round trip: from the
// loan's latest snapshot and the events after it, when snapshots are on
// and one can be taken up as of asOf (the log it returns then has a fold
// as of asOf and no events, as a cache entry has); else the whole log,
// read again if the snapshot could not be taken up.
func (l *Loans) loadNow(ctx context.Context, loanID, requestID string, asOf engine.Date) (loanLog, *store.RequestRecord, error) {
	got, err := l.store.LoadLoan(ctx, store.LoadLoanParams{LoanID: loanID, RequestID: requestID, SnapshotFormat: l.snapshotFormat()})
	if err != nil || got.Request != nil {
		return loanLog{}, got.Request, err
	}
	if got.Snapshot == nil {
		lg, err := l.logOf(loanID, got.Loan, got.Events, time.Time{})
		lg.sinceSnapshot = len(lg.events)
		return lg, nil, err
	}
	lg, ok, err := l.fromSnapshot(got.Loan, got.Snapshot, got.Events, asOf, false)
	if err != nil || ok {
		return lg, nil, err
	}
	// The events after the snapshot are not all repayments in order (a
	// reversal, a backdated payment, an agreement): only a replay of the
	// whole log applies them.
	lg, prior, err := l.loadWithRequest(ctx, loanID, requestID, time.Time{})
	lg.pastSnapshot = true
	return lg, prior, err
}

// snapshotFormat is the snapshot format loads ask for: the engine's, or 0
// (none) when snapshots are off.
func (l *Loans) snapshotFormat() int {
	if l.snapshotEvery == 0 {
		return 0
	}
	return engine.SnapshotFormat
}

// fromSnapshot takes a loan up from its snapshot sn and the events after
// it (tail), without a replay: decoded, advanced to asOf and with the tail
// appended (resume), a fold as of asOf that equals the replay of the whole
// log. False when the tail needs a replay (Append refuses one) or the
// snapshot cannot be read or advanced.
func (l *Loans) fromSnapshot(rec store.LoanRecord, sn *store.SnapshotRecord, tail []store.EventRecord, asOf engine.Date, skipLater bool) (loanLog, bool, error) {
	if err := checkSeqs(rec.LoanID, sn.Seq+1, tail); err != nil {
		return loanLog{}, false, err
	}
	terms, err := DecodeTerms(rec.Terms)
	if err != nil {
		return loanLog{}, false, err
	}
	st, err := engine.DecodeSnapshot(sn.State)
	snapAsOf, err1 := engine.ParseDate(sn.AsOf)
	last, err2 := engine.ParseDate(sn.LastValueDate)
	if err = errors.Join(err, err1, err2); err != nil {
		// Derived data only: the log still answers, at the cost of a
		// replay. Say so, since it should never happen.
		l.log.Warn("loan snapshot unreadable; replaying the log", "loan_id", rec.LoanID, "snapshot_seq", sn.Seq, "err", err)
		return loanLog{}, false, nil
	}
	st, last, ok, err := resume(rec.LoanID, terms, st, snapAsOf, last, tail, asOf, skipLater)
	if err != nil || !ok {
		return loanLog{}, false, err
	}
	// No schedule: like a cache entry, the log has no events to fold with
	// one, and every decision that needs them is made again from the
	// whole log (errStaleCache).
	return loanLog{loan: rec, terms: terms, folded: &st, foldedAsOf: asOf,
		lastValueDate: last, sinceSnapshot: len(tail)}, true, nil
}

// resume takes up a fold in hand (a snapshot's, or a cache entry's) as of
// foldAsOf, of a log whose latest value date is last: advanced to asOf,
// with the repayments of tail (events after the fold's) appended, it is
// what a replay of the whole log as of asOf gives. With skipLater, tail
// events dated after asOf are left out, as a replay as of asOf leaves them
// out (reversals, which a replay applies whatever their date, still need
// one). It returns the log's latest value date too, and false when the
// fold cannot be advanced to asOf or the tail needs a replay.
func resume(loanID string, terms engine.Terms, st engine.LoanState, foldAsOf, last engine.Date, tail []store.EventRecord, asOf engine.Date, skipLater bool) (engine.LoanState, engine.Date, bool, error) {
	// An event dated after the fold's day (an agreement effective later)
	// is applied only by a replay as of a later day; a fold dated after
	// asOf (the clock or time zone moved back, or a close of business for
	// an earlier date) cannot be advanced.
	if last > foldAsOf || foldAsOf > asOf {
		return engine.LoanState{}, 0, false, nil
	}
	st, ok := st.AdvanceTo(terms, asOf)
	if !ok {
		return engine.LoanState{}, 0, false, nil
	}
	for _, e := range tail {
		ev, read, err := engineEvent(terms, e)
		if err != nil {
			return engine.LoanState{}, 0, false, fmt.Errorf("loan %s: %w", loanID, err)
		}
		if !read || skipLater && ev.Kind != engine.EventReversal && ev.ValueDate > asOf {
			continue
		}
		if st, ok = st.Append(terms, ev); !ok {
			return engine.LoanState{}, 0, false, nil
		}
		last = max(last, ev.ValueDate)
	}
	return st, last, true, nil
}

// latestValueDate is the latest value date among the log's events, from
// its events when it has them.
func (lg loanLog) latestValueDate() engine.Date {
	d := lg.lastValueDate
	for _, e := range lg.evs {
		d = max(d, e.ValueDate)
	}
	return d
}

// snapshotOf is st, the fold of the log up to the event seq as of today,
// as a snapshot to store with that event. A state with no snapshot (a
// restructuring agreement) gives a marker (an empty state) when the loan
// has a snapshot it was read past, so that reads stop taking that one up
// only to find they must replay; else nil. last is the log's latest value
// date.
func snapshotOf(st engine.LoanState, seq int64, today, last engine.Date, pastSnapshot bool) *store.SnapshotRecord {
	b, err := trimmed(st).EncodeSnapshot()
	switch {
	case err == nil:
	case pastSnapshot:
		b = []byte{}
	default:
		return nil
	}
	return &store.SnapshotRecord{Seq: seq, Format: engine.SnapshotFormat, AsOf: today.String(), LastValueDate: last.String(), State: b}
}

// trimmed is a fold with only its last payment's allocation: all a later
// Append needs, whatever the length of the loan's history.
func trimmed(st engine.LoanState) engine.LoanState {
	if n := len(st.Payments); n > 1 {
		st.Payments = []engine.PaymentResult{st.Payments[n-1]}
	}
	return st
}

// engineEvents converts the log to what the fold reads.
func engineEvents(terms engine.Terms, events []store.EventRecord) ([]engine.Event, error) {
	out := make([]engine.Event, 0, len(events))
	for _, e := range events {
		ev, ok, err := engineEvent(terms, e)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, ev)
		}
	}
	return out, nil
}

// engineEvent converts one event; false for kinds the fold does not read.
func engineEvent(terms engine.Terms, e store.EventRecord) (engine.Event, bool, error) {
	var ev engine.Event
	switch e.Kind {
	case store.KindRepayment:
		ev.Kind = engine.EventRepayment
		a, err := money.ParseAmount(e.Amount, terms.Currency)
		if err != nil {
			return ev, false, fmt.Errorf("event %d amount %q: %w", e.Seq, e.Amount, err)
		}
		ev.Amount = a
	case store.KindReversal:
		ev.Kind = engine.EventReversal
		ev.Target = e.TargetSeq
	case store.KindWaiver:
		ev.Kind = engine.EventWaiver
		var err error
		ev.WaivePenalty, ev.WaiveCompound, ev.WaiveInterest, err = decodeWaiver(terms, e)
		if err != nil {
			return ev, false, err
		}
	case store.KindWriteOff:
		ev.Kind = engine.EventWriteOff
	case store.KindAgreementAccepted, store.KindAgreementBroken:
		d, err := decodeAgreement(e)
		if err != nil {
			return ev, false, err
		}
		if e.Kind == store.KindAgreementBroken {
			ev.Kind, ev.Target, ev.Reinstate = engine.EventAgreementBroken, e.TargetSeq, d.OnBreak == BreakReinstate
			break
		}
		c, err := decodeChanges(d.Changes, terms.Currency)
		if err != nil {
			return ev, false, fmt.Errorf("event %d: %w", e.Seq, err)
		}
		ev.Kind, ev.Changes, ev.Ref = engine.EventAgreement, &c, d.AgreementID
	default:
		return ev, false, nil
	}
	d, err := engine.ParseDate(e.ValueDate)
	if err != nil {
		return ev, false, fmt.Errorf("event %d: %w", e.Seq, err)
	}
	ev.Seq, ev.ValueDate = e.Seq, d
	return ev, true, nil
}

// withEvent returns the log with one more event, its fold cleared; the
// receiver's slices are not changed, so a cached log stays valid.
func (lg loanLog) withEvent(e store.EventRecord) (loanLog, error) {
	ev, ok, err := engineEvent(lg.terms, e)
	if err != nil {
		return lg, err
	}
	lg.events = append(slices.Clip(lg.events), e)
	if ok {
		lg.evs = append(slices.Clip(lg.evs), ev)
	}
	lg.loan.Version = e.Seq
	lg.folded = nil
	return lg, nil
}

// advanced returns the log with its fold in hand moved to a later date
// (resume, with no events after the fold), and true; false when there is
// no fold in hand or resume refuses.
func (lg loanLog) advanced(asOf engine.Date) (loanLog, bool) {
	if lg.folded == nil {
		return lg, false
	}
	st, _, ok, _ := resume(lg.loan.LoanID, lg.terms, *lg.folded, lg.foldedAsOf, lg.lastValueDate, nil, asOf, false)
	if !ok {
		return lg, false
	}
	lg.folded, lg.foldedAsOf = &st, asOf
	return lg, true
}

// fold returns the log's fold as of a date: the one in hand if it is of
// that date, else a replay.
func (lg loanLog) fold(asOf engine.Date) engine.LoanState {
	if lg.folded != nil && lg.foldedAsOf == asOf {
		return *lg.folded
	}
	return engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, asOf)
}

// statusOf is a fold's loan status.
func statusOf(st engine.LoanState) string {
	switch {
	case st.WrittenOffDate != engine.NoDate:
		// Written off stays written off, even once recoveries pay it all.
		return store.StatusWrittenOff
	case st.PaidOffDate != engine.NoDate:
		return store.StatusPaidOff
	}
	return store.StatusActive
}

func (l *Loans) view(lg loanLog, asOf engine.Date, knownAt time.Time) (LoanView, error) {
	return l.viewOf(lg, lg.fold(asOf), asOf, knownAt), nil
}

// viewOf presents a folded state.
func (l *Loans) viewOf(lg loanLog, st engine.LoanState, asOf engine.Date, knownAt time.Time) LoanView {
	v := LoanView{
		LoanID: lg.loan.LoanID, BorrowerID: lg.loan.BorrowerID, Terms: lg.terms, AsOf: asOf, KnownAt: knownAt,
		Version: lg.loan.Version, CreatedAt: lg.loan.CreatedAt, Outstanding: st.Outstanding(),
		DaysPastDue: st.DaysPastDue(), NextDueDate: st.NextDueDate(), Credit: st.Credit, state: st,
		Status: statusOf(st), CappedOn: st.CappedOn,
	}
	v.Bucket, v.RiskClass = l.delinquency.Bucket(v.DaysPastDue), l.delinquency.RiskClass(v.DaysPastDue)
	if v.Restructured, v.RestructuredUntil, v.AgreementID = l.restructured(st); v.Restructured {
		v.RiskClass = max(v.RiskClass, l.restructuring.RiskFloor)
	}
	if v.Status == store.StatusWrittenOff {
		v.WrittenOffDate = st.WrittenOffDate
	}
	v.Installment = make([]InstallmentView, 0, len(st.Installments))
	for _, in := range st.Installments {
		s := InstallmentNotDue
		switch {
		case in.Unpaid() == 0:
			s = InstallmentPaid
		case in.DueDate < asOf:
			s = InstallmentOverdue
		case in.DueDate == asOf:
			s = InstallmentDue
		}
		v.Installment = append(v.Installment, InstallmentView{InstallmentState: in, Status: s})
	}
	return v
}

// newLoanID returns a server-assigned loan id: time-ordered hex with a
// random tail, so ids sort by creation and never collide.
func newLoanID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("L%012x%s", now.UnixMilli(), hex.EncodeToString(b[:]))
}

// validID reports whether s is an identifier the API accepts: 1 to 64 of
// A-Z a-z 0-9 . _ : -, starting with a letter or digit. (By hand rather
// than a regular expression: it runs on every write, and the matcher cost
// more than the rest of the validation.)
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i > 0 && (c == '.' || c == '_' || c == ':' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// CreateLoanParams are the inputs of CreateLoan.
type CreateLoanParams struct {
	RequestID string
	// RequestHash identifies the request body, to tell a retry from a
	// different request under the same id.
	RequestHash string
	LoanID      string
	BorrowerID  string
	Terms       engine.Terms
	Actor       string
}

func checkRequestID(e *engine.InvalidError, id string) {
	if !validID(id) {
		e.Add("request_id", "required: 1 to 64 letters, digits or . _ : - (a client-chosen id for retries)")
	}
}

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

// CheckLoanIdentity adds a violation for each malformed identifier of a
// CreateLoan request; an empty loanID asks the server to assign one.
func CheckLoanIdentity(e *engine.InvalidError, requestID, loanID, borrowerID string) {
	checkRequestID(e, requestID)
	if loanID != "" && !validID(loanID) {
		e.Add("loan_id", "1 to 64 letters, digits or . _ : -")
	}
	if !validID(borrowerID) {
		e.Add("borrower_id", "required: 1 to 64 letters, digits or . _ : -")
	}
}

// CreateLoan originates a loan: it records the origination and the
// disbursement; the loan is ACTIVE from its disbursement date.
func (l *Loans) CreateLoan(ctx context.Context, p CreateLoanParams) (LoanView, error) {
	var e engine.InvalidError
	CheckLoanIdentity(&e, p.RequestID, p.LoanID, p.BorrowerID)
	var inv *engine.InvalidError
	if err := p.Terms.Validate(); errors.As(err, &inv) {
		e.Violations = append(e.Violations, inv.Prefixed("terms.").Violations...)
	}
	if err := e.Err(); err != nil {
		return LoanView{}, err
	}
	if r, ok, err := l.replay(ctx, p.RequestID, "CreateLoan", p.RequestHash); err != nil || ok {
		if err != nil {
			return LoanView{}, err
		}
		return l.GetLoan(ctx, GetLoanParams{LoanID: r.LoanID, AsOf: l.dateAt(r.RecordedAt), KnownAt: r.RecordedAt})
	}
	now := l.now().UTC()
	id := p.LoanID
	if id == "" {
		id = newLoanID(now)
	}
	doc, err := encodeTerms(p.Terms)
	if err != nil {
		return LoanView{}, err
	}
	c := p.Terms.Currency
	disb := p.Terms.DisbursementDate.String()
	err = l.store.CreateLoan(ctx, store.NewLoanRecord{
		Loan: store.LoanRecord{LoanID: id, BorrowerID: p.BorrowerID, Currency: c.Code, Terms: doc, Status: store.StatusActive, CreatedAt: now},
		Events: []store.EventRecord{
			{LoanID: id, Seq: 1, Kind: store.KindOrigination, ValueDate: disb, RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor, Amount: p.Terms.Principal.Format(c)},
			{LoanID: id, Seq: 2, Kind: store.KindDisbursement, ValueDate: disb, RecordedAt: now, RequestID: p.RequestID, Actor: p.Actor,
				Amount: (p.Terms.Principal - p.Terms.UpfrontFee).Format(c)},
		},
		Request: store.RequestRecord{RequestID: p.RequestID, Method: "CreateLoan", RequestHash: p.RequestHash, LoanID: id, Seq: 2, RecordedAt: now},
	})
	if errors.Is(err, store.ErrDuplicate) {
		// Either a concurrent retry of this request won, or the loan id is
		// taken by another request.
		if r, ok, rerr := l.replay(ctx, p.RequestID, "CreateLoan", p.RequestHash); rerr == nil && ok {
			return l.GetLoan(ctx, GetLoanParams{LoanID: r.LoanID, AsOf: l.dateAt(r.RecordedAt), KnownAt: r.RecordedAt})
		} else if rerr != nil {
			return LoanView{}, rerr
		}
		return LoanView{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "loan_id", Description: "already exists"}}}
	}
	if err != nil {
		return LoanView{}, err
	}
	return l.GetLoan(ctx, GetLoanParams{LoanID: id, AsOf: l.dateAt(now), KnownAt: now})
}

// GetLoanParams are the inputs of GetLoan.
type GetLoanParams struct {
	LoanID string
	// AsOf is the value date of the figures; NoDate means today.
	AsOf engine.Date
	// KnownAt shows the loan as the system knew it then; zero means now.
	KnownAt time.Time
}

// GetLoan returns the loan as of a date, as known at an instant: the fold
// of its log, which for today or later, as known now, starts from the
// loan's latest snapshot when one can be taken up.
func (l *Loans) GetLoan(ctx context.Context, p GetLoanParams) (LoanView, error) {
	today := l.Today()
	if p.AsOf == engine.NoDate {
		p.AsOf = today
	}
	var lg loanLog
	var err error
	if p.KnownAt.IsZero() && p.AsOf >= today {
		// As the log stands now, today or later: the latest snapshot and
		// the events after it serve as well as the whole log.
		lg, _, err = l.loadNow(ctx, p.LoanID, "", p.AsOf)
	} else {
		lg, err = l.load(ctx, p.LoanID, p.KnownAt)
	}
	if err != nil {
		return LoanView{}, err
	}
	return l.view(lg, p.AsOf, p.KnownAt)
}

// ListLoansParams are the inputs of ListLoans.
type ListLoansParams struct {
	Status     string
	BorrowerID string
	PageSize   int
	PageToken  string
}

// pageSize returns the page size a list call asked for, DefaultPageSize
// for 0, and adds a violation for one out of range.
func pageSize(e *engine.InvalidError, size int) int {
	switch {
	case size == 0:
		return DefaultPageSize
	case size < 0 || size > MaxPageSize:
		e.Add("page_size", "must be between 0 and %d", MaxPageSize)
	}
	return size
}

// Paging limits of list calls.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// ListLoans returns one page of loans ordered by id and the token of the
// next page ("" at the end).
func (l *Loans) ListLoans(ctx context.Context, p ListLoansParams) ([]store.LoanRecord, string, error) {
	var e engine.InvalidError
	size := pageSize(&e, p.PageSize)
	after := ""
	if p.PageToken != "" {
		b, err := base64.RawURLEncoding.DecodeString(p.PageToken)
		if err != nil || len(b) == 0 {
			e.Add("page_token", "not a token this server issued")
		}
		after = string(b)
	}
	if p.Status != "" && p.Status != store.StatusActive && p.Status != store.StatusPaidOff && p.Status != store.StatusWrittenOff {
		e.Add("status", "unknown status %q", p.Status)
	}
	if err := e.Err(); err != nil {
		return nil, "", err
	}
	loans, err := l.store.ListLoans(ctx, store.LoanQuery{Status: p.Status, BorrowerID: p.BorrowerID, AfterLoanID: after, Limit: size + 1})
	if err != nil {
		return nil, "", err
	}
	next := ""
	if len(loans) > size {
		loans = loans[:size]
		next = base64.RawURLEncoding.EncodeToString([]byte(loans[size-1].LoanID))
	}
	return loans, next, nil
}

// ListLoanEvents returns the loan's log, oldest first: the audit trail,
// and the loan's currency.
func (l *Loans) ListLoanEvents(ctx context.Context, loanID string) ([]store.EventRecord, money.Currency, error) {
	got, err := l.store.LoadLoan(ctx, store.LoadLoanParams{LoanID: loanID})
	if err != nil {
		return nil, money.Currency{}, err
	}
	cur, ok := money.LookupCurrency(got.Loan.Currency)
	if !ok {
		return nil, cur, fmt.Errorf("loan %s: unknown currency %q", loanID, got.Loan.Currency)
	}
	return got.Events, cur, nil
}

// RepaymentResult is what RecordRepayment did.
type RepaymentResult struct {
	Seq        int64
	Allocation engine.PaymentResult
	Loan       LoanView
	// ChangedSeqs are later payments whose allocation this backdated
	// payment changed.
	ChangedSeqs []int64
}

// RecordRepaymentParams are the inputs of RecordRepayment.
type RecordRepaymentParams struct {
	RequestID   string
	RequestHash string
	LoanID      string
	// Amount is the decimal string as received; it is parsed in the
	// loan's currency.
	Amount string
	// ValueDate is NoDate for today.
	ValueDate engine.Date
	Actor     string
}

// RecordRepayment records money received from the borrower, allocates it,
// and replays everything after its value date.
func (l *Loans) RecordRepayment(ctx context.Context, p RecordRepaymentParams) (RepaymentResult, error) {
	var e engine.InvalidError
	checkRequestID(&e, p.RequestID)
	if p.LoanID == "" {
		e.Add("loan_id", "required")
	}
	if err := e.Err(); err != nil {
		return RepaymentResult{}, err
	}
	return retryOnConflict(ctx, l.writers, p.LoanID, func() (RepaymentResult, error) {
		res, err := l.recordRepayment(ctx, p, true)
		if errors.Is(err, errStaleCache) {
			return l.recordRepayment(ctx, p, false)
		}
		return res, err
	})
}

// errStaleCache asks for a decision made from a fold in hand (a cache
// entry, or a snapshot and the events after it) to be made again from the
// whole log: the cache cannot tell a refusal from a retry of a request
// that was accepted, and neither has the log that a backdated payment's
// replay or a refusal's payoff figure needs.
var errStaleCache = errors.New("decided from the cache")

// retryOnConflict runs one read-decide-append attempt on a loan, again,
// after a short jittered wait, when another writer appended to the loan
// first. A concurrent retry of the same request then finds the first one's
// record and answers with it. With the loan's id, the attempts wait for
// this process's other writes to the loan (loanWriters); a write that
// learns its loan only from the store (an agreement by id) passes "".
func retryOnConflict[T any](ctx context.Context, w *loanWriters, loanID string, attempt func() (T, error)) (T, error) {
	if loanID != "" {
		turn, err := w.take(ctx, loanID)
		if err != nil {
			var zero T
			return zero, err
		}
		defer w.give(loanID, turn)
	}
	for n := 1; ; n++ {
		res, err := attempt()
		if n == maxAttempts || !(errors.Is(err, store.ErrVersionConflict) || errors.Is(err, store.ErrDuplicate)) {
			return res, err
		}
		if err := backoff(ctx, n); err != nil {
			var zero T
			return zero, err
		}
	}
}

// recordRepayment is one attempt of RecordRepayment. With fromFold the
// decision may start from a fold in hand: a cache entry, or the latest
// snapshot and the events after it; without, from a replay of the whole
// log, which is how a refusal decided from a fold is decided again
// (errStaleCache).
func (l *Loans) recordRepayment(ctx context.Context, p RecordRepaymentParams, fromFold bool) (res RepaymentResult, err error) {
	now := l.now().UTC()
	today := l.dateAt(now)
	lg, cached := loanLog{}, false
	if fromFold {
		lg, cached = l.cache.get(p.LoanID)
		// An entry holds a fold as of one day and no log. A later day's
		// write advances the fold (penalty accrual to today) unless the
		// log has an event dated after that day, which only a replay
		// applies.
		if cached && lg.foldedAsOf != today {
			if lg, cached = lg.advanced(today); !cached {
				l.cache.drop(p.LoanID)
			}
		}
	}
	fromStore := !cached
	if fromStore {
		var prior *store.RequestRecord
		if fromFold {
			lg, prior, err = l.loadNow(ctx, p.LoanID, p.RequestID, today)
		} else {
			lg, prior, err = l.loadWithRequest(ctx, p.LoanID, p.RequestID, time.Time{})
		}
		if prior != nil {
			// A retry: answer as the first call did, whatever happened since.
			if err := sameRequest(*prior, "RecordRepayment", p.RequestHash); err != nil {
				return RepaymentResult{}, err
			}
			return l.repaymentResult(ctx, *prior)
		}
		if err != nil {
			return RepaymentResult{}, err
		}
		// A log taken up from a snapshot has a fold and no events, as a
		// cache entry has, and is used as one.
		cached = lg.events == nil
	}
	if cached {
		defer func() {
			// A refusal decided from the cache might be a retry of an
			// accepted request: decide again from the store.
			if err != nil {
				l.cache.drop(p.LoanID)
				var inv *engine.InvalidError
				var pre *PreconditionError
				if errors.As(err, &inv) || errors.As(err, &pre) {
					err = errStaleCache
				}
			}
		}()
	}
	var e engine.InvalidError
	amount, err := money.ParseAmount(p.Amount, lg.terms.Currency)
	switch {
	case p.Amount == "":
		e.Add("amount", "required")
	case err != nil:
		e.Add("amount", "%v", err)
	case amount <= 0:
		e.Add("amount", "must be greater than zero")
	}
	vd := p.ValueDate
	if vd == engine.NoDate {
		vd = today
	}
	if vd > today {
		e.Add("value_date", "must not be in the future (today is %s)", today)
	} else if vd < lg.terms.DisbursementDate {
		e.Add("value_date", "must not be before the disbursement date %s", lg.terms.DisbursementDate)
	}
	if err := e.Err(); err != nil {
		return RepaymentResult{}, err
	}
	// The fold before the payment; only its figures are needed, not a view.
	before := lg.fold(today)
	c := lg.terms.Currency
	if statusOf(before) == store.StatusPaidOff {
		return RepaymentResult{}, &PreconditionError{Reason: "LOAN_PAID_OFF",
			Message: fmt.Sprintf("loan %s is PAID_OFF; nothing is owed", p.LoanID)}
	}
	seq := lg.loan.Version + 1
	ev := store.EventRecord{LoanID: p.LoanID, Seq: seq, Kind: store.KindRepayment, ValueDate: vd.String(), RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, Amount: amount.Format(c)}
	eev := engine.Event{Seq: seq, Kind: engine.EventRepayment, ValueDate: vd, Amount: amount}
	// A payment dated on or after every earlier one changes none of them:
	// apply it to the fold in hand. A backdated one replays the log, which
	// a cache entry does not have.
	var view LoanView
	var changed []int64
	var after loanLog
	if st, ok := before.Append(lg.terms, eev); ok {
		after = lg
		after.loan.Version, after.folded = seq, nil
		view = l.viewOf(after, st, today, time.Time{})
	} else if cached {
		return RepaymentResult{}, errStaleCache
	} else {
		if after, err = lg.withEvent(ev); err != nil {
			return RepaymentResult{}, err
		}
		if view, err = l.view(after, today, time.Time{}); err != nil {
			return RepaymentResult{}, err
		}
		changed = changedPayments(before, view.state, seq)
	}
	if view.Credit > before.Credit && lg.terms.Overpayment != engine.KeepCredit {
		if cached {
			return RepaymentResult{}, errStaleCache
		}
		// The payoff on the value date, before this payment.
		atDate := engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, vd)
		payoff := atDate.PayoffAt(lg.terms)
		return RepaymentResult{}, &PreconditionError{Reason: "PAYMENT_EXCEEDS_PAYOFF",
			Message: fmt.Sprintf("amount %s exceeds the payoff amount %s on %s", amount.Format(c), payoff.Total().Format(c), vd)}
	}
	// A write that had to read a long stretch of the log, or replay past
	// a snapshot, stores the fold it made, so that the next one that finds
	// the loan in no cache does not do so again.
	var snap *store.SnapshotRecord
	if fromStore && l.snapshotEvery > 0 && (lg.pastSnapshot || lg.sinceSnapshot+1 >= l.snapshotEvery) {
		snap = snapshotOf(view.state, seq, today, max(lg.latestValueDate(), vd), lg.pastSnapshot)
	}
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: p.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		SetStatus: statusChange(lg.loan.Status, view.Status), Snapshot: snap,
		Request: store.RequestRecord{RequestID: p.RequestID, Method: "RecordRepayment", RequestHash: p.RequestHash, LoanID: p.LoanID, Seq: seq, RecordedAt: now}})
	if err != nil {
		l.cache.drop(p.LoanID)
		return RepaymentResult{}, err
	}
	after.loan.Status = view.Status
	l.cache.put(cacheEntry(after, view.state, today))
	view.KnownAt = now
	return RepaymentResult{Seq: seq, Allocation: paymentOf(view.state, seq), Loan: view, ChangedSeqs: changed}, nil
}

// cacheEntry is what the log cache keeps of a loan after a write: its row,
// terms and schedule, the fold as of today with only its last payment and
// the log's latest value date — all that the next write needs when it is
// not backdated (Append), today or, advanced, on a later day. It
// keeps neither the log nor the earlier payments, so a write costs the
// same however long the loan's history; a backdated write reads the log
// from the store.
func cacheEntry(lg loanLog, st engine.LoanState, today engine.Date) loanLog {
	// An entry made from an entry has no evs and keeps its date. Either
	// way evs may lack the payment just appended: dated today at the
	// latest, it is never after the fold's day.
	lg.lastValueDate = lg.latestValueDate()
	st = trimmed(st)
	lg.events, lg.evs = nil, nil
	lg.folded, lg.foldedAsOf = &st, today
	return lg
}

// statusChange is the status to write to the loan's projection: to, if it
// differs from the stored from; else "" (nothing to write).
func statusChange(from, to string) string {
	if from == to {
		return ""
	}
	return to
}

// repaymentResult rebuilds the answer to a recorded repayment or reversal
// from the log as it was then: the same answer the first call gave.
func (l *Loans) repaymentResult(ctx context.Context, r store.RequestRecord) (RepaymentResult, error) {
	asOf := l.dateAt(r.RecordedAt)
	lg, err := l.load(ctx, r.LoanID, r.RecordedAt)
	if err != nil {
		return RepaymentResult{}, err
	}
	view, err := l.view(lg, asOf, r.RecordedAt)
	if err != nil {
		return RepaymentResult{}, err
	}
	prev := lg
	prev.events = slices.DeleteFunc(slices.Clone(lg.events), func(e store.EventRecord) bool { return e.Seq == r.Seq })
	prev.evs = slices.DeleteFunc(slices.Clone(lg.evs), func(e engine.Event) bool { return e.Seq == r.Seq })
	before, err := l.view(prev, asOf, r.RecordedAt)
	if err != nil {
		return RepaymentResult{}, err
	}
	// A reversal answers with the allocation of the payment it reversed.
	subject, state := r.Seq, view.state
	for _, e := range lg.events {
		if e.Seq == r.Seq && e.Kind == store.KindReversal {
			subject, state = e.TargetSeq, before.state
		}
	}
	return RepaymentResult{Seq: r.Seq, Allocation: paymentOf(state, subject), Loan: view,
		ChangedSeqs: changedPayments(before.state, view.state, subject)}, nil
}

func paymentOf(st engine.LoanState, seq int64) engine.PaymentResult {
	for _, p := range st.Payments {
		if p.Seq == seq {
			return p
		}
	}
	return engine.PaymentResult{Seq: seq}
}

// changedPayments lists the payments other than seq whose allocation
// differs between two folds.
func changedPayments(before, after engine.LoanState, seq int64) []int64 {
	old := map[int64]engine.PaymentResult{}
	for _, p := range before.Payments {
		old[p.Seq] = p
	}
	var changed []int64
	for _, p := range after.Payments {
		if p.Seq == seq {
			continue
		}
		if o, ok := old[p.Seq]; !ok || !slices.Equal(o.Parts, p.Parts) || o.Credit != p.Credit {
			changed = append(changed, p.Seq)
		}
	}
	for _, p := range before.Payments {
		if p.Seq != seq && !slices.ContainsFunc(after.Payments, func(a engine.PaymentResult) bool { return a.Seq == p.Seq }) {
			changed = append(changed, p.Seq)
		}
	}
	slices.Sort(changed)
	return changed
}

// ReverseRepaymentParams are the inputs of ReverseRepayment.
type ReverseRepaymentParams struct {
	RequestID   string
	RequestHash string
	LoanID      string
	Seq         int64
	Reason      string
	Actor       string
}

// ReverseRepayment appends a reversal of a repayment; the fold then
// replays as if the payment had never been received. Nothing is deleted.
func (l *Loans) ReverseRepayment(ctx context.Context, p ReverseRepaymentParams) (RepaymentResult, error) {
	var e engine.InvalidError
	checkRequestID(&e, p.RequestID)
	if p.LoanID == "" {
		e.Add("loan_id", "required")
	}
	if p.Seq <= 0 {
		e.Add("seq", "required: the seq of the repayment event to reverse")
	}
	if p.Reason == "" {
		e.Add("reason", "required")
	}
	if err := e.Err(); err != nil {
		return RepaymentResult{}, err
	}
	return retryOnConflict(ctx, l.writers, p.LoanID, func() (RepaymentResult, error) { return l.reverseRepayment(ctx, p) })
}

func (l *Loans) reverseRepayment(ctx context.Context, p ReverseRepaymentParams) (RepaymentResult, error) {
	lg, prior, err := l.loadWithRequest(ctx, p.LoanID, p.RequestID, time.Time{})
	if prior != nil {
		if err := sameRequest(*prior, "ReverseRepayment", p.RequestHash); err != nil {
			return RepaymentResult{}, err
		}
		return l.repaymentResult(ctx, *prior)
	}
	if err != nil {
		return RepaymentResult{}, err
	}
	var target *store.EventRecord
	for i, ev := range lg.events {
		if ev.Seq == p.Seq {
			target = &lg.events[i]
		}
		if ev.Kind == store.KindReversal && ev.TargetSeq == p.Seq {
			return RepaymentResult{}, &PreconditionError{Reason: "ALREADY_REVERSED",
				Message: fmt.Sprintf("event %d was already reversed by event %d", p.Seq, ev.Seq)}
		}
	}
	if target == nil {
		return RepaymentResult{}, store.ErrNotFound
	}
	if target.Kind != store.KindRepayment {
		return RepaymentResult{}, &PreconditionError{Reason: "NOT_A_REPAYMENT",
			Message: fmt.Sprintf("event %d is a %s, not a repayment", p.Seq, target.Kind)}
	}
	// A signed agreement's figures were computed with this payment in:
	// reversing it would silently change them. Refuse.
	for _, ev := range lg.events {
		if ev.Kind == store.KindAgreementAccepted && target.ValueDate <= ev.ValueDate {
			d, _ := decodeAgreement(ev)
			return RepaymentResult{}, &PreconditionError{Reason: "AGREEMENT_SIGNED",
				Message: fmt.Sprintf("repayment %d (value date %s) is before agreement %s, signed with effect from %s; reversing it would change the agreement's figures",
					p.Seq, target.ValueDate, d.AgreementID, ev.ValueDate)}
		}
	}
	now := l.now().UTC()
	today := l.dateAt(now)
	before, err := l.view(lg, today, time.Time{})
	if err != nil {
		return RepaymentResult{}, err
	}
	seq := lg.loan.Version + 1
	ev := store.EventRecord{LoanID: p.LoanID, Seq: seq, Kind: store.KindReversal, ValueDate: target.ValueDate, RecordedAt: now,
		RequestID: p.RequestID, Actor: p.Actor, TargetSeq: p.Seq, Reason: p.Reason}
	after, err := lg.withEvent(ev)
	if err != nil {
		return RepaymentResult{}, err
	}
	view, err := l.view(after, today, time.Time{})
	if err != nil {
		return RepaymentResult{}, err
	}
	l.cache.drop(p.LoanID)
	err = l.store.AppendEvent(ctx, store.AppendEventParams{LoanID: p.LoanID, ExpectedVersion: lg.loan.Version, Event: ev,
		SetStatus: statusChange(lg.loan.Status, view.Status),
		Request:   store.RequestRecord{RequestID: p.RequestID, Method: "ReverseRepayment", RequestHash: p.RequestHash, LoanID: p.LoanID, Seq: seq, RecordedAt: now}})
	if err != nil {
		return RepaymentResult{}, err
	}
	view.KnownAt = now
	return RepaymentResult{Seq: seq, Allocation: paymentOf(before.state, p.Seq), Loan: view, ChangedSeqs: changedPayments(before.state, view.state, p.Seq)}, nil
}

// PayoffQuote is the amount that settles a loan on a date.
type PayoffQuote struct {
	Terms  engine.Terms
	Date   engine.Date
	Payoff engine.Payoff
}

// QuotePayoff returns the exact amount that settles the loan on the date
// (NoDate: today), with interest only up to that date.
func (l *Loans) QuotePayoff(ctx context.Context, loanID string, date engine.Date) (PayoffQuote, error) {
	lg, err := l.load(ctx, loanID, time.Time{})
	if err != nil {
		return PayoffQuote{}, err
	}
	if date == engine.NoDate {
		date = l.Today()
	}
	if date < lg.terms.DisbursementDate {
		return PayoffQuote{}, &engine.InvalidError{Violations: []engine.FieldViolation{{Field: "payoff_date",
			Description: "must not be before the disbursement date " + lg.terms.DisbursementDate.String()}}}
	}
	st := engine.FoldSchedule(lg.terms, lg.schedule, lg.evs, date)
	return PayoffQuote{Terms: lg.terms, Date: date, Payoff: st.PayoffAt(lg.terms)}, nil
}
