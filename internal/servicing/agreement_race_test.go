package servicing_test

import (
	"context"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// betweenBatches is a store that runs a function once, before the
// second batch of agreements a listing reads, after the first batch's
// loans were read: the moment another process's proposal can land in the
// middle of a listing.
type betweenBatches struct {
	store.Store
	batches int
	then    func()
}

func (s *betweenBatches) ListAgreements(ctx context.Context, q store.AgreementQuery) ([]store.AgreementRecord, error) {
	if s.batches++; s.batches == 2 && s.then != nil {
		s.then()
		s.then = nil
	}
	return s.Store.ListAgreements(ctx, q)
}

// TestListAgreementsWhileProposing: ListAgreements(EXPIRED) reads its
// rows in batches and each loan's log once. An agreement proposed on a
// loan after its log was read, whose row comes in a later batch, is found
// in a fresh read of that log: it used to be INTERNAL ("agreement … not
// in the log of loan …") nearly every time agreements were being
// proposed during a listing. On both stores.
func TestListAgreementsWhileProposing(t *testing.T) {
	for name, open := range storetest.Stores {
		t.Run(name, func(t *testing.T) {
			db := &betweenBatches{Store: open(t)}
			ctx := context.Background()
			now := time.Date(2024, 8, 1, 4, 0, 0, 0, time.UTC)
			clock := func() time.Time { now = now.Add(time.Millisecond); return now }
			loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: clock, Location: time.UTC})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "c", RequestHash: "c", LoanID: "L", BorrowerID: "B",
				Terms: servicing.MonthlyTerms(12)}); err != nil {
				t.Fatal(err)
			}
			propose := func(id string, expires engine.Date) {
				t.Helper()
				if _, err := loans.ProposeAgreement(ctx, servicing.ProposeAgreementParams{RequestID: id, RequestHash: id, LoanID: "L",
					Changes:   servicing.ChangesInput{Changes: engine.Changes{TermExtension: &engine.TermExtension{ExtraInstallments: 3}}},
					ExpiresOn: expires}); err != nil {
					t.Fatal(err)
				}
			}
			// The first expires on 2 August, the second runs to the 20th.
			propose("p1", engine.DateOf(2024, 8, 2))
			propose("p2", engine.DateOf(2024, 8, 20))
			now = time.Date(2024, 8, 5, 4, 0, 0, 0, time.UTC)
			// A page of one EXPIRED agreement reads two rows a batch: p1
			// (expired; L's log is read) and p2 (not), then another batch,
			// which by then holds p3, proposed in between.
			db.batches, db.then = 0, func() { propose("p3", engine.DateOf(2024, 8, 30)) }
			got, next, err := loans.ListAgreements(ctx, servicing.ListAgreementsParams{Status: servicing.AgreementExpired, PageSize: 1})
			if err != nil || len(got) != 1 || got[0].Status != servicing.AgreementExpired || next != "" {
				t.Fatalf("expired agreements: %+v, %q, %v", got, next, err)
			}
			if db.then != nil {
				t.Fatal("nothing was proposed during the listing")
			}
			all, _, err := loans.ListAgreements(ctx, servicing.ListAgreementsParams{})
			if err != nil || len(all) != 3 {
				t.Fatalf("all agreements: %d, %v", len(all), err)
			}
		})
	}
}
