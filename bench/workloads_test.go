package bench_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/bench"
)

// mustRun runs w against pdss and returns each one's rows.
func mustRun(tb testing.TB, w bench.Workload, rounds int, pdss ...*bench.PDS) [][]bench.Result {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := bench.Run(ctx, w, bench.RunOptions{Rounds: rounds}, pdss...)
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// checkSane fails tb unless r counted work, timed it, saw no error and
// carries the server's memory and disk.
func checkSane(tb testing.TB, r bench.Result) {
	tb.Helper()
	if r.Ops <= 0 || r.Calls <= 0 || r.Duration <= 0 || r.OpsPerSec <= 0 {
		tb.Errorf("%s %s: ops %d, calls %d, duration %s, ops/s %f", r.Workload, r.Case, r.Ops, r.Calls, r.Duration, r.OpsPerSec)
	}
	l := r.Latency
	if l.N <= 0 || l.P50 <= 0 || l.P50 > l.P90 || l.P90 > l.P99 || l.P99 > l.Max || l.Mean <= 0 {
		tb.Errorf("%s %s: latency %+v", r.Workload, r.Case, l)
	}
	if int64(l.N) != r.Calls {
		tb.Errorf("%s %s: %d latency samples for %d calls without errors", r.Workload, r.Case, l.N, r.Calls)
	}
	if r.ErrorCount() != 0 {
		tb.Errorf("%s %s: errors %v %v", r.Workload, r.Case, r.Errors, r.ErrorExamples)
	}
	if s := r.Server; s == nil || s.RSSBytes <= 0 || s.PeakRSSBytes < s.RSSBytes || s.DiskBytes <= 0 || s.DiskAllocBytes <= 0 {
		tb.Errorf("%s %s: server stats %+v", r.Workload, r.Case, s)
	}
}

func TestAccounts(t *testing.T) {
	t.Parallel()
	p := mustNode(t).mustConnect(t)
	out := mustRun(t, bench.AccountsConfig{Count: 4, Concurrency: 2}, 1, p)
	if len(out) != 1 || len(out[0]) != 1 {
		t.Fatalf("rows: %v", out)
	}
	r := out[0][0]
	checkSane(t, r)
	if r.Workload != "accounts" || r.Unit != "accounts" || r.Ops != 4 || r.Calls != 4 {
		t.Errorf("result %+v", r)
	}
}

func TestCommitsCount(t *testing.T) {
	t.Parallel()
	p := mustNode(t).mustConnect(t)
	out := mustRun(t, bench.CommitsConfig{Label: "sweep", Clients: []int{1, 3}, Count: 12}, 1, p)
	rows := out[0]
	if len(rows) != 2 {
		t.Fatalf("%d rows, want one per level", len(rows))
	}
	for i, want := range []string{"clients=1", "clients=3"} {
		r := rows[i]
		checkSane(t, r)
		if r.Workload != "sweep" || r.Case != want || r.Unit != "commits" || r.Ops != 12 || r.Calls != 12 {
			t.Errorf("row %d: %s %s: %d %s in %d calls", i, r.Workload, r.Case, r.Ops, r.Unit, r.Calls)
		}
		if r.Server.Records != 12 {
			t.Errorf("row %d: %d records counted for disk use", i, r.Server.Records)
		}
	}
}

func TestCommitsDuration(t *testing.T) {
	t.Parallel()
	p := mustNode(t).mustConnect(t)
	start := time.Now()
	out := mustRun(t, bench.CommitsConfig{Clients: []int{2}, Duration: 400 * time.Millisecond}, 1, p)
	r := out[0][0]
	checkSane(t, r)
	if r.Workload != "commits" || r.Duration < 400*time.Millisecond || r.Duration > time.Since(start) {
		t.Errorf("%s ran %s", r.Workload, r.Duration)
	}
}

func TestBulk(t *testing.T) {
	t.Parallel()
	p := mustNode(t).mustConnect(t)
	out := mustRun(t, bench.BulkConfig{Records: 500, Batch: 200}, 1, p)
	r := out[0][0]
	checkSane(t, r)
	if r.Unit != "records" || r.Ops != 500 || r.Calls != 3 {
		t.Errorf("%d %s in %d calls, want 500 in 3", r.Ops, r.Unit, r.Calls)
	}
	if r.Server.Records != 500 || r.Server.DiskAllocGrowth <= 0 || r.Server.BytesPerRecord() <= 0 {
		t.Errorf("server stats %+v", r.Server)
	}
}

func TestReads(t *testing.T) {
	t.Parallel()
	p := mustNode(t).mustConnect(t)
	out := mustRun(t, bench.ReadsConfig{Records: 250, Clients: []int{1, 4}, Duration: 300 * time.Millisecond, Seed: 7}, 1, p)
	if len(out[0]) != 2 {
		t.Fatalf("%d rows", len(out[0]))
	}
	for _, r := range out[0] {
		checkSane(t, r)
		if r.Unit != "reads" || r.Bytes < r.Ops*100 {
			t.Errorf("%s: %d %s, %d bytes", r.Case, r.Ops, r.Unit, r.Bytes)
		}
	}
}

func TestGetRepo(t *testing.T) {
	t.Parallel()
	p := mustNode(t).mustConnect(t)
	out := mustRun(t, bench.GetRepoConfig{Records: 600, Count: 3}, 1, p)
	r := out[0][0]
	checkSane(t, r)
	if r.Ops != 3 || r.Blocks <= 600 || r.Bytes < 3*600*100 {
		t.Errorf("%d repos, %d blocks, %d bytes", r.Ops, r.Blocks, r.Bytes)
	}
}

func TestFirehose(t *testing.T) {
	t.Parallel()
	p := mustNode(t).mustConnect(t)
	out := mustRun(t, bench.FirehoseConfig{Subscribers: 3, Writers: 3, Duration: 700 * time.Millisecond}, 1, p)
	r := out[0][0]
	checkSane(t, r)
	f := r.Firehose
	if f == nil {
		t.Fatal("no firehose stats")
	}
	if f.Subscribers != 3 || f.Sent != 3*r.Ops || f.Delivered != f.Sent || f.Dropped != 0 {
		t.Errorf("firehose %+v for %d commits", f, r.Ops)
	}
	if int64(f.Lag.N) != f.Delivered || f.Lag.P50 > f.Lag.P99 || f.Lag.P99 > f.Lag.Max {
		t.Errorf("lag %+v for %d delivered", f.Lag, f.Delivered)
	}
	if f.Lag.Max > 5*time.Second {
		t.Errorf("lag max %s", f.Lag.Max)
	}
}

func TestFirehoseRate(t *testing.T) {
	t.Parallel()
	p := mustNode(t).mustConnect(t)
	out := mustRun(t, bench.FirehoseConfig{Subscribers: 1, Writers: 2, Duration: time.Second, Rate: 40}, 1, p)
	r := out[0][0]
	checkSane(t, r)
	if r.Ops < 20 || r.Ops > 42 {
		t.Errorf("%d commits in %s at 40/s", r.Ops, r.Duration)
	}
	if f := r.Firehose; f.Delivered != f.Sent || !strings.Contains(r.Case, "rate=40/s") {
		t.Errorf("%s: delivered %d of %d", r.Case, f.Delivered, f.Sent)
	}
}

// TestCompare runs one workload against two nodes in alternation over
// two rounds and checks the merged rows and the report.
func TestCompare(t *testing.T) {
	t.Parallel()
	a, b := mustNode(t), mustNode(t)
	a.Target.Name, b.Target.Name = "one", "two"
	pa, pb := a.mustConnect(t), b.mustConnect(t)
	cfg := bench.ReadsConfig{Records: 50, Clients: []int{2}, Count: 40}
	out := mustRun(t, cfg, 2, pa, pb)
	if len(out) != 2 {
		t.Fatalf("%d result sets", len(out))
	}
	for i, rows := range out {
		if len(rows) != 1 {
			t.Fatalf("target %d: %d rows", i, len(rows))
		}
		checkSane(t, rows[0])
		if rows[0].Ops != 80 || rows[0].Latency.N != 80 {
			t.Errorf("target %d: %d ops and %d samples over two rounds of 40", i, rows[0].Ops, rows[0].Latency.N)
		}
	}
	rep := bench.NewReport(pa.Name(), pb.Name())
	if err := rep.Add(out); err != nil {
		t.Fatal(err)
	}
	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"A: one", "B: two", "A vs B", "ops/s", "p99", "RSS", "×"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back bench.Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Rows) != 1 || back.Rows[0][1].Ops != 80 || back.Targets[1] != "two" {
		t.Errorf("JSON round trip: %+v", back)
	}
	t.Logf("\n%s", table.String())
}
