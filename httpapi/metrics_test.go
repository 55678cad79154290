package httpapi_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape reads /metrics with token and parses it as Prometheus text.
func (n *testNode) scrape(t *testing.T, token string) map[string]*dto.MetricFamily {
	t.Helper()
	r := n.request(t, "GET", "/metrics", map[string]string{"Authorization": "Bearer " + token}, nil)
	expect(t, r, 200, "")
	p := expfmt.NewTextParser(model.LegacyValidation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(r.Body))
	if err != nil {
		t.Fatalf("metrics are not Prometheus text: %v", err)
	}
	return fams
}

// value returns the sum over the series of family name whose labels
// include want ("k=v" pairs): counters and gauges by value, histograms by
// sample count (also when exposed without type metadata, as name_count).
func value(fams map[string]*dto.MetricFamily, name string, want ...string) float64 {
	f := fams[name]
	if f == nil {
		f = fams[name+"_count"]
	}
	if f == nil {
		return 0
	}
	total := 0.0
next:
	for _, m := range f.Metric {
		for _, kv := range want {
			k, v, _ := strings.Cut(kv, "=")
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			total += m.Counter.GetValue()
		case m.Gauge != nil:
			total += m.Gauge.GetValue()
		case m.Histogram != nil:
			total += float64(m.Histogram.GetSampleCount())
		case m.Untyped != nil:
			total += m.Untyped.GetValue()
		}
	}
	return total
}

func TestMetrics(t *testing.T) {
	const token = "scrape-me"
	n := mustNode(t, nodeOptions{metricsToken: token})
	a := n.mustAccount(t, "alice.test")

	expect(t, n.request(t, "GET", "/metrics", nil, nil), 401, "")
	expect(t, n.request(t, "GET", "/metrics", map[string]string{"Authorization": "Bearer wrong"}, nil), 401, "")
	before := n.scrape(t, token)

	// The workload: 7 posts, 3 reads, 2 failed reads, one 1,000-byte blob
	// uploaded and read back.
	const posts = 7
	for i := range posts {
		r := n.procedure(t, "com.atproto.repo.createRecord", map[string]any{"repo": a.DID.String(),
			"collection": "app.bsky.feed.post", "record": map[string]any{"$type": "app.bsky.feed.post",
				"text": fmt.Sprint("post ", i), "createdAt": "2024-01-01T00:00:00.000Z"}}, a.Access)
		expect(t, r, 200, "")
	}
	for range 3 {
		expect(t, n.query(t, "com.atproto.sync.getLatestCommit", "did="+a.DID.String(), ""), 200, "")
	}
	for range 2 {
		expect(t, n.query(t, "com.atproto.sync.getLatestCommit", "did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", ""), 400, "")
	}
	blob := bytes.Repeat([]byte{0x89, 'P', 'N', 'G'}, 250)
	up := n.request(t, "POST", "/xrpc/com.atproto.repo.uploadBlob", map[string]string{
		"Authorization": "Bearer " + a.Access, "Content-Type": "image/png"}, bytes.NewReader(blob))
	expect(t, up, 200, "")

	after := n.scrape(t, token)
	delta := func(name string, labels ...string) float64 {
		return value(after, name, labels...) - value(before, name, labels...)
	}
	checks := []struct {
		what string
		got  float64
		want float64
	}{
		{"createRecord 200", delta("boltsky_xrpc_requests_total", "method=com.atproto.repo.createRecord", "status=200"), posts},
		{"createRecord latency samples", delta("boltsky_xrpc_request_seconds", "method=com.atproto.repo.createRecord"), posts},
		{"getLatestCommit 200", delta("boltsky_xrpc_requests_total", "method=com.atproto.sync.getLatestCommit", "status=200"), 3},
		{"getLatestCommit 400", delta("boltsky_xrpc_requests_total", "method=com.atproto.sync.getLatestCommit", "status=400"), 2},
		{"blob bytes in", delta("boltsky_blob_bytes_in_total"), float64(len(blob))},
		{"sequenced events", delta("boltsky_sequencer_events_total"), posts},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s moved by %v, want %v", c.what, c.got, c.want)
		}
	}
	// Each post is one account request; the blob upload records its
	// metadata with one more.
	if got := delta("boltsky_account_requests_total"); got != posts+1 {
		t.Errorf("account requests moved by %v, want %d", got, posts+1)
	}
	if got := value(after, "boltsky_account_files_open"); got < 1 {
		t.Errorf("open files gauge %v", got)
	}
	if value(after, "go_goroutines") == 0 && value(after, "go_memstats_alloc_bytes") == 0 {
		t.Error("no Go runtime metrics")
	}
	for name := range after {
		if strings.Contains(name, "did:") {
			t.Errorf("metric %s carries a DID", name)
		}
	}
}
