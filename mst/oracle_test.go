package mst

import (
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"

	imst "github.com/bluesky-social/indigo/atproto/repo/mst"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	"github.com/ipfs/go-datastore"
	blockstore "github.com/ipfs/go-ipfs-blockstore"
	ipld "github.com/ipfs/go-ipld-format"
)

// indigoStore adapts an indigo blockstore to BlockGetter.
type indigoStore struct{ bs blockstore.Blockstore }

func (s indigoStore) GetBlock(c cid.Cid) ([]byte, error) {
	b, err := s.bs.Get(context.Background(), c)
	if ipld.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s", ErrBlockNotFound, c)
	}
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// ourSource adapts a memStore to indigo's block source.
type ourSource struct{ s memStore }

func (o ourSource) Get(_ context.Context, c cid.Cid) (blocks.Block, error) {
	data, ok := o.s[c]
	if !ok {
		return nil, ipld.ErrNotFound{Cid: c}
	}
	return blocks.NewBlockWithCid(data, c)
}

// keyGen makes random record paths of the shapes real repos hold.
type keyGen struct {
	rng   *rand.Rand
	clock int64
}

var testCollections = []string{
	"app.bsky.feed.post", "app.bsky.feed.like", "app.bsky.feed.repost",
	"app.bsky.graph.follow", "app.bsky.actor.profile", "com.example.x",
}

const tidAlphabet = "234567abcdefghijklmnopqrstuvwxyz"
const rkeyAlphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:~"

func (g *keyGen) key() string {
	col := testCollections[g.rng.IntN(len(testCollections))]
	switch g.rng.IntN(10) {
	case 0:
		return col + "/self"
	case 1, 2:
		b := make([]byte, 1+g.rng.IntN(8))
		for i := range b {
			b[i] = rkeyAlphabet[g.rng.IntN(len(rkeyAlphabet))]
		}
		if string(b) == "." || string(b) == ".." {
			return col + "/x"
		}
		return col + "/" + string(b)
	default:
		return col + "/" + g.tid()
	}
}

// tid returns a TID-shaped key from an advancing clock, as a PDS mints.
func (g *keyGen) tid() string {
	g.clock += 1 + g.rng.Int64N(5_000_000)
	v := uint64(g.clock)<<10 | uint64(g.rng.IntN(1024))
	var b [13]byte
	for i := 12; i >= 0; i-- {
		b[i] = tidAlphabet[v&31]
		v >>= 5
	}
	return string(b[:])
}

// TestOracle runs random workloads against indigo's MST and checks that
// both agree on every root, that each side loads the other's blocks, and
// that Diff, DiffNodes and Commit report the changes made.
func TestOracle(t *testing.T) {
	repos, maxSize := 50, 5000
	if testing.Short() {
		repos, maxSize = 10, 1000
	}
	ctx := context.Background()
	var totalOps, totalBatches int
	for r := range repos {
		rng := rand.New(rand.NewPCG(uint64(r), 42))
		gen := &keyGen{rng: rng, clock: 1_700_000_000_000_000}
		size := 1 + rng.IntN(maxSize)
		if r%10 == 0 {
			size = maxSize
		}
		ours := New(nil)
		store := memStore{}
		ours.bg = store
		theirs := imst.NewEmptyTree()
		ibs := blockstore.NewBlockstore(datastore.NewMapDatastore())
		model := map[string]cid.Cid{}
		var keys []string
		prevRoot := cid.Undef
		for ops, batch := 0, 0; ops < 2*size; batch++ {
			// before holds the value before this batch of each key it
			// touches (cid.Undef when absent).
			before := map[string]cid.Cid{}
			touch := func(k string) {
				if _, ok := before[k]; !ok {
					before[k] = model[k]
				}
			}
			n := 1 + rng.IntN(1+size/8)
			for range n {
				ops++
				var key string
				var val cid.Cid
				switch op := rng.IntN(100); {
				case op < 65 || len(keys) == 0 || len(model) < size/2 && op < 85:
					key, val = gen.key(), valueCID(rng.Int())
				case op < 80:
					key, val = keys[rng.IntN(len(keys))], valueCID(rng.Int())
				default:
					i := rng.IntN(len(keys))
					key = keys[i]
					touch(key)
					keys[i] = keys[len(keys)-1]
					keys = keys[:len(keys)-1]
					want := model[key]
					delete(model, key)
					prev, err := ours.Delete(key)
					if err != nil || prev != want {
						t.Fatalf("repo %d: Delete(%q) = %s, %v; want %s", r, key, prev, err, want)
					}
					if _, err := theirs.Remove([]byte(key)); err != nil {
						t.Fatal(err)
					}
					continue
				}
				touch(key)
				want, had := model[key]
				if !had {
					keys = append(keys, key)
				}
				model[key] = val
				prev, err := ours.Put(key, val)
				if err != nil || prev != want {
					t.Fatalf("repo %d: Put(%q) = %s, %v; want %s", r, key, prev, err, want)
				}
				if _, err := theirs.Insert([]byte(key), val); err != nil {
					t.Fatal(err)
				}
			}
			totalBatches++
			ch, err := ours.Commit()
			if err != nil {
				t.Fatal(err)
			}
			theirRoot, err := theirs.WriteDiffBlocks(ctx, ibs)
			if err != nil {
				t.Fatal(err)
			}
			if ch.Root != *theirRoot {
				t.Fatalf("repo %d batch %d: root %s, indigo %s", r, batch, ch.Root, theirRoot)
			}
			store.add(t, ch)
			checkDiff(t, store, prevRoot, ch, before, model, batch%4 == 0)
			store.prune(t, ch)
			prevRoot = ch.Root
		}
		totalOps += 2 * size
		// Each side loads the other's blocks.
		if got := contents(t, Load(indigoStore{ibs}, prevRoot)); !maps.Equal(got, model) {
			t.Fatalf("repo %d: tree loaded from indigo blocks differs from the model", r)
		}
		if err := Verify(indigoStore{ibs}, prevRoot); err != nil {
			t.Fatalf("repo %d: Verify(indigo blocks): %v", r, err)
		}
		loaded, err := imst.LoadTreeFromStore(ctx, ourSource{store}, prevRoot)
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]cid.Cid{}
		if err := loaded.WriteToMap(m); err != nil {
			t.Fatal(err)
		}
		if !maps.Equal(m, model) {
			t.Fatalf("repo %d: indigo reading our blocks sees %d keys, want %d", r, len(m), len(model))
		}
		if c, err := loaded.RootCID(); err != nil || *c != prevRoot {
			t.Fatalf("repo %d: indigo root of our blocks = %v, %v", r, c, err)
		}
		if got := len(reachable(t, store, prevRoot)); got != len(store) {
			t.Fatalf("repo %d: store holds %d blocks, %d reachable", r, len(store), got)
		}
	}
	t.Logf("%d repos, %d batches, about %d ops", repos, totalBatches, totalOps)
}

// checkDiff compares Diff from prev to ch.Root with the model change
// (before: the old values of the keys the batch touched, after: the model)
// and, when nodes is set, DiffNodes with the blocks Commit reported.
func checkDiff(t *testing.T, store memStore, prev cid.Cid, ch Changes, before, after map[string]cid.Cid, nodes bool) {
	t.Helper()
	var want []Op
	for _, k := range slices.Sorted(maps.Keys(before)) {
		if old, now := before[k], after[k]; old != now {
			want = append(want, Op{Key: k, Old: old, New: now})
		}
	}
	got, err := Diff(store, prev, ch.Root)
	if err != nil {
		t.Fatalf("Diff: %v", err)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("Diff gave %d ops, want %d (first got %v, first want %v)", len(got), len(want), first(got), first(want))
	}
	if !prev.Defined() || !nodes {
		return
	}
	added, removed, err := DiffNodes(store, prev, ch.Root)
	if err != nil {
		t.Fatalf("DiffNodes: %v", err)
	}
	var fresh []cid.Cid
	for _, b := range ch.Blocks {
		fresh = append(fresh, b.CID)
	}
	if !sameSet(added, fresh) || !sameSet(removed, ch.Orphans) {
		t.Fatalf("DiffNodes: %d added, %d removed; Commit: %d new, %d orphans", len(added), len(removed), len(fresh), len(ch.Orphans))
	}
}

func first(ops []Op) any {
	if len(ops) == 0 {
		return nil
	}
	return ops[0]
}

func sameSet(a, b []cid.Cid) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[cid.Cid]bool{}
	for _, c := range a {
		m[c] = true
	}
	for _, c := range b {
		if !m[c] {
			return false
		}
	}
	return len(m) == len(a)
}
