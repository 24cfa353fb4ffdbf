package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// authedConn dials loand at addr and returns a context that carries key
// as a bearer token, the way every caller authenticates.
func authedConn(t *testing.T, addr, key string) (*grpc.ClientConn, context.Context) {
	t.Helper()
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return conn, metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+key)
}

// apiKey makes an API key in a new keys file with `loand apikey create`
// and returns the file and the key.
func apiKey(t *testing.T, roles string) (string, string) {
	t.Helper()
	file := filepath.Join(t.TempDir(), "keys.jsonl")
	r := runLoand(t, nil, "apikey", "create", "--api-keys-file", file, "--subject", "svc-test", "--roles", roles)
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if r.code != 0 {
		t.Fatalf("apikey create: exit %d, %s", r.code, r.stderr)
	}
	return file, lines[len(lines)-1]
}

// scrape reads loand's /metrics at addr.
func scrape(t *testing.T, addr string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d, %v", resp.StatusCode, err)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(body), "LN-M") || strings.Contains(string(body), "svc-test") {
		t.Error("/metrics shows a loan id or a subject in a label")
	}
	return fams
}

// metricValue is the value of the series of family name whose labels
// include want (name, value, …); summed over the series that match.
func metricValue(t *testing.T, fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	t.Helper()
	f, ok := fams[name]
	if !ok {
		t.Fatalf("/metrics has no %s", name)
	}
	sum := 0.0
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		match := true
		for i := 0; i+1 < len(want); i += 2 {
			match = match && labels[want[i]] == want[i+1]
		}
		if !match {
			continue
		}
		switch {
		case m.Counter != nil:
			sum += m.GetCounter().GetValue()
		case m.Gauge != nil:
			sum += m.GetGauge().GetValue()
		case m.Histogram != nil:
			sum += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return sum
}

// TestMetricsCountCalls: a real loand, authentication on, scraped after
// known calls: three repayments and a retry of one, a call without a
// credential and one with a bad amount, and a close of business. The
// gRPC counters count every call with its code; the domain counters
// count what was done, the retry not twice.
func TestMetricsCountCalls(t *testing.T) {
	keys, key := apiKey(t, "servicer,operator")
	metricsAddr := freeAddr(t)
	p := startProc(t, "--api-keys-file", keys, "--metrics-listen", metricsAddr)
	conn, ctx := authedConn(t, p.addr, key)
	loans := loancorev1.NewLoanServiceClient(conn)
	_, err := loans.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: "c", LoanId: "LN-M", BorrowerId: "B",
		Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "24000", AnnualRatePercent: "9.6", InstallmentCount: 12,
			Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2026-01-05"}})
	if err != nil {
		t.Fatal(err)
	}
	pay := func(ctx context.Context, id, amount string) error {
		_, err := loans.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: id, LoanId: "LN-M", Amount: amount, ValueDate: "2026-02-05"})
		return err
	}
	for i, id := range []string{"p1", "p2", "p3", "p1"} { // p1 again: a retry
		if err := pay(ctx, id, "100.25"); err != nil {
			t.Fatalf("payment %d: %v", i, err)
		}
	}
	noKey, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pay(noKey, "p4", "100.25"); status.Code(err) != codes.Unauthenticated {
		t.Fatalf("without a key: %v; want UNAUTHENTICATED", err)
	}
	if err := pay(ctx, "p5", "-1"); status.Code(err) != codes.InvalidArgument {
		t.Fatalf("amount -1: %v; want INVALID_ARGUMENT", err)
	}
	runCOB(t, ctx, loancorev1.NewCloseOfBusinessServiceClient(conn), "2026-04-10")

	m := scrape(t, metricsAddr)
	rr := []string{"grpc_service", "loancore.v1.LoanService", "grpc_method", "RecordRepayment"}
	for _, c := range []struct {
		name string
		want float64
		with []string
	}{
		{"grpc_server_started_total", 6, rr},
		{"grpc_server_handled_total", 4, append(rr, "grpc_code", "OK")},
		{"grpc_server_handled_total", 1, append(rr, "grpc_code", "Unauthenticated")},
		{"grpc_server_handled_total", 1, append(rr, "grpc_code", "InvalidArgument")},
		{"grpc_server_handling_seconds", 6, rr},
		{"grpc_server_handled_total", 1, []string{"grpc_method", "RunCloseOfBusiness", "grpc_code", "OK"}},
		{"loancore_repayments_total", 3, []string{"currency", "CNY"}},
		{"loancore_repaid_minor_units_total", 30075, []string{"currency", "CNY"}},
		{"loancore_store_call_duration_seconds", 3, []string{"method", "AppendEvent", "result", "ok"}},
		{"loancore_cob_dates_total", 1, []string{"result", "completed"}},
		{"loancore_cob_loans_total", 1, nil},
		{"loancore_cob_date_duration_seconds", 1, nil},
		{"loancore_cob_phase_duration_seconds", 1, []string{"phase", "fold"}},
		{"loancore_cob_phase_duration_seconds", 1, []string{"phase", "carry"}},
		{"loancore_cob_loans_carried_total", 0, nil},
		{"loancore_delinquent_loans", 1, nil},
		{"loancore_delinquent_loans_business_date_seconds", float64(time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC).Unix()), nil},
		{"loancore_feed_subscribers", 0, nil},
	} {
		if got := metricValue(t, m, c.name, c.with...); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.name, c.with, got, c.want)
		}
	}
	// Every call that reached the payment looked for its loan: the retry
	// and the refused amount too.
	if n := metricValue(t, m, "loancore_loan_cache_lookups_total"); n < 4 {
		t.Errorf("loancore_loan_cache_lookups_total = %v, want at least 4", n)
	}
	if head := metricValue(t, m, "loancore_feed_head_position"); head < 4 {
		t.Errorf("loancore_feed_head_position = %v, want at least the loan's 4 events", head)
	}
}

// runCOB runs close of business for date to its end.
func runCOB(t *testing.T, ctx context.Context, cob loancorev1.CloseOfBusinessServiceClient, date string) {
	t.Helper()
	stream, err := cob.RunCloseOfBusiness(ctx, &loancorev1.RunCloseOfBusinessRequest{BusinessDate: date})
	if err != nil {
		t.Fatal(err)
	}
	for {
		_, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatalf("close of business %s: %v", date, err)
		}
	}
}
