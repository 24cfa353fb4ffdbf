package servicing

import (
	"sync"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/store"
)

// Installment statuses as of a date.
const (
	InstallmentPaid    = "PAID"
	InstallmentOverdue = "OVERDUE"
	InstallmentDue     = "DUE"
	InstallmentNotDue  = "NOT_DUE"
)

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
	// APR is the APR the loan was booked with (bookedAPR), at
	// DefaultAPRDecimals; it does not change with the fold.
	APR money.Rate
	// Disbursed is what the loan has lent as of AsOf, and Tranches the
	// tranches that lent it; both empty for a loan that takes no tranches.
	Disbursed money.Amount
	Tranches  []Tranche
	// state is the fold behind the view.
	state engine.LoanState
	// memo keeps what a presenter made of a view the read cache holds
	// (Rendered); nil in any other view.
	memo *viewMemo
}

// viewMemo is one rendering of a cached view, made once, by key.
type viewMemo struct {
	once sync.Once
	key  string
	b    []byte
}

// Rendered returns render's bytes for the view, made once per view the
// read cache holds and shared by every read it answers: a presenter that
// encodes the same view for every such read (GetLoan's answer) does it
// once per loan, version and date. key names the rendering; a view asked
// for with another key than its first, or not from the cache, is rendered
// afresh each time. The bytes are shared: the caller must not change them
// (their capacity is their length, so an append copies).
func (v LoanView) Rendered(key string, render func() []byte) []byte {
	if v.memo == nil {
		return render()
	}
	v.memo.once.Do(func() {
		b := render()
		v.memo.key, v.memo.b = key, b[:len(b):len(b)]
	})
	if v.memo.key != key {
		return render()
	}
	return v.memo.b
}

// Cost is the loan's cost of credit by component as of the view's date
// (engine.LoanState.Cost): the plan as it stands plus what was charged to
// the date. Computed on demand, as only GetLoan's full view shows it.
func (v LoanView) Cost() engine.Cost { return v.state.Cost(&v.Terms) }

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

// statusChange is the status to write to the loan's projection: to, if it
// differs from the stored from; else "" (nothing to write).
func statusChange(from, to string) string {
	if from == to {
		return ""
	}
	return to
}

// view presents the loan as of a date, as known at an instant.
func (l *Loans) view(lg loanLog, asOf engine.Date, knownAt time.Time) LoanView {
	return l.viewOf(lg, lg.fold(asOf), asOf, knownAt)
}

// viewOf presents a folded state.
func (l *Loans) viewOf(lg loanLog, st engine.LoanState, asOf engine.Date, knownAt time.Time) LoanView {
	v := l.headOf(lg, st, asOf, knownAt)
	for _, t := range lg.tranches {
		if t.ValueDate <= asOf {
			v.Tranches = append(v.Tranches, t)
			v.Disbursed += t.Amount
		}
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

// headOf is a view without its tranches and installments' views: the
// figures close of business writes in a position and its notices read
// (the installments are in its state), for looking days ahead, where
// building the rest every day cost more than the fold.
func (l *Loans) headOf(lg loanLog, st engine.LoanState, asOf engine.Date, knownAt time.Time) LoanView {
	v := LoanView{
		LoanID: lg.loan.LoanID, BorrowerID: lg.loan.BorrowerID, Terms: lg.terms, APR: lg.apr, AsOf: asOf, KnownAt: knownAt,
		Version: lg.loan.Version, CreatedAt: lg.loan.CreatedAt, Outstanding: st.Outstanding(),
		DaysPastDue: st.DaysPastDue(), NextDueDate: st.NextDueDate(), Credit: st.Credit, state: st,
		Status: statusOf(st), CappedOn: st.CappedOn,
	}
	v.Bucket, v.RiskClass = l.delinquency.Bucket(v.DaysPastDue), l.delinquency.RiskClass(v.DaysPastDue)
	if v.Restructured, v.RestructuredUntil, v.AgreementID = l.restructuring.restructured(st); v.Restructured {
		v.RiskClass = max(v.RiskClass, l.restructuring.RiskFloor)
	}
	if v.Status == store.StatusWrittenOff {
		v.WrittenOffDate = st.WrittenOffDate
	}
	return v
}
