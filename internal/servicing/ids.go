package servicing

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"

	"github.com/loancore/loancore/internal/engine"
)

// newLoanID returns a server-assigned loan id: time-ordered hex with a
// random tail, so ids sort by creation and never collide.
func newLoanID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("L%012x%s", now.UnixMilli(), hex.EncodeToString(b[:]))
}

// newAgreementID returns a server-assigned agreement id that sorts by
// creation time (to the microsecond) and never collides.
func newAgreementID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("AG%014x%s", now.UnixMicro(), hex.EncodeToString(b[:]))
}

// newRunnerID names one run of a business date's close of business
// (store.COBRun.Runner): the time it started and a random tail, so that
// the runs of a date, in any process, never share one.
func newRunnerID(now time.Time) string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return fmt.Sprintf("R%014x%s", now.UnixMicro(), hex.EncodeToString(b[:]))
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

func checkRequestID(e *engine.InvalidError, id string) {
	if !validID(id) {
		e.Add("request_id", "required: 1 to 64 letters, digits or . _ : - (a client-chosen id for retries)")
	}
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
