package grpcapi_test

import (
	"context"
	"io"
	"slices"
	"strings"
	"testing"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/mem"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
)

// violations returns the field violations of an INVALID_ARGUMENT, failing
// the test on any other answer or on a message that echoes a large input.
func violations(t *testing.T, err error) []*errdetails.BadRequest_FieldViolation {
	t.Helper()
	st, _ := status.FromError(err)
	if st.Code() != codes.InvalidArgument {
		t.Fatalf("code %v (%.300v), want InvalidArgument", st.Code(), err)
	}
	if len(st.Message()) > 2000 {
		t.Fatalf("the message has %d bytes: it echoes the input", len(st.Message()))
	}
	for _, d := range st.Details() {
		if br, ok := d.(*errdetails.BadRequest); ok {
			return br.GetFieldViolations()
		}
	}
	t.Fatalf("no google.rpc.BadRequest in %v", err)
	return nil
}

// wantFieldViolation fails unless err is INVALID_ARGUMENT naming exactly
// field, with a description containing about.
func wantFieldViolation(t *testing.T, err error, field, about string) {
	t.Helper()
	vs := violations(t, err)
	if len(vs) != 1 || vs[0].GetField() != field || !strings.Contains(vs[0].GetDescription(), about) {
		t.Fatalf("violations %v, want %s: …%s…", vs, field, about)
	}
}

// TestStringBounds: every string field of every request is refused over
// its documented maximum, or with a NUL byte, as INVALID_ARGUMENT naming
// it (nested and list fields by their path), on both stores, before
// anything parses or stores it; at the maximum it is not.
func TestStringBounds(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		create(t, c.loans, "LB")
		sched := loancorev1.NewScheduleServiceClient(c.conn)
		long := func(n int) string { return strings.Repeat("7", n) }
		tests := []struct {
			name, field, about string
			call               func() error
		}{
			{"id over 64", "loan_id", "at most 64 bytes", func() error {
				_, err := c.loans.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: long(65)})
				return err
			}},
			{"3 MB amount", "amount", "at most 40 bytes", func() error {
				_, err := c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "p", LoanId: "LB", Amount: long(3 << 20)})
				return err
			}},
			{"nested principal", "terms.principal", "at most 40 bytes", func() error {
				terms := loan12k()
				terms.Principal = long(41)
				_, err := sched.QuoteSchedule(ctx(t), &loancorev1.QuoteScheduleRequest{Terms: terms})
				return err
			}},
			{"list entry", "payments[1].date", "at most 10 bytes", func() error {
				_, err := sched.ComputeApr(ctx(t), &loancorev1.ComputeAprRequest{AmountAdvanced: "100", AdvanceDate: "2024-01-01",
					Payments: []*loancorev1.AprPayment{{Amount: "60", Date: "2024-02-01"}, {Amount: "60", Date: "2024-03-01T"}}})
				return err
			}},
			{"reason over 500", "reason", "at most 500 bytes", func() error {
				_, err := c.loans.WaiveAmounts(ctx(t), &loancorev1.WaiveAmountsRequest{RequestId: "w", LoanId: "LB", Penalty: "1", Reason: long(501)})
				return err
			}},
			{"1.5 MB of NUL as a reason", "reason", "at most 500 bytes", func() error {
				_, err := c.loans.WriteOffLoan(ctx(t), &loancorev1.WriteOffLoanRequest{RequestId: "wo", LoanId: "LB", Reason: strings.Repeat("\x00", 3<<19)})
				return err
			}},
			{"NUL in an id", "request_id", "NUL", func() error {
				_, err := c.loans.RecordRepayment(ctx(t), &loancorev1.RecordRepaymentRequest{RequestId: "p\x00", LoanId: "LB", Amount: "1"})
				return err
			}},
			{"NUL in a reason", "reason", "NUL", func() error {
				_, err := c.restructuring.CancelAgreement(ctx(t), &loancorev1.CancelAgreementRequest{RequestId: "c", AgreementId: "AG1", Reason: "a\x00b"})
				return err
			}},
			{"page token over 256", "page_token", "at most 256 bytes", func() error {
				_, err := c.loans.ListLoans(ctx(t), &loancorev1.ListLoansRequest{PageToken: long(257)})
				return err
			}},
			{"timestamp over 40", "known_at", "at most 40 bytes", func() error {
				_, err := c.loans.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "LB", KnownAt: long(41)})
				return err
			}},
			{"currency over 3", "terms.currency", "at most 3 bytes", func() error {
				terms := loan12k()
				terms.Currency = "CNYY"
				_, err := c.loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c2", BorrowerId: "B", Terms: terms})
				return err
			}},
			{"deep in restructuring changes", "changes.waiver.penalty", "NUL", func() error {
				_, err := c.restructuring.QuoteRestructuring(ctx(t), &loancorev1.QuoteRestructuringRequest{LoanId: "LB",
					Changes: &loancorev1.RestructuringChanges{Waiver: &loancorev1.RestructuringWaiver{Penalty: "1\x00"}}})
				return err
			}},
			{"a streaming call", "business_date", "at most 10 bytes", func() error {
				_, err := runCOB(t, c, long(11))
				return err
			}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) { wantFieldViolation(t, tt.call(), tt.field, tt.about) })
		}
		// At the bounds nothing is refused for its length: the call goes
		// on to the use case.
		_, err := c.loans.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: long(64)})
		wantCode(t, err, codes.NotFound)
		if _, err := c.loans.WaiveAmounts(ctx(t), &loancorev1.WaiveAmountsRequest{RequestId: "w500", LoanId: "LB",
			Penalty: "0.01", Reason: strings.Repeat("理", 500/3)}); status.Code(err) == codes.InvalidArgument {
			t.Errorf("a reason of 498 bytes: %v", err)
		}
		// Nothing above was written: the loan's log is its two events.
		evs, err := c.loans.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "LB"})
		if err != nil || len(evs.GetEvents()) != 2 {
			t.Fatalf("log of LB: %d events, %v", len(evs.GetEvents()), err)
		}
	})
}

// TestBoundViolationsAreCapped: a request with a million bad list entries
// gets ten violations back, not a million.
func TestBoundViolationsAreCapped(t *testing.T) {
	sched := loancorev1.NewScheduleServiceClient(startServer(t))
	req := &loancorev1.ComputeAprRequest{AmountAdvanced: "100", AdvanceDate: "2024-01-01"}
	for range 100_000 {
		req.Payments = append(req.Payments, &loancorev1.AprPayment{Amount: "1\x00", Date: "2024-02-01"})
	}
	_, err := sched.ComputeApr(ctx(t), req)
	if vs := violations(t, err); len(vs) != 10 || vs[9].GetField() != "payments[9].amount" {
		t.Fatalf("%d violations, the last %v", len(vs), vs[len(vs)-1])
	}
}

// rawCodec sends and receives wire bytes as they are, so that a test can
// send what a Go client would refuse to encode (invalid UTF-8).
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	*v.(*[]byte) = data.Materialize()
	return nil
}

func (rawCodec) Name() string { return "proto" }

// withField appends a length-delimited field to wire bytes.
func withField(b []byte, num protowire.Number, v []byte) []byte {
	return protowire.AppendBytes(protowire.AppendTag(b, num, protowire.BytesType), v)
}

// TestInvalidUTF8 sends strings that are not UTF-8, which proto3 refuses
// to decode: gRPC alone answers INTERNAL before any interceptor runs. The
// server answers INVALID_ARGUMENT naming the field, at any depth, on a
// unary and a streaming call, on both stores, and the connection serves
// the next call.
func TestInvalidUTF8(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		raw := grpc.ForceCodecV2(rawCodec{})
		var out []byte
		invoke := func(method string, req []byte) error {
			return c.conn.Invoke(ctx(t), method, req, &out, raw)
		}
		err := invoke("/loancore.v1.LoanService/GetLoan", withField(nil, 1, []byte("LN\xff\xfe")))
		wantFieldViolation(t, err, "loan_id", "UTF-8")

		// CreateLoanRequest.terms (4) .penalty (18) .markup_percent (2).
		penalty := withField(nil, 2, []byte("5\xc3"))
		terms, _ := proto.Marshal(loan12k())
		terms = withField(terms, 18, penalty)
		req := withField(withField(withField(nil, 1, []byte("c1")), 3, []byte("B1")), 4, terms)
		err = invoke("/loancore.v1.LoanService/CreateLoan", req)
		wantFieldViolation(t, err, "terms.penalty.markup_percent", "UTF-8")

		desc := &grpc.StreamDesc{ServerStreams: true}
		stream, err := c.conn.NewStream(ctx(t), desc, "/loancore.v1.CloseOfBusinessService/RunCloseOfBusiness", raw)
		if err != nil {
			t.Fatal(err)
		}
		if err := stream.SendMsg(withField(nil, 1, []byte("2024-05-3\x80"))); err != nil {
			t.Fatal(err)
		}
		_ = stream.CloseSend()
		wantFieldViolation(t, stream.RecvMsg(&out), "business_date", "UTF-8")

		// Wire bytes that are not a message at all stay an error (gRPC's
		// INTERNAL); the server does not guess.
		if err := invoke("/loancore.v1.LoanService/GetLoan", []byte{0x0a, 0x05, 'a'}); status.Code(err) == codes.OK {
			t.Errorf("a truncated message was accepted")
		}
		if _, err := c.loans.GetLoan(ctx(t), &loancorev1.GetLoanRequest{LoanId: "none"}); status.Code(err) != codes.NotFound {
			t.Errorf("the next call: %v", err)
		}
	})
}

// TestHealthAndReflectionBounded: the interceptor bounds every service,
// the health and reflection services too, by the default maximum.
func TestHealthAndReflectionBounded(t *testing.T) {
	conn := startServer(t)
	err := conn.Invoke(context.Background(), "/grpc.health.v1.Health/Check",
		withField(nil, 1, []byte(strings.Repeat("s", grpcapi.DefaultMaxBytes+1))), new([]byte), grpc.ForceCodecV2(rawCodec{}))
	wantFieldViolation(t, err, "service", "at most 500 bytes")
	stream, err := conn.NewStream(ctx(t), &grpc.StreamDesc{ServerStreams: true, ClientStreams: true},
		"/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		t.Fatal(err)
	}
	// ServerReflectionRequest.file_by_filename (3), with a NUL.
	if err := stream.SendMsg(withField(nil, 3, []byte("a\x00.proto"))); err != nil {
		t.Fatal(err)
	}
	var out []byte
	err = stream.RecvMsg(&out)
	if err == io.EOF || !slices.ContainsFunc(violations(t, err), func(v *errdetails.BadRequest_FieldViolation) bool {
		return v.GetField() == "file_by_filename"
	}) {
		t.Fatalf("reflection: %v", err)
	}
}
