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
	"strings"
	"syscall"
	"time"

	"github.com/VictoriaMetrics/metrics"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

// run executes one subcommand and returns the exit code.
func run(args []string, stdout, stderr io.Writer, env func(string) string) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	var err error
	switch args[0] {
	case "serve":
		err = serve(args[1:], stderr, env)
	case "backup":
		err = withSignals(func(ctx context.Context) error { return runBackup(ctx, args[1:], stdout, stderr, env) })
	case "restore":
		err = withSignals(func(ctx context.Context) error { return runRestore(ctx, args[1:], stdout, stderr, env) })
	case "compact":
		err = withSignals(func(ctx context.Context) error { return runCompact(ctx, args[1:], stdout, stderr, env) })
	case "admin":
		err = withSignals(func(ctx context.Context) error { return runAdmin(ctx, args[1:], stdout, stderr, env) })
	case "bench":
		err = runBench(args[1:], stdout, stderr)
	case "config":
		err = runConfig(args[1:], stdout, stderr, env)
	case "version":
		fmt.Fprintln(stdout, version)
	case "help", "-h", "--help":
		usage(stdout)
	default:
		fmt.Fprintf(stderr, "boltsky: unknown command %q\n\n", args[0])
		usage(stderr)
		return 2
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "boltsky: %v\n", err)
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprint(w, `usage: boltsky <command> [flags]

commands:
  serve     run a node (boltsky serve -h lists its settings)
  backup    copy account files while the node runs: --did DID --out FILE, or --all --out DIR
  restore   check and install backed-up account files: restore FILE|DIR...
  compact   rewrite an idle account file to reclaim space: --did DID
  admin     invites, accounts, takedowns, passwords, repository export and import
  bench     measure a PDS over the wire, or two side by side (boltsky bench -h)
  config    check or show the configuration: config check, config show
  version   print the version

Commands other than serve work through a running node (--server URL
--admin-password PASSWORD, by default the node at the configured listen
address when one answers) or, when no node runs, on the data directory
itself (--local). Every command takes serve's settings as flags.
`)
}

// errUsage reports a command line that names no valid command; the
// message was printed already, and the exit code is 2.
var errUsage = errors.New("usage")

// withSignals runs fn with a context cancelled by SIGINT or SIGTERM.
func withSignals(fn func(ctx context.Context) error) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return fn(ctx)
}

// serve runs a node until SIGINT or SIGTERM.
func serve(args []string, stderr io.Writer, env func(string) string) error {
	cfg, err := loadConfig(args, env)
	if err != nil {
		return err
	}
	log := newLogger(cfg, stderr)
	// /metrics carries # HELP-less # TYPE lines, so scrapers see counters,
	// gauges and histograms rather than untyped series.
	metrics.ExposeMetadata(true)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	n, err := openNode(ctx, cfg, log)
	if err != nil {
		return err
	}
	serveErr := n.serve(ctx)
	log.Info("shutting down")
	closeCtx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return errors.Join(serveErr, n.close(closeCtx))
}

func newLogger(cfg Config, w io.Writer) *slog.Logger {
	var level slog.Level
	switch strings.ToLower(cfg.LogLevel) {
	case "debug":
		level = slog.LevelDebug
	case "warn":
		level = slog.LevelWarn
	case "error":
		level = slog.LevelError
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}
