// Package loancore is the Go client of loancore: a connection with its
// credentials (TLS, mutual TLS, a bearer token), the generated service
// clients of loancore.v1 on it, request ids filled in when left empty,
// and the error details loand sends (google.rpc.BadRequest's fields,
// PreconditionFailure's reason) read back as an *Error.
//
// The messages and service clients themselves are the generated package
// github.com/loancore/loancore/gen/loancore/v1; this package only
// connects them:
//
//	lc, err := loancore.Connect("loancore.bank.example:50051", loancore.Options{
//		Token: os.Getenv("LOANCORE_TOKEN"),
//		TLS:   &tls.Config{RootCAs: pool},
//	})
//	…
//	loan, err := lc.Loans.GetLoan(ctx, &loancorev1.GetLoanRequest{LoanId: "LN-1"})
//	if e, ok := loancore.AsError(err); ok {
//		fmt.Println(e.Code, e.Fields["loan_id"])
//	}
//
// Amounts and rates are decimal strings on the wire and stay strings
// here: parse them with an exact decimal type, never a float.
package loancore
