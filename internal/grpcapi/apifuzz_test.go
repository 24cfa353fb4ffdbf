package grpcapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/cputime"
)

// TestAPIFuzz sends seeded random requests to every RPC of every
// loancore.v1 service through a real server on loopback, with
// authentication on (the callers are client certificates of every role,
// admin most of the time), on each store:
// well-formed requests with hostile values (empty, huge, NUL, out-of-range
// dates, unknown enum numbers, ids of loans and agreements that exist and
// that do not) mixed with requests that reach deep into the use cases
// (loans booked, paid, restructured). No call may answer INTERNAL or
// UNKNOWN, take over a second (of CPU on a busy machine; see
// checkDuration), or leave the server's heap grown beyond a bound.
// LOANCORE_FUZZ_SEED replays a run; LOANCORE_FUZZ_CALLS sets how many
// calls a store gets (default 1500, 300 with -short).
func TestAPIFuzz(t *testing.T) {
	seed := uint64(time.Now().UnixNano())
	if s := os.Getenv("LOANCORE_FUZZ_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	calls := 1500
	if testing.Short() {
		calls = 300
	}
	if s := os.Getenv("LOANCORE_FUZZ_CALLS"); s != "" {
		calls, _ = strconv.Atoi(s)
	}
	t.Logf("seed %d (LOANCORE_FUZZ_SEED=%d replays it), %d calls a store", seed, seed, calls)
	for _, store := range []string{"sqlite", "postgres"} {
		t.Run(store, func(t *testing.T) {
			f := newFuzzer(t, newAuthFixture(t, store), seed)
			before := heapInUse()
			for range calls {
				f.call()
			}
			if grown := heapInUse() - before; grown > fuzzHeapBound {
				t.Errorf("the server's heap grew by %d MB over %d calls; the bound is %d MB", grown>>20, calls, fuzzHeapBound>>20)
			}
			t.Logf("%d calls: %v; credit line calls answered OK: %v", calls, f.codes, f.linesOK)
		})
	}
}

// fuzzHeapBound is how much the heap may grow over a fuzz run: the log
// cache holds every loan the run writes (a few KB each), and the rest must
// be garbage.
const fuzzHeapBound = 128 << 20

// heapInUse is the heap in use after a collection, in bytes.
func heapInUse() int64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

// fuzzer makes and sends the requests of one run.
type fuzzer struct {
	t *testing.T
	// conns are the callers, by role: mostly admin (every call reaches
	// its handler), sometimes a role the policy refuses some calls.
	conns   map[string]*grpc.ClientConn
	roles   []string
	rng     *rand.Rand
	methods []protoreflect.MethodDescriptor
	// loanIDs, agreementIDs and lineIDs are ids that exist, for requests
	// to name.
	loanIDs, agreementIDs, lineIDs []string
	codes                          map[codes.Code]int
	// linesOK counts the credit line calls answered OK, by method: how
	// deep the run reached into real lines.
	linesOK map[string]int
}

// newFuzzer books a few loans on the fixture's server to start from and
// lists every method.
func newFuzzer(t *testing.T, af *authFixture, seed uint64) *fuzzer {
	f := &fuzzer{t: t, conns: af.conns, roles: af.policy.Roles(), rng: rand.New(rand.NewPCG(seed, seed>>1)), codes: map[codes.Code]int{},
		linesOK: map[string]int{}}
	loans := loancorev1.NewLoanServiceClient(af.conns["admin"])
	protoregistry.GlobalFiles.RangeFilesByPackage("loancore.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			ms := fd.Services().Get(i).Methods()
			for j := range ms.Len() {
				f.methods = append(f.methods, ms.Get(j))
			}
		}
		return true
	})
	sort.Slice(f.methods, func(i, j int) bool { return f.methods[i].FullName() < f.methods[j].FullName() })
	for i := range 4 {
		id := fmt.Sprintf("FZ-%d", i)
		terms := loan12kTerms(i%2 == 0)
		if i >= 2 {
			terms.ApprovedAmount = "50000" // these take tranches
		}
		if _, err := loans.CreateLoan(ctx(t), &loancorev1.CreateLoanRequest{RequestId: "fz-c-" + id, LoanId: id, BorrowerId: "B1", Terms: terms}); err != nil {
			t.Fatal(err)
		}
		f.loanIDs = append(f.loanIDs, id)
	}
	lines := loancorev1.NewCreditLineServiceClient(af.conns["admin"])
	// Six lines, so that a few random closes leave some to draw from;
	// bounds wide enough for most random installment counts.
	for i := range 6 {
		id := fmt.Sprintf("FZ-CL-%d", i)
		if _, err := lines.OpenCreditLine(ctx(t), &loancorev1.OpenCreditLineRequest{RequestId: "fz-o-" + id, CreditLineId: id, BorrowerId: "B1",
			Currency: "CNY", Limit: "50000", Revolving: i == 0, DrawdownTerms: &loancorev1.LoanTerms{AnnualRatePercent: "12", InstallmentCount: 12,
				Method: loancorev1.RepaymentMethod_REPAYMENT_METHOD_EQUAL_INSTALLMENT},
			DrawdownBounds: &loancorev1.DrawdownBounds{MinInstallmentCount: 1, MaxInstallmentCount: 40}}); err != nil {
			t.Fatal(err)
		}
		f.lineIDs = append(f.lineIDs, id)
	}
	return f
}

// call sends one random request to one random method and checks the answer.
func (f *fuzzer) call() {
	m := f.methods[f.rng.IntN(len(f.methods))]
	req := f.request(m)
	body, err := proto.MarshalOptions{Deterministic: true}.Marshal(req)
	if err != nil {
		f.t.Fatalf("marshal %s: %v", m.FullName(), err)
	}
	method := "/" + string(m.Parent().FullName()) + "/" + string(m.Name())
	conn := f.conns["admin"]
	if f.rng.IntN(5) == 0 {
		conn = f.conns[f.roles[f.rng.IntN(len(f.roles))]]
	}
	start, cpuStart := time.Now(), cputime.Process()
	var answers [][]byte
	// A subscription to the event feed follows it for ever unless it
	// stops at the head: give one that follows a short while.
	following := m.Name() == "SubscribeEvents" && !req.Get(req.Descriptor().Fields().ByName("stop_at_head")).Bool()
	if m.IsStreamingServer() {
		answers, err = f.stream(conn, method, body, following)
		if following && status.Code(err) == codes.DeadlineExceeded {
			err, start = nil, time.Now()
		}
	} else {
		var out []byte
		err = conn.Invoke(ctx(f.t), method, body, &out, grpc.ForceCodecV2(rawCodec{}))
		answers = [][]byte{out}
	}
	elapsed, cpu := time.Since(start), cputime.Process()-cpuStart
	code := status.Code(err)
	f.codes[code]++
	if code == codes.Internal || code == codes.Unknown {
		f.t.Errorf("%s answered %v: %v\nrequest: %s", method, code, err, clip(req))
	}
	f.checkDuration(method, req, elapsed, cpu)
	if err == nil {
		f.harvest(m.Output(), answers)
		if m.Parent().Name() == "CreditLineService" {
			f.linesOK[string(m.Name())]++
		}
	}
}

// checkDuration fails a call that took over a second. On a machine shared
// with other work a cheap call can wait that long for a CPU, so a call
// over a second of wall time fails only if the test process (client and
// server are both in it, and calls run one at a time) also spent over a
// second of CPU during it, or if it took over slowCallLimit whatever the
// CPU says (a call that waits on something, not computes); otherwise it is
// logged. The work a PostgreSQL query does is in the database's
// processes, so there the wall-time limit is what holds.
func (f *fuzzer) checkDuration(method string, req proto.Message, elapsed, cpu time.Duration) {
	switch {
	case elapsed <= time.Second:
	case cpu > time.Second || elapsed > slowCallLimit:
		f.t.Errorf("%s took %v (%v of CPU)\nrequest: %s", method, elapsed, cpu, clip(req))
	default:
		f.t.Logf("%s took %v of wall time but %v of CPU: the machine was busy\nrequest: %s", method, elapsed, cpu, clip(req))
	}
}

// slowCallLimit is the wall time no fuzzed call may take, busy machine or
// not.
const slowCallLimit = 5 * time.Second

// stream runs a server-streaming call to its end.
func (f *fuzzer) stream(conn *grpc.ClientConn, method string, body []byte, following bool) ([][]byte, error) {
	desc := &grpc.StreamDesc{ServerStreams: true}
	c := ctx(f.t)
	if following {
		var cancel context.CancelFunc
		c, cancel = context.WithTimeout(c, 300*time.Millisecond)
		defer cancel()
	}
	s, err := conn.NewStream(c, desc, method, grpc.ForceCodecV2(rawCodec{}))
	if err != nil {
		return nil, err
	}
	if err := s.SendMsg(body); err != nil {
		return nil, err
	}
	if err := s.CloseSend(); err != nil {
		return nil, err
	}
	var out [][]byte
	for {
		var b []byte
		err := s.RecvMsg(&b)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, b)
	}
}

// harvest remembers the loan, agreement and credit line ids an answer
// names, so that later requests reach what the run made.
func (f *fuzzer) harvest(md protoreflect.MessageDescriptor, answers [][]byte) {
	for _, b := range answers {
		m := dynamicpb.NewMessage(md)
		if proto.Unmarshal(b, m) != nil {
			continue
		}
		walkStrings(m, func(name, v string) {
			switch {
			case name == "loan_id" && !slices.Contains(f.loanIDs, v) && len(f.loanIDs) < 64:
				f.loanIDs = append(f.loanIDs, v)
			case name == "agreement_id" && !slices.Contains(f.agreementIDs, v) && len(f.agreementIDs) < 64:
				f.agreementIDs = append(f.agreementIDs, v)
			case name == "credit_line_id" && !slices.Contains(f.lineIDs, v) && len(f.lineIDs) < 64:
				f.lineIDs = append(f.lineIDs, v)
			}
		})
	}
}

// walkStrings calls visit for every set string field of m, nested ones too.
func walkStrings(m protoreflect.Message, visit func(name, v string)) {
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList() && fd.Kind() == protoreflect.MessageKind:
			for i := range v.List().Len() {
				walkStrings(v.List().Get(i).Message(), visit)
			}
		case fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap():
			walkStrings(v.Message(), visit)
		case fd.Kind() == protoreflect.StringKind && !fd.IsList():
			visit(string(fd.Name()), v.String())
		}
		return true
	})
}

// clip is a request as text, cut short for a failure message.
func clip(m proto.Message) string {
	s := fmt.Sprint(m)
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

// fill sets a random selection of m's fields to random values.
func (f *fuzzer) fill(m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.IsMap() || f.rng.IntN(10) < 2 {
			continue
		}
		if fd.IsList() {
			list := m.Mutable(fd).List()
			for range f.rng.IntN(4) {
				list.Append(f.value(m, fd, depth))
			}
			continue
		}
		m.Set(fd, f.value(m, fd, depth))
	}
}

// value is a random value for a field of m.
func (f *fuzzer) value(m protoreflect.Message, fd protoreflect.FieldDescriptor, depth int) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(f.str(string(fd.Name())))
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(f.rng.IntN(2) == 0)
	case protoreflect.EnumKind:
		n := fd.Enum().Values().Len()
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(f.rng.IntN(n+3) - 1))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(f.integer()))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(f.integer())
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(f.integer()))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(uint64(f.integer()))
	case protoreflect.MessageKind:
		var sub protoreflect.Message
		if fd.IsList() {
			sub = m.Mutable(fd).List().NewElement().Message()
		} else {
			sub = m.NewField(fd).Message()
		}
		if depth < 4 {
			f.fill(sub, depth+1)
		}
		return protoreflect.ValueOfMessage(sub)
	}
	return fd.Default()
}

// integer is mostly small and sometimes extreme.
func (f *fuzzer) integer() int64 {
	switch f.rng.IntN(10) {
	case 0:
		return -1
	case 1:
		return 1 << 31
	case 2:
		return int64(f.rng.Uint64())
	}
	return int64(f.rng.IntN(40))
}

// hostile are values no well-behaved client sends.
var hostile = []string{"", " ", "\x00", "a\x00b", "ñ", "🙂", "-1", "0", "1e400", "NaN", "Infinity", "0x10", "1,000.00", "+5",
	"0001-01-01", "9999-12-31", "2024-02-30", "2024-13-01", "null", "'; DROP TABLE loans;--", "%s%n%x",
	strings.Repeat("9", 5000), strings.Repeat("1", 64), strings.Repeat("x", 70_000), strings.Repeat("\x00", 2000)}

// str is a random value for a string field, by what its name says it is.
func (f *fuzzer) str(name string) string {
	if f.rng.IntN(4) == 0 {
		return hostile[f.rng.IntN(len(hostile))]
	}
	switch {
	case name == "loan_id" && len(f.loanIDs) > 0 && f.rng.IntN(4) > 0:
		return f.loanIDs[f.rng.IntN(len(f.loanIDs))]
	case name == "agreement_id" && len(f.agreementIDs) > 0 && f.rng.IntN(4) > 0:
		return f.agreementIDs[f.rng.IntN(len(f.agreementIDs))]
	case name == "credit_line_id" && len(f.lineIDs) > 0 && f.rng.IntN(4) > 0:
		return f.lineIDs[f.rng.IntN(len(f.lineIDs))]
	case strings.HasSuffix(name, "_id"):
		return fmt.Sprintf("fz-%d", f.rng.IntN(1<<30))
	case name == "currency":
		return []string{"CNY", "JPY", "KWD", "USD", "XXX", "cny"}[f.rng.IntN(6)]
	case name == "known_at":
		return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(f.rng.IntN(200*24)) * time.Hour).Format(time.RFC3339)
	case strings.Contains(name, "date") || name == "as_of" || name == "expires_on":
		return engineDate(f.rng.IntN(200))
	case strings.Contains(name, "percent") || strings.Contains(name, "rate"):
		return []string{"0", "4.9", "12", "24", "0.0001", "100", "1000", "36.5"}[f.rng.IntN(8)]
	}
	return f.amount()
}

// amount is a decimal string, mostly the size of a loan's figures.
func (f *fuzzer) amount() string {
	switch f.rng.IntN(6) {
	case 0:
		return strconv.Itoa(f.rng.IntN(100))
	case 1:
		return fmt.Sprintf("%d.%02d", f.rng.IntN(2000), f.rng.IntN(100))
	case 2:
		return "1066.19"
	case 3:
		return "12000"
	case 4:
		return fmt.Sprintf("%d.%03d", f.rng.IntN(10), f.rng.IntN(1000))
	}
	return strconv.Itoa(f.rng.IntN(1_000_000))
}

// engineDate is a date from 2024-01-01 on, days later.
func engineDate(days int) string {
	return time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, days).Format(time.DateOnly)
}
