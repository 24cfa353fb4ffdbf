package grpcapi_test

import (
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// rawCall makes a unary gRPC call by hand over HTTP/2 without TLS, with a
// header value a gRPC client refuses to send (grpc-go sends printable
// ASCII only; other clients and proxies send what they like), and
// returns the grpc-status it ended with.
func rawCall(t *testing.T, addr, method string, req proto.Message, header, value string) string {
	t.Helper()
	body, err := proto.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	frame := binary.BigEndian.AppendUint32([]byte{0}, uint32(len(body)))
	hr, err := http.NewRequest(http.MethodPost, "http://"+addr+method, bytes.NewReader(append(frame, body...)))
	if err != nil {
		t.Fatal(err)
	}
	hr.Header.Set("content-type", "application/grpc")
	hr.Header.Set("te", "trailers")
	hr.Header.Set(header, value)
	var protocols http.Protocols
	protocols.SetUnencryptedHTTP2(true)
	client := &http.Client{Transport: &http.Transport{Protocols: &protocols}}
	resp, err := client.Do(hr.WithContext(ctx(t)))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	return resp.Trailer.Get("grpc-status") + resp.Header.Get("grpc-status")
}

// TestUnreadableHeadersAreNeverRecorded: an x-actor header that could not
// be read back from a loan's log (not UTF-8, a control character) is
// ignored, as every x-actor is: the actor is the authenticated subject
// ("dev" here). An x-on-behalf-of that could not be read back is refused
// before anything is written. Written as it came, an actor of invalid
// UTF-8 on SQLite made the loan's ListLoanEvents INTERNAL for ever;
// PostgreSQL refused the write with INTERNAL.
func TestUnreadableHeadersAreNeverRecorded(t *testing.T) {
	forEachCOBStore(t, func(t *testing.T, c cobClients) {
		addr := c.conn.Target()
		req := &loancorev1.CreateLoanRequest{RequestId: "create-HA", LoanId: "HA", BorrowerId: "B1", Terms: loan12k()}
		if code := rawCall(t, addr, "/loancore.v1.LoanService/CreateLoan", req, "x-actor", "cfo\xff@bank"); code != "0" {
			t.Fatalf("CreateLoan with an actor of invalid UTF-8: grpc-status %q", code)
		}
		for i, header := range []string{"x-actor", "x-on-behalf-of"} {
			pay := &loancorev1.RecordRepaymentRequest{RequestId: "pay-HA-" + string(rune('a'+i)), LoanId: "HA", Amount: "1", ValueDate: "2024-02-15"}
			want := map[string]string{"x-actor": "0", "x-on-behalf-of": "3"}[header]
			if code := rawCall(t, addr, "/loancore.v1.LoanService/RecordRepayment", pay, header, "teller\u0085"); code != want {
				t.Fatalf("RecordRepayment with %s of a control character: grpc-status %q, want %s", header, code, want)
			}
		}
		evs, err := c.loans.ListLoanEvents(ctx(t), &loancorev1.ListLoanEventsRequest{LoanId: "HA"})
		if err != nil {
			t.Fatalf("ListLoanEvents: %v", err)
		}
		var actors []string
		for _, e := range evs.GetEvents() {
			actors = append(actors, e.GetActor()+"/"+e.GetOnBehalfOf())
		}
		if want := "dev/ dev/ dev/"; strings.Join(actors, " ") != want {
			t.Errorf("actors %q, want %q", actors, want)
		}
	})
}
