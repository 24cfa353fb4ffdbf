// Command floord is the floor of make bench-payments: it answers
// loancore.v1.LoanService/RecordRepayment with the store write a repayment
// costs loand (postgres.Store.AppendEvent: the same statement, table and
// indexes) and nothing else: no validation, no fold, no allocation, no
// loan in the answer. Driven by the same client next to loand, it shows
// what the gRPC hop and the durable write cost by themselves, so that
// loand's figure minus floord's is loancore's own work per repayment.
// With -cold it is the floor of loand's cold path (--cached-loans 0):
// before each append it loads the loan with loand's statement (the loan's
// row, its latest snapshot and the events after it) and stores a
// snapshot of loand's size every 8 events read, and still decodes,
// folds and validates nothing.
// It serves CreateLoan (one origination event) and ListLoans by borrower
// so that bench/loadpay can set up its loans; it is not a loan server.
// It lives under bench/, not cmd/: it is a measuring baseline and does not
// ship.
package main
