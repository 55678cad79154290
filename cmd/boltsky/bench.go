package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/boltsky/boltsky/bench"
)

// benchWorkloads are the workloads `boltsky bench` knows, in the order
// it runs them.
const benchWorkloads = "accounts,seq,sweep,bulk,reads,getrepo,firehose"

// benchPlan is a parsed `boltsky bench` command line.
type benchPlan struct {
	targets   []bench.Target
	workloads []bench.Workload
	rounds    int
	json      bool
}

// runBench runs `boltsky bench`: the workloads of package bench against
// one PDS, or two in alternation with --compare, then prints the table
// (or JSON) on stdout; progress goes to stderr.
func runBench(args []string, stdout, stderr io.Writer) error {
	plan, err := parseBenchArgs(args, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return plan.run(ctx, stdout, slog.New(slog.NewTextHandler(stderr, nil)))
}

// parseBenchArgs turns flags into targets and workload configurations.
func parseBenchArgs(args []string, stderr io.Writer) (benchPlan, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, `usage: boltsky bench --url URL [--compare URL2] [flags]

Runs workloads over the wire (XRPC and the firehose websocket) against any
PDS and prints ops/s, latency percentiles, firehose delivery and lag, and,
given --pid and --data-dir, the server's RSS and disk bytes per record.
With --compare, every workload runs against both servers in alternation
and the table shows both and their ratio.

workloads: %s

flags:
`, strings.ReplaceAll(benchWorkloads, ",", ", "))
		fs.PrintDefaults()
	}
	var (
		a, b         bench.Target
		workloads    = fs.String("workloads", benchWorkloads, "comma-separated workloads to run")
		rounds       = fs.Int("rounds", 1, "rounds per workload and target (alternating A, B, A, B with --compare)")
		asJSON       = fs.Bool("json", false, "print the report as JSON instead of a table")
		duration     = fs.Duration("duration", 5*time.Second, "how long each level of seq, sweep, reads and firehose runs")
		count        = fs.Int("count", 0, "calls per level of seq, sweep, reads and firehose instead of --duration")
		clients      = fs.String("clients", "1,8,32,64", "client counts of the sweep and reads levels")
		accounts     = fs.Int("accounts", 100, "accounts: how many to create per round")
		accountsConc = fs.Int("accounts-concurrency", 8, "accounts: clients signing up at once")
		bulkRecords  = fs.Int("bulk-records", 10_000, "bulk: records per round")
		bulkBatch    = fs.Int("bulk-batch", 200, "bulk: creates per applyWrites call")
		bulkClients  = fs.Int("bulk-clients", 1, "bulk: clients loading at once, each on its own account")
		readsRecords = fs.Int("reads-records", 1000, "reads: records in the repo read from")
		seed         = fs.Uint64("seed", 1, "reads: seed of the record choice")
		repoRecords  = fs.Int("getrepo-records", 10_000, "getrepo: records in the repo downloaded")
		repoCount    = fs.Int("getrepo-count", 10, "getrepo: downloads per round")
		subscribers  = fs.Int("subscribers", 16, "firehose: subscribers")
		writers      = fs.Int("writers", 64, "firehose: writers, each on its own account")
		rate         = fs.Float64("rate", 0, "firehose: total commits per second (0: as fast as the server answers)")
		drain        = fs.Duration("drain", 10*time.Second, "firehose: longest wait for subscribers to catch up after writing")
	)
	fs.StringVar(&a.URL, "url", "http://127.0.0.1:2583", "base URL of the PDS to measure (A)")
	fs.StringVar(&a.Name, "name", "", "label of A in the report (default its URL)")
	fs.StringVar(&a.AdminPassword, "admin-password", "", "A's admin password, to create an invite code when sign-up needs one")
	fs.StringVar(&a.InviteCode, "invite-code", "", "invite code for sign-ups on A")
	fs.IntVar(&a.PID, "pid", 0, "A's process id, to report its RSS")
	fs.StringVar(&a.DataDir, "data-dir", "", "A's data directory, to report its disk usage and bytes per record")
	fs.StringVar(&b.URL, "compare", "", "base URL of a second PDS (B) to measure in alternation with A")
	fs.StringVar(&b.Name, "compare-name", "", "label of B in the report (default its URL)")
	fs.StringVar(&b.AdminPassword, "compare-admin-password", "", "B's admin password")
	fs.StringVar(&b.InviteCode, "compare-invite-code", "", "invite code for sign-ups on B")
	fs.IntVar(&b.PID, "compare-pid", 0, "B's process id")
	fs.StringVar(&b.DataDir, "compare-data-dir", "", "B's data directory")
	if err := fs.Parse(args); err != nil {
		return benchPlan{}, err
	}
	if fs.NArg() > 0 {
		return benchPlan{}, fmt.Errorf("bench: unexpected arguments %q", fs.Args())
	}
	plan := benchPlan{rounds: *rounds, json: *asJSON, targets: []bench.Target{a}}
	if b.URL != "" {
		plan.targets = append(plan.targets, b)
	} else if b.Name != "" || b.AdminPassword != "" || b.InviteCode != "" || b.PID != 0 || b.DataDir != "" {
		return benchPlan{}, errors.New("bench: --compare-* flags need --compare URL")
	}
	var errs []error
	for _, t := range plan.targets {
		errs = append(errs, t.Validate())
	}
	if *rounds <= 0 {
		errs = append(errs, errors.New("bench: --rounds must be positive"))
	}
	levels, err := parseBenchLevels(*clients)
	if err != nil {
		errs = append(errs, fmt.Errorf("bench: --clients: %w", err))
	}
	seen := map[string]bool{}
	for _, name := range strings.Split(*workloads, ",") {
		name = strings.TrimSpace(name)
		if name == "" || seen[name] {
			continue
		}
		seen[name] = true
		var w interface {
			bench.Workload
			Validate() error
		}
		switch name {
		case "accounts":
			w = bench.AccountsConfig{Count: *accounts, Concurrency: *accountsConc}
		case "seq":
			w = bench.CommitsConfig{Label: "seq", Clients: []int{1}, Duration: *duration, Count: *count}
		case "sweep":
			w = bench.CommitsConfig{Label: "sweep", Clients: levels, Duration: *duration, Count: *count}
		case "bulk":
			w = bench.BulkConfig{Records: *bulkRecords, Batch: *bulkBatch, Clients: *bulkClients}
		case "reads":
			w = bench.ReadsConfig{Records: *readsRecords, Clients: levels, Duration: *duration, Count: *count, Seed: *seed}
		case "getrepo":
			w = bench.GetRepoConfig{Records: *repoRecords, Count: *repoCount}
		case "firehose":
			w = bench.FirehoseConfig{Subscribers: *subscribers, Writers: *writers, Duration: *duration,
				Count: *count, Rate: *rate, Drain: *drain}
		default:
			errs = append(errs, fmt.Errorf("bench: unknown workload %q (known: %s)", name, strings.ReplaceAll(benchWorkloads, ",", ", ")))
			continue
		}
		errs = append(errs, w.Validate())
		plan.workloads = append(plan.workloads, w)
	}
	if len(plan.workloads) == 0 {
		errs = append(errs, errors.New("bench: no workload to run"))
	}
	return plan, errors.Join(errs...)
}

// parseBenchLevels parses a comma-separated list of positive integers.
func parseBenchLevels(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil || n <= 0 {
			return nil, fmt.Errorf("%q is not a positive integer", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("empty list")
	}
	return out, nil
}

// run connects to the targets, runs every workload and prints the
// report of those that succeeded; it returns the failures.
func (p benchPlan) run(ctx context.Context, stdout io.Writer, log *slog.Logger) error {
	var pdss []*bench.PDS
	defer func() {
		for _, x := range pdss {
			x.Close()
		}
	}()
	names := make([]string, len(p.targets))
	for i, t := range p.targets {
		x, err := bench.Connect(ctx, t)
		if err != nil {
			return err
		}
		pdss = append(pdss, x)
		names[i] = x.Name()
	}
	report := bench.NewReport(names...)
	var errs []error
	for _, w := range p.workloads {
		if ctx.Err() != nil {
			break
		}
		out, err := bench.Run(ctx, w, bench.RunOptions{Rounds: p.rounds, Logger: log}, pdss...)
		if err != nil {
			// One workload failing (a server that times out on it, say)
			// does not keep the others from running.
			log.Error("workload failed", "workload", w.Name(), "err", err)
			errs = append(errs, err)
			continue
		}
		errs = append(errs, report.Add(out))
	}
	if p.json {
		errs = append(errs, report.WriteJSON(stdout))
	} else {
		errs = append(errs, report.WriteTable(stdout))
	}
	return errors.Join(errs...)
}
