package engine

import "github.com/loancore/loancore/internal/money"

// WaiverResult is how the fold applied one waiver: what it actually
// forgave, which is at most what it asked for and what was unpaid.
type WaiverResult struct {
	Seq       int64
	ValueDate Date
	Penalty   money.Amount
	Compound  money.Amount
	Interest  money.Amount
	Fees      money.Amount
}

// waive forgives what a waiver asks of the installments due by its value
// date, each component oldest due first, never more than is unpaid.
func (st *LoanState) waive(e Event) {
	res := st.forgive(e.WaivePenalty, e.WaiveCompound, e.WaiveInterest, e.ValueDate, false)
	res.Fees = st.forgiveFees(e.WaiveFees, e.ValueDate)
	res.Seq = e.Seq
	if st.PaidOffDate == NoDate && st.settled() {
		st.PaidOffDate = e.ValueDate
	}
	st.Waivers = append(st.Waivers, res)
}

// forgive waives up to the amounts of what is unpaid on the installments
// due by date, each component oldest due first, and returns what it
// forgave.
// With allRows, penalty and compound interest an agreement carried onto
// rows not yet due are forgiven too.
func (st *LoanState) forgive(pen, comp, inter money.Amount, date Date, allRows bool) WaiverResult {
	res := WaiverResult{ValueDate: date}
	// A negative request forgives nothing rather than adding to the debt.
	pen, comp, inter = max(0, pen), max(0, comp), max(0, inter)
	for i := range st.Installments {
		in := &st.Installments[i]
		due := in.DueDate <= date
		if !due && !allRows {
			break
		}
		w := min(pen, in.unpaidPenalty())
		in.PenaltyWaived += w
		pen -= w
		res.Penalty += w
		w = min(comp, in.unpaidCompound())
		in.CompoundWaived += w
		comp -= w
		res.Compound += w
		if !due {
			// Interest not yet due is not overdue: it is not waived.
			continue
		}
		w = min(inter, in.unpaidInterest())
		in.InterestWaived += w
		inter -= w
		res.Interest += w
	}
	return res
}

// forgiveFees waives up to amount of the fees unpaid on the installments
// due by date, oldest due first, and returns what it forgave. Fees of
// installments not yet due are not owed, so not waived.
func (st *LoanState) forgiveFees(amount money.Amount, date Date) money.Amount {
	amount = max(0, amount)
	var total money.Amount
	for i := range st.Installments {
		in := &st.Installments[i]
		if in.DueDate > date {
			break
		}
		w := min(amount, in.unpaidFees())
		in.FeesWaived += w
		amount -= w
		total += w
	}
	return total
}
