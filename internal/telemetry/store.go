package telemetry

import (
	"context"
	"errors"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/store"
)

// storeCall numbers store.Store's methods, for the latency histogram's
// observers resolved once (a label lookup per call would cost more than
// the timing).
type storeCall int

const (
	callFindAction storeCall = iota
	callListActions
	callFindAgreement
	callListAgreements
	callSaveAgreement
	callGetCOBRun
	callLastCOBRun
	callSaveCOBRun
	callTakeCOBRun
	callCountCOBLoans
	callCountPositions
	callCOBLoans
	callSavePositions
	callCarryPositions
	callCarryPageEnd
	callDelinquentPositions
	callCountDelinquent
	callAccrualTotal
	callDueNotices
	callEarliestDisbursement
	callPrunePositions
	callSequenceFeed
	callReadFeed
	callCreateLoan
	callAppendEvent
	callLoadLoan
	callListLoans
	callLoanVersions
	callLoanVersionsSince
	callFindRequest
	callServerSecret
	callOpenCreditLine
	callAppendLineEvent
	callDrawdown
	callLoadCreditLine
	callListCreditLines
	callLineOfLoan
	callLinesToReview
	storeCalls
)

// storeCallNames are the method label's values: the method names.
var storeCallNames = [storeCalls]string{
	callFindAction:           "FindAction",
	callListActions:          "ListActions",
	callFindAgreement:        "FindAgreement",
	callListAgreements:       "ListAgreements",
	callSaveAgreement:        "SaveAgreement",
	callGetCOBRun:            "GetCOBRun",
	callLastCOBRun:           "LastCOBRun",
	callSaveCOBRun:           "SaveCOBRun",
	callTakeCOBRun:           "TakeCOBRun",
	callCountCOBLoans:        "CountCOBLoans",
	callCountPositions:       "CountPositions",
	callCOBLoans:             "COBLoans",
	callSavePositions:        "SavePositions",
	callCarryPositions:       "CarryPositions",
	callCarryPageEnd:         "CarryPageEnd",
	callDelinquentPositions:  "DelinquentPositions",
	callCountDelinquent:      "CountDelinquent",
	callAccrualTotal:         "AccrualTotal",
	callDueNotices:           "DueNotices",
	callEarliestDisbursement: "EarliestDisbursement",
	callPrunePositions:       "PrunePositions",
	callSequenceFeed:         "SequenceFeed",
	callReadFeed:             "ReadFeed",
	callCreateLoan:           "CreateLoan",
	callAppendEvent:          "AppendEvent",
	callLoadLoan:             "LoadLoan",
	callListLoans:            "ListLoans",
	callLoanVersions:         "LoanVersions",
	callLoanVersionsSince:    "LoanVersionsSince",
	callFindRequest:          "FindRequest",
	callServerSecret:         "ServerSecret",
	callOpenCreditLine:       "OpenCreditLine",
	callAppendLineEvent:      "AppendLineEvent",
	callDrawdown:             "Drawdown",
	callLoadCreditLine:       "LoadCreditLine",
	callListCreditLines:      "ListCreditLines",
	callLineOfLoan:           "LineOfLoan",
	callLinesToReview:        "LinesToReview",
}

// storeResults are the result label's values: the outcomes a caller
// expects (not found: every new request id is looked up first; a
// conflict: two writers raced, one retries) apart from the failures.
var storeResults = [...]string{"ok", "not_found", "conflict", "error"}

// defineStore defines loancore_store_call_duration_seconds, with an
// observer per method and result resolved up front.
func (m *Metrics) defineStore(r *prometheus.Registry) {
	m.storeCalls = factory{r}.histogramVec("loancore_store_call_duration_seconds",
		"How long each store method took, by method and result: ok, not_found, conflict (version conflict or duplicate), error (anything else).",
		[]float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 5}, "method", "result")
	m.storeObservers = make([][len(storeResults)]prometheus.Observer, storeCalls)
	for c := range storeCalls {
		for i, res := range storeResults {
			m.storeObservers[c][i] = m.storeCalls.WithLabelValues(storeCallNames[c], res)
		}
	}
}

// Store returns s timing each of its methods. It holds s as a field, not
// embedded, so that a method added to store.Store does not compile until
// it is timed here too.
func (m *Metrics) Store(s store.Store) store.Store { return &timedStore{s: s, obs: m.storeObservers} }

// timedStore is Metrics.Store's wrapper.
type timedStore struct {
	s   store.Store
	obs [][len(storeResults)]prometheus.Observer
}

// since observes how long call took since began, under the result *err
// gives; it is deferred by every method.
func (s *timedStore) since(call storeCall, began time.Time, err *error) {
	result := 0
	switch e := *err; {
	case e == nil:
	case errors.Is(e, store.ErrNotFound):
		result = 1
	case errors.Is(e, store.ErrVersionConflict), errors.Is(e, store.ErrDuplicate):
		result = 2
	default:
		result = 3
	}
	s.obs[call][result].Observe(time.Since(began).Seconds())
}

// The methods below implement store.Store: each calls s's, timed.

func (s *timedStore) FindAction(ctx context.Context, p store.ActionKey) (_ store.ActionRecord, err error) {
	defer s.since(callFindAction, time.Now(), &err)
	return s.s.FindAction(ctx, p)
}

func (s *timedStore) ListActions(ctx context.Context, p store.ActionQuery) (_ []store.ActionRecord, err error) {
	defer s.since(callListActions, time.Now(), &err)
	return s.s.ListActions(ctx, p)
}

func (s *timedStore) FindAgreement(ctx context.Context, p store.AgreementKey) (_ store.AgreementRecord, err error) {
	defer s.since(callFindAgreement, time.Now(), &err)
	return s.s.FindAgreement(ctx, p)
}

func (s *timedStore) ListAgreements(ctx context.Context, p store.AgreementQuery) (_ []store.AgreementRecord, err error) {
	defer s.since(callListAgreements, time.Now(), &err)
	return s.s.ListAgreements(ctx, p)
}

func (s *timedStore) SaveAgreement(ctx context.Context, p store.AgreementRecord) (err error) {
	defer s.since(callSaveAgreement, time.Now(), &err)
	return s.s.SaveAgreement(ctx, p)
}

func (s *timedStore) GetCOBRun(ctx context.Context, p store.COBRunKey) (_ store.COBRun, err error) {
	defer s.since(callGetCOBRun, time.Now(), &err)
	return s.s.GetCOBRun(ctx, p)
}

func (s *timedStore) LastCOBRun(ctx context.Context) (_ store.COBRun, err error) {
	defer s.since(callLastCOBRun, time.Now(), &err)
	return s.s.LastCOBRun(ctx)
}

func (s *timedStore) SaveCOBRun(ctx context.Context, p store.COBRun) (err error) {
	defer s.since(callSaveCOBRun, time.Now(), &err)
	return s.s.SaveCOBRun(ctx, p)
}

func (s *timedStore) TakeCOBRun(ctx context.Context, p store.COBRun) (err error) {
	defer s.since(callTakeCOBRun, time.Now(), &err)
	return s.s.TakeCOBRun(ctx, p)
}

func (s *timedStore) CountCOBLoans(ctx context.Context, p store.COBLoansParams) (_ int64, err error) {
	defer s.since(callCountCOBLoans, time.Now(), &err)
	return s.s.CountCOBLoans(ctx, p)
}

func (s *timedStore) CountPositions(ctx context.Context, p store.PositionCountQuery) (_ int64, err error) {
	defer s.since(callCountPositions, time.Now(), &err)
	return s.s.CountPositions(ctx, p)
}

func (s *timedStore) COBLoans(ctx context.Context, p store.COBLoansParams) (_ store.COBPage, err error) {
	defer s.since(callCOBLoans, time.Now(), &err)
	return s.s.COBLoans(ctx, p)
}

func (s *timedStore) SavePositions(ctx context.Context, p store.SavePositionsParams) (err error) {
	defer s.since(callSavePositions, time.Now(), &err)
	return s.s.SavePositions(ctx, p)
}

func (s *timedStore) CarryPositions(ctx context.Context, p store.CarryPositionsParams) (_ store.CarryResult, err error) {
	defer s.since(callCarryPositions, time.Now(), &err)
	return s.s.CarryPositions(ctx, p)
}

func (s *timedStore) CarryPageEnd(ctx context.Context, p store.CarryPageEndParams) (_ string, err error) {
	defer s.since(callCarryPageEnd, time.Now(), &err)
	return s.s.CarryPageEnd(ctx, p)
}

func (s *timedStore) DelinquentPositions(ctx context.Context, p store.PositionQuery) (_ []store.Position, err error) {
	defer s.since(callDelinquentPositions, time.Now(), &err)
	return s.s.DelinquentPositions(ctx, p)
}

func (s *timedStore) CountDelinquent(ctx context.Context, p store.DelinquencyCountQuery) (_ map[engine.Bucket]int64, err error) {
	defer s.since(callCountDelinquent, time.Now(), &err)
	return s.s.CountDelinquent(ctx, p)
}

func (s *timedStore) AccrualTotal(ctx context.Context, p store.AccrualQuery) (_ store.Accrual, err error) {
	defer s.since(callAccrualTotal, time.Now(), &err)
	return s.s.AccrualTotal(ctx, p)
}

func (s *timedStore) DueNotices(ctx context.Context, p store.NoticeQuery) (_ []store.Notice, err error) {
	defer s.since(callDueNotices, time.Now(), &err)
	return s.s.DueNotices(ctx, p)
}

func (s *timedStore) EarliestDisbursement(ctx context.Context) (_ engine.Date, err error) {
	defer s.since(callEarliestDisbursement, time.Now(), &err)
	return s.s.EarliestDisbursement(ctx)
}

func (s *timedStore) PrunePositions(ctx context.Context, p store.PrunePositionsParams) (_ store.PruneResult, err error) {
	defer s.since(callPrunePositions, time.Now(), &err)
	return s.s.PrunePositions(ctx, p)
}

func (s *timedStore) SequenceFeed(ctx context.Context, p store.SequenceFeedParams) (_ int64, err error) {
	defer s.since(callSequenceFeed, time.Now(), &err)
	return s.s.SequenceFeed(ctx, p)
}

func (s *timedStore) ReadFeed(ctx context.Context, p store.ReadFeedParams) (_ store.FeedPage, err error) {
	defer s.since(callReadFeed, time.Now(), &err)
	return s.s.ReadFeed(ctx, p)
}

func (s *timedStore) CreateLoan(ctx context.Context, p store.NewLoanRecord) (err error) {
	defer s.since(callCreateLoan, time.Now(), &err)
	return s.s.CreateLoan(ctx, p)
}

func (s *timedStore) AppendEvent(ctx context.Context, p store.AppendEventParams) (err error) {
	defer s.since(callAppendEvent, time.Now(), &err)
	return s.s.AppendEvent(ctx, p)
}

func (s *timedStore) LoadLoan(ctx context.Context, p store.LoadLoanParams) (_ store.LoanLog, err error) {
	defer s.since(callLoadLoan, time.Now(), &err)
	return s.s.LoadLoan(ctx, p)
}

func (s *timedStore) ListLoans(ctx context.Context, p store.LoanQuery) (_ []store.LoanRecord, err error) {
	defer s.since(callListLoans, time.Now(), &err)
	return s.s.ListLoans(ctx, p)
}

func (s *timedStore) LoanVersions(ctx context.Context, ids []string) (_ map[string]int64, err error) {
	defer s.since(callLoanVersions, time.Now(), &err)
	return s.s.LoanVersions(ctx, ids)
}

func (s *timedStore) LoanVersionsSince(ctx context.Context, since string, ids []string) (_ store.MarkedVersions, err error) {
	defer s.since(callLoanVersionsSince, time.Now(), &err)
	return s.s.LoanVersionsSince(ctx, since, ids)
}

// MarkerUnchanged is not timed: a read of memory, not a call to the
// database.
func (s *timedStore) MarkerUnchanged(since string) bool {
	return s.s.MarkerUnchanged(since)
}

func (s *timedStore) FindRequest(ctx context.Context, p store.RequestKey) (_ store.RequestRecord, err error) {
	defer s.since(callFindRequest, time.Now(), &err)
	return s.s.FindRequest(ctx, p)
}

func (s *timedStore) ServerSecret(ctx context.Context, p store.ServerSecretParams) (_ []byte, err error) {
	defer s.since(callServerSecret, time.Now(), &err)
	return s.s.ServerSecret(ctx, p)
}

func (s *timedStore) OpenCreditLine(ctx context.Context, p store.NewCreditLineRecord) (err error) {
	defer s.since(callOpenCreditLine, time.Now(), &err)
	return s.s.OpenCreditLine(ctx, p)
}

func (s *timedStore) AppendLineEvent(ctx context.Context, p store.AppendLineEventParams) (err error) {
	defer s.since(callAppendLineEvent, time.Now(), &err)
	return s.s.AppendLineEvent(ctx, p)
}

func (s *timedStore) Drawdown(ctx context.Context, p store.DrawdownRecord) (err error) {
	defer s.since(callDrawdown, time.Now(), &err)
	return s.s.Drawdown(ctx, p)
}

func (s *timedStore) LoadCreditLine(ctx context.Context, p store.LoadCreditLineParams) (_ store.CreditLineLog, err error) {
	defer s.since(callLoadCreditLine, time.Now(), &err)
	return s.s.LoadCreditLine(ctx, p)
}

func (s *timedStore) ListCreditLines(ctx context.Context, p store.CreditLineQuery) (_ []store.CreditLineRecord, err error) {
	defer s.since(callListCreditLines, time.Now(), &err)
	return s.s.ListCreditLines(ctx, p)
}

func (s *timedStore) LineOfLoan(ctx context.Context, loanID string) (_ store.CreditLineRecord, err error) {
	defer s.since(callLineOfLoan, time.Now(), &err)
	return s.s.LineOfLoan(ctx, loanID)
}

func (s *timedStore) LinesToReview(ctx context.Context, p store.LineReviewQuery) (_ []string, err error) {
	defer s.since(callLinesToReview, time.Now(), &err)
	return s.s.LinesToReview(ctx, p)
}

// WatchAlone exports loancore_store_alone, read from alone at each
// scrape: 1 while the store is the only writer on its database and
// answers repeated reads from memory (PostgreSQL's solo reads).
func (m *Metrics) WatchAlone(alone func() bool) {
	m.registry.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "loancore_store_alone",
		Help: "1 while this process is the only one writing loans on its PostgreSQL database and answers a repeated GetLoan from memory with no round trip; 0 otherwise."},
		func() float64 {
			if alone() {
				return 1
			}
			return 0
		}))
}

// WatchGroups exports, for one kind of call a store runs in groups
// (PostgreSQL's appends and loads: docs/design.md §5), the groups of more
// than one call and the calls they carried, read from counts at each
// scrape: loancore_store_groups_total and
// loancore_store_grouped_calls_total, labelled kind.
func (m *Metrics) WatchGroups(kind string, counts func() (groups, calls int64)) {
	labels := prometheus.Labels{"kind": kind}
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "loancore_store_groups_total",
		Help:        "Statements (appends) or round trips (loads) that carried more than one caller's call together.",
		ConstLabels: labels},
		func() float64 { g, _ := counts(); return float64(g) }))
	m.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "loancore_store_grouped_calls_total",
		Help:        "Calls carried by loancore_store_groups_total's groups; the ratio is the mean group's size.",
		ConstLabels: labels},
		func() float64 { _, c := counts(); return float64(c) }))
}
