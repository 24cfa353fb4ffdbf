package engine

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/loancore/loancore/internal/money"
)

// SnapshotFormat names the encoding EncodeSnapshot writes and the fold it
// holds. It changes whenever LoanState or the way a fold is computed
// changes, so that a stored snapshot from an older build is never taken
// for what this build's fold would give: a reader skips a snapshot of
// another format and replays the log. TestSnapshotFields fails when a
// field is added to the state without the codec.
const SnapshotFormat = 6

// ErrNotSnapshottable is EncodeSnapshot's refusal of a state it does not
// encode: one that met a restructuring agreement, whose replacement plan
// is rebuilt only by a replay.
var ErrNotSnapshottable = errors.New("engine: a state with restructuring agreements has no snapshot")

// Snapshottable reports whether EncodeSnapshot can encode the state: not
// under an agreement, a plan or a freeze, nor superseded by one.
func (st LoanState) Snapshottable() bool {
	return len(st.Agreements) == 0 && st.plan == nil && !st.frozen && st.Superseded == (Settled{})
}

// EncodeSnapshot returns the state's snapshot: every field, exported or
// not, in a compact binary form that DecodeSnapshot turns back into an
// equal state. With AdvanceTo and Append, a snapshot lets a caller take up
// a loan's fold where it was stored instead of replaying the whole log.
// States with restructuring agreements are refused (ErrNotSnapshottable).
func (st LoanState) EncodeSnapshot() ([]byte, error) {
	if !st.Snapshottable() {
		return nil, ErrNotSnapshottable
	}
	e := snapEncoder{b: make([]byte, 0, 64+len(st.Installments)*40)}
	e.uint(SnapshotFormat)
	e.dates(st.AsOf, st.PaidOffDate, st.WrittenOffDate, st.CappedOn, st.accruedThrough)
	e.amounts(st.Credit, st.charged, st.level)
	e.bool(st.open.valid)
	e.dates(st.open.accruedThrough, st.open.cappedOn)
	e.amounts(st.open.charged)
	e.int(int64(st.open.lateNext))
	e.bool(st.recalc)
	e.dates(st.recalcThrough)
	e.int(int64(st.lateNext))
	e.uint(uint64(len(st.Installments)))
	for _, in := range st.Installments {
		e.int(int64(in.Number))
		e.dates(in.StartDate, in.DueDate, in.accrualFrom)
		e.amounts(in.PrincipalDue, in.InterestDue, in.PrincipalPaid, in.InterestPaid,
			in.PenaltyAccrued, in.PenaltyPaid, in.CompoundAccrued, in.CompoundPaid,
			in.PenaltyWaived, in.CompoundWaived, in.InterestWaived,
			in.gracePenalty, in.graceCompound, in.lastPenalty, in.lastCompound,
			in.chargedBefore, in.extraInterest, in.extraPaid,
			in.open.penalty, in.open.compound, in.open.gracePenalty, in.open.graceCompound,
			in.open.lastPenalty, in.open.lastCompound,
			in.FeesDue, in.FeesPaid, in.FeesWaived, in.lateFee, in.prepaymentFee)
		e.uint(in.balanceDays.Hi)
		e.uint(in.balanceDays.Lo)
		e.uint(in.lateDays.Hi)
		e.uint(in.lateDays.Lo)
		e.amounts(in.lateInterest)
	}
	e.uint(uint64(len(st.Payments)))
	for _, p := range st.Payments {
		e.int(p.Seq)
		e.dates(p.ValueDate)
		e.amounts(p.Amount, p.Prepaid, p.Credit)
		e.uint(uint64(len(p.Parts)))
		for _, part := range p.Parts {
			e.int(int64(part.Installment))
			e.uint(uint64(part.Component))
			e.amounts(part.Amount)
		}
	}
	e.uint(uint64(len(st.Waivers)))
	for _, w := range st.Waivers {
		e.int(w.Seq)
		e.dates(w.ValueDate)
		e.amounts(w.Penalty, w.Compound, w.Interest, w.Fees)
	}
	return e.b, nil
}

// DecodeSnapshot returns the state EncodeSnapshot encoded. It refuses,
// without panicking, bytes of another SnapshotFormat and bytes that are
// not exactly one snapshot.
func DecodeSnapshot(b []byte) (LoanState, error) {
	d := snapDecoder{b: b}
	if f := d.uint(); d.err == nil && f != SnapshotFormat {
		return LoanState{}, fmt.Errorf("engine: snapshot format %d, want %d", f, SnapshotFormat)
	}
	var st LoanState
	d.dates(&st.AsOf, &st.PaidOffDate, &st.WrittenOffDate, &st.CappedOn, &st.accruedThrough)
	d.amounts(&st.Credit, &st.charged, &st.level)
	st.open.valid = d.bool()
	d.dates(&st.open.accruedThrough, &st.open.cappedOn)
	d.amounts(&st.open.charged)
	st.open.lateNext = d.intN()
	st.recalc = d.bool()
	d.dates(&st.recalcThrough)
	st.lateNext = d.intN()
	if n := d.count(); n > 0 {
		st.Installments = make([]InstallmentState, n)
	}
	for i := range st.Installments {
		d.installment(&st.Installments[i])
	}
	st.Payments = d.payments()
	if n := d.count(); n > 0 {
		st.Waivers = make([]WaiverResult, n)
	}
	for i := range st.Waivers {
		w := &st.Waivers[i]
		w.Seq = d.int()
		d.dates(&w.ValueDate)
		d.amounts(&w.Penalty, &w.Compound, &w.Interest, &w.Fees)
	}
	if d.err == nil && len(d.b) > 0 {
		d.fail("%d bytes after the snapshot", len(d.b))
	}
	if d.err != nil {
		return LoanState{}, d.err
	}
	return st, nil
}

// installment decodes one installment of a snapshot (DecodeSnapshot).
func (d *snapDecoder) installment(in *InstallmentState) {
	in.Number = d.intN()
	d.dates(&in.StartDate, &in.DueDate, &in.accrualFrom)
	d.amounts(&in.PrincipalDue, &in.InterestDue, &in.PrincipalPaid, &in.InterestPaid,
		&in.PenaltyAccrued, &in.PenaltyPaid, &in.CompoundAccrued, &in.CompoundPaid,
		&in.PenaltyWaived, &in.CompoundWaived, &in.InterestWaived,
		&in.gracePenalty, &in.graceCompound, &in.lastPenalty, &in.lastCompound,
		&in.chargedBefore, &in.extraInterest, &in.extraPaid,
		&in.open.penalty, &in.open.compound, &in.open.gracePenalty, &in.open.graceCompound,
		&in.open.lastPenalty, &in.open.lastCompound,
		&in.FeesDue, &in.FeesPaid, &in.FeesWaived, &in.lateFee, &in.prepaymentFee)
	in.balanceDays.Hi = d.uint()
	in.balanceDays.Lo = d.uint()
	in.lateDays.Hi = d.uint()
	in.lateDays.Lo = d.uint()
	d.amounts(&in.lateInterest)
}

// payments decodes a snapshot's payments with their allocation parts
// (DecodeSnapshot).
func (d *snapDecoder) payments() []PaymentResult {
	var payments []PaymentResult
	if n := d.count(); n > 0 {
		payments = make([]PaymentResult, n)
	}
	for i := range payments {
		p := &payments[i]
		p.Seq = d.int()
		d.dates(&p.ValueDate)
		d.amounts(&p.Amount, &p.Prepaid, &p.Credit)
		if n := d.count(); n > 0 {
			p.Parts = make([]AllocationPart, n)
		}
		for j := range p.Parts {
			part := &p.Parts[j]
			part.Installment = d.intN()
			part.Component = Component(d.uint())
			if part.Component < ComponentPrincipal || part.Component > ComponentFees {
				d.fail("component %d", part.Component)
			}
			d.amounts(&part.Amount)
		}
	}
	return payments
}

// snapEncoder appends varints: small numbers, and zero amounts, take one
// byte.
type snapEncoder struct{ b []byte }

func (e *snapEncoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *snapEncoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }

func (e *snapEncoder) bool(v bool) {
	if v {
		e.uint(1)
	} else {
		e.uint(0)
	}
}

func (e *snapEncoder) dates(ds ...Date) {
	for _, d := range ds {
		e.int(int64(d))
	}
}

func (e *snapEncoder) amounts(as ...money.Amount) {
	for _, a := range as {
		e.int(int64(a))
	}
}

// snapDecoder reads what snapEncoder wrote; after the first error every
// read returns zero and err keeps that error.
type snapDecoder struct {
	b   []byte
	err error
}

func (d *snapDecoder) fail(format string, args ...any) {
	if d.err == nil {
		d.err = fmt.Errorf("engine: bad snapshot: "+format, args...)
	}
	d.b = nil
}

func (d *snapDecoder) uint() uint64 {
	v, n := binary.Uvarint(d.b)
	d.skip(n)
	return v
}

func (d *snapDecoder) int() int64 {
	v, n := binary.Varint(d.b)
	d.skip(n)
	return v
}

// skip moves past a varint of n bytes; n <= 0 is binary's report of a
// truncated or overlong one, whose value it gives as 0.
func (d *snapDecoder) skip(n int) {
	if n <= 0 {
		d.fail("truncated or overlong number")
		return
	}
	d.b = d.b[n:]
}

// intN reads an int that must fit 32 bits, as installment numbers do.
func (d *snapDecoder) intN() int {
	v := d.int()
	if v < -1<<31 || v >= 1<<31 {
		d.fail("number %d out of range", v)
		return 0
	}
	return int(v)
}

func (d *snapDecoder) bool() bool {
	switch d.uint() {
	case 0:
		return false
	case 1:
		return true
	}
	d.fail("bad flag")
	return false
}

// count reads a length; every element takes at least one byte, so a
// count beyond the bytes left is refused before anything is allocated.
func (d *snapDecoder) count() int {
	v := d.uint()
	if v > uint64(len(d.b)) {
		d.fail("count %d beyond the %d bytes left", v, len(d.b))
		return 0
	}
	return int(v)
}

func (d *snapDecoder) dates(ds ...*Date) {
	for _, p := range ds {
		v := d.int()
		if v < -1<<31 || v >= 1<<31 {
			d.fail("date %d out of range", v)
			return
		}
		*p = Date(v)
	}
}

func (d *snapDecoder) amounts(as ...*money.Amount) {
	for _, p := range as {
		*p = money.Amount(d.int())
	}
}
