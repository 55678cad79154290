package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync/atomic"
	"time"
)

// Workload is one benchmark configuration. The configuration structs of
// this package implement it.
type Workload interface {
	// Name names the workload in reports.
	Name() string
	// Prepare sets the workload up on p (accounts, records), outside any
	// measurement, and returns the Runner that measures it there.
	Prepare(ctx context.Context, p *PDS) (Runner, error)
}

// Runner measures a prepared workload on one PDS.
type Runner interface {
	// Round runs one measurement and returns its rows. Every round
	// returns the same rows in the same order.
	Round(ctx context.Context) ([]Result, error)
}

// RunOptions control Run.
type RunOptions struct {
	// Rounds is how many rounds each PDS runs; zero means 1.
	Rounds int
	// Logger reports progress; nil means none.
	Logger *slog.Logger
}

// Run prepares w on every PDS, then runs opts.Rounds rounds, each
// measuring every PDS in turn (A, B, A, B, ...), and returns the rows of
// each PDS merged over its rounds: out[i] belongs to pdss[i].
func Run(ctx context.Context, w Workload, opts RunOptions, pdss ...*PDS) ([][]Result, error) {
	if len(pdss) == 0 {
		return nil, errors.New("bench: no target to run against")
	}
	if opts.Rounds < 0 {
		return nil, errors.New("bench: rounds is negative")
	}
	rounds := max(opts.Rounds, 1)
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	runners := make([]Runner, len(pdss))
	for i, p := range pdss {
		log.Info("preparing", "workload", w.Name(), "target", p.Name())
		r, err := w.Prepare(ctx, p)
		if err != nil {
			return nil, fmt.Errorf("bench: %s on %s: %w", w.Name(), p.Name(), err)
		}
		runners[i] = r
	}
	all := make([][][]Result, len(pdss))
	for round := range rounds {
		for i, r := range runners {
			log.Info("measuring", "workload", w.Name(), "target", pdss[i].Name(), "round", round+1)
			res, err := r.Round(ctx)
			if err != nil {
				return nil, fmt.Errorf("bench: %s on %s, round %d: %w", w.Name(), pdss[i].Name(), round+1, err)
			}
			for _, x := range res {
				log.Info("measured", "workload", x.Workload, "case", x.Case, "target", pdss[i].Name(),
					"ops", x.Ops, "ops/s", fmt.Sprintf("%.1f", x.OpsPerSec), "p99", x.Latency.P99, "errors", x.ErrorCount())
			}
			all[i] = append(all[i], res)
		}
	}
	out := make([][]Result, len(pdss))
	for i := range all {
		out[i] = mergeRounds(all[i])
	}
	return out, nil
}

// loop describes a closed-loop measurement: clients goroutines calling
// one after the other.
type loop struct {
	clients int
	// count, when positive, is how many calls to make in all; otherwise
	// the loop runs for duration.
	count    int64
	duration time.Duration
	// interval, when positive, spaces each client's calls at least this
	// far apart (a fixed rate); the wait is not part of the latency.
	interval time.Duration
}

// maxConsecutiveErrors is how many failed calls in a row make a client
// give up, so that a dead server ends a measurement early.
const maxConsecutiveErrors = 100

// opFunc makes one call for client worker, the seq-th call of the
// measurement, and returns how many units it did.
type opFunc func(ctx context.Context, worker int, seq int64) (units int64, err error)

// run performs the measurement and returns its counts, latency samples
// and errors (not yet summarized: callers fill in names and call
// finish).
func (l loop) run(ctx context.Context, op opFunc) Result {
	results := make([]Result, l.clients)
	var next atomic.Int64
	done := make(chan struct{}, l.clients)
	start := time.Now()
	deadline := start.Add(l.duration)
	for w := range l.clients {
		go func() {
			defer func() { done <- struct{}{} }()
			r := &results[w]
			failed := 0
			for k := 0; ; k++ {
				if ctx.Err() != nil {
					return
				}
				seq := next.Add(1) - 1
				if l.count > 0 && seq >= l.count {
					return
				}
				if l.count <= 0 && !time.Now().Before(deadline) {
					return
				}
				if l.interval > 0 {
					// Clients are staggered across the interval.
					at := start.Add(time.Duration(k)*l.interval + l.interval*time.Duration(w)/time.Duration(l.clients))
					if wait := time.Until(at); wait > 0 {
						if l.count <= 0 && time.Now().Add(wait).After(deadline) {
							return
						}
						select {
						case <-ctx.Done():
							return
						case <-time.After(wait):
						}
					}
				}
				t0 := time.Now()
				units, err := op(ctx, w, seq)
				lat := time.Since(t0)
				r.Calls++
				if err != nil {
					if ctx.Err() != nil {
						r.Calls--
						return
					}
					r.addError(err)
					if failed++; failed >= maxConsecutiveErrors {
						return
					}
					continue
				}
				failed = 0
				r.Ops += units
				r.samples = append(r.samples, lat)
			}
		}()
	}
	for range l.clients {
		<-done
	}
	total := Result{Duration: time.Since(start)}
	for _, r := range results {
		total.Ops += r.Ops
		total.Calls += r.Calls
		total.samples = append(total.samples, r.samples...)
		for k, n := range r.Errors {
			if total.Errors == nil {
				total.Errors = map[string]int64{}
				total.ErrorExamples = map[string]string{}
			}
			total.Errors[k] += n
			if _, ok := total.ErrorExamples[k]; !ok {
				total.ErrorExamples[k] = r.ErrorExamples[k]
			}
		}
	}
	return total
}

// validLoop checks the sizes common to the timed workloads.
func validLoop(name string, clients []int, duration time.Duration, count int) error {
	var errs []error
	for _, c := range clients {
		if c <= 0 {
			errs = append(errs, fmt.Errorf("bench: %s: client count %d is not positive", name, c))
		}
	}
	if duration < 0 {
		errs = append(errs, fmt.Errorf("bench: %s: duration is negative", name))
	}
	if count < 0 {
		errs = append(errs, fmt.Errorf("bench: %s: count is negative", name))
	}
	return errors.Join(errs...)
}
