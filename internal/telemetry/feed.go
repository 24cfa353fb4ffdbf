package telemetry

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/loancore/loancore/internal/servicing"
)

// WatchFeed exports the event feed's gauges, read from stats at each
// scrape (servicing.Feed.Stats): nothing is counted on the feed's path.
func (m *Metrics) WatchFeed(stats func() servicing.FeedStats) {
	m.registry.MustRegister(&feedCollector{stats: stats, now: time.Now})
}

// feedCollector is the event feed's metrics. Lag is shown two ways: how
// long since the sequencer last completed a pass (a sequencer stuck on a
// failing database shows as a growing age while the head stands still),
// and how many positions the slowest subscriber this process serves is
// behind the head.
type feedCollector struct {
	stats func() servicing.FeedStats
	now   func() time.Time
}

var (
	feedHead = prometheus.NewDesc("loancore_feed_head_position",
		"The event feed's head: the highest position sequenced (in commit order), as this process last saw it.", nil, nil)
	feedSequencedAge = prometheus.NewDesc("loancore_feed_sequenced_age_seconds",
		"Seconds since the feed's sequencer last completed a pass (it passes every poll interval and after each write); absent before its first.", nil, nil)
	feedFailures = prometheus.NewDesc("loancore_feed_sequencer_failures_total",
		"Sequencer passes that failed (the database did not answer); it retries every poll interval.", nil, nil)
	feedSubscribers = prometheus.NewDesc("loancore_feed_subscribers",
		"SubscribeEvents streams this process is serving.", nil, nil)
	feedLag = prometheus.NewDesc("loancore_feed_subscriber_lag_positions",
		"How many positions the slowest subscriber of this process is behind the head, by the last checkpoint it was sent; 0 with none.", nil, nil)
)

// Describe implements prometheus.Collector.
func (c *feedCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{feedHead, feedSequencedAge, feedFailures, feedSubscribers, feedLag} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *feedCollector) Collect(ch chan<- prometheus.Metric) {
	st := c.stats()
	ch <- prometheus.MustNewConstMetric(feedHead, prometheus.GaugeValue, float64(st.Head))
	if !st.SequencedAt.IsZero() {
		ch <- prometheus.MustNewConstMetric(feedSequencedAge, prometheus.GaugeValue, c.now().Sub(st.SequencedAt).Seconds())
	}
	ch <- prometheus.MustNewConstMetric(feedFailures, prometheus.CounterValue, float64(st.SequencerFailures))
	ch <- prometheus.MustNewConstMetric(feedSubscribers, prometheus.GaugeValue, float64(st.Subscribers))
	ch <- prometheus.MustNewConstMetric(feedLag, prometheus.GaugeValue, float64(st.MaxSubscriberLag))
}
