package main

import (
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
	"time"

	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/grpc/metadata"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/store/pgtest"
	"github.com/loancore/loancore/internal/telemetry/otlpsink"
)

// TestTracesReachAnOTLPReceiver: a real loand on PostgreSQL, with
// authentication on and the standard OTEL_* variables pointing at a real
// OTLP receiver in the test, continues a caller's W3C trace: the
// repayment's server span has the caller's trace id and span as parent,
// its SQL statements are spans of the same trace under it, the resource
// is named by OTEL_SERVICE_NAME, and the call's audit line carries the
// trace id.
func TestTracesReachAnOTLPReceiver(t *testing.T) {
	sink, err := otlpsink.Start("127.0.0.1:0", true)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Stop()
	keys, key := apiKey(t, "servicer")
	addr := freeAddr(t)
	p := startProcEnv(t, addr, []string{"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + sink.Addr(), "OTEL_EXPORTER_OTLP_PROTOCOL=grpc",
		"OTEL_BSP_SCHEDULE_DELAY=100", "OTEL_SERVICE_NAME=loand-under-test"},
		"--listen", addr, "--database", pgtest.URL(t), "--api-keys-file", keys)
	p.log.wait(t, 0, "tracing on", "exporter", "otlp/grpc")
	conn, ctx := authedConn(t, p.addr, key)
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	ctx = metadata.AppendToOutgoingContext(ctx, "traceparent", fmt.Sprintf("00-%s-%s-01", traceID, parentID))
	loans := loancorev1.NewLoanServiceClient(conn)
	if _, err := loans.CreateLoan(ctx, &loancorev1.CreateLoanRequest{RequestId: "c", LoanId: "LN-T", BorrowerId: "B",
		Terms: &loancorev1.LoanTerms{Currency: "CNY", Principal: "1200", AnnualRatePercent: "12", InstallmentCount: 2,
			Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT, DisbursementDate: "2026-01-05"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := loans.RecordRepayment(ctx, &loancorev1.RecordRepaymentRequest{RequestId: "p", LoanId: "LN-T", Amount: "10.00",
		ValueDate: "2026-02-05"}); err != nil {
		t.Fatal(err)
	}
	server, sql := waitForSpans(t, sink, traceID, "loancore.v1.LoanService/RecordRepayment")
	if got := hex.EncodeToString(server.span.GetParentSpanId()); got != parentID {
		t.Errorf("the server span's parent is %s, want the caller's %s", got, parentID)
	}
	if server.span.GetKind() != tracepb.Span_SPAN_KIND_SERVER || server.service != "loand-under-test" {
		t.Errorf("server span: kind %v, service %q; want SERVER, loand-under-test", server.span.GetKind(), server.service)
	}
	if sql == 0 {
		t.Error("no span of a SQL statement in the repayment's trace")
	}
	audit := p.log.wait(t, 0, "audit", "method", "/loancore.v1.LoanService/RecordRepayment")
	if audit["trace_id"] != traceID {
		t.Errorf("the audit line's trace_id is %v, want %s: %v", audit["trace_id"], traceID, audit)
	}
}

// receivedSpan is a span and the service.name of its resource.
type receivedSpan struct {
	span    *tracepb.Span
	service string
}

// waitForSpans waits until the sink has the span named name of trace
// traceID, and returns it with the number of otelpgx spans under it.
func waitForSpans(t *testing.T, sink *otlpsink.Sink, traceID, name string) (receivedSpan, int) {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var server receivedSpan
		children := map[string]int{} // parent span id → otelpgx spans
		for _, rs := range sink.Spans() {
			service := ""
			for _, a := range rs.GetResource().GetAttributes() {
				if a.GetKey() == "service.name" {
					service = a.GetValue().GetStringValue()
				}
			}
			for _, ss := range rs.GetScopeSpans() {
				for _, s := range ss.GetSpans() {
					if hex.EncodeToString(s.GetTraceId()) != traceID {
						continue
					}
					if s.GetName() == name {
						server = receivedSpan{span: s, service: service}
					}
					if strings.Contains(ss.GetScope().GetName(), "otelpgx") {
						children[hex.EncodeToString(s.GetParentSpanId())]++
					}
				}
			}
		}
		if server.span != nil {
			if n := children[hex.EncodeToString(server.span.GetSpanId())]; n > 0 {
				return server, n
			}
		}
	}
	t.Fatalf("no span %s of trace %s with SQL spans under it arrived; the sink has %d spans", name, traceID, sink.Count())
	return receivedSpan{}, 0
}
