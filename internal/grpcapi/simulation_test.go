package grpcapi_test

import (
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/grpcapi"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store/storetest"
)

// TestSimulationWithAuthentication is the seeded simulation through the
// API with authentication on, on both stores: a servicer's repayments
// (backdated too), their retries, the same request ids sent by another
// subject, and an operator's reversals, which the policy holds for a
// second operator to approve or reject. A shadow loan on a server
// without authentication gets exactly the operations that took effect;
// after every step the two loans must owe and have paid the same to the
// cent, every event must carry its caller's subject, and a reused
// request id must change nothing. LOANCORE_SIM_SEED replays a run.
func TestSimulationWithAuthentication(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LOANCORE_SIM_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (LOANCORE_SIM_SEED=%d replays it)", seed, seed)
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			t.Parallel()
			newAuthSim(t, store, seed).run(60)
		})
	}
}

// authSim is one run: the authenticated loan, its shadow, and what the
// run did.
type authSim struct {
	t      *testing.T
	seed   uint64
	rng    *rand.Rand
	c      fourEyesClients
	shadow loancorev1.LoanServiceClient
	// payments are the repayment requests sent and their answers, by
	// index; live are the seqs (on the authenticated loan) of those not
	// reversed, and shadowSeq maps them to the shadow's.
	payments  []*loancorev1.RecordRepaymentRequest
	answers   []*loancorev1.RecordRepaymentResponse
	live      []int64
	shadowSeq map[int64]int64
}

// newAuthSim books the loan on an authenticated server whose policy holds
// every reversal, and its shadow on a server without authentication.
func newAuthSim(t *testing.T, store string, seed uint64) *authSim {
	_, c := newFourEyes(t, store, func(p string) string {
		return strings.Replace(p, "four_eyes:\n", "four_eyes:\n  - rpc: loancore.v1.LoanService/ReverseRepayment\n    approvers: [operator]\n", 1)
	})
	s := &authSim{t: t, seed: seed, rng: rand.New(rand.NewPCG(seed, 0xa117)), c: c, shadow: devLoans(t, store), shadowSeq: map[int64]int64{}}
	terms := loan12k()
	terms.Penalty = &loancorev1.PenaltyPolicy{}
	for _, l := range []loancorev1.LoanServiceClient{c.loans, s.shadow} {
		if _, err := l.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "c-SIM", LoanId: "SIM", BorrowerId: "B1", Terms: terms}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// devLoans is a LoanService on a fresh store of its own, without
// authentication (the shadow's).
func devLoans(t *testing.T, store string) loancorev1.LoanServiceClient {
	shanghai, _ := time.LoadLocation("Asia/Shanghai")
	loans, err := servicing.NewLoans(servicing.NewLoansParams{Store: storetest.Stores[store](t), Now: (&clock{now: testNow}).Now, Location: shanghai})
	if err != nil {
		t.Fatal(err)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := grpcapi.NewServer(grpcapi.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Loans: loans, Dev: true})
	go func() { _ = srv.GRPC.Serve(lis) }()
	t.Cleanup(srv.GRPC.Stop)
	conn, err := grpc.NewClient(lis.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	return loancorev1.NewLoanServiceClient(conn)
}

func (s *authSim) fail(format string, args ...any) {
	s.t.Helper()
	s.t.Fatalf("seed %d: %s", s.seed, fmt.Sprintf(format, args...))
}

// run takes steps random steps, checking the loans after each.
func (s *authSim) run(steps int) {
	for step := range steps {
		switch op := s.rng.IntN(10); {
		case op < 6 || len(s.payments) == 0:
			s.pay(step)
		case op == 6:
			s.retry()
		case op == 7:
			s.reuseByAnother()
		default:
			s.reverse(step)
		}
		s.compare(step)
	}
}

// pay sends a repayment from the servicer, backdated at random; one the
// loan refuses (more than it owes) changes nothing on either loan.
func (s *authSim) pay(step int) {
	vd := time.Date(2024, 1, 16, 0, 0, 0, 0, time.UTC).AddDate(0, 0, s.rng.IntN(137)).Format(time.DateOnly)
	req := &loancorev1.RecordRepaymentRequest{RequestId: fmt.Sprintf("pay-%d", step), LoanId: "SIM",
		Amount: fmt.Sprintf("%d.%02d", 10+s.rng.IntN(1500), s.rng.IntN(100)), ValueDate: vd}
	r, err := loancorev1.NewLoanServiceClient(s.c.servicer).RecordRepayment(ctx(s.t), req)
	if status.Code(err) == codes.FailedPrecondition {
		return
	}
	if err != nil {
		s.fail("step %d: repayment %v: %v", step, req, err)
	}
	shadow, err := s.shadow.RecordRepayment(ctx(s.t), req)
	if err != nil {
		s.fail("step %d: the shadow's repayment: %v", step, err)
	}
	s.payments, s.answers = append(s.payments, req), append(s.answers, r)
	s.live = append(s.live, r.GetSeq())
	s.shadowSeq[r.GetSeq()] = shadow.GetSeq()
}

// retry sends a repayment again, as its servicer: the same answer, and
// nothing written.
func (s *authSim) retry() {
	i := s.rng.IntN(len(s.payments))
	r, err := loancorev1.NewLoanServiceClient(s.c.servicer).RecordRepayment(ctx(s.t), s.payments[i])
	if err != nil || r.GetSeq() != s.answers[i].GetSeq() {
		s.fail("a retry of %s: seq %d, %v; want seq %d", s.payments[i].GetRequestId(), r.GetSeq(), err, s.answers[i].GetSeq())
	}
}

// reuseByAnother sends a servicer's request id as the admin, another
// subject: ALREADY_EXISTS, never the servicer's answer.
func (s *authSim) reuseByAnother() {
	i := s.rng.IntN(len(s.payments))
	_, err := s.c.loans.RecordRepayment(ctx(s.t), s.payments[i])
	if status.Code(err) != codes.AlreadyExists {
		s.fail("request %s sent by another subject: %v, want ALREADY_EXISTS", s.payments[i].GetRequestId(), err)
	}
}

// reverse asks to reverse a live repayment as an operator; the policy
// holds it, and the second operator approves it (then the shadow reverses
// it too) or rejects it.
func (s *authSim) reverse(step int) {
	if len(s.live) == 0 {
		return
	}
	k := s.rng.IntN(len(s.live))
	seq := s.live[k]
	held, err := loancorev1.NewLoanServiceClient(s.c.operator).ReverseRepayment(ctx(s.t), &loancorev1.ReverseRepaymentRequest{
		RequestId: fmt.Sprintf("rev-%d", step), LoanId: "SIM", Seq: seq, Reason: "bounced"})
	if err != nil || held.GetPendingAction() == nil {
		s.fail("step %d: a reversal of %d held: %v %v", step, seq, held.GetPendingAction(), err)
	}
	id := held.GetPendingAction().GetActionId()
	if s.rng.IntN(3) == 0 {
		if _, err := s.c.secondApprovals.RejectAction(s.c.asOperatorKey(s.t), &loancorev1.RejectActionRequest{
			RequestId: fmt.Sprintf("rj-%d", step), ActionId: id, Reason: "not proven"}); err != nil {
			s.fail("step %d: rejecting %s: %v", step, id, err)
		}
		return
	}
	if _, err := s.c.secondApprovals.ApproveAction(s.c.asOperatorKey(s.t), &loancorev1.ApproveActionRequest{
		RequestId: fmt.Sprintf("ap-%d", step), ActionId: id}); err != nil {
		s.fail("step %d: approving %s: %v", step, id, err)
	}
	if _, err := s.shadow.ReverseRepayment(ctx(s.t), &loancorev1.ReverseRepaymentRequest{RequestId: fmt.Sprintf("rev-%d", step),
		LoanId: "SIM", Seq: s.shadowSeq[seq], Reason: "bounced"}); err != nil {
		s.fail("step %d: the shadow's reversal: %v", step, err)
	}
	s.live = append(s.live[:k], s.live[k+1:]...)
}

// compare checks the two loans owe and have paid the same as of today,
// and that every event of the authenticated loan carries its caller.
func (s *authSim) compare(step int) {
	get := func(c loancorev1.LoanServiceClient) *loancorev1.Loan {
		r, err := c.GetLoan(ctx(s.t), &loancorev1.GetLoanRequest{LoanId: "SIM"})
		if err != nil {
			s.fail("step %d: GetLoan: %v", step, err)
		}
		l := r.GetLoan()
		return &loancorev1.Loan{Outstanding: l.GetOutstanding(), Installments: l.GetInstallments(), DaysPastDue: l.GetDaysPastDue(), Status: l.GetStatus()}
	}
	if a, b := get(s.c.loans), get(s.shadow); !proto.Equal(a, b) {
		s.fail("step %d: the loan and its shadow differ:\n%v\n%v", step, a, b)
	}
	// The maker of a reversal is the operator of the certificate; the
	// checker who executes or rejects it, the operator of the API key.
	want := map[string]string{"REPAYMENT": "spiffe://loancore.test/servicer", "ACTION_REQUESTED": "spiffe://loancore.test/operator",
		"REPAYMENT_REVERSAL": "key-operator", "ACTION_REJECTED": "key-operator", "ORIGINATION": "spiffe://loancore.test/admin",
		"DISBURSEMENT": "spiffe://loancore.test/admin"}
	for _, e := range s.c.eventsOf(s.t, "SIM") {
		kind, rest, _ := strings.Cut(e, " ")
		if actor, _, _ := strings.Cut(rest, " "); actor != want[kind] {
			s.fail("step %d: event %q by %s, want %s", step, kind, actor, want[kind])
		}
	}
}
