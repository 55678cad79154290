package bench

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestSummarize(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		name    string
		samples []time.Duration
		want    Summary
	}{
		{"empty", nil, Summary{}},
		{"one", []time.Duration{3 * ms}, Summary{N: 1, Mean: 3 * ms, P50: 3 * ms, P90: 3 * ms, P99: 3 * ms, Max: 3 * ms}},
		{"two", []time.Duration{4 * ms, 2 * ms}, Summary{N: 2, Mean: 3 * ms, P50: 2 * ms, P90: 4 * ms, P99: 4 * ms, Max: 4 * ms}},
	}
	// 1..100 ms, shuffled: the nearest-rank percentiles are exact.
	var hundred []time.Duration
	for i := 1; i <= 100; i++ {
		hundred = append(hundred, time.Duration(i)*ms)
	}
	rand.New(rand.NewPCG(1, 2)).Shuffle(len(hundred), func(i, j int) { hundred[i], hundred[j] = hundred[j], hundred[i] })
	tests = append(tests, struct {
		name    string
		samples []time.Duration
		want    Summary
	}{"hundred", hundred, Summary{N: 100, Mean: 50500 * time.Microsecond, P50: 50 * ms, P90: 90 * ms, P99: 99 * ms, Max: 100 * ms}})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := summarize(tt.samples); got != tt.want {
				t.Errorf("summarize = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMergeRounds(t *testing.T) {
	ms := time.Millisecond
	round := func(ops int64, lat time.Duration, errs int64) []Result {
		r := Result{Workload: "w", Case: "c", Unit: "commits", Ops: ops, Calls: ops + errs, Duration: time.Second,
			samples: []time.Duration{lat, lat}, Firehose: &FirehoseStats{Subscribers: 2, Sent: 2 * ops, Delivered: 2 * ops,
				lagSamples: []time.Duration{lat}}, Server: &ServerStats{RSSBytes: ops, PeakRSSBytes: ops, DiskAllocGrowth: 100, Records: ops}}
		for range errs {
			r.addError(&CallError{Kind: "timeout", Msg: "slow"})
		}
		r.finish()
		return []Result{r}
	}
	first := round(10, ms, 1)
	out := mergeRounds([][]Result{first, round(30, 3*ms, 2)})
	r := out[0]
	if r.Ops != 40 || r.Calls != 43 || r.Duration != 2*time.Second || r.OpsPerSec != 20 {
		t.Errorf("counts: %+v", r)
	}
	if r.Latency.N != 4 || r.Latency.P50 != ms || r.Latency.Max != 3*ms {
		t.Errorf("latency %+v", r.Latency)
	}
	if r.Errors["timeout"] != 3 || r.ErrorExamples["timeout"] != "bench: slow" {
		t.Errorf("errors %v %v", r.Errors, r.ErrorExamples)
	}
	if f := r.Firehose; f.Sent != 80 || f.Delivered != 80 || f.Lag.N != 2 || f.Lag.Max != 3*ms {
		t.Errorf("firehose %+v", f)
	}
	if s := r.Server; s.RSSBytes != 30 || s.PeakRSSBytes != 30 || s.Records != 40 || s.BytesPerRecord() != 0 {
		t.Errorf("server %+v", s) // no data directory measured: no bytes per record
	}
	// The first round's result is left as it was.
	if first[0].Ops != 10 || first[0].Errors["timeout"] != 1 || first[0].Firehose.Sent != 20 {
		t.Errorf("merging changed its input: %+v", first[0])
	}
}

func TestFmtRatio(t *testing.T) {
	tests := []struct {
		a, b   float64
		higher bool
		want   string
	}{
		{100, 50, true, "2.00×"}, // throughput: A/B
		{10, 40, false, "4.00×"}, // latency: B/A
		{40, 10, false, "0.25×"}, // A slower
		{100, 0, true, "-"},      // nothing to divide by
		{0, 5, false, "-"},       // A took no time: no ratio
	}
	for _, tt := range tests {
		if got := fmtRatio(tt.a, tt.b, true, tt.higher); got != tt.want {
			t.Errorf("fmtRatio(%v, %v, %v) = %q, want %q", tt.a, tt.b, tt.higher, got, tt.want)
		}
	}
	if got := fmtRatio(1, 2, false, true); got != "-" {
		t.Errorf("missing value: %q", got)
	}
}
