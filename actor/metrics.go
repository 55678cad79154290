package actor

import (
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// registryMetrics are the registry's Prometheus metrics.
type registryMetrics struct {
	set          *metrics.Set
	commits      *metrics.Counter
	transactions *metrics.Counter
	failures     *metrics.Counter
	batchSize    *metrics.PrometheusHistogram
	txSeconds    *metrics.PrometheusHistogram
}

// batchBuckets are upper bounds for requests per transaction.
var batchBuckets = []float64{1, 2, 4, 8, 16, 32, 64, 128, 256}

// txBuckets are upper bounds, in seconds, for one account transaction
// with its fsyncs.
var txBuckets = []float64{0.0005, 0.001, 0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.128, 0.256, 0.512, 1.024}

func newRegistryMetrics(r *Registry) registryMetrics {
	set := metrics.NewSet()
	m := registryMetrics{
		set:          set,
		commits:      set.NewCounter("boltsky_account_requests_total"),
		transactions: set.NewCounter("boltsky_account_transactions_total"),
		failures:     set.NewCounter("boltsky_account_transaction_failures_total"),
		batchSize:    set.NewPrometheusHistogramExt("boltsky_account_batch_requests", batchBuckets),
		txSeconds:    set.NewPrometheusHistogramExt("boltsky_account_transaction_seconds", txBuckets),
	}
	set.NewGauge("boltsky_actors_running", func() float64 { return float64(r.Stats().Actors) })
	set.NewGauge("boltsky_account_files_open", func() float64 { return float64(r.OpenFiles()) })
	set.NewGauge("boltsky_account_files_max", func() float64 { return float64(r.cfg.MaxOpenFiles) })
	return m
}

// observeBatch records one account transaction.
func (m registryMetrics) observeBatch(requests int, took time.Duration, failed bool) {
	m.transactions.Inc()
	m.commits.Add(requests)
	m.batchSize.Update(float64(requests))
	m.txSeconds.Update(took.Seconds())
	if failed {
		m.failures.Inc()
	}
}

// Metrics returns the registry's metrics for the /metrics endpoint:
// requests and transactions (group-commit batch sizes and their
// duration, fsyncs included), running actors and open files.
func (r *Registry) Metrics() *metrics.Set { return r.metrics.set }
