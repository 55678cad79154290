package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"time"
)

// ReadsConfig measures record reads: N clients call
// com.atproto.repo.getRecord on records picked at random from Records
// existing ones, for every N in Clients.
type ReadsConfig struct {
	// Records is how many records the repo read from holds; zero means
	// 1,000.
	Records int
	// Clients are the concurrency levels measured; empty means 1, 8, 32
	// and 64.
	Clients []int
	// Duration is how long each level runs; zero means 5s.
	Duration time.Duration
	// Count, when positive, is how many calls each level makes instead.
	Count int
	// Seed seeds the choice of records.
	Seed uint64
}

// EnsureDefaults returns c with zero fields set to their defaults.
func (c ReadsConfig) EnsureDefaults() ReadsConfig {
	if c.Records == 0 {
		c.Records = 1000
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
func (c ReadsConfig) Validate() error {
	err := validLoop(c.Name(), c.Clients, c.Duration, c.Count)
	if c.Records < 0 {
		err = errors.Join(err, errors.New("bench: reads: records is negative"))
	}
	return err
}

// Name is "reads".
func (c ReadsConfig) Name() string { return "reads" }

// Prepare creates an account and writes its records with applyWrites.
func (c ReadsConfig) Prepare(ctx context.Context, p *PDS) (Runner, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.EnsureDefaults()
	accts, err := p.createAccounts(ctx, 1, 1)
	if err != nil {
		return nil, err
	}
	rkeys, err := p.fillRepo(ctx, accts[0], c.Records, 200)
	if err != nil {
		return nil, err
	}
	queries := make([]string, len(rkeys))
	for i, rk := range rkeys {
		queries[i] = url.Values{"repo": {accts[0].DID}, "collection": {postCollection}, "rkey": {rk}}.Encode()
	}
	return &readsRunner{cfg: c, p: p, queries: queries}, nil
}

type readsRunner struct {
	cfg     ReadsConfig
	p       *PDS
	queries []string
	round   uint64
}

func (r *readsRunner) Round(ctx context.Context) ([]Result, error) {
	var out []Result
	r.round++
	for _, clients := range r.cfg.Clients {
		rngs := make([]*rand.Rand, clients)
		bytesRead := make([]int64, clients)
		for w := range rngs {
			rngs[w] = rand.New(rand.NewPCG(r.cfg.Seed, r.round<<32|uint64(clients)<<16|uint64(w)))
		}
		probe := r.p.startStats()
		l := loop{clients: clients, count: int64(r.cfg.Count), duration: r.cfg.Duration}
		res := l.run(ctx, func(ctx context.Context, w int, _ int64) (int64, error) {
			q := r.queries[rngs[w].IntN(len(r.queries))]
			return 1, r.p.xrpc.do(ctx, xrpcCall{nsid: "com.atproto.repo.getRecord", query: q}, func(b []byte) error {
				if !bytes.Contains(b, []byte(`"value"`)) {
					return &CallError{Kind: "bad response", Msg: "getRecord: the answer has no value"}
				}
				bytesRead[w] += int64(len(b))
				return nil
			})
		})
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		for _, n := range bytesRead {
			res.Bytes += n
		}
		var err error
		if res.Server, err = probe.finish(0); err != nil {
			return nil, err
		}
		res.Workload, res.Case, res.Unit = r.cfg.Name(), fmt.Sprintf("clients=%d", clients), "reads"
		res.finish()
		out = append(out, res)
	}
	return out, nil
}
