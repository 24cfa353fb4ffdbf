package grpcapi

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store/sqlite"
)

// BenchmarkRepaymentAnswer times what loancore spends on a repayment's
// answer in the two processes that handle it: loand rendering and
// encoding it, the caller decoding it. The loan is the one make
// bench-payments pays (100,000,000 CNY, 12 months, one payment in), with
// and without a penalty policy; LOAN_VIEW_BASIC, the answer without the
// installments and terms, is the baseline beside the full view. answer-B
// is the encoded size.
func BenchmarkRepaymentAnswer(b *testing.B) {
	for _, penalty := range []bool{false, true} {
		r := benchRepayment(b, penalty)
		for _, view := range []loancorev1.LoanView{loancorev1.LoanView_LOAN_VIEW_FULL, loancorev1.LoanView_LOAN_VIEW_BASIC} {
			name := map[bool]string{false: "plain", true: "penalty"}[penalty] + "/" + view.String()
			b.Run(name, func(b *testing.B) {
				b.ReportAllocs()
				var size int
				for b.Loop() {
					wire, err := proto.Marshal(repaymentToProto(r, view))
					if err != nil {
						b.Fatal(err)
					}
					var got loancorev1.RecordRepaymentResponse
					if err := proto.Unmarshal(wire, &got); err != nil {
						b.Fatal(err)
					}
					size = len(wire)
				}
				b.ReportMetric(float64(size), "answer-B")
			})
		}
	}
}

// benchRepayment makes a loan on a throwaway SQLite store and pays into
// it once, returning the payment's result.
func benchRepayment(b *testing.B, penalty bool) servicing.RepaymentResult {
	b.Helper()
	ctx := context.Background()
	db, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = db.Close() })
	if _, err := db.Migrate(ctx); err != nil {
		b.Fatal(err)
	}
	now := time.Date(2024, 2, 20, 2, 0, 0, 0, time.UTC)
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: db, Now: func() time.Time { return now }})
	if err != nil {
		b.Fatal(err)
	}
	pb := &loancorev1.LoanTerms{Currency: "CNY", Principal: "100000000", AnnualRatePercent: "4.35", InstallmentCount: 12,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2024-01-15"}
	if penalty {
		pb.Penalty = &loancorev1.PenaltyPolicy{CompoundOverdueInterest: true, GraceDays: 3}
	}
	var p parser
	terms := p.terms("terms.", pb)
	if err := p.err("terms.", &terms); err != nil {
		b.Fatal(err)
	}
	if _, err := loans.CreateLoan(ctx, servicing.CreateLoanParams{RequestID: "create", RequestHash: "h", LoanID: "BENCH-1",
		BorrowerID: "bench", Terms: terms, Actor: "bench"}); err != nil {
		b.Fatal(err)
	}
	paid, err := engine.ParseDate("2024-02-15")
	if err != nil {
		b.Fatal(err)
	}
	r, err := loans.RecordRepayment(ctx, servicing.RecordRepaymentParams{RequestID: "pay", RequestHash: "h", LoanID: "BENCH-1",
		Amount: "1.00", ValueDate: paid, Actor: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	return r
}
