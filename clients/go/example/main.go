// Command example books a loan, pays an installment and reads a refusal's
// fields through loancore's Go client: the example of docs/clients.md, run
// against `make run`.
package main

import (
	"context"
	"fmt"
	"log"
	"os"

	"github.com/loancore/loancore/clients/go/loancore"
	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

func main() {
	// make run is dev mode: plaintext on loopback, no token. In production:
	// loancore.Options{Token: apiKey, TLS: &tls.Config{RootCAs: pool}}.
	addr := "localhost:50051"
	if a := os.Getenv("LOANCORE_ADDRESS"); a != "" {
		addr = a
	}
	lc, err := loancore.Connect(addr, loancore.Options{})
	if err != nil {
		log.Fatal(err)
	}
	defer lc.Close()
	ctx := context.Background()
	created, err := lc.Loans.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: "create-GO-1", LoanId: "GO-1", BorrowerId: "B-1",
		Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "24000", AnnualRatePercent: "9.6", InstallmentCount: 12,
			Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2026-01-05"}})
	if err != nil {
		log.Fatal(err)
	}
	first := created.GetLoan().GetInstallments()[0]
	fmt.Println("first installment:", first.GetPrincipalDue(), first.GetInterestDue()) // 1913.52 192.00

	paid, err := lc.Loans.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: "pay-GO-1-1", LoanId: "GO-1",
		Amount: "2105.52", ValueDate: "2026-02-05"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("paid, seq", paid.GetSeq()) // 3

	// No request id: the client makes one. A typo in the amount:
	_, err = lc.Loans.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{LoanId: "GO-1", Amount: "21O5.52", ValueDate: "2026-03-05"})
	if e, ok := loancore.AsError(err); ok {
		fmt.Println("refused:", e.Code, e.Fields["amount"]) // InvalidArgument …
	}
}
