package engine

import "github.com/loancore/loancore/internal/money"

// DeriveInstallmentCount sets InstallmentCount from InstallmentAmount, the
// level installment a borrower chose ("1,000 a month until it is paid"):
// the number of installments at that level until the balance is repaid,
// the last one taking what remains (so it is at most the level). It does
// nothing without an InstallmentAmount. The count is found by building the
// rows at the level, the way the schedule itself will be built, so the two
// cannot disagree about rounding or odd periods.
func (t *Terms) DeriveInstallmentCount() error {
	if t.InstallmentAmount == 0 {
		return nil
	}
	var e InvalidError
	switch {
	case t.InstallmentAmount < 0 || t.InstallmentAmount > money.MaxAmount:
		e.Add("installment_amount", "must be greater than zero and at most %s", money.MaxAmount.Format(t.Currency))
	case t.Method != EqualInstallment:
		e.Add("installment_amount", "only with EQUAL_INSTALLMENT, whose installments are level")
	}
	if err := e.Err(); err != nil {
		return err
	}
	// Everything but the count must be sound before rows can be built.
	probe := *t
	probe.InstallmentCount = 1
	if err := probe.Validate(); err != nil {
		return err
	}
	probe.InstallmentCount = MaxInstallments
	rows, _ := buildRows(&probe, segment{start: t.DisbursementDate, principal: t.Principal,
		count: MaxInstallments, oddFirst: t.HasOddFirstPeriod(), level: t.InstallmentAmount})
	given := t.InstallmentCount
	for k, in := range rows {
		// The probe's last row takes the whole balance whatever the level;
		// it only counts if it fits in the level like the others.
		if in.BalanceAfter == 0 && in.Total <= t.InstallmentAmount {
			// A count may be given only as the one the amount makes (a
			// loan's terms sent back as they were shown).
			if given != 0 && given != k+1 {
				e.Add("installment_count", "leave it 0 with installment_amount: the count follows from the amount (%d)", k+1)
				return e.Err()
			}
			t.InstallmentCount = k + 1
			return nil
		}
	}
	e.Add("installment_amount", "too small: it would take more than %d installments to repay the principal", MaxInstallments)
	return e.Err()
}
