package servicing

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// TestTermsMemoChangesNoPosition folds loans of three terms documents,
// each twice, through one memo and through none: the positions are the
// same, so a document decoded once serves every loan that has it, and a
// loan never takes another document's terms.
func TestTermsMemoChangesNoPosition(t *testing.T) {
	loans, err := NewLoans(NewLoansParams{Location: time.UTC})
	if err != nil {
		t.Fatal(err)
	}
	c := NewClose(NewCloseParams{Loans: loans})
	memo := &termsMemo{}
	d := engine.DateOf(2024, 1, 15).AddMonths(11) - 1
	for round := range 2 {
		for months := 10; months <= 12; months++ {
			terms := monthlyTerms(months)
			terms.HasPenalty, terms.Penalty = true, engine.PenaltyPolicy{GraceDays: 3, CompoundOverdueInterest: true}
			doc, err := encodeTerms(terms, "")
			if err != nil {
				t.Fatal(err)
			}
			disb := terms.DisbursementDate.String()
			cl := store.COBLoan{Loan: store.LoanRecord{LoanID: "L", BorrowerID: "B", Currency: "CNY", Terms: doc, Status: store.StatusActive, Version: 2},
				PrevAsOf: engine.NoDate, Events: []store.EventRecord{
					{LoanID: "L", Seq: 1, Kind: store.KindOrigination, ValueDate: disb},
					{LoanID: "L", Seq: 2, Kind: store.KindDisbursement, ValueDate: disb, Amount: "12000.00"}}}
			want, err := c.position(context.Background(), cl, d, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := c.position(context.Background(), cl, d, memo)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("round %d, %d months: with the memo %+v, without %+v", round, months, got, want)
			}
		}
	}
	if len(memo.m) != 3 {
		t.Errorf("memo holds %d documents, want 3", len(memo.m))
	}
}
