package telemetry

import (
	"net/http"
	"sync"
	"time"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"google.golang.org/grpc"

	"github.com/loancore/loancore/internal/engine"
	"github.com/loancore/loancore/internal/money"
	"github.com/loancore/loancore/internal/servicing"
)

// Metrics are loand's Prometheus metrics on a registry of their own (not
// the global one, so that two servers in one test process do not share
// counters). It is a servicing.Observer. No label takes an unbounded
// value: no loan, request or subject id, only method names, codes,
// currencies, buckets and outcomes.
type Metrics struct {
	registry *prometheus.Registry
	grpc     *grpcprom.ServerMetrics

	repayments, repaidMinor, reversals *prometheus.CounterVec
	cacheHit, cacheMiss                prometheus.Counter
	readLookups                        [3]prometheus.Counter

	cobDates              *prometheus.CounterVec
	cobDuration           prometheus.Histogram
	cobPhases             *prometheus.HistogramVec
	cobCarried            prometheus.Counter
	cobLoans, cobFailures prometheus.Counter
	cobLoansPerSecond     prometheus.Gauge
	cobPrunes             *prometheus.CounterVec
	cobDatesDropped       prometheus.Counter
	delinquent            *prometheus.GaugeVec
	delinquentDate        prometheus.Gauge
	delinquentMu          sync.Mutex
	storeCalls            *prometheus.HistogramVec
	storeObservers        [][len(storeResults)]prometheus.Observer
}

// NewMetrics returns loand's metrics, registered with the Go runtime's
// and the process's (CPU seconds among them, which the overhead
// benchmark reads).
func NewMetrics() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{registry: r,
		// The standard grpc_server_* names, so that the dashboards and
		// alerts written for any Go gRPC server work on loand unchanged.
		grpc: grpcprom.NewServerMetrics(grpcprom.WithServerHandlingTimeHistogram(
			grpcprom.WithHistogramBuckets([]float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}))),
	}
	r.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}), m.grpc)
	m.defineDomain(r)
	m.defineStore(r)
	return m
}

// defineDomain defines the loancore_ metrics the use cases feed through
// servicing.Observer.
func (m *Metrics) defineDomain(r *prometheus.Registry) {
	f := factory{r}
	m.repayments = f.counterVec("loancore_repayments_total", "Repayments posted (a retry answered from its first answer is not counted again).", "currency")
	m.repaidMinor = f.counterVec("loancore_repaid_minor_units_total",
		"Sum of the repayments posted, in the currency's minor units (fen, cents): an exact integer up to 2^53, for dashboards, not for reconciliation.", "currency")
	m.reversals = f.counterVec("loancore_reversals_total", "Repayments reversed (executed; a reversal held for approval counts when approved).", "currency")
	lookups := f.counterVec("loancore_loan_cache_lookups_total", "Repayments that looked for their loan in the log cache, by result (hit or miss).", "result")
	m.cacheHit, m.cacheMiss = lookups.WithLabelValues("hit"), lookups.WithLabelValues("miss")
	reads := f.counterVec("loancore_read_cache_lookups_total",
		"GetLoan reads as of today that looked for their view in the read cache, by result (hit, stale: the loan was written since, miss).", "result")
	for _, r := range []servicing.ReadCacheResult{servicing.ReadCacheHit, servicing.ReadCacheStale, servicing.ReadCacheMiss} {
		m.readLookups[r] = reads.WithLabelValues(r.String())
	}
	m.cobDates = f.counterVec("loancore_cob_dates_total", "Business dates close of business ran, by result: completed, or failed (the date stays RUNNING).", "result")
	m.cobDuration = f.histogram("loancore_cob_date_duration_seconds", "How long close of business took to run one business date.",
		[]float64{.1, .5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600})
	m.cobPhases = f.histogramVec("loancore_cob_phase_duration_seconds",
		"How long each phase of one business date's close of business took: count, agreements, carry, fold, lines.",
		[]float64{.01, .1, .5, 1, 5, 10, 30, 60, 300, 900, 1800, 3600}, "phase")
	m.cobLoans = f.counter("loancore_cob_loans_total", "Loans close of business closed.")
	m.cobCarried = f.counter("loancore_cob_loans_carried_total", "Loans close of business carried on in the store (a steady run), of those closed.")
	m.cobFailures = f.counter("loancore_cob_loan_failures_total", "Loans or agreements close of business could not close or check (logged at error).")
	m.cobPrunes = f.counterVec("loancore_cob_prunes_total",
		"Prunes of old dates' positions after a close of business (--cob-keep-position-dates), by result: ok, or failed (done by the next run's).", "result")
	m.cobDatesDropped = f.counter("loancore_cob_position_dates_dropped_total", "Business dates whose positions the prunes dropped.")
	m.cobLoansPerSecond = f.gauge("loancore_cob_loans_per_second", "Loans per second of the last business date close of business ran.")
	m.delinquent = f.gaugeVec("loancore_delinquent_loans", "Loans past due after the last close of business, by delinquency bucket (M1…M7).", "bucket")
	m.delinquentDate = f.gauge("loancore_delinquent_loans_business_date_seconds",
		"The business date loancore_delinquent_loans counts, as the Unix time of its midnight UTC.")
	for b := engine.M1; b <= engine.M7; b++ {
		m.delinquent.WithLabelValues(b.String()) // every bucket is shown, at 0 until a run
	}
}

// GRPCServerOptions are the interceptors that count every call under the
// grpc_server_* names. They go before loand's own interceptors, so that
// calls the authentication gate refuses are counted with their code.
func (m *Metrics) GRPCServerOptions() []grpc.ServerOption {
	return []grpc.ServerOption{
		grpc.ChainUnaryInterceptor(m.grpc.UnaryServerInterceptor()),
		grpc.ChainStreamInterceptor(m.grpc.StreamServerInterceptor()),
	}
}

// InitializeGRPC shows every method of s at zero before its first call,
// so that rate() and alerts see a series from the start.
func (m *Metrics) InitializeGRPC(s *grpc.Server) { m.grpc.InitializeMetrics(s) }

// Handler serves the metrics in Prometheus' text format (or
// OpenMetrics', when the scraper asks for it).
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{Registry: m.registry, EnableOpenMetrics: true})
}

// RepaymentPosted implements servicing.Observer.
func (m *Metrics) RepaymentPosted(currency string, amount money.Amount) {
	m.repayments.WithLabelValues(currency).Inc()
	m.repaidMinor.WithLabelValues(currency).Add(float64(amount))
}

// RepaymentReversed implements servicing.Observer.
func (m *Metrics) RepaymentReversed(currency string) { m.reversals.WithLabelValues(currency).Inc() }

// CacheLookup implements servicing.Observer.
func (m *Metrics) CacheLookup(hit bool) {
	if hit {
		m.cacheHit.Inc()
	} else {
		m.cacheMiss.Inc()
	}
}

// ReadCacheLookup implements servicing.Observer.
func (m *Metrics) ReadCacheLookup(r servicing.ReadCacheResult) {
	if int(r) >= 0 && int(r) < len(m.readLookups) {
		m.readLookups[r].Inc()
	}
}

// CloseOfBusinessDate implements servicing.Observer.
func (m *Metrics) CloseOfBusinessDate(r servicing.COBDateReport) {
	result := "completed"
	if r.Err != nil {
		result = "failed"
	}
	m.cobDates.WithLabelValues(result).Inc()
	m.cobDuration.Observe(r.Took.Seconds())
	m.cobLoans.Add(float64(r.Loans))
	m.cobCarried.Add(float64(r.Carried))
	r.Phases.Each(func(name string, d time.Duration) { m.cobPhases.WithLabelValues(name).Observe(d.Seconds()) })
	m.cobFailures.Add(float64(r.Failures))
	if r.Took > 0 {
		m.cobLoansPerSecond.Set(float64(r.Loans) / r.Took.Seconds())
	}
}

// PositionsPruned implements servicing.Observer.
func (m *Metrics) PositionsPruned(datesDropped int, err error) {
	result := "ok"
	if err != nil {
		result = "failed"
	}
	m.cobPrunes.WithLabelValues(result).Inc()
	m.cobDatesDropped.Add(float64(datesDropped))
}

// DelinquentLoans implements servicing.Observer: the gauges become the
// date's counts, buckets with none at 0.
func (m *Metrics) DelinquentLoans(date engine.Date, byBucket map[engine.Bucket]int64) {
	m.delinquentMu.Lock() // two runs finishing together must not mix their counts
	defer m.delinquentMu.Unlock()
	for b := engine.M1; b <= engine.M7; b++ {
		m.delinquent.WithLabelValues(b.String()).Set(float64(byBucket[b]))
	}
	t, err := time.Parse(time.DateOnly, date.String())
	if err == nil {
		m.delinquentDate.Set(float64(t.Unix()))
	}
}

var _ servicing.Observer = (*Metrics)(nil)

// factory defines and registers metrics in one call each.
type factory struct{ r *prometheus.Registry }

func (f factory) counter(name, help string) prometheus.Counter {
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: name, Help: help})
	f.r.MustRegister(c)
	return c
}

func (f factory) counterVec(name, help string, labels ...string) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	f.r.MustRegister(c)
	return c
}

func (f factory) gauge(name, help string) prometheus.Gauge {
	g := prometheus.NewGauge(prometheus.GaugeOpts{Name: name, Help: help})
	f.r.MustRegister(g)
	return g
}

func (f factory) gaugeVec(name, help string, labels ...string) *prometheus.GaugeVec {
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	f.r.MustRegister(g)
	return g
}

func (f factory) histogram(name, help string, buckets []float64) prometheus.Histogram {
	h := prometheus.NewHistogram(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets})
	f.r.MustRegister(h)
	return h
}

func (f factory) histogramVec(name, help string, buckets []float64, labels ...string) *prometheus.HistogramVec {
	h := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: buckets}, labels)
	f.r.MustRegister(h)
	return h
}
