package bench

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is the outcome of a benchmark run: rows of results, one Result
// per target in each row, in the order of Targets.
type Report struct {
	Targets []string   `json:"targets"`
	Rows    [][]Result `json:"rows"`
}

// NewReport returns an empty report on the named targets.
func NewReport(targets ...string) *Report {
	return &Report{Targets: targets}
}

// Add appends the rows Run returned for one workload (out[i] from the
// i-th target).
func (r *Report) Add(out [][]Result) error {
	if len(out) != len(r.Targets) {
		return fmt.Errorf("bench: %d result sets for %d targets", len(out), len(r.Targets))
	}
	for i := range out[0] {
		row := make([]Result, len(out))
		for t := range out {
			if len(out[t]) != len(out[0]) {
				return errors.New("bench: targets returned different rows")
			}
			row[t] = out[t][i]
		}
		r.Rows = append(r.Rows, row)
	}
	return nil
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as aligned text: one line per row with a
// single target, or one line per metric with both values and their ratio
// with two.
func (r *Report) WriteTable(w io.Writer) error {
	if len(r.Targets) == 2 {
		return r.writeComparison(w)
	}
	for t, name := range r.Targets {
		if len(r.Targets) > 1 {
			fmt.Fprintf(w, "== %s\n", name)
		}
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "workload\tcase\tops\tops/s\tp50\tp90\tp99\tmax\terrors\tRSS\tdisk/rec\tnotes")
		for _, row := range r.Rows {
			x := row[t]
			fmt.Fprintf(tw, "%s\t%s\t%d %s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n",
				x.Workload, x.Case, x.Ops, x.Unit, fmtRate(x.OpsPerSec),
				latCol(x.Latency, x.Latency.P50), latCol(x.Latency, x.Latency.P90),
				latCol(x.Latency, x.Latency.P99), latCol(x.Latency, x.Latency.Max),
				x.ErrorCount(), fmtRSS(x.Server), fmtPerRecord(x.Server), notes(x))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return r.writeErrors(w)
}

// notes describes what a row measured beyond its columns.
func notes(x Result) string {
	var parts []string
	if f := x.Firehose; f != nil {
		parts = append(parts, fmt.Sprintf("delivered %d/%d (%.1f%%) lag p50 %s p99 %s max %s",
			f.Delivered, f.Sent, 100*f.DeliveredRatio(), latCol(f.Lag, f.Lag.P50), latCol(f.Lag, f.Lag.P99), latCol(f.Lag, f.Lag.Max)))
		if f.Early > 0 {
			parts = append(parts, fmt.Sprintf("early %d", f.Early))
		}
		if f.Dropped > 0 {
			parts = append(parts, fmt.Sprintf("dropped %d (%s)", f.Dropped, f.DropReason))
		}
	}
	if x.Unit == "records" && x.Calls > 0 {
		parts = append(parts, fmt.Sprintf("%d calls", x.Calls))
	}
	if x.Blocks > 0 && x.Ops > 0 {
		parts = append(parts, fmt.Sprintf("%s/repo %d blocks %.1f MB/s", fmtBytes(x.Bytes/x.Ops), x.Blocks,
			float64(x.Bytes)/1e6/x.Duration.Seconds()))
	}
	if s := x.Server; s != nil && s.PeakRSSBytes > 0 {
		parts = append(parts, "peak RSS "+fmtBytes(s.PeakRSSBytes))
	}
	if s := x.Server; s != nil && s.DiskAllocBytes > 0 {
		parts = append(parts, "disk "+fmtBytes(s.DiskAllocBytes))
	}
	return strings.Join(parts, ", ")
}

// writeErrors lists the errors of every row, with an example of each
// kind.
func (r *Report) writeErrors(w io.Writer) error {
	for _, row := range r.Rows {
		for t, x := range row {
			for _, kind := range slices.Sorted(maps.Keys(x.Errors)) {
				_, err := fmt.Fprintf(w, "error: %s %s on %s: %d × %s, e.g. %s\n",
					x.Workload, x.Case, r.Targets[t], x.Errors[kind], kind, x.ErrorExamples[kind])
				if err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// metric is one compared line: how to read it from a Result and whether
// more is better.
type metric struct {
	name   string
	value  func(Result) (float64, bool)
	format func(float64) string
	higher bool // more is better (the ratio is A/B), else B/A
}

func durMetric(name string, get func(Result) (time.Duration, bool)) metric {
	return metric{name: name, higher: false,
		value: func(x Result) (float64, bool) {
			d, ok := get(x)
			return float64(d), ok
		},
		format: func(v float64) string { return fmtDur(time.Duration(v)) }}
}

// compareMetrics are the lines of a comparison, per row.
func compareMetrics() []metric {
	lat := func(p func(Summary) time.Duration) func(Result) (time.Duration, bool) {
		return func(x Result) (time.Duration, bool) { return p(x.Latency), x.Latency.N > 0 }
	}
	lag := func(p func(Summary) time.Duration) func(Result) (time.Duration, bool) {
		return func(x Result) (time.Duration, bool) {
			return p(x.Firehose.lagOrZero()), x.Firehose != nil && x.Firehose.Lag.N > 0
		}
	}
	return []metric{
		{name: "ops/s", higher: true, format: fmtRate,
			value: func(x Result) (float64, bool) { return x.OpsPerSec, x.Duration > 0 }},
		durMetric("p50", lat(func(s Summary) time.Duration { return s.P50 })),
		durMetric("p99", lat(func(s Summary) time.Duration { return s.P99 })),
		durMetric("max", lat(func(s Summary) time.Duration { return s.Max })),
		{name: "delivered", higher: true, format: func(v float64) string { return fmt.Sprintf("%.1f%%", 100*v) },
			value: func(x Result) (float64, bool) {
				if x.Firehose == nil {
					return 0, false
				}
				return x.Firehose.DeliveredRatio(), true
			}},
		durMetric("lag p50", lag(func(s Summary) time.Duration { return s.P50 })),
		durMetric("lag p99", lag(func(s Summary) time.Duration { return s.P99 })),
		{name: "RSS", format: func(v float64) string { return fmtBytes(int64(v)) },
			value: func(x Result) (float64, bool) { return float64(x.Server.rss()), x.Server.rss() > 0 }},
		{name: "peak RSS", format: func(v float64) string { return fmtBytes(int64(v)) },
			value: func(x Result) (float64, bool) {
				if x.Server == nil {
					return 0, false
				}
				return float64(x.Server.PeakRSSBytes), x.Server.PeakRSSBytes > 0
			}},
		{name: "disk/rec", format: func(v float64) string { return fmt.Sprintf("%.0f B", v) },
			value: func(x Result) (float64, bool) {
				v := x.Server.BytesPerRecord()
				return v, v > 0
			}},
	}
}

func (f *FirehoseStats) lagOrZero() Summary {
	if f == nil {
		return Summary{}
	}
	return f.Lag
}

func (s *ServerStats) rss() int64 {
	if s == nil {
		return 0
	}
	return s.RSSBytes
}

// writeComparison prints one line per row and metric: A, B and the
// ratio, oriented so that above 1 means A is better.
func (r *Report) writeComparison(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "workload\tcase\tmetric\tA: %s\tB: %s\tA vs B\n", r.Targets[0], r.Targets[1])
	for _, row := range r.Rows {
		a, b := row[0], row[1]
		for _, m := range compareMetrics() {
			va, oka := m.value(a)
			vb, okb := m.value(b)
			if !oka && !okb {
				continue
			}
			sa, sb := "-", "-"
			if oka {
				sa = m.format(va)
			}
			if okb {
				sb = m.format(vb)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", a.Workload, a.Case, m.name, sa, sb, fmtRatio(va, vb, oka && okb, m.higher))
		}
		if a.ErrorCount() > 0 || b.ErrorCount() > 0 {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t\n", a.Workload, a.Case, "errors", a.ErrorCount(), b.ErrorCount())
		}
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintln(w, "A vs B: A/B for ops/s and delivered, B/A for latency, lag, RSS and disk; above 1 means A is better.")
	return r.writeErrors(w)
}

func fmtRatio(a, b float64, ok, higher bool) string {
	if !ok {
		return "-"
	}
	num, den := a, b
	if !higher {
		num, den = b, a
	}
	if den == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f×", num/den)
}

// latCol prints d, a statistic of s, or "-" when s has no samples.
func latCol(s Summary, d time.Duration) string {
	if s.N == 0 {
		return "-"
	}
	return fmtDur(d)
}

// fmtDur prints a latency in milliseconds with about three digits.
func fmtDur(d time.Duration) string {
	ms := float64(d) / float64(time.Millisecond)
	switch {
	case d == 0:
		return "0"
	case ms < 1:
		return fmt.Sprintf("%.3fms", ms)
	case ms < 10:
		return fmt.Sprintf("%.2fms", ms)
	case ms < 100:
		return fmt.Sprintf("%.1fms", ms)
	case ms < 10_000:
		return fmt.Sprintf("%.0fms", ms)
	default:
		return fmt.Sprintf("%.1fs", ms/1000)
	}
}

func fmtRate(v float64) string {
	switch {
	case v == 0:
		return "0"
	case v < 10:
		return fmt.Sprintf("%.2f", v)
	case v < 1000:
		return fmt.Sprintf("%.1f", v)
	default:
		return fmt.Sprintf("%.0f", v)
	}
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

func fmtRSS(s *ServerStats) string {
	if s.rss() == 0 {
		return "-"
	}
	return fmtBytes(s.RSSBytes)
}

func fmtPerRecord(s *ServerStats) string {
	v := s.BytesPerRecord()
	if v == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f B", v)
}
