package repo_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/mst"
	"github.com/boltsky/boltsky/repo"
)

// memStore is a map-backed block store.
type memStore map[cid.Cid][]byte

func (s memStore) GetBlock(c cid.Cid) ([]byte, error) {
	if b, ok := s[c]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w: %s", mst.ErrBlockNotFound, c)
}

// apply stores a commit's blocks and drops its removed nodes, as an
// account file does.
func (s memStore) apply(res *repo.Result) {
	for _, b := range res.Blocks {
		s[b.CID] = b.Data
	}
	for _, c := range res.RemovedNodes {
		delete(s, c)
	}
}

// MustKey returns a deterministic key on curve.
func MustKey(tb testing.TB, curve crypto.Curve, seed uint64) *crypto.PrivateKey {
	tb.Helper()
	k, err := crypto.GeneratePrivateKey(curve, rand.NewChaCha8([32]byte{byte(seed), byte(seed >> 8), 1}))
	if err != nil {
		tb.Fatal(err)
	}
	return k
}

func mustDID(tb testing.TB, s string) atp.DID {
	tb.Helper()
	d, err := atp.ParseDID(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// record returns the canonical encoding of a small post-like record.
func record(tb testing.TB, coll string, n int) []byte {
	tb.Helper()
	b, err := dagcbor.Marshal(map[string]any{
		"$type":     coll,
		"text":      fmt.Sprintf("record number %d", n),
		"createdAt": "2024-01-01T00:00:00.000Z",
	})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// testRepo is an in-memory repository driven through repo.Apply.
type testRepo struct {
	did   atp.DID
	key   *crypto.PrivateKey
	clock *atp.Clock
	store memStore
	tree  *mst.Tree
	head  cid.Cid
	// records mirrors the tree's contents.
	records map[string]cid.Cid
}

func newTestRepo(tb testing.TB, did string, key *crypto.PrivateKey) *testRepo {
	tb.Helper()
	store := memStore{}
	r := &testRepo{did: mustDID(tb, did), key: key, clock: atp.NewClock(7, nil), store: store,
		tree: mst.New(store), records: map[string]cid.Cid{}}
	r.commit(tb, nil)
	return r
}

func (r *testRepo) commit(tb testing.TB, writes []repo.Write) *repo.Result {
	tb.Helper()
	res, err := repo.Apply(r.tree, r.did, r.clock.Next(), writes, r.key)
	if err != nil {
		tb.Fatalf("Apply: %v", err)
	}
	r.store.apply(res)
	r.head = res.CID
	for _, op := range res.Ops {
		if op.CID.Defined() {
			r.records[op.Path] = op.CID
		} else {
			delete(r.records, op.Path)
		}
	}
	return res
}

// randomWrites returns up to n writes: creates of new paths, updates and
// deletes of existing ones, each path at most once.
func (r *testRepo) randomWrites(tb testing.TB, rng *rand.Rand, n int, colls []string) []repo.Write {
	var out []repo.Write
	used := map[string]bool{}
	existing := make([]string, 0, len(r.records))
	for p := range r.records {
		existing = append(existing, p)
	}
	for range n {
		switch k := rng.IntN(10); {
		case k < 6 || len(existing) == 0:
			coll := colls[rng.IntN(len(colls))]
			var rkey string
			if rng.IntN(2) == 0 {
				rkey = r.clock.Next().String()
			} else {
				rkey = fmt.Sprintf("k%x", rng.Uint32())
			}
			p := coll + "/" + rkey
			if used[p] || r.records[p].Defined() {
				continue
			}
			used[p] = true
			out = append(out, repo.Write{Action: repo.Create, Path: p, Record: record(tb, coll, rng.Int())})
		default:
			p := existing[rng.IntN(len(existing))]
			if used[p] {
				continue
			}
			used[p] = true
			if k < 8 {
				coll := p[:len(p)-len(p[indexSlash(p):])]
				out = append(out, repo.Write{Action: repo.Update, Path: p, Record: record(tb, coll, rng.Int())})
			} else {
				out = append(out, repo.Write{Action: repo.Delete, Path: p})
			}
		}
	}
	return out
}

func indexSlash(p string) int {
	for i := range p {
		if p[i] == '/' {
			return i
		}
	}
	return len(p)
}
