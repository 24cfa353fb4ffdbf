package postgres

import (
	"strconv"
	"strings"
)

// A listing's statement names only the filters its query sets: one text
// for each set of filters, each planned with the index that serves it (a
// borrower's loans by loans_borrower_idx, a loan's actions by
// actions_loan_idx). A term that tests its own parameter ("$2 = '' OR
// borrower_id = $2") leaves the choice to the value, which a generic
// plan, cached per connection, does not know: its plan read the whole
// table in key order for one borrower's page (TestListingPlans).

// listing is a listing statement's WHERE terms and their arguments.
type listing struct {
	terms []string
	args  []any
}

// and adds term, whose parameters are written $?, with their arguments
// in order.
func (l *listing) and(term string, args ...any) {
	for _, a := range args {
		l.args = append(l.args, a)
		term = strings.Replace(term, "$?", "$"+strconv.Itoa(len(l.args)), 1)
	}
	l.terms = append(l.terms, term)
}

// ofLoan is the listing of a loan's records (actions, agreements) by
// their key after after, of loanID and statuses when set.
func ofLoan(key, after, loanID string, statuses []string) listing {
	var q listing
	q.and(key+" > $?", after)
	if loanID != "" {
		q.and("loan_id = $?", loanID)
	}
	if len(statuses) > 0 {
		q.and("status = ANY($?)", statuses)
	}
	return q
}

// sql is the statement: head, the terms, ordered by key, limit rows.
func (l *listing) sql(head, key string, limit int) string {
	l.args = append(l.args, limit)
	return head + " WHERE " + strings.Join(l.terms, " AND ") + " ORDER BY " + key + " LIMIT $" + strconv.Itoa(len(l.args))
}
