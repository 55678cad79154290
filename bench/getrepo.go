package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
)

// GetRepoConfig measures repository export: com.atproto.sync.getRepo of
// a repo holding Records records, Count times from Clients clients.
// The first download of each client in a round is parsed and checked
// (hashes, commit, block count) after the measurement; the others must
// have the same length and header.
type GetRepoConfig struct {
	// Records is how many records the repo holds; zero means 10,000.
	Records int
	// Count is how many downloads each round makes; zero means 10.
	Count int
	// Clients is how many clients download at once; zero means 1.
	Clients int
}

// EnsureDefaults returns c with zero fields set to their defaults.
func (c GetRepoConfig) EnsureDefaults() GetRepoConfig {
	if c.Records == 0 {
		c.Records = 10_000
	}
	if c.Count == 0 {
		c.Count = 10
	}
	if c.Clients == 0 {
		c.Clients = 1
	}
	return c
}

// Validate reports settings that cannot run.
func (c GetRepoConfig) Validate() error {
	if c.Records < 0 || c.Count < 0 || c.Clients < 0 {
		return errors.New("bench: getrepo: records, count and clients must not be negative")
	}
	return nil
}

// Name is "getrepo".
func (c GetRepoConfig) Name() string { return "getrepo" }

// Prepare creates an account and writes its records with applyWrites.
func (c GetRepoConfig) Prepare(ctx context.Context, p *PDS) (Runner, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	c = c.EnsureDefaults()
	accts, err := p.createAccounts(ctx, 1, 1)
	if err != nil {
		return nil, err
	}
	if _, err := p.fillRepo(ctx, accts[0], c.Records, 200); err != nil {
		return nil, err
	}
	q := url.Values{"did": {accts[0].DID}}.Encode()
	return &getRepoRunner{cfg: c, p: p, query: q}, nil
}

type getRepoRunner struct {
	cfg   GetRepoConfig
	p     *PDS
	query string
}

func (r *getRepoRunner) Round(ctx context.Context) ([]Result, error) {
	c := r.cfg
	first := make([][]byte, c.Clients)
	bytesRead := make([]int64, c.Clients)
	probe := r.p.startStats()
	l := loop{clients: c.Clients, count: int64(c.Count)}
	res := l.run(ctx, func(ctx context.Context, w int, _ int64) (int64, error) {
		return 1, r.p.xrpc.do(ctx, xrpcCall{nsid: "com.atproto.sync.getRepo", query: r.query}, func(b []byte) error {
			bytesRead[w] += int64(len(b))
			if first[w] == nil {
				first[w] = bytes.Clone(b)
				return nil
			}
			if len(b) != len(first[w]) || !bytes.Equal(b[:min(len(b), 64)], first[w][:min(len(b), 64)]) {
				return &CallError{Kind: "bad response", Msg: fmt.Sprintf("getRepo: %d bytes, unlike the first download of %d", len(b), len(first[w]))}
			}
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
	for _, b := range first {
		if b == nil {
			continue
		}
		blocks, err := checkRepoCAR(b, c.Records)
		if err != nil {
			res.addError(err)
			continue
		}
		res.Blocks = int64(blocks)
	}
	res.Workload, res.Case, res.Unit = c.Name(), fmt.Sprintf("records=%d clients=%d", c.Records, c.Clients), "repos"
	res.finish()
	return []Result{res}, nil
}

// checkRepoCAR parses a repo export: every block must match its CID, the
// first root must be a commit whose data (the MST root) is present, and
// there must be more blocks than records. It returns the block count.
func checkRepoCAR(b []byte, records int) (int, error) {
	bad := func(format string, args ...any) error {
		return &CallError{Kind: "bad CAR", Msg: "getRepo: " + fmt.Sprintf(format, args...)}
	}
	roots, blocks, err := car.ReadAll(bytes.NewReader(b), car.Options{})
	if err != nil {
		return 0, bad("%v", err)
	}
	commit, ok := blocks.Get(roots[0])
	if !ok {
		return 0, bad("the commit block %s is missing", roots[0])
	}
	v, err := dagcbor.Unmarshal(commit)
	if err != nil {
		return 0, bad("commit: %v", err)
	}
	m, _ := v.(map[string]any)
	data, ok := m["data"].(cid.Cid)
	if !ok {
		return 0, bad("the commit has no data link")
	}
	if _, ok := blocks.Get(data); !ok {
		return 0, bad("the MST root %s is missing", data)
	}
	if blocks.Len() <= records {
		return 0, bad("%d blocks for %d records", blocks.Len(), records)
	}
	return blocks.Len(), nil
}
