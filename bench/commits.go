package bench

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"
)

// CommitsConfig measures record writes: each of N clients calls
// com.atproto.repo.createRecord on its own account, one call after the
// other, for every N in Clients. Every call is one commit.
type CommitsConfig struct {
	// Label names the workload in reports; empty means "commits".
	Label string
	// Clients are the concurrency levels measured, each client on its
	// own account; empty means 1, 8, 32 and 64.
	Clients []int
	// Duration is how long each level runs; zero means 5s.
	Duration time.Duration
	// Count, when positive, is how many calls each level makes instead.
	Count int
}

// EnsureDefaults returns c with zero fields set to their defaults.
func (c CommitsConfig) EnsureDefaults() CommitsConfig {
	if c.Label == "" {
		c.Label = "commits"
	}
	if len(c.Clients) == 0 {
		c.Clients = []int{1, 8, 32, 64}
	}
	if c.Duration == 0 {
		c.Duration = 5 * time.Second
	}
	return c
}

// Validate reports settings that cannot run.
func (c CommitsConfig) Validate() error {
	return validLoop(c.Name(), c.Clients, c.Duration, c.Count)
}

// Name is the label.
func (c CommitsConfig) Name() string { return c.EnsureDefaults().Label }

// Prepare creates one account per client of the largest level and
// writes one record to each, so that no measured call pays for opening
// an account.
func (c CommitsConfig) Prepare(ctx context.Context, p *PDS) (Runner, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.EnsureDefaults()
	n := slices.Max(c.Clients)
	accts, err := p.createAccounts(ctx, n, min(n, 8))
	if err != nil {
		return nil, err
	}
	if err := warmAccounts(ctx, p, accts); err != nil {
		return nil, err
	}
	return &commitsRunner{cfg: c, p: p, accts: accts}, nil
}

// warmAccounts writes one post to every account.
func warmAccounts(ctx context.Context, p *PDS, accts []account) error {
	errc := make(chan error, len(accts))
	for _, a := range accts {
		go func() {
			_, err := p.createPost(ctx, a, 0)
			errc <- err
		}()
	}
	var errs []error
	for range accts {
		errs = append(errs, <-errc)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("bench: cannot write to a new account on %s: %w", p.Name(), err)
	}
	return nil
}

type commitsRunner struct {
	cfg   CommitsConfig
	p     *PDS
	accts []account
}

func (r *commitsRunner) Round(ctx context.Context) ([]Result, error) {
	var out []Result
	for _, clients := range r.cfg.Clients {
		bufs := make([][]byte, clients)
		probe := r.p.startStats()
		l := loop{clients: clients, count: int64(r.cfg.Count), duration: r.cfg.Duration}
		res := l.run(ctx, func(ctx context.Context, w int, seq int64) (int64, error) {
			a := r.accts[w]
			body := createRecordBody(bufs[w][:0], a.DID, seq, time.Now())
			bufs[w] = body
			var wr writeResult
			err := r.p.xrpc.doJSON(ctx, xrpcCall{nsid: "com.atproto.repo.createRecord", auth: a.auth, body: body}, &wr)
			if err == nil && wr.URI == "" {
				err = &CallError{Kind: "bad response", Msg: "createRecord: the answer has no uri"}
			}
			return 1, err
		})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var err error
		if res.Server, err = probe.finish(res.Ops); err != nil {
			return nil, err
		}
		res.Workload, res.Case, res.Unit = r.cfg.Label, fmt.Sprintf("clients=%d", clients), "commits"
		res.finish()
		out = append(out, res)
	}
	return out, nil
}
