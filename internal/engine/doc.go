// Package engine is the pure core of loancore: every figure about a loan,
// computed exactly from its contract terms, its event log and a date.
// It builds repayment schedules and discloses their APR, folds a loan's
// events (payments, reversals, waivers, write-offs, tranches, restructuring
// agreements) into its state as of a date, accrues penalty and compound
// interest, ages an overdue loan into delinquency buckets and risk
// classes, and quotes restructuring agreements before they are signed.
//
// The package does no I/O, never reads the clock (dates are passed in), takes
// no context and uses no binary floating point: amounts are integer minor
// units (money.Amount), rates are scaled decimal percentages (money.Rate),
// and every division rounds at a named point with the contract's mode.
package engine
