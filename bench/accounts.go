package bench

import (
	"context"
	"errors"
	"fmt"
)

// AccountsConfig measures sign-up: com.atproto.server.createAccount of
// Count new accounts from Concurrency clients at once.
type AccountsConfig struct {
	// Count is how many accounts each round creates; zero means 100.
	Count int
	// Concurrency is how many clients sign up at once; zero means 8.
	Concurrency int
}

// EnsureDefaults returns c with zero fields set to their defaults.
func (c AccountsConfig) EnsureDefaults() AccountsConfig {
	if c.Count == 0 {
		c.Count = 100
	}
	if c.Concurrency == 0 {
		c.Concurrency = 8
	}
	return c
}

// Validate reports settings that cannot run.
func (c AccountsConfig) Validate() error {
	var errs []error
	if c.Count < 0 {
		errs = append(errs, errors.New("bench: accounts: count is negative"))
	}
	if c.Concurrency < 0 {
		errs = append(errs, errors.New("bench: accounts: concurrency is negative"))
	}
	return errors.Join(errs...)
}

// Name is "accounts".
func (c AccountsConfig) Name() string { return "accounts" }

// Prepare checks c; sign-up needs no setup.
func (c AccountsConfig) Prepare(ctx context.Context, p *PDS) (Runner, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &accountsRunner{cfg: c.EnsureDefaults(), p: p}, nil
}

type accountsRunner struct {
	cfg AccountsConfig
	p   *PDS
}

func (r *accountsRunner) Round(ctx context.Context) ([]Result, error) {
	probe := r.p.startStats()
	l := loop{clients: r.cfg.Concurrency, count: int64(r.cfg.Count)}
	res := l.run(ctx, func(ctx context.Context, _ int, _ int64) (int64, error) {
		_, err := r.p.createAccount(ctx)
		return 1, err
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var err error
	if res.Server, err = probe.finish(0); err != nil {
		return nil, err
	}
	res.Workload, res.Case, res.Unit = r.cfg.Name(), fmt.Sprintf("clients=%d", r.cfg.Concurrency), "accounts"
	res.finish()
	return []Result{res}, nil
}
