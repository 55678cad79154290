package sync

import (
	"sync/atomic"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// sequencerMetrics are the sequencer's and its subscriptions' Prometheus
// metrics.
type sequencerMetrics struct {
	set           *metrics.Set
	events        *metrics.Counter
	appends       *metrics.Counter
	appendSeconds *metrics.PrometheusHistogram
	batchEvents   *metrics.PrometheusHistogram
	frames        *metrics.Counter
	bytes         *metrics.Counter
	slow          *metrics.Counter
	subscribers   atomic.Int64
}

var appendBuckets = []float64{0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024}

var eventBuckets = []float64{1, 4, 16, 64, 256, 1024}

func newSequencerMetrics(s *Sequencer) *sequencerMetrics {
	set := metrics.NewSet()
	m := &sequencerMetrics{
		set:           set,
		events:        set.NewCounter("boltsky_sequencer_events_total"),
		appends:       set.NewCounter("boltsky_sequencer_appends_total"),
		appendSeconds: set.NewPrometheusHistogramExt("boltsky_sequencer_append_seconds", appendBuckets),
		batchEvents:   set.NewPrometheusHistogramExt("boltsky_sequencer_batch_events", eventBuckets),
		frames:        set.NewCounter("boltsky_firehose_frames_sent_total"),
		bytes:         set.NewCounter("boltsky_firehose_bytes_sent_total"),
		slow:          set.NewCounter("boltsky_firehose_slow_consumers_total"),
	}
	set.NewGauge("boltsky_sequencer_head_seq", func() float64 { return float64(s.Head()) })
	set.NewGauge("boltsky_firehose_subscribers", func() float64 { return float64(m.subscribers.Load()) })
	return m
}

func (m *sequencerMetrics) observeAppend(events int, took time.Duration) {
	m.appends.Inc()
	m.events.Add(events)
	m.appendSeconds.Update(took.Seconds())
	m.batchEvents.Update(float64(events))
}

// Metrics returns the sequencer's metrics for the /metrics endpoint:
// events and log appends (with their latency, fsyncs included), the head
// seq, firehose subscribers, frames and bytes delivered to them, and
// subscribers cut off for being too slow.
func (s *Sequencer) Metrics() *metrics.Set { return s.metrics.set }

// crawlerMetrics count crawler notices by outcome.
type crawlerMetrics struct {
	set          *metrics.Set
	sent, failed *metrics.Counter
}

func newCrawlerMetrics() crawlerMetrics {
	set := metrics.NewSet()
	return crawlerMetrics{
		set:    set,
		sent:   set.NewCounter(`boltsky_crawler_notices_total{result="ok"}`),
		failed: set.NewCounter(`boltsky_crawler_notices_total{result="failed"}`),
	}
}

// Metrics returns the crawler's notice counters.
func (c *Crawler) Metrics() *metrics.Set { return c.metrics.set }
