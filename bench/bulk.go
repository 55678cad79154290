package bench

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// BulkConfig measures bulk loading: com.atproto.repo.applyWrites calls of
// Batch creates each until Records records are written, from Clients
// clients each on its own fresh account.
type BulkConfig struct {
	// Records is how many records each round writes in all; zero means
	// 10,000.
	Records int
	// Batch is the creates per applyWrites call; zero means 200, the
	// most the reference PDS accepts.
	Batch int
	// Clients is how many clients load at once; zero means 1.
	Clients int
}

// EnsureDefaults returns c with zero fields set to their defaults.
func (c BulkConfig) EnsureDefaults() BulkConfig {
	if c.Records == 0 {
		c.Records = 10_000
	}
	if c.Batch == 0 {
		c.Batch = 200
	}
	if c.Clients == 0 {
		c.Clients = 1
	}
	return c
}

// Validate reports settings that cannot run.
func (c BulkConfig) Validate() error {
	var errs []error
	if c.Records < 0 || c.Batch < 0 || c.Clients < 0 {
		errs = append(errs, errors.New("bench: bulk: records, batch and clients must not be negative"))
	}
	if c.Batch > 200 {
		errs = append(errs, fmt.Errorf("bench: bulk: batch %d is above 200, the protocol's limit", c.Batch))
	}
	return errors.Join(errs...)
}

// Name is "bulk".
func (c BulkConfig) Name() string { return "bulk" }

// Prepare checks c; each round makes its own accounts.
func (c BulkConfig) Prepare(ctx context.Context, p *PDS) (Runner, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	return &bulkRunner{cfg: c.EnsureDefaults(), p: p}, nil
}

type bulkRunner struct {
	cfg BulkConfig
	p   *PDS
}

func (r *bulkRunner) Round(ctx context.Context) ([]Result, error) {
	c := r.cfg
	accts, err := r.p.createAccounts(ctx, c.Clients, c.Clients)
	if err != nil {
		return nil, err
	}
	batches := (c.Records + c.Batch - 1) / c.Batch
	bufs := make([][]byte, c.Clients)
	probe := r.p.startStats()
	l := loop{clients: c.Clients, count: int64(batches)}
	res := l.run(ctx, func(ctx context.Context, w int, seq int64) (int64, error) {
		n := min(c.Batch, c.Records-int(seq)*c.Batch)
		a := accts[w]
		body := applyWritesBody(bufs[w][:0], a.DID, seq*int64(c.Batch), n, time.Now())
		bufs[w] = body
		var out struct {
			Results []struct{} `json:"results"`
		}
		if err := r.p.xrpc.doJSON(ctx, xrpcCall{nsid: "com.atproto.repo.applyWrites", auth: a.auth, body: body}, &out); err != nil {
			return 0, err
		}
		if len(out.Results) != n {
			return 0, &CallError{Kind: "bad response", Msg: fmt.Sprintf("applyWrites: %d results for %d writes", len(out.Results), n)}
		}
		return int64(n), nil
	})
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if res.Server, err = probe.finish(res.Ops); err != nil {
		return nil, err
	}
	res.Workload, res.Case, res.Unit = c.Name(), fmt.Sprintf("batch=%d clients=%d", c.Batch, c.Clients), "records"
	res.finish()
	return []Result{res}, nil
}
