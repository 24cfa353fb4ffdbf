package sqlite

import "strings"

// A listing's statement names only the filters its query sets: one text
// for each set of filters, so that SQLite, which plans a statement when
// it is prepared, before its arguments are bound, reads each by the index
// that serves it (a borrower's loans by loans_borrower_idx, a loan's
// actions by actions_loan_idx). A term that tests its own parameter
// ("? = '' OR borrower_id = ?") was planned as a scan of the whole table
// in key order, for one borrower's page too (TestListingPlans).

// listing is a listing statement's WHERE terms and their arguments.
type listing struct {
	terms []string
	args  []any
}

// and adds term with the arguments of its parameters.
func (l *listing) and(term string, args ...any) {
	l.terms = append(l.terms, term)
	l.args = append(l.args, args...)
}

// in adds "column IN (…)" of values.
func (l *listing) in(column string, values []string) {
	l.terms = append(l.terms, in(column, len(values)))
	l.args = appendStrings(l.args, values)
}

// status is the status column of a listing, written so that SQLite does
// not read it by its index when narrow, a borrower's or a loan's key, is
// in the statement too (a unary plus: see SQLite's "The SQLite Query
// Optimizer Overview"): without statistics it may take the status's
// index, and walk every active loan to find one borrower's.
func status(narrow bool, column string) string {
	if narrow {
		return "+" + column
	}
	return column
}

// ofLoan is the listing of a loan's records (actions, agreements) by
// their key after after, of loanID and statuses when set.
func ofLoan(key, after, loanID string, statuses []string) listing {
	var q listing
	q.and(key+" > ?", after)
	if loanID != "" {
		q.and("loan_id = ?", loanID)
	}
	if len(statuses) > 0 {
		q.in(status(loanID != "", "status"), statuses)
	}
	return q
}

// sql is the statement: head, the terms, ordered by key, limit rows.
func (l *listing) sql(head, key string, limit int) string {
	l.args = append(l.args, limit)
	return head + " WHERE " + strings.Join(l.terms, " AND ") + " ORDER BY " + key + " LIMIT ?"
}
