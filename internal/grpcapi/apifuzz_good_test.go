package grpcapi_test

import (
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
)

// good is a well-formed request for the method when the fuzzer knows how
// to make one — a loan booked, paid, read, restructured, closed — so that
// the run reaches the use cases, not only the checks at the edge; nil
// for the other methods.
func (f *fuzzer) good(m protoreflect.MethodDescriptor) proto.Message {
	loan, day := f.loanID(), engineDate(f.rng.IntN(150))
	rid := fmt.Sprintf("fz-%d", f.rng.IntN(1<<30))
	switch m.Name() {
	case "CreateLoan":
		return &loancorev1.CreateLoanRequest{RequestId: rid, LoanId: "L" + rid, BorrowerId: "B1", Terms: f.terms()}
	case "RecordRepayment":
		return &loancorev1.RecordRepaymentRequest{RequestId: rid, LoanId: loan, Amount: f.amount(), ValueDate: day}
	case "DisburseTranche":
		if f.rng.IntN(2) == 0 {
			// FZ-2 and FZ-3 take tranches; most loans do not.
			loan = fmt.Sprintf("FZ-%d", 2+f.rng.IntN(2))
		}
		return &loancorev1.DisburseTrancheRequest{RequestId: rid, LoanId: loan, Amount: f.amount(), ValueDate: engineDate(14 + f.rng.IntN(138))}
	case "GetLoan":
		return &loancorev1.GetLoanRequest{LoanId: loan, AsOf: day}
	case "QuotePayoff":
		return &loancorev1.QuotePayoffRequest{LoanId: loan, PayoffDate: day}
	case "ListLoanEvents":
		return &loancorev1.ListLoanEventsRequest{LoanId: loan}
	case "ReverseRepayment":
		return &loancorev1.ReverseRepaymentRequest{RequestId: rid, LoanId: loan, Seq: int64(f.rng.IntN(8) + 1), Reason: "fuzz"}
	case "WaiveAmounts":
		return &loancorev1.WaiveAmountsRequest{RequestId: rid, LoanId: loan, Penalty: "0.01", Interest: "1.00", Reason: "fuzz"}
	case "QuoteRestructuring":
		return &loancorev1.QuoteRestructuringRequest{LoanId: loan, Changes: f.changes()}
	case "ProposeAgreement":
		return &loancorev1.ProposeAgreementRequest{RequestId: rid, LoanId: loan, Changes: f.changes(), Reason: "fuzz"}
	case "AcceptAgreement":
		return &loancorev1.AcceptAgreementRequest{RequestId: rid, AgreementId: f.agreementID(), SignedBy: "B1"}
	case "CancelAgreement":
		return &loancorev1.CancelAgreementRequest{RequestId: rid, AgreementId: f.agreementID(), Reason: "fuzz"}
	case "RunCloseOfBusiness":
		return &loancorev1.RunCloseOfBusinessRequest{BusinessDate: engineDate(140 + f.rng.IntN(12))}
	case "ListDueNotices":
		return &loancorev1.ListDueNoticesRequest{FromDate: day, ToDate: engineDate(f.rng.IntN(150))}
	case "QuoteSchedule":
		return &loancorev1.QuoteScheduleRequest{Terms: f.terms()}
	case "SubscribeEvents":
		req := &loancorev1.SubscribeEventsRequest{AfterPosition: int64(f.rng.IntN(64)), StopAtHead: f.rng.IntN(4) > 0}
		if f.rng.IntN(2) == 0 {
			req.LoanIds = []string{loan}
		}
		if f.rng.IntN(2) == 0 {
			req.Kinds = []loancorev1.FeedEventKind{loancorev1.FeedEventKind(f.rng.IntN(14)), loancorev1.FeedEventKind_FEED_EVENT_KIND_ACCRUAL}
		}
		return req
	case "ListPendingActions":
		return &loancorev1.ListPendingActionsRequest{LoanId: loan}
	case "ApproveAction":
		return &loancorev1.ApproveActionRequest{RequestId: rid, ActionId: fmt.Sprintf("AC%d", f.rng.IntN(8))}
	case "RejectAction":
		return &loancorev1.RejectActionRequest{RequestId: rid, ActionId: fmt.Sprintf("AC%d", f.rng.IntN(8)), Reason: "fuzz"}
	}
	return nil
}

// terms are well-formed loan terms of a random size and method.
func (f *fuzzer) terms() *loancorev1.LoanTerms {
	t := loan12kTerms(f.rng.IntN(2) == 0)
	t.Principal = fmt.Sprintf("%d.%02d", 100+f.rng.IntN(50_000), f.rng.IntN(100))
	t.InstallmentCount = int32(1 + f.rng.IntN(36))
	t.Method = loancorev1.RepaymentMethod(1 + f.rng.IntN(5))
	t.DisbursementDate = engineDate(f.rng.IntN(120))
	if f.rng.IntN(2) == 0 && t.Method != loancorev1.RepaymentMethod_REPAYMENT_METHOD_FLAT {
		// Tranches allowed (DisburseTranche), up to an approved amount
		// that is at times below the principal (refused).
		t.ApprovedAmount = fmt.Sprintf("%d.00", 200+f.rng.IntN(100_000))
	}
	return t
}

// changes are a well-formed restructuring of one kind.
func (f *fuzzer) changes() *loancorev1.RestructuringChanges {
	switch f.rng.IntN(3) {
	case 0:
		return &loancorev1.RestructuringChanges{TermExtension: &loancorev1.TermExtension{ExtraInstallments: int32(1 + f.rng.IntN(6))}}
	case 1:
		return &loancorev1.RestructuringChanges{Waiver: &loancorev1.RestructuringWaiver{Interest: "1.00"}}
	}
	return &loancorev1.RestructuringChanges{InterestFreezePlan: &loancorev1.InterestFreezePlan{InstallmentCount: int32(1 + f.rng.IntN(24)),
		FirstDueDate: engineDate(152 + f.rng.IntN(30))}}
}

func (f *fuzzer) loanID() string {
	if len(f.loanIDs) == 0 {
		return "none"
	}
	return f.loanIDs[f.rng.IntN(len(f.loanIDs))]
}

func (f *fuzzer) agreementID() string {
	if len(f.agreementIDs) == 0 {
		return "none"
	}
	return f.agreementIDs[f.rng.IntN(len(f.agreementIDs))]
}

// request is the request the fuzzer sends to m: half the time a
// well-formed one, some of them with one field made hostile; else every
// field random.
func (f *fuzzer) request(m protoreflect.MethodDescriptor) *dynamicpb.Message {
	req := dynamicpb.NewMessage(m.Input())
	good := f.good(m)
	if good == nil || f.rng.IntN(2) == 0 {
		f.fill(req, 0)
		return req
	}
	b, err := proto.Marshal(good)
	if err == nil {
		err = proto.Unmarshal(b, req)
	}
	if err != nil {
		f.t.Fatalf("%s: %v", m.FullName(), err)
	}
	if f.rng.IntN(3) == 0 {
		fields := req.Descriptor().Fields()
		fd := fields.Get(f.rng.IntN(fields.Len()))
		if !fd.IsMap() && !fd.IsList() {
			req.Set(fd, f.value(req, fd, 3))
		}
	}
	return req
}
