package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/bench"
)

func TestParseBenchArgs(t *testing.T) {
	plan, err := parseBenchArgs(nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(plan.targets) != 1 || plan.targets[0].URL != "http://127.0.0.1:2583" || plan.rounds != 1 || plan.json {
		t.Errorf("defaults: %+v", plan)
	}
	var names []string
	for _, w := range plan.workloads {
		names = append(names, w.Name())
	}
	if got := strings.Join(names, ","); got != benchWorkloads {
		t.Errorf("default workloads %s, want %s", got, benchWorkloads)
	}

	plan, err = parseBenchArgs([]string{
		"--url", "http://127.0.0.1:1", "--pid", "10", "--data-dir", "/a", "--admin-password", "pw",
		"--compare", "http://localhost:2", "--compare-pid", "20", "--compare-data-dir", "/b", "--compare-name", "ref",
		"--compare-invite-code", "code", "--workloads", "sweep, firehose,sweep", "--clients", "2,4",
		"--duration", "2s", "--count", "50", "--writers", "3", "--subscribers", "5", "--rate", "100",
		"--rounds", "3", "--json",
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	a, b := plan.targets[0], plan.targets[1]
	if a.URL != "http://127.0.0.1:1" || a.PID != 10 || a.DataDir != "/a" || a.AdminPassword != "pw" {
		t.Errorf("A: %+v", a)
	}
	if b.URL != "http://localhost:2" || b.PID != 20 || b.DataDir != "/b" || b.Name != "ref" || b.InviteCode != "code" {
		t.Errorf("B: %+v", b)
	}
	if plan.rounds != 3 || !plan.json || len(plan.workloads) != 2 {
		t.Fatalf("plan: %+v", plan)
	}
	sweep, ok := plan.workloads[0].(bench.CommitsConfig)
	if !ok || sweep.Label != "sweep" || len(sweep.Clients) != 2 || sweep.Clients[1] != 4 || sweep.Duration != 2*time.Second || sweep.Count != 50 {
		t.Errorf("sweep: %+v", plan.workloads[0])
	}
	fh, ok := plan.workloads[1].(bench.FirehoseConfig)
	if !ok || fh.Writers != 3 || fh.Subscribers != 5 || fh.Rate != 100 || fh.Count != 50 {
		t.Errorf("firehose: %+v", plan.workloads[1])
	}

	for _, tt := range []struct {
		args    []string
		wantErr string
	}{
		{[]string{"--workloads", "seq,nope"}, `unknown workload "nope"`},
		{[]string{"--workloads", ","}, "no workload"},
		{[]string{"--compare-pid", "3"}, "need --compare"},
		{[]string{"--clients", "1,x"}, "--clients"},
		{[]string{"--clients", "0"}, "--clients"},
		{[]string{"--url", "localhost:2583"}, "not http or https"},
		{[]string{"--compare", "http://x/y"}, "has a path"},
		{[]string{"--rounds", "0"}, "--rounds"},
		{[]string{"--bulk-batch", "500"}, "above 200"},
		{[]string{"--duration", "-1s"}, "negative"},
		{[]string{"extra"}, "unexpected arguments"},
		{[]string{"--no-such-flag"}, "not defined"},
	} {
		if _, err := parseBenchArgs(tt.args, io.Discard); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("%q: err = %v, want %q", tt.args, err, tt.wantErr)
		}
	}
}

// startBenchNode runs a node in this process on a free loopback port
// with a fresh data directory, until t ends, and returns its URL and
// data directory.
func startBenchNode(t *testing.T) (url, dataDir string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dataDir = filepath.Join(t.TempDir(), "data")
	cfg, err := loadConfig([]string{"--listen", ln.Addr().String(), "--data-dir", dataDir,
		"--admin-password", "bench-test", "--invite-required=false"}, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	n, err := openNode(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		ln.Close()
		t.Fatal(err)
	}
	n.start(ln)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := n.close(ctx); err != nil {
			t.Error(err)
		}
	})
	return "http://" + ln.Addr().String(), dataDir
}

// TestRunBench runs every workload, briefly, through runBench against an
// in-process node, then one as JSON.
func TestRunBench(t *testing.T) {
	url, dataDir := startBenchNode(t)
	pid := strconv.Itoa(os.Getpid())
	var stdout, stderr bytes.Buffer
	err := runBench([]string{"--url", url, "--pid", pid, "--data-dir", dataDir, "--admin-password", "bench-test",
		"--duration", "200ms", "--clients", "1,2", "--accounts", "2", "--accounts-concurrency", "2",
		"--bulk-records", "300", "--reads-records", "50", "--getrepo-records", "300", "--getrepo-count", "2",
		"--writers", "2", "--subscribers", "2"}, &stdout, &stderr)
	if err != nil {
		t.Fatalf("runBench: %v\n%s", err, stderr.String())
	}
	table := stdout.String()
	t.Logf("\n%s", table)
	lines := strings.Split(strings.TrimSpace(table), "\n")
	// The header, accounts, seq, sweep ×2, bulk, reads ×2, getrepo and
	// firehose.
	if len(lines) != 10 || !strings.HasPrefix(lines[0], "workload") || strings.Contains(table, "error:") {
		t.Errorf("table has %d lines:\n%s", len(lines), table)
	}
	for _, name := range strings.Split(benchWorkloads, ",") {
		if !strings.Contains(table, "\n"+name+" ") {
			t.Errorf("table has no %s row", name)
		}
	}
	if !strings.Contains(stderr.String(), "measuring") {
		t.Errorf("no progress on stderr: %s", stderr.String())
	}

	stdout.Reset()
	if err := runBench([]string{"--url", url, "--workloads", "reads", "--count", "20", "--clients", "2",
		"--reads-records", "20", "--json"}, &stdout, io.Discard); err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("%v:\n%s", err, stdout.String())
	}
	if len(rep.Targets) != 1 || len(rep.Rows) != 1 || rep.Rows[0][0].Ops != 20 || rep.Rows[0][0].Workload != "reads" {
		t.Errorf("JSON report: %+v", rep)
	}
}
