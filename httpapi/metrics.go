package httpapi

import (
	"crypto/subtle"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/VictoriaMetrics/metrics"
	"github.com/valyala/fasthttp"
)

// httpMetrics are the front end's Prometheus metrics. Labels are bounded:
// the method label is a served NSID or "unknown", the status label an
// HTTP status code.
type httpMetrics struct {
	set      *metrics.Set
	blobIn   *metrics.Counter
	blobOut  *metrics.Counter
	requests *metrics.Counter
	proxyOK  *metrics.Counter
	proxyErr *metrics.Counter
}

var requestBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

func newHTTPMetrics() httpMetrics {
	set := metrics.NewSet()
	return httpMetrics{
		set:      set,
		blobIn:   set.NewCounter("boltsky_blob_bytes_in_total"),
		blobOut:  set.NewCounter("boltsky_blob_bytes_out_total"),
		requests: set.NewCounter("boltsky_http_requests_total"),
		proxyOK:  set.NewCounter(`boltsky_proxy_requests_total{result="ok"}`),
		proxyErr: set.NewCounter(`boltsky_proxy_requests_total{result="failed"}`),
	}
}

// observe records one XRPC call.
func (m httpMetrics) observe(method string, status int, took time.Duration) {
	m.set.GetOrCreateCounter(`boltsky_xrpc_requests_total{method="` + method + `",status="` + strconv.Itoa(status) + `"}`).Inc()
	m.set.GetOrCreatePrometheusHistogramExt(`boltsky_xrpc_request_seconds{method="`+method+`"}`, requestBuckets).Update(took.Seconds())
}

// Metrics returns the front end's own metrics: XRPC requests and their
// latency by method and status, and blob bytes in and out.
func (s *Server) Metrics() *metrics.Set { return s.metrics.set }

// serveMetrics answers /metrics with every registered set and the Go
// runtime and process metrics, in the Prometheus text format. A
// configured token must come as a bearer token.
func (s *Server) serveMetrics(rc *fasthttp.RequestCtx) {
	if tok := s.cfg.MetricsToken; tok != "" {
		got, ok := strings.CutPrefix(string(rc.Request.Header.Peek("Authorization")), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(tok)) != 1 {
			rc.Response.Header.Set("WWW-Authenticate", `Bearer realm="metrics"`)
			rc.SetStatusCode(http.StatusUnauthorized)
			rc.SetBodyString("Unauthorized\n")
			return
		}
	}
	rc.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	w := rc.Response.BodyWriter()
	s.metrics.set.WritePrometheus(w)
	for _, set := range s.d.MetricSets {
		set.WritePrometheus(w)
	}
	metrics.WriteProcessMetrics(w)
}

// proxied counts one call forwarded upstream.
func (m httpMetrics) proxied(ok bool) {
	if ok {
		m.proxyOK.Inc()
	} else {
		m.proxyErr.Inc()
	}
}
