package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/postgres"
)

// benchT0 is when the benchmarks' loans are booked.
var benchT0 = time.Date(2024, 1, 15, 2, 0, 0, 0, time.UTC)

// openBenchStore opens a store on a throwaway database, closed when the
// benchmark ends.
func openBenchStore(b *testing.B, url string) *postgres.Store {
	b.Helper()
	s, err := postgres.Open(context.Background(), url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	return s
}

// bookBenchLoans books n loans named prefix0 … prefix(n−1) with terms and
// their origination event, version 1 each, and returns their ids.
func bookBenchLoans(b *testing.B, s *postgres.Store, prefix string, n int, terms string) []string {
	b.Helper()
	ids := make([]string, n)
	for i := range ids {
		id := fmt.Sprintf("%s%d", prefix, i)
		ids[i] = id
		err := s.CreateLoan(context.Background(), store.NewLoanRecord{
			Loan:    store.LoanRecord{LoanID: id, BorrowerID: "B", Currency: "CNY", Status: "ACTIVE", CreatedAt: benchT0, Terms: []byte(terms)},
			Events:  []store.EventRecord{{LoanID: id, Seq: 1, Kind: "ORIGINATION", ValueDate: "2024-01-15", RecordedAt: benchT0, RequestID: "c-" + id, Actor: "api"}},
			Request: store.RequestRecord{RequestID: "c-" + id, Method: "CreateLoan", RequestHash: "h", LoanID: id, Seq: 1, RecordedAt: benchT0}})
		if err != nil {
			b.Fatal(err)
		}
	}
	return ids
}

// benchTerms is a 12,000 CNY loan's terms document, installments as given.
func benchTerms(installments int) string {
	return fmt.Sprintf(`{"currency": "CNY", "principal": "12000.00", "annual_rate_percent": "12", "installment_count": %d}`, installments)
}
