package bench

import (
	"maps"
	"slices"
	"time"
)

// Summary describes a set of durations: their count, mean, and the
// nearest-rank percentiles of the sorted samples.
type Summary struct {
	N    int           `json:"n"`
	Mean time.Duration `json:"mean_ns"`
	P50  time.Duration `json:"p50_ns"`
	P90  time.Duration `json:"p90_ns"`
	P99  time.Duration `json:"p99_ns"`
	Max  time.Duration `json:"max_ns"`
}

// summarize sorts samples in place and describes them.
func summarize(samples []time.Duration) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	slices.Sort(samples)
	var sum time.Duration
	for _, d := range samples {
		sum += d
	}
	return Summary{
		N:    len(samples),
		Mean: sum / time.Duration(len(samples)),
		P50:  percentile(samples, 50),
		P90:  percentile(samples, 90),
		P99:  percentile(samples, 99),
		Max:  samples[len(samples)-1],
	}
}

// percentile is the nearest-rank p-th percentile of sorted samples.
func percentile(sorted []time.Duration, p int) time.Duration {
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 * n)
	return sorted[max(rank, 1)-1]
}

// Result is one measured row of a workload on one PDS, merged over its
// rounds.
type Result struct {
	// Workload names the workload; Case the variant within it, such as
	// "clients=8".
	Workload string `json:"workload"`
	Case     string `json:"case,omitempty"`
	// Unit says what Ops counts: accounts, commits, records, reads,
	// repos.
	Unit string `json:"unit"`
	// Ops is how many units were done; Calls how many requests were
	// sent for them (successful or not).
	Ops   int64 `json:"ops"`
	Calls int64 `json:"calls"`
	// Duration is the wall time of the measurement, from the first call
	// sent to the last answer received.
	Duration time.Duration `json:"duration_ns"`
	// OpsPerSec is Ops over Duration.
	OpsPerSec float64 `json:"ops_per_sec"`
	// Latency summarizes the time of every successful call.
	Latency Summary `json:"latency"`
	// Errors counts failed calls by kind; ErrorExamples holds one
	// message of each kind.
	Errors        map[string]int64  `json:"errors,omitempty"`
	ErrorExamples map[string]string `json:"error_examples,omitempty"`
	// Bytes counts response bytes, where the workload downloads.
	Bytes int64 `json:"bytes,omitempty"`
	// Blocks counts the blocks of the CARs downloaded (getrepo).
	Blocks int64 `json:"blocks,omitempty"`
	// Firehose holds delivery and lag, for the firehose workload.
	Firehose *FirehoseStats `json:"firehose,omitempty"`
	// Server holds the server's memory and disk, when the target has a
	// PID or data directory.
	Server *ServerStats `json:"server,omitempty"`

	samples []time.Duration
}

// FirehoseStats is what subscribers saw of the commits written.
type FirehoseStats struct {
	// Subscribers is how many websocket subscribers read the stream.
	Subscribers int `json:"subscribers"`
	// Sent is the commits acknowledged times the subscribers: the frames
	// the subscribers should have received.
	Sent int64 `json:"sent"`
	// Delivered is how many of those frames arrived.
	Delivered int64 `json:"delivered"`
	// Early counts frames that arrived before their createRecord call
	// returned (counted as zero lag).
	Early int64 `json:"early"`
	// Dropped counts subscribers whose stream ended before the end of
	// the measurement (an error frame such as ConsumerTooSlow, or a
	// closed connection); DropReason gives one reason.
	Dropped    int    `json:"dropped"`
	DropReason string `json:"drop_reason,omitempty"`
	// Lag summarizes receive time minus write response time.
	Lag Summary `json:"lag"`

	lagSamples []time.Duration
}

// DeliveredRatio is Delivered over Sent (1 when nothing was sent).
func (f *FirehoseStats) DeliveredRatio() float64 {
	if f.Sent == 0 {
		return 1
	}
	return float64(f.Delivered) / float64(f.Sent)
}

// ServerStats is the server's memory and disk after a measurement.
type ServerStats struct {
	// RSSBytes is the resident set (VmRSS) after the measurement;
	// PeakRSSBytes the high-water mark (VmHWM) so far.
	RSSBytes     int64 `json:"rss_bytes,omitempty"`
	PeakRSSBytes int64 `json:"peak_rss_bytes,omitempty"`
	// DiskBytes sums the sizes of the files under the data directory;
	// DiskAllocBytes their allocated blocks, as du counts them.
	DiskBytes      int64 `json:"disk_bytes,omitempty"`
	DiskAllocBytes int64 `json:"disk_alloc_bytes,omitempty"`
	// DiskGrowth and DiskAllocGrowth are how much those grew during the
	// measurement, while Records records were written.
	DiskGrowth      int64 `json:"disk_growth,omitempty"`
	DiskAllocGrowth int64 `json:"disk_alloc_growth,omitempty"`
	Records         int64 `json:"records,omitempty"`
}

// BytesPerRecord is the allocated disk growth per record written, or
// zero when no record was written or no data directory is known.
func (s *ServerStats) BytesPerRecord() float64 {
	if s == nil || s.Records == 0 || s.DiskAllocBytes == 0 {
		return 0
	}
	return float64(s.DiskAllocGrowth) / float64(s.Records)
}

// addError counts err under its kind.
func (r *Result) addError(err error) {
	kind := errorKind(err)
	if r.Errors == nil {
		r.Errors = map[string]int64{}
		r.ErrorExamples = map[string]string{}
	}
	r.Errors[kind]++
	if _, ok := r.ErrorExamples[kind]; !ok {
		r.ErrorExamples[kind] = err.Error()
	}
}

// ErrorCount is the number of failed calls.
func (r *Result) ErrorCount() int64 {
	var n int64
	for _, c := range r.Errors {
		n += c
	}
	return n
}

// finish computes the derived fields from the counts and samples.
func (r *Result) finish() {
	r.Latency = summarize(r.samples)
	if r.Duration > 0 {
		r.OpsPerSec = float64(r.Ops) / r.Duration.Seconds()
	}
	if r.Firehose != nil {
		r.Firehose.Lag = summarize(r.Firehose.lagSamples)
	}
}

// merge adds o, a later round of the same row, to r.
func (r *Result) merge(o Result) {
	r.Ops += o.Ops
	r.Calls += o.Calls
	r.Duration += o.Duration
	r.Bytes += o.Bytes
	r.Blocks += o.Blocks
	r.samples = append(r.samples, o.samples...)
	for k, n := range o.Errors {
		if r.Errors == nil {
			r.Errors = map[string]int64{}
			r.ErrorExamples = map[string]string{}
		}
		r.Errors[k] += n
		if _, ok := r.ErrorExamples[k]; !ok {
			r.ErrorExamples[k] = o.ErrorExamples[k]
		}
	}
	if o.Firehose != nil {
		if r.Firehose == nil {
			r.Firehose = &FirehoseStats{}
		}
		f, g := r.Firehose, o.Firehose
		f.Subscribers = max(f.Subscribers, g.Subscribers)
		f.Sent += g.Sent
		f.Delivered += g.Delivered
		f.Early += g.Early
		f.Dropped += g.Dropped
		if f.DropReason == "" {
			f.DropReason = g.DropReason
		}
		f.lagSamples = append(f.lagSamples, g.lagSamples...)
	}
	if o.Server != nil {
		if r.Server == nil {
			r.Server = &ServerStats{}
		}
		s, t := r.Server, o.Server
		s.RSSBytes = t.RSSBytes
		s.PeakRSSBytes = max(s.PeakRSSBytes, t.PeakRSSBytes)
		s.DiskBytes, s.DiskAllocBytes = t.DiskBytes, t.DiskAllocBytes
		s.DiskGrowth += t.DiskGrowth
		s.DiskAllocGrowth += t.DiskAllocGrowth
		s.Records += t.Records
	}
	r.finish()
}

// mergeRounds merges the results of several rounds of one workload row
// by row; every round must have the same rows.
func mergeRounds(rounds [][]Result) []Result {
	if len(rounds) == 0 {
		return nil
	}
	out := make([]Result, len(rounds[0]))
	for i, r := range rounds[0] {
		out[i] = r
		out[i].samples = slices.Clone(r.samples)
		out[i].Errors = maps.Clone(r.Errors)
		out[i].ErrorExamples = maps.Clone(r.ErrorExamples)
		if r.Firehose != nil {
			f := *r.Firehose
			f.lagSamples = slices.Clone(f.lagSamples)
			out[i].Firehose = &f
		}
		if r.Server != nil {
			s := *r.Server
			out[i].Server = &s
		}
		out[i].finish()
	}
	for _, round := range rounds[1:] {
		for i := range min(len(out), len(round)) {
			out[i].merge(round[i])
		}
	}
	return out
}
