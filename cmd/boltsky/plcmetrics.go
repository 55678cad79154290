package main

import (
	"net/http"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// countingTransport counts and times the requests a client makes to one
// upstream (the PLC directory), by outcome.
type countingTransport struct {
	next                http.RoundTripper
	ok, failed, refused *metrics.Counter
	seconds             *metrics.PrometheusHistogram
}

func newCountingTransport(set *metrics.Set, name string, next http.RoundTripper) *countingTransport {
	return &countingTransport{
		next:    next,
		ok:      set.NewCounter(`boltsky_` + name + `_requests_total{result="ok"}`),
		refused: set.NewCounter(`boltsky_` + name + `_requests_total{result="refused"}`),
		failed:  set.NewCounter(`boltsky_` + name + `_requests_total{result="failed"}`),
		seconds: set.NewPrometheusHistogram(`boltsky_` + name + `_request_seconds`),
	}
}

func (t *countingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	res, err := t.next.RoundTrip(req)
	t.seconds.UpdateDuration(start)
	switch {
	case err != nil || res.StatusCode >= 500:
		t.failed.Inc()
	case res.StatusCode >= 400:
		t.refused.Inc()
	default:
		t.ok.Inc()
	}
	return res, err
}
