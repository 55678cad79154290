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
  version   print the version
`)
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
