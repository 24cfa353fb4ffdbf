package grpcapi_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"slices"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	reflectionpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
)

// startServer serves loancore on a real loopback port and returns a client
// connection to it.
func startServer(t *testing.T) *grpc.ClientConn {
	t.Helper()
	return startServerWith(t, grpcapi.Options{})
}

// startServerWith is startServer with opts (Logger and Dev are set).
func startServerWith(t *testing.T, opts grpcapi.Options) *grpc.ClientConn {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts.Logger, opts.Dev = slog.New(slog.NewTextHandler(io.Discard, nil)), true
	srv := grpcapi.NewServer(opts)
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return conn
}

func ctx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return c
}

// mortgage is the common Chinese reference case: 1,000,000 CNY at 4.9% over
// 30 years, equal installment.
func mortgage() *loancorev1.LoanTerms {
	return &loancorev1.LoanTerms{
		Currency:          "CNY",
		Principal:         "1000000.00",
		AnnualRatePercent: "4.9",
		InstallmentCount:  360,
		Frequency:         &loancorev1.Frequency{Unit: loancorev1.FrequencyUnit_FREQUENCY_UNIT_MONTH, Every: 1},
		Method:            loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT,
		DisbursementDate:  "2024-01-15",
	}
}

func TestQuoteScheduleMortgage(t *testing.T) {
	client := loancorev1.NewScheduleServiceClient(startServer(t))
	resp, err := client.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: mortgage()})
	if err != nil {
		t.Fatal(err)
	}
	if got := resp.GetInstallmentAmount(); got != "5307.27" {
		t.Errorf("installment_amount = %s, want 5307.27", got)
	}
	if n := len(resp.GetInstallments()); n != 360 {
		t.Fatalf("%d installments, want 360", n)
	}
	first, last := resp.GetInstallments()[0], resp.GetInstallments()[359]
	// First month: interest 1,000,000 × 4.9% / 12 = 4083.33; principal the rest.
	if first.GetDueDate() != "2024-02-15" || first.GetInterest() != "4083.33" || first.GetPrincipal() != "1223.94" || first.GetTotal() != "5307.27" {
		t.Errorf("first installment = %v", first)
	}
	if last.GetNumber() != 360 || last.GetDueDate() != "2054-01-15" || last.GetBalanceAfter() != "0.00" {
		t.Errorf("last installment = %v", last)
	}
	if resp.GetMaturityDate() != "2054-01-15" || resp.GetTotalPrincipal() != "1000000.00" || resp.GetCurrency() != "CNY" {
		t.Errorf("totals = %v %v %v", resp.GetMaturityDate(), resp.GetTotalPrincipal(), resp.GetCurrency())
	}
	if resp.GetAprPercent() != "4.90" {
		t.Errorf("apr_percent = %s, want 4.90", resp.GetAprPercent())
	}
}

func TestComputeApr(t *testing.T) {
	client := loancorev1.NewScheduleServiceClient(startServer(t))
	// 12,000 advanced, 12 monthly payments of 1,100 (a flat 10% add-on):
	// Excel's RATE(12,-1100,12000)×12 = 17.97%.
	req := &loancorev1.ComputeAprRequest{
		AmountAdvanced: "12000",
		AdvanceDate:    "2024-01-01",
		Method:         loancorev1.AprMethod_APR_METHOD_US_ACTUARIAL,
	}
	for k := range 12 {
		req.Payments = append(req.Payments, &loancorev1.AprPayment{
			Amount: "1100", Date: time.Date(2024, time.Month(2+k), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)})
	}
	for _, m := range []loancorev1.AprMethod{loancorev1.AprMethod_APR_METHOD_US_ACTUARIAL, loancorev1.AprMethod_APR_METHOD_IRR_NOMINAL} {
		req.Method = m
		resp, err := client.ComputeApr(ctx(t), req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.GetAprPercent() != "17.97" {
			t.Errorf("%v: apr_percent = %s, want 17.97", m, resp.GetAprPercent())
		}
	}
}

// badRequestFields returns the fields an INVALID_ARGUMENT error names.
func badRequestFields(t *testing.T, err error) []string {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("code = %v (%v), want InvalidArgument", st.Code(), err)
	}
	var fields []string
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			for _, v := range br.GetFieldViolations() {
				fields = append(fields, v.GetField())
			}
		}
	}
	if len(fields) == 0 {
		t.Fatalf("no google.rpc.BadRequest field violations in %v", err)
	}
	return fields
}

func TestQuoteScheduleInvalid(t *testing.T) {
	client := loancorev1.NewScheduleServiceClient(startServer(t))
	tests := []struct {
		name   string
		edit   func(*loancorev1.LoanTerms)
		fields []string
	}{
		{"malformed principal", func(x *loancorev1.LoanTerms) { x.Principal = "12,000" }, []string{"terms.principal"}},
		{"negative principal", func(x *loancorev1.LoanTerms) { x.Principal = "-1000" }, []string{"terms.principal"}},
		{"NaN principal", func(x *loancorev1.LoanTerms) { x.Principal = "NaN" }, []string{"terms.principal"}},
		{"huge principal", func(x *loancorev1.LoanTerms) { x.Principal = "1e400" }, []string{"terms.principal"}},
		{"zero principal", func(x *loancorev1.LoanTerms) { x.Principal = "0" }, []string{"terms.principal"}},
		{"too precise principal", func(x *loancorev1.LoanTerms) { x.Principal = "100.001" }, []string{"terms.principal"}},
		{"rate over 1000%", func(x *loancorev1.LoanTerms) { x.AnnualRatePercent = "1000.01" }, []string{"terms.annual_rate_percent"}},
		{"NaN rate", func(x *loancorev1.LoanTerms) { x.AnnualRatePercent = "NaN" }, []string{"terms.annual_rate_percent"}},
		{"negative rate", func(x *loancorev1.LoanTerms) { x.AnnualRatePercent = "-1" }, []string{"terms.annual_rate_percent"}},
		{"zero installments", func(x *loancorev1.LoanTerms) { x.InstallmentCount = 0 }, []string{"terms.installment_count"}},
		{"1201 installments", func(x *loancorev1.LoanTerms) { x.InstallmentCount = 1201 }, []string{"terms.installment_count"}},
		{"impossible date", func(x *loancorev1.LoanTerms) { x.DisbursementDate = "2023-02-29" }, []string{"terms.disbursement_date"}},
		{"first due before disbursement", func(x *loancorev1.LoanTerms) { x.FirstDueDate = "2024-01-01" }, []string{"terms.first_due_date"}},
		{"unknown method", func(x *loancorev1.LoanTerms) { x.Method = 99 }, []string{"terms.method"}},
		{"missing method", func(x *loancorev1.LoanTerms) { x.Method = 0 }, []string{"terms.method"}},
		{"unknown day count", func(x *loancorev1.LoanTerms) { x.DayCount = 42 }, []string{"terms.day_count"}},
		{"unknown rounding mode", func(x *loancorev1.LoanTerms) {
			x.Rounding = &loancorev1.Rounding{Mode: 7}
		}, []string{"terms.rounding.mode"}},
		{"zero multiple", func(x *loancorev1.LoanTerms) {
			x.Rounding = &loancorev1.Rounding{InstallmentMultiple: "0"}
		}, []string{"terms.rounding.installment_multiple"}},
		{"unknown currency", func(x *loancorev1.LoanTerms) { x.Currency = "XYZ" }, []string{"terms.currency"}},
		{"weekly every 53", func(x *loancorev1.LoanTerms) {
			x.Frequency = &loancorev1.Frequency{Unit: loancorev1.FrequencyUnit_FREQUENCY_UNIT_WEEK, Every: 53}
		}, []string{"terms.frequency.every"}},
		{"grace as long as the loan", func(x *loancorev1.LoanTerms) { x.PrincipalGracePeriods = 360 }, []string{"terms.principal_grace_periods"}},
		{"fee not below principal", func(x *loancorev1.LoanTerms) { x.UpfrontFee = "1000000" }, []string{"terms.upfront_fee"}},
		{"several at once", func(x *loancorev1.LoanTerms) {
			x.Principal = "abc"
			x.InstallmentCount = -3
			x.DisbursementDate = "2024-13-01"
		}, []string{"terms.principal", "terms.installment_count", "terms.disbursement_date"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			terms := mortgage()
			tt.edit(terms)
			_, err := client.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: terms})
			got := badRequestFields(t, err)
			for _, f := range tt.fields {
				if !slices.Contains(got, f) {
					t.Errorf("violations %v do not name %s", got, f)
				}
			}
			if len(got) != len(tt.fields) {
				t.Errorf("violations %v, want exactly %v", got, tt.fields)
			}
		})
	}
	t.Run("missing terms", func(t *testing.T) {
		_, err := client.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{})
		if got := badRequestFields(t, err); !slices.Equal(got, []string{"terms"}) {
			t.Errorf("violations %v, want [terms]", got)
		}
	})
}

func TestComputeAprInvalid(t *testing.T) {
	client := loancorev1.NewScheduleServiceClient(startServer(t))
	_, err := client.ComputeApr(ctx(t), &loancorev1.ComputeAprRequest{
		AmountAdvanced: "NaN",
		AdvanceDate:    "2024-02-30",
		Payments:       []*loancorev1.AprPayment{{Amount: "-5", Date: "2024-03-01"}},
		Method:         9,
	})
	got := badRequestFields(t, err)
	for _, f := range []string{"amount_advanced", "advance_date", "payments[0].amount", "method"} {
		if !slices.Contains(got, f) {
			t.Errorf("violations %v do not name %s", got, f)
		}
	}
}

func TestHealthAndReflection(t *testing.T) {
	conn := startServer(t)
	h, err := healthpb.NewHealthClient(conn).Check(ctx(t), &healthpb.HealthCheckRequest{Service: "loancore.v1.ScheduleService"})
	if err != nil || h.GetStatus() != healthpb.HealthCheckResponse_SERVING {
		t.Fatalf("health = %v, %v", h, err)
	}
	stream, err := reflectionpb.NewServerReflectionClient(conn).ServerReflectionInfo(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if err := stream.Send(&reflectionpb.ServerReflectionRequest{
		MessageRequest: &reflectionpb.ServerReflectionRequest_ListServices{ListServices: ""},
	}); err != nil {
		t.Fatal(err)
	}
	resp, err := stream.Recv()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range resp.GetListServicesResponse().GetService() {
		names = append(names, s.GetName())
	}
	if !slices.Contains(names, "loancore.v1.ScheduleService") || !slices.Contains(names, "grpc.health.v1.Health") {
		t.Errorf("reflection lists %v", names)
	}
}
