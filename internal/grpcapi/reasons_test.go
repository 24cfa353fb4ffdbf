package grpcapi_test

import (
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestEveryReasonIsDocumented: the proto, which is what other teams read,
// names every FAILED_PRECONDITION reason the server can give.
func TestEveryReasonIsDocumented(t *testing.T) {
	files, err := filepath.Glob("../../proto/loancore/v1/*.proto")
	if err != nil || len(files) == 0 {
		t.Fatalf("no proto files: %v", err)
	}
	var comments strings.Builder
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "//") {
				comments.WriteString(line + "\n")
			}
		}
	}
	for _, r := range servicing.Reasons() {
		if !strings.Contains(comments.String(), string(r)) {
			t.Errorf("reason %s is documented in no comment of proto/loancore/v1", r)
		}
	}
}

// reasonHarness is one SQLite store served by loand's API under several
// restructuring policies that share a clock, and the reasons the test saw.
type reasonHarness struct {
	t    *testing.T
	db   store.Store
	clk  *clock
	seen map[string]bool
	// api serves the default policy; deferral needs 2 installments of a
	// plan paid on time before another deferral; strict allows one
	// agreement per loan and freeze plans of 12 installments.
	api, deferral, strict cobClients
}

// serve starts a server with the policy over the harness's store.
func (h *reasonHarness) serve(policy servicing.RestructuringPolicy) cobClients {
	t := h.t
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: h.db, Now: h.clk.Now, Location: shanghai, Restructuring: policy})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := grpcapi.NewServer(grpcapi.Options{Logger: quiet, Loans: loans, Dev: true, CreditLines: servicing.NewCreditLines(loans, h.db),
		Close: servicing.NewClose(servicing.NewCloseParams{Store: h.db, Loans: loans, Logger: quiet})})
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return cobClients{loans: loancorev1.NewLoanServiceClient(conn), cob: loancorev1.NewCloseOfBusinessServiceClient(conn),
		restructuring: loancorev1.NewRestructuringServiceClient(conn), lines: loancorev1.NewCreditLineServiceClient(conn), clk: h.clk, conn: conn}
}

// refused checks that err is FAILED_PRECONDITION with the reason want.
func (h *reasonHarness) refused(want servicing.Reason, err error) {
	h.t.Helper()
	if got := preconditionReason(h.t, err); got != string(want) {
		h.t.Errorf("reason %s, want %s", got, want)
	}
	if got, subject := preconditionSubject(h.t, err), subjectOf(want); got != subject {
		h.t.Errorf("reason %s: subject %q, want %q", want, got, subject)
	}
	h.seen[string(want)] = true
}

// subjectOf is the aggregate a refusal for a reason names, as the proto
// comments document it: the credit line for a line's reasons, close of
// business for its runs', the quote's terms for an APR above the maximum
// (a quote has no aggregate), the loan for the rest (agreements and
// four-eyes actions live in their loan's log).
func subjectOf(r servicing.Reason) string {
	switch {
	case r == "APR_ABOVE_MAXIMUM":
		return "terms"
	case strings.HasPrefix(string(r), "CREDIT_LINE_") || r == "LIMIT_EXCEEDED":
		return "credit_line"
	case strings.HasPrefix(string(r), "COB_"):
		return "close_of_business"
	}
	return "loan"
}

// preconditionSubject is the subject of a FAILED_PRECONDITION's
// violation.
func preconditionSubject(t *testing.T, err error) string {
	t.Helper()
	for _, d := range status.Convert(err).Details() {
		if pf, ok := d.(*errdetails.PreconditionFailure); ok && len(pf.GetViolations()) > 0 {
			return pf.GetViolations()[0].GetSubject()
		}
	}
	return ""
}

// TestEveryReasonIsReachable: every FAILED_PRECONDITION reason of
// servicing.Reasons is what some call through the API answers, with the
// reason in a google.rpc.PreconditionFailure; a reason no scenario
// reaches fails the test.
func TestEveryReasonIsReachable(t *testing.T) {
	h := &reasonHarness{t: t, db: storetest.Stores["sqlite"](t), clk: &clock{now: testNow}, seen: map[string]bool{}}
	h.api = h.serve(servicing.RestructuringPolicy{})
	h.deferral = h.serve(servicing.RestructuringPolicy{MinOnTimeBetweenDeferrals: 2})
	h.strict = h.serve(servicing.RestructuringPolicy{MaxAgreementsPerLoan: 1, MaxFreezeInstallments: 12})
	_, err := h.api.cob.ListDelinquentLoans(ctx(t), &loancorev1.ListDelinquentLoansRequest{})
	h.refused(servicing.ReasonCOBNeverRan, err)
	paymentReasons(h)
	operatorReasons(h)
	agreementReasons(h)
	planReasons(h)
	closeOfBusinessReasons(h)
	fourEyesReasons(h)
	creditLineReasons(h)
	trancheReasons(h)
	aprReasons(h)
	for _, r := range servicing.Reasons() {
		if !h.seen[string(r)] {
			t.Errorf("no scenario reaches reason %s", r)
		}
	}
}

// paymentReasons: overpaying, paying a paid-off loan, reversing twice and
// reversing what is not a repayment.
func paymentReasons(h *reasonHarness) {
	t, c := h.t, h.api
	setToday(h.clk, "2024-02-01")
	create(t, c.loans, "R-PAY")
	_, err := c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "R-PAY-1", LoanId: "R-PAY", Amount: "99999"})
	h.refused(servicing.ReasonPaymentExceedsPayoff, err)
	payoff, err := c.loans.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "R-PAY"})
	if err != nil {
		t.Fatal(err)
	}
	repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "R-PAY-2", LoanId: "R-PAY", Amount: payoff.GetTotal()})
	_, err = c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "R-PAY-3", LoanId: "R-PAY", Amount: "1"})
	h.refused(servicing.ReasonLoanPaidOff, err)

	create(t, c.loans, "R-REV")
	paid := repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "R-REV-1", LoanId: "R-REV", Amount: "100"})
	reverse := func(id string, seq int64) error {
		_, err := c.loans.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: id, LoanId: "R-REV", Seq: seq, Reason: "test"})
		return err
	}
	if err := reverse("R-REV-2", paid.GetSeq()); err != nil {
		t.Fatal(err)
	}
	h.refused(servicing.ReasonAlreadyReversed, reverse("R-REV-3", paid.GetSeq()))
	h.refused(servicing.ReasonNotARepayment, reverse("R-REV-4", 1))
}

// operatorReasons: waiving more than is owed, writing off twice, and
// restructuring a written-off loan.
func operatorReasons(h *reasonHarness) {
	t, c := h.t, h.api
	setToday(h.clk, "2024-03-01")
	create(t, c.loans, "R-OP")
	_, err := c.loans.WaiveAmounts(ctx(t), &loancorev1.WaiveAmountsRequest{RequestId: "R-OP-1", LoanId: "R-OP", Penalty: "1.00", Reason: "test"})
	h.refused(servicing.ReasonWaiverExceedsOwed, err)
	writeOff := func(id string) error {
		_, err := c.loans.WriteOffLoan(ctx(t), &loancorev1.WriteOffLoanRequest{RequestId: id, LoanId: "R-OP", Reason: "test"})
		return err
	}
	if err := writeOff("R-OP-2"); err != nil {
		t.Fatal(err)
	}
	h.refused(servicing.ReasonAlreadyWrittenOff, writeOff("R-OP-3"))
	_, err = c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "R-OP", Changes: extension(2)})
	h.refused(servicing.ReasonLoanWrittenOff, err)
}

// extension is a term extension of n installments.
func extension(n int32) *loancorev1.RestructuringChanges {
	return &loancorev1.RestructuringChanges{TermExtension: &loancorev1.TermExtension{ExtraInstallments: n}}
}

// propose proposes changes to a loan effective today and returns the
// agreement.
func propose(h *reasonHarness, c cobClients, loanID, requestID string, changes *loancorev1.RestructuringChanges, expiresOn string) *loancorev1.Agreement {
	h.t.Helper()
	r, err := c.restructuring.ProposeAgreement(ctx(h.t), &loancorev1.ProposeAgreementRequest{RequestId: requestID, LoanId: loanID,
		Changes: changes, ExpiresOn: expiresOn, Reason: "test"})
	if err != nil {
		h.t.Fatal(err)
	}
	return r.GetAgreement()
}

// accept and cancel sign or withdraw an agreement.
func accept(h *reasonHarness, c cobClients, requestID, agreementID string) error {
	_, err := c.restructuring.AcceptAgreement(ctx(h.t), &loancorev1.AcceptAgreementRequest{RequestId: requestID, AgreementId: agreementID, SignedBy: "B1"})
	return err
}

func cancel(h *reasonHarness, c cobClients, requestID, agreementID string) error {
	_, err := c.restructuring.CancelAgreement(ctx(h.t), &loancorev1.CancelAgreementRequest{RequestId: requestID, AgreementId: agreementID, Reason: "test"})
	return err
}

// agreementReasons: what an agreement's status or a signed agreement
// forbids, and a quote gone stale.
func agreementReasons(h *reasonHarness) {
	t, c := h.t, h.api
	restructuringLoan(t, c, "R-AG", false)
	a := propose(h, c, "R-AG", "R-AG-propose", extension(3), "")
	if err := accept(h, c, "R-AG-accept", a.GetAgreementId()); err != nil {
		t.Fatal(err)
	}
	_, err := c.loans.ReverseRepayment(ctx(t), &loancorev1.ReverseRepaymentRequest{RequestId: "R-AG-r", LoanId: "R-AG", Seq: 3, Reason: "test"})
	h.refused(servicing.ReasonAgreementSigned, err)
	_, err = c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "R-AG", Changes: extension(2)})
	h.refused(servicing.ReasonAgreementActive, err)
	h.refused(servicing.ReasonAgreementActive, cancel(h, c, "R-AG-cancel", a.GetAgreementId()))

	restructuringLoan(t, c, "R-CA", false)
	a = propose(h, c, "R-CA", "R-CA-propose", extension(3), "")
	if err := cancel(h, c, "R-CA-cancel", a.GetAgreementId()); err != nil {
		t.Fatal(err)
	}
	h.refused(servicing.ReasonAgreementCancelled, accept(h, c, "R-CA-accept", a.GetAgreementId()))

	restructuringLoan(t, c, "R-EX", false)
	a = propose(h, c, "R-EX", "R-EX-propose", extension(3), "2024-08-01")
	setToday(h.clk, "2024-08-02")
	h.refused(servicing.ReasonAgreementExpired, accept(h, c, "R-EX-accept", a.GetAgreementId()))

	restructuringLoan(t, c, "R-QS", false)
	a = propose(h, c, "R-QS", "R-QS-propose", extension(3), "")
	repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "R-QS-1", LoanId: "R-QS", Amount: "100"})
	h.refused(servicing.ReasonQuoteStale, accept(h, c, "R-QS-accept", a.GetAgreementId()))

	restructuringLoan(t, c, "R-CP", false)
	freeze := &loancorev1.RestructuringChanges{InterestFreezePlan: &loancorev1.InterestFreezePlan{InstallmentCount: 2, FirstDueDate: "2024-09-01"}}
	a = propose(h, c, "R-CP", "R-CP-propose", freeze, "")
	if err := accept(h, c, "R-CP-accept", a.GetAgreementId()); err != nil {
		t.Fatal(err)
	}
	for _, row := range a.GetQuote().GetInstallments() {
		setToday(h.clk, row.GetDueDate())
		repay(t, c.loans, &loancorev1.RecordRepaymentRequest{RequestId: "R-CP-" + row.GetDueDate(), LoanId: "R-CP", Amount: row.GetTotal()})
	}
	h.refused(servicing.ReasonAgreementCompleted, cancel(h, c, "R-CP-cancel", a.GetAgreementId()))
}

// planReasons: the policy's limits on plans, and a deferral signed under
// the deferral policy for close of business to break.
func planReasons(h *reasonHarness) {
	t, c := h.t, h.api
	restructuringLoan(t, c, "R-ME", false)
	_, err := c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "R-ME", Changes: extension(60)})
	h.refused(servicing.ReasonMaxExtensionMonths, err)
	freeze := &loancorev1.RestructuringChanges{InterestFreezePlan: &loancorev1.InterestFreezePlan{InstallmentCount: 24, FirstDueDate: "2024-09-01"}}
	_, err = h.strict.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "R-ME", Changes: freeze})
	h.refused(servicing.ReasonMaxFreezeInstallments, err)

	// A loan on the actual balance is not restructured, quoted or proposed.
	setToday(h.clk, "2024-03-01")
	if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "R-IR-c", LoanId: "R-IR", BorrowerId: "B1", Terms: recalc12k()}); err != nil {
		t.Fatal(err)
	}
	_, err = c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "R-IR", Changes: extension(2)})
	h.refused(servicing.ReasonInterestRecalculation, err)
	_, err = c.restructuring.ProposeAgreement(ctx(t), &loancorev1.ProposeAgreementRequest{RequestId: "R-IR-p", LoanId: "R-IR", Changes: extension(2), Reason: "test"})
	h.refused(servicing.ReasonInterestRecalculation, err)

	// A BULLET loan with service fees is re-planned on its due dates
	// (issue 20; CHARGES refused it before): an extension is quoted.
	fees := creditCardPlan()
	fees.DisbursementDate = "2024-01-15"
	fees.Method = loancorev1.RepaymentMethod_REPAYMENT_METHOD_BULLET
	if _, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "R-CH-c", LoanId: "R-CH", BorrowerId: "B1", Terms: fees}); err != nil {
		t.Fatal(err)
	}
	// Its one row keeps its 12 × 72.00 and bears 2 × 72.00 more.
	if q, err := c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "R-CH", Changes: extension(2)}); err != nil || q.GetTotalFees() != "1008.00" {
		t.Errorf("extending a BULLET loan with service fees: total_fees %s (%v), want 1008.00", q.GetTotalFees(), err)
	}

	// Nothing is paid on R-EL's new plan: close of business on 10-16 finds
	// the 08-15, 09-15 and 10-15 installments missed and breaks it.
	restructuringLoan(t, h.deferral, "R-EL", false)
	a := propose(h, h.deferral, "R-EL", "R-EL-propose", extension(2), "")
	if err := accept(h, h.deferral, "R-EL-accept", a.GetAgreementId()); err != nil {
		t.Fatal(err)
	}
}

// closeOfBusinessReasons: after the run that breaks R-EL's agreement,
// what a broken agreement and the eligibility rules refuse, and close of
// business's own reasons.
func closeOfBusinessReasons(h *reasonHarness) {
	t, c := h.t, h.api
	setToday(h.clk, "2024-10-20")
	if _, err := runCOB(t, c, "2024-10-16"); err != nil {
		t.Fatal(err)
	}
	agreements, err := c.restructuring.ListAgreements(ctx(t), &loancorev1.ListAgreementsRequest{LoanId: "R-EL"})
	if err != nil || len(agreements.GetAgreements()) != 1 {
		t.Fatalf("R-EL's agreements: %v %v", agreements, err)
	}
	h.refused(servicing.ReasonAgreementBroken, cancel(h, c, "R-EL-cancel", agreements.GetAgreements()[0].GetAgreementId()))
	quote := func(c cobClients) error {
		_, err := c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "R-EL", Changes: extension(2)})
		return err
	}
	h.refused(servicing.ReasonMinOnTimeInstallments, quote(h.deferral))
	h.refused(servicing.ReasonMaxAgreementsPerLoan, quote(h.strict))

	_, err = c.cob.ListDelinquentLoans(ctx(t), &loancorev1.ListDelinquentLoansRequest{AsOf: "2024-10-15"})
	h.refused(servicing.ReasonCOBNotClosed, err)
	_, err = runCOB(t, c, "2024-10-10")
	h.refused(servicing.ReasonCOBOutOfOrder, err)
	// A loan no server wrote (terms it cannot read) cannot be closed.
	now := h.clk.Now()
	if err := h.db.CreateLoan(ctx(t), store.NewLoanRecord{
		Loan:    store.LoanRecord{LoanID: "R-BAD", BorrowerID: "B", Currency: "CNY", Terms: []byte(`{"currency":"CNY"}`), Status: "ACTIVE", CreatedAt: now},
		Events:  []store.EventRecord{{LoanID: "R-BAD", Seq: 1, Kind: store.KindOrigination, ValueDate: "2024-01-15", RecordedAt: now, RequestID: "R-BAD", Actor: "test"}},
		Request: store.RequestRecord{RequestID: "R-BAD", Method: "CreateLoan", RequestHash: "h", LoanID: "R-BAD", Seq: 1, RecordedAt: now},
	}); err != nil {
		t.Fatal(err)
	}
	_, err = runCOB(t, c, "2024-10-17")
	h.refused(servicing.ReasonCOBLoansFailed, err)
}

// fourEyesReasons: the approval of a held call, through a server with
// authentication on, where the admin and the operator are two people:
// approving twice, and approving a write-off of a loan paid off since.
func fourEyesReasons(h *reasonHarness) {
	t := h.t
	f := newAuthFixture(t, "sqlite")
	admin, operator := f.conns["admin"], f.conns["operator"]
	loans := loancorev1.NewLoanServiceClient(admin)
	approvals := loancorev1.NewApprovalServiceClient(operator)
	writeOff := func(loanID string) string {
		t.Helper()
		if _, err := loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-" + loanID, LoanId: loanID, BorrowerId: "B1", Terms: loan12k()}); err != nil {
			t.Fatal(err)
		}
		r, err := loans.WriteOffLoan(ctx(t), &loancorev1.WriteOffLoanRequest{RequestId: "wo-" + loanID, LoanId: loanID, Reason: "test"})
		if err != nil || r.GetPendingAction().GetStatus() != loancorev1.ActionStatus_ACTION_STATUS_PENDING_APPROVAL {
			t.Fatalf("a write-off held for approval: %v %v", r, err)
		}
		return r.GetPendingAction().GetActionId()
	}
	approve := func(requestID, actionID string) error {
		_, err := approvals.ApproveAction(ctx(t), &loancorev1.ApproveActionRequest{RequestId: requestID, ActionId: actionID})
		return err
	}
	id := writeOff("R-FE1")
	if err := approve("ap-1", id); err != nil {
		t.Fatal(err)
	}
	h.refused(servicing.ReasonActionNotPending, approve("ap-2", id))
	id = writeOff("R-FE2")
	payoff, err := loans.QuotePayoff(ctx(t), &loancorev1.QuotePayoffRequest{LoanId: "R-FE2"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "pay-R-FE2", LoanId: "R-FE2", Amount: payoff.GetTotal()}); err != nil {
		t.Fatal(err)
	}
	h.refused(servicing.ReasonActionNoLongerApplies, approve("ap-3", id))
}

// creditLineReasons: a drawdown over the limit, on a frozen, an expired
// and a closed line; freezing twice, unfreezing an active line.
func creditLineReasons(h *reasonHarness) {
	t, c := h.t, lineClients{loans: h.api.loans, lines: h.api.lines}
	setToday(h.clk, "2024-06-01")
	openLine(t, c, "R-LINE", true, "2024-06-30")
	drawErr := func(id, amount string) error {
		_, err := c.lines.Drawdown(ctx(t), &loancorev1.DrawdownRequest{RequestId: id, CreditLineId: "R-LINE", Amount: amount})
		return err
	}
	h.refused(servicing.ReasonLimitExceeded, drawErr("R-LINE-1", "1000.01"))
	_, err := c.lines.UnfreezeCreditLine(ctx(t), &loancorev1.UnfreezeCreditLineRequest{RequestId: "R-LINE-2", CreditLineId: "R-LINE", Reason: "r"})
	h.refused(servicing.ReasonCreditLineNotFrozen, err)
	if _, err := c.lines.FreezeCreditLine(ctx(t), &loancorev1.FreezeCreditLineRequest{RequestId: "R-LINE-3", CreditLineId: "R-LINE", Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	h.refused(servicing.ReasonCreditLineFrozen, drawErr("R-LINE-4", "1"))
	if _, err := c.lines.UnfreezeCreditLine(ctx(t), &loancorev1.UnfreezeCreditLineRequest{RequestId: "R-LINE-5", CreditLineId: "R-LINE", Reason: "r"}); err != nil {
		t.Fatal(err)
	}
	setToday(h.clk, "2024-07-01")
	h.refused(servicing.ReasonCreditLineExpired, drawErr("R-LINE-6", "1"))
	if _, err := c.lines.CloseCreditLine(ctx(t), &loancorev1.CloseCreditLineRequest{RequestId: "R-LINE-7", CreditLineId: "R-LINE"}); err != nil {
		t.Fatal(err)
	}
	h.refused(servicing.ReasonCreditLineClosed, drawErr("R-LINE-8", "1"))
}

// aprReasons: a quote above the maximum APR of a server that refuses such
// quotes (issue 20's plan, APR 13.03, under a maximum of 12).
func aprReasons(h *reasonHarness) {
	t := h.t
	twelve, err := money.ParseRate("12", 100)
	if err != nil {
		t.Fatal(err)
	}
	c := loancorev1.NewScheduleServiceClient(startServerWith(t, grpcapi.Options{APRPolicy: servicing.APRPolicy{Maximum: twelve, Refuse: true}}))
	_, err = c.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: creditCardPlan()})
	h.refused(servicing.ReasonAPRAboveMaximum, err)
}
