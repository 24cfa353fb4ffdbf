package grpcapi_test

import (
	"encoding/base64"
	"strconv"
	"testing"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// lister asks one list call for a page of one entry after a token, and
// returns the first entry's id and the next token.
type lister func(token string) (first, next string, err error)

// tokenListers are the five list calls, with two entries each to page
// through (see TestPageTokensAreSigned).
func tokenListers(t *testing.T, c cobClients) map[string]lister {
	return map[string]lister{
		"ListLoans": func(token string) (string, string, error) {
			r, err := c.loans.ListLoans(ctx(t), &loancorev1.ListLoansRequest{PageSize: 1, PageToken: token})
			return firstOf(r.GetLoans(), (*loancorev1.LoanSummary).GetLoanId), r.GetNextPageToken(), err
		},
		"ListLoanEvents": func(token string) (string, string, error) {
			r, err := c.loans.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "PA", PageSize: 1, PageToken: token})
			return firstOf(r.GetEvents(), func(e *loancorev1.LoanEvent) string { return strconv.FormatInt(e.GetSeq(), 10) }), r.GetNextPageToken(), err
		},
		"ListAgreements": func(token string) (string, string, error) {
			r, err := c.restructuring.ListAgreements(ctx(t), &loancorev1.ListAgreementsRequest{PageSize: 1, PageToken: token})
			return firstOf(r.GetAgreements(), (*loancorev1.Agreement).GetLoanId), r.GetNextPageToken(), err
		},
		"ListDueNotices": func(token string) (string, string, error) {
			r, err := c.cob.ListDueNotices(ctx(t), &loancorev1.ListDueNoticesRequest{FromDate: "2024-05-12", PageSize: 1, PageToken: token})
			return firstOf(r.GetNotices(), (*loancorev1.DueNotice).GetNoticeId), r.GetNextPageToken(), err
		},
		"ListDelinquentLoans": func(token string) (string, string, error) {
			r, err := c.cob.ListDelinquentLoans(ctx(t), &loancorev1.ListDelinquentLoansRequest{PageSize: 1, PageToken: token})
			return firstOf(r.GetLoans(), (*loancorev1.DelinquentLoan).GetLoanId), r.GetNextPageToken(), err
		},
	}
}

func firstOf[T any](list []T, id func(T) string) string {
	if len(list) == 0 {
		return ""
	}
	return id(list[0])
}

// altered returns token with one bit of its i-th byte (from the end when
// i is negative) flipped.
func altered(t *testing.T, token string, i int) string {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		t.Fatalf("token %q is not base64url: %v", token, err)
	}
	if i < 0 {
		i += len(b)
	}
	b[i] ^= 1
	return base64.RawURLEncoding.EncodeToString(b)
}

// TestPageTokensAreSigned: every list's page token leads to the next page,
// and one the server did not issue — the base64 of an id as tokens used
// to be, a token with its position or signature altered, another list's
// token for the same position — is INVALID_ARGUMENT page_token "not a
// token this server issued", on both stores.
func TestPageTokensAreSigned(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		// Two overdue loans, each with a proposed agreement, closed on
		// 2024-05-12, three days before an installment of each is due:
		// two entries in every list.
		for _, id := range []string{"PA", "PB"} {
			create(t, c.loans, id)
			if _, err := c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "prop-" + id, LoanId: id,
				Changes: &loancorev1.RestructuringChanges{TermExtension: &loancorev1.TermExtension{ExtraInstallments: 3}}}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := runCOB(t, c, "2024-05-12"); err != nil {
			t.Fatal(err)
		}
		tokens := map[string]string{}
		for name, list := range tokenListers(t, c) {
			first, next, err := list("")
			if err != nil || first == "" || next == "" {
				t.Fatalf("%s: first page %q, next %q, %v", name, first, next, err)
			}
			second, _, err := list(next)
			if err != nil || second == "" || second == first {
				t.Fatalf("%s: second page %q after %q, %v", name, second, first, err)
			}
			tokens[name] = next
			for what, bad := range map[string]string{
				"an id in base64":   base64.RawURLEncoding.EncodeToString([]byte("PA")),
				"a bare seq":        "1",
				"position altered":  altered(t, next, 1),
				"signature altered": altered(t, next, -1),
				"version altered":   altered(t, next, 0),
				"not base64":        "!!",
				"truncated":         next[:len(next)-2],
			} {
				t.Run(name+"/"+what, func(t *testing.T) {
					_, _, err := list(bad)
					wantFieldViolation(t, err, "page_token", "not a token this server issued")
				})
			}
		}
		// ListLoans and ListDelinquentLoans page after the same loan id,
		// and yet neither's token is the other's.
		if _, _, err := tokenListers(t, c)["ListDelinquentLoans"](tokens["ListLoans"]); err == nil {
			t.Fatal("a ListLoans token was accepted by ListDelinquentLoans")
		} else {
			wantFieldViolation(t, err, "page_token", "not a token this server issued")
		}
	})
}
