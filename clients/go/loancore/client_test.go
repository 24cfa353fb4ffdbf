package loancore_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/loancore/loancore/clients/go/loancore"
	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/loandtest"
	"github.com/loancore/loancore/internal/tlsreload/tlstest"
)

// server is a loand with TLS and API keys, and how to call it.
type server struct {
	addr, token, viewer string
	tls                 *tls.Config
}

// startTLS starts loand with TLS and API keys made by `loand apikey
// create`: one for a servicer that may also run close of business and
// read the feed, one for a viewer.
func startTLS(t *testing.T) server {
	t.Helper()
	bin, dir := loandtest.Build(t), t.TempDir()
	ca := tlstest.NewCA(t, "loancore Go client test CA")
	ca.Server(t, "loand").Write(t, filepath.Join(dir, "server.pem"), filepath.Join(dir, "server.key"))
	keys := filepath.Join(dir, "api-keys.jsonl")
	s := server{tls: &tls.Config{RootCAs: ca.Pool()},
		token:  loandtest.APIKey(t, bin, keys, "go-servicer", "servicer,operator,subscriber"),
		viewer: loandtest.APIKey(t, bin, keys, "go-viewer", "viewer")}
	s.addr = loandtest.Start(t, loandtest.Params{Loand: bin, ClientTLS: s.tls,
		Args: []string{"--tls-cert", filepath.Join(dir, "server.pem"), "--tls-key", filepath.Join(dir, "server.key"), "--api-keys-file", keys}})
	return s
}

func (s server) connect(t *testing.T, token string) *loancore.Client {
	t.Helper()
	lc, err := loancore.Connect(s.addr, loancore.Options{Token: token, TLS: s.tls})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = lc.Close() })
	return lc
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

func terms() *loancorev1.LoanTerms {
	return &loancorev1.LoanTerms{Currency: "CNY", Principal: "24000", AnnualRatePercent: "9.6", InstallmentCount: 12,
		Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2026-01-05",
		Penalty: &loancorev1.PenaltyPolicy{}}
}

// TestGoClient calls a real loand with TLS and an API key through the
// client: a loan booked and paid (the payment sent twice as one request),
// read as of a date, close of business's stream, the feed, a refusal's
// fields and reason, and the calls refused without the right credential.
func TestGoClient(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts loand; skipped with -short")
	}
	s := startTLS(t)
	lc := s.connect(t, s.token)
	if _, err := lc.Loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{LoanId: "GC-1", BorrowerId: "B-1", Terms: terms()}); err != nil {
		t.Fatal(err)
	}
	pay := &loancorev1.RecordRepaymentRequest{LoanId: "GC-1", Amount: "2105.52", ValueDate: "2026-02-05"}
	first, err := lc.Loans.RecordRepayment(ctx(t), pay)
	if err != nil || !strings.HasPrefix(pay.GetRequestId(), "rq-") {
		t.Fatalf("a payment: %v, request id %q", err, pay.GetRequestId())
	}
	again, err := lc.Loans.RecordRepayment(ctx(t), pay) // the same message: the same request
	if err != nil || again.GetSeq() != first.GetSeq() {
		t.Fatalf("sent again: seq %d, first %d, %v", again.GetSeq(), first.GetSeq(), err)
	}
	asOf, err := lc.Loans.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "GC-1", AsOf: "2026-03-10"})
	if err != nil || asOf.GetLoan().GetDaysPastDue() != 5 || asOf.GetLoan().GetInstallments()[0].GetStatus() != loancorev1.InstallmentStatus_INSTALLMENT_STATUS_PAID {
		t.Fatalf("as of 2026-03-10: %v, %v", asOf.GetLoan(), err)
	}
	checkRefusals(t, s, lc)
	checkStreams(t, lc)
}

// checkRefusals reads a BadRequest's field and a PreconditionFailure's
// reason, and checks the calls refused for their credential.
func checkRefusals(t *testing.T, s server, lc *loancore.Client) {
	t.Helper()
	_, err := lc.Loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{LoanId: "GC-1", Amount: "21O5.52", ValueDate: "2026-02-06"})
	e, ok := loancore.AsError(err)
	if !ok || e.Code != codes.InvalidArgument || e.Fields["amount"] == "" || !strings.Contains(e.Error(), "[fields: amount]") ||
		status.Code(err) != codes.InvalidArgument {
		t.Errorf("a bad amount and date: %#v (%v)", e, err)
	}
	_, err = lc.Loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{LoanId: "GC-1", Amount: "9999999", ValueDate: "2026-02-06"})
	if e, ok := loancore.AsError(err); !ok || e.Code != codes.FailedPrecondition || e.Reason != "PAYMENT_EXCEEDS_PAYOFF" {
		t.Errorf("more than the payoff: %#v", e)
	}
	_, err = s.connect(t, "").Loans.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "GC-1"})
	if e, ok := loancore.AsError(err); !ok || e.Code != codes.Unauthenticated {
		t.Errorf("no token: %v", err)
	}
	_, err = s.connect(t, s.viewer).Loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{LoanId: "GC-1", Amount: "1", ValueDate: "2026-02-06"})
	if e, ok := loancore.AsError(err); !ok || e.Code != codes.PermissionDenied {
		t.Errorf("a viewer paying: %v", err)
	}
	if _, err := loancore.Connect("loancore.bank.example:50051", loancore.Options{Token: "x"}); err == nil {
		t.Error("Connect sent a token in plaintext to another host")
	}
	if _, ok := loancore.AsError(nil); ok {
		t.Error("AsError(nil) is an error")
	}
}

// checkStreams reads close of business's stream and the event feed.
func checkStreams(t *testing.T, lc *loancore.Client) {
	t.Helper()
	run, err := lc.CloseOfBusiness.RunCloseOfBusiness(ctx(t), &loancorev1.RunCloseOfBusinessRequest{BusinessDate: "2026-03-10"})
	if err != nil {
		t.Fatal(err)
	}
	var last *loancorev1.CloseOfBusinessRun
	for m, err := run.Recv(); !errors.Is(err, io.EOF); m, err = run.Recv() {
		if err != nil {
			t.Fatal(err)
		}
		last = m.GetRun()
	}
	if last.GetStatus() != loancorev1.CloseOfBusinessStatus_CLOSE_OF_BUSINESS_STATUS_COMPLETED {
		t.Errorf("the run ended %v", last)
	}
	feed, err := lc.Events.SubscribeEvents(ctx(t), &loancorev1.SubscribeEventsRequest{LoanIds: []string{"GC-1"}, StopAtHead: true})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for m, err := feed.Recv(); !errors.Is(err, io.EOF); m, err = feed.Recv() {
		if err != nil {
			t.Fatal(err)
		}
		if e := m.GetEvent(); e != nil {
			kinds = append(kinds, strings.TrimPrefix(e.GetKind().String(), "FEED_EVENT_KIND_"))
		}
	}
	if got := strings.Join(kinds, " "); !strings.HasPrefix(got, "ORIGINATION DISBURSEMENT REPAYMENT ACCRUAL") {
		t.Errorf("GC-1 on the feed: %s", got)
	}
}

// TestREADMEGoExample runs clients/go/example, which docs/clients.md shows
// whole, against a dev-mode loand as `make run` serves it, twice (its
// request ids make a second run change nothing), and checks that the
// docs/clients.md shows it as it is.
func TestREADMEGoExample(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts loand; skipped with -short")
	}
	root := loandtest.Root(t)
	src, err := os.ReadFile(filepath.Join(root, "clients", "go", "example", "main.go"))
	if err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(root, "docs", "clients.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "```go\n"+string(src)+"```\n") {
		t.Error("docs/clients.md does not show clients/go/example/main.go as it is, in a ```go block")
	}
	addr := loandtest.Start(t, loandtest.Params{Loand: loandtest.Build(t)})
	for run := 1; run <= 2; run++ {
		cmd := exec.Command("go", "run", "./clients/go/example")
		cmd.Dir, cmd.Env = root, append(loandtest.CleanEnv(), "LOANCORE_ADDRESS="+addr)
		out, err := cmd.CombinedOutput()
		for _, want := range []string{"first installment: 1913.52 192.00", "paid, seq 3", "refused: InvalidArgument"} {
			if err != nil || !strings.Contains(string(out), want) {
				t.Errorf("run %d: %v; the output lacks %q:\n%s", run, err, want, out)
			}
		}
	}
}
