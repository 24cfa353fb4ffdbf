package grpcapi

import (
	"context"
	"time"

	loancorev1 "github.com/loancore/loancore/gen/loancore/v1"
	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
	"github.com/loancore/loancore/internal/store"
)

// closeService implements loancore.v1.CloseOfBusinessService.
type closeService struct {
	loancorev1.UnimplementedCloseOfBusinessServiceServer
	close *servicing.Close
}

func runToProto(r store.COBRun) *loancorev1.CloseOfBusinessRun {
	out := &loancorev1.CloseOfBusinessRun{BusinessDate: r.BusinessDate.String(), LoansTotal: r.LoansTotal, LoansDone: r.LoansDone,
		Failures: r.Failures, StartedAt: r.StartedAt.UTC().Format(time.RFC3339Nano)}
	switch r.Status {
	case store.COBRunning:
		out.Status = loancorev1.CloseOfBusinessStatus_CLOSE_OF_BUSINESS_STATUS_RUNNING
	case store.COBCompleted:
		out.Status = loancorev1.CloseOfBusinessStatus_CLOSE_OF_BUSINESS_STATUS_COMPLETED
	}
	if !r.FinishedAt.IsZero() {
		out.FinishedAt = r.FinishedAt.UTC().Format(time.RFC3339Nano)
	}
	return out
}

// RunCloseOfBusiness implements loancore.v1.CloseOfBusinessService/RunCloseOfBusiness.
func (s *closeService) RunCloseOfBusiness(req *loancorev1.RunCloseOfBusinessRequest, stream loancorev1.CloseOfBusinessService_RunCloseOfBusinessServer) error {
	ctx := stream.Context()
	var p parser
	d := p.date("business_date", req.GetBusinessDate(), false)
	if err := p.err("", nil); err != nil {
		return err
	}
	var sendErr error
	sent := 0
	last, err := s.close.Run(ctx, servicing.RunParams{BusinessDate: d, Progress: func(pr servicing.COBProgress) {
		if sendErr == nil {
			sendErr = stream.Send(&loancorev1.RunCloseOfBusinessResponse{Run: runToProto(pr.Run)})
			sent++
		}
	}})
	if err != nil {
		return err
	}
	if sendErr != nil || sent > 0 {
		return sendErr
	}
	// A date already closed ran nothing: say so once.
	return stream.Send(&loancorev1.RunCloseOfBusinessResponse{Run: runToProto(last)})
}

// GetCloseOfBusinessRun implements loancore.v1.CloseOfBusinessService/GetCloseOfBusinessRun.
func (s *closeService) GetCloseOfBusinessRun(ctx context.Context, req *loancorev1.GetCloseOfBusinessRunRequest) (*loancorev1.GetCloseOfBusinessRunResponse, error) {
	var p parser
	d := p.date("business_date", req.GetBusinessDate(), true)
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	r, err := s.close.GetRun(ctx, d)
	if err != nil {
		return nil, err
	}
	return &loancorev1.GetCloseOfBusinessRunResponse{Run: runToProto(r)}, nil
}

// ListDelinquentLoans implements loancore.v1.CloseOfBusinessService/ListDelinquentLoans.
func (s *closeService) ListDelinquentLoans(ctx context.Context, req *loancorev1.ListDelinquentLoansRequest) (*loancorev1.ListDelinquentLoansResponse, error) {
	var p parser
	asOf := p.date("as_of", req.GetAsOf(), false)
	var bucket engine.Bucket
	if b := req.GetBucket(); b != loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_UNSPECIFIED {
		if b < loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M0 || b > loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M7 {
			p.enumUnknown("bucket", int32(b))
		}
		bucket = engine.Bucket(b - 1)
	}
	var class engine.RiskClass
	if c := req.GetRiskClass(); c != loancorev1.RiskClass_RISK_CLASS_UNSPECIFIED {
		if c > loancorev1.RiskClass_RISK_CLASS_LOSS || c < 0 {
			p.enumUnknown("risk_class", int32(c))
		}
		class = engine.RiskClass(c)
	}
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	// M0 is never delinquent: asking for it lists nothing.
	if req.GetBucket() == loancorev1.DelinquencyBucket_DELINQUENCY_BUCKET_M0 {
		return &loancorev1.ListDelinquentLoansResponse{}, nil
	}
	got, d, next, err := s.close.ListDelinquent(ctx, servicing.ListDelinquentParams{AsOf: asOf, Bucket: bucket, RiskClass: class,
		PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &loancorev1.ListDelinquentLoansResponse{NextPageToken: next, AsOf: d.String()}
	for _, pos := range got {
		c := currencyOf(pos.Currency)
		out.Loans = append(out.Loans, &loancorev1.DelinquentLoan{LoanId: pos.LoanID, BorrowerId: pos.BorrowerID,
			DaysPastDue: int32(pos.DaysPastDue), Bucket: bucketToProto(pos.Bucket), RiskClass: loancorev1.RiskClass(pos.RiskClass),
			Currency: pos.Currency, Outstanding: outstandingToProto(pos.Outstanding, c)})
	}
	return out, nil
}

var noticeKinds = map[string]loancorev1.NoticeKind{
	servicing.NoticeUpcomingDue:  loancorev1.NoticeKind_NOTICE_KIND_UPCOMING_DUE,
	servicing.NoticeFirstOverdue: loancorev1.NoticeKind_NOTICE_KIND_FIRST_OVERDUE,
	servicing.NoticeBucketChange: loancorev1.NoticeKind_NOTICE_KIND_BUCKET_CHANGE,
	servicing.NoticeCreditReport: loancorev1.NoticeKind_NOTICE_KIND_CREDIT_REPORT_PRENOTICE,
	servicing.NoticeLateFee:      loancorev1.NoticeKind_NOTICE_KIND_LATE_FEE,
}

// ListDueNotices implements loancore.v1.CloseOfBusinessService/ListDueNotices.
func (s *closeService) ListDueNotices(ctx context.Context, req *loancorev1.ListDueNoticesRequest) (*loancorev1.ListDueNoticesResponse, error) {
	var p parser
	from := p.date("from_date", req.GetFromDate(), true)
	to := p.date("to_date", req.GetToDate(), false)
	if err := p.err("", nil); err != nil {
		return nil, err
	}
	got, next, err := s.close.ListNotices(ctx, servicing.ListNoticesParams{From: from, To: to, PageSize: int(req.GetPageSize()), PageToken: req.GetPageToken()})
	if err != nil {
		return nil, err
	}
	out := &loancorev1.ListDueNoticesResponse{NextPageToken: next}
	for _, n := range got {
		out.Notices = append(out.Notices, noticeToProto(n))
	}
	return out, nil
}

// noticeToProto renders a notice, for ListDueNotices and the event feed.
func noticeToProto(n store.Notice) *loancorev1.DueNotice {
	pn := &loancorev1.DueNotice{NoticeId: n.ID, Kind: noticeKinds[n.Kind], NoticeDate: n.Date.String(), LoanId: n.LoanID,
		BorrowerId: n.BorrowerID, InstallmentNumber: int32(n.InstallmentNumber), Amount: n.Amount.Format(currencyOf(n.Currency)),
		Currency: n.Currency, DaysPastDue: int32(n.DaysPastDue), Bucket: bucketToProto(n.Bucket)}
	if n.DueDate != engine.NoDate {
		pn.DueDate = n.DueDate.String()
	}
	return pn
}

// currencyOf looks up a stored currency code; a code the server wrote is
// always known, and an unknown one formats with the widest precision.
func currencyOf(code string) money.Currency {
	if c, ok := money.LookupCurrency(code); ok {
		return c
	}
	return anyPrecision
}
