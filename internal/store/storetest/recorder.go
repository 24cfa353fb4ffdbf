package storetest

import (
	"context"
	"reflect"
	"sort"
	"sync"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// callLog remembers which methods of the contract the suite called.
type callLog struct {
	mu     sync.Mutex
	called map[string]bool
}

func newCallLog() *callLog { return &callLog{called: map[string]bool{}} }

func (c *callLog) note(method string) {
	c.mu.Lock()
	c.called[method] = true
	c.mu.Unlock()
}

// missing lists the methods of the interface iface that were never called.
func (c *callLog) missing(iface reflect.Type) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for i := range iface.NumMethod() {
		if m := iface.Method(i).Name; !c.called[m] {
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

// recorder is the store under test, noting each method a test calls.
type recorder struct {
	store.Store
	calls *callLog
}

func (r *recorder) CreateLoan(ctx context.Context, p store.NewLoanRecord) error {
	r.calls.note("CreateLoan")
	return r.Store.CreateLoan(ctx, p)
}

func (r *recorder) AppendEvent(ctx context.Context, p store.AppendEventParams) error {
	r.calls.note("AppendEvent")
	return r.Store.AppendEvent(ctx, p)
}

func (r *recorder) LoanVersions(ctx context.Context, ids []string) (map[string]int64, error) {
	r.calls.note("LoanVersions")
	return r.Store.LoanVersions(ctx, ids)
}

func (r *recorder) LoanVersionsSince(ctx context.Context, since string, ids []string) (store.MarkedVersions, error) {
	r.calls.note("LoanVersionsSince")
	return r.Store.LoanVersionsSince(ctx, since, ids)
}

func (r *recorder) MarkerUnchanged(since string) bool {
	r.calls.note("MarkerUnchanged")
	return r.Store.MarkerUnchanged(since)
}

func (r *recorder) LoadLoan(ctx context.Context, p store.LoadLoanParams) (store.LoanLog, error) {
	r.calls.note("LoadLoan")
	return r.Store.LoadLoan(ctx, p)
}

func (r *recorder) ListLoans(ctx context.Context, p store.LoanQuery) ([]store.LoanRecord, error) {
	r.calls.note("ListLoans")
	return r.Store.ListLoans(ctx, p)
}

func (r *recorder) FindRequest(ctx context.Context, p store.RequestKey) (store.RequestRecord, error) {
	r.calls.note("FindRequest")
	return r.Store.FindRequest(ctx, p)
}

func (r *recorder) FindAgreement(ctx context.Context, p store.AgreementKey) (store.AgreementRecord, error) {
	r.calls.note("FindAgreement")
	return r.Store.FindAgreement(ctx, p)
}

func (r *recorder) ListAgreements(ctx context.Context, p store.AgreementQuery) ([]store.AgreementRecord, error) {
	r.calls.note("ListAgreements")
	return r.Store.ListAgreements(ctx, p)
}

func (r *recorder) SaveAgreement(ctx context.Context, p store.AgreementRecord) error {
	r.calls.note("SaveAgreement")
	return r.Store.SaveAgreement(ctx, p)
}

func (r *recorder) FindAction(ctx context.Context, p store.ActionKey) (store.ActionRecord, error) {
	r.calls.note("FindAction")
	return r.Store.FindAction(ctx, p)
}

func (r *recorder) ListActions(ctx context.Context, p store.ActionQuery) ([]store.ActionRecord, error) {
	r.calls.note("ListActions")
	return r.Store.ListActions(ctx, p)
}

func (r *recorder) GetCOBRun(ctx context.Context, p store.COBRunKey) (store.COBRun, error) {
	r.calls.note("GetCOBRun")
	return r.Store.GetCOBRun(ctx, p)
}

func (r *recorder) LastCOBRun(ctx context.Context) (store.COBRun, error) {
	r.calls.note("LastCOBRun")
	return r.Store.LastCOBRun(ctx)
}

func (r *recorder) SaveCOBRun(ctx context.Context, p store.COBRun) error {
	r.calls.note("SaveCOBRun")
	return r.Store.SaveCOBRun(ctx, p)
}

func (r *recorder) TakeCOBRun(ctx context.Context, p store.COBRun) error {
	r.calls.note("TakeCOBRun")
	return r.Store.TakeCOBRun(ctx, p)
}

func (r *recorder) CountCOBLoans(ctx context.Context, p store.COBLoansParams) (int64, error) {
	r.calls.note("CountCOBLoans")
	return r.Store.CountCOBLoans(ctx, p)
}

func (r *recorder) CountPositions(ctx context.Context, p store.PositionCountQuery) (int64, error) {
	r.calls.note("CountPositions")
	return r.Store.CountPositions(ctx, p)
}

func (r *recorder) COBLoans(ctx context.Context, p store.COBLoansParams) (store.COBPage, error) {
	r.calls.note("COBLoans")
	return r.Store.COBLoans(ctx, p)
}

func (r *recorder) CarryPositions(ctx context.Context, p store.CarryPositionsParams) (store.CarryResult, error) {
	r.calls.note("CarryPositions")
	return r.Store.CarryPositions(ctx, p)
}

func (r *recorder) CarryPageEnd(ctx context.Context, p store.CarryPageEndParams) (string, error) {
	r.calls.note("CarryPageEnd")
	return r.Store.CarryPageEnd(ctx, p)
}

func (r *recorder) SavePositions(ctx context.Context, p store.SavePositionsParams) error {
	r.calls.note("SavePositions")
	return r.Store.SavePositions(ctx, p)
}

func (r *recorder) CountDelinquent(ctx context.Context, p store.DelinquencyCountQuery) (map[engine.Bucket]int64, error) {
	r.calls.note("CountDelinquent")
	return r.Store.CountDelinquent(ctx, p)
}

func (r *recorder) DelinquentPositions(ctx context.Context, p store.PositionQuery) ([]store.Position, error) {
	r.calls.note("DelinquentPositions")
	return r.Store.DelinquentPositions(ctx, p)
}

func (r *recorder) AccrualTotal(ctx context.Context, p store.AccrualQuery) (store.Accrual, error) {
	r.calls.note("AccrualTotal")
	return r.Store.AccrualTotal(ctx, p)
}

func (r *recorder) DueNotices(ctx context.Context, p store.NoticeQuery) ([]store.Notice, error) {
	r.calls.note("DueNotices")
	return r.Store.DueNotices(ctx, p)
}

func (r *recorder) EarliestDisbursement(ctx context.Context) (engine.Date, error) {
	r.calls.note("EarliestDisbursement")
	return r.Store.EarliestDisbursement(ctx)
}

func (r *recorder) PrunePositions(ctx context.Context, p store.PrunePositionsParams) (store.PruneResult, error) {
	r.calls.note("PrunePositions")
	return r.Store.PrunePositions(ctx, p)
}

func (r *recorder) ServerSecret(ctx context.Context, p store.ServerSecretParams) ([]byte, error) {
	r.calls.note("ServerSecret")
	return r.Store.ServerSecret(ctx, p)
}

func (r *recorder) SequenceFeed(ctx context.Context, p store.SequenceFeedParams) (int64, error) {
	r.calls.note("SequenceFeed")
	return r.Store.SequenceFeed(ctx, p)
}

func (r *recorder) ReadFeed(ctx context.Context, p store.ReadFeedParams) (store.FeedPage, error) {
	r.calls.note("ReadFeed")
	return r.Store.ReadFeed(ctx, p)
}

var _ store.Store = (*recorder)(nil)

func (r *recorder) OpenCreditLine(ctx context.Context, p store.NewCreditLineRecord) error {
	r.calls.note("OpenCreditLine")
	return r.Store.OpenCreditLine(ctx, p)
}

func (r *recorder) AppendLineEvent(ctx context.Context, p store.AppendLineEventParams) error {
	r.calls.note("AppendLineEvent")
	return r.Store.AppendLineEvent(ctx, p)
}

func (r *recorder) Drawdown(ctx context.Context, p store.DrawdownRecord) error {
	r.calls.note("Drawdown")
	return r.Store.Drawdown(ctx, p)
}

func (r *recorder) LoadCreditLine(ctx context.Context, p store.LoadCreditLineParams) (store.CreditLineLog, error) {
	r.calls.note("LoadCreditLine")
	return r.Store.LoadCreditLine(ctx, p)
}

func (r *recorder) ListCreditLines(ctx context.Context, p store.CreditLineQuery) ([]store.CreditLineRecord, error) {
	r.calls.note("ListCreditLines")
	return r.Store.ListCreditLines(ctx, p)
}

func (r *recorder) LineOfLoan(ctx context.Context, loanID string) (store.CreditLineRecord, error) {
	r.calls.note("LineOfLoan")
	return r.Store.LineOfLoan(ctx, loanID)
}

func (r *recorder) LinesToReview(ctx context.Context, p store.LineReviewQuery) ([]string, error) {
	r.calls.note("LinesToReview")
	return r.Store.LinesToReview(ctx, p)
}
