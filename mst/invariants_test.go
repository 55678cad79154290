package mst

import (
	"errors"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"
)

// randomModel returns n random keys with distinct values.
func randomModel(rng *rand.Rand, n int) map[string]cid.Cid {
	gen := &keyGen{rng: rng, clock: 1_700_000_000_000_000}
	m := make(map[string]cid.Cid, n)
	for len(m) < n {
		m[gen.key()] = valueCID(rng.Int())
	}
	return m
}

// buildShuffled puts m into a new tree in random order, hashing at random
// points, and returns its root.
func buildShuffled(t *testing.T, rng *rand.Rand, m map[string]cid.Cid) cid.Cid {
	t.Helper()
	tree := New(nil)
	keys := slices.Collect(maps.Keys(m))
	rng.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
	for _, k := range keys {
		if _, err := tree.Put(k, m[k]); err != nil {
			t.Fatal(err)
		}
		if rng.IntN(50) == 0 {
			if _, err := tree.Root(); err != nil {
				t.Fatal(err)
			}
		}
	}
	root, err := tree.Root()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

func TestRootIndependentOfOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 10, 100, 1000, 3000} {
		m := randomModel(rng, n)
		want := buildShuffled(t, rng, m)
		for range 3 {
			if got := buildShuffled(t, rng, m); got != want {
				t.Fatalf("%d keys: root %s in one order, %s in another", n, got, want)
			}
		}
		// Adding and then removing other keys, interleaved, ends at the
		// same root.
		tree := New(nil)
		extra := randomModel(rng, n/2+1)
		for k, v := range extra {
			if _, ok := m[k]; ok {
				continue
			}
			tree.Put(k, v)
		}
		for k, v := range m {
			tree.Put(k, v)
		}
		for k := range extra {
			if _, ok := m[k]; !ok {
				if _, err := tree.Delete(k); err != nil {
					t.Fatal(err)
				}
			}
		}
		if got, _ := tree.Root(); got != want {
			t.Fatalf("%d keys: root %s after extra keys came and went, want %s", n, got, want)
		}
	}
}

func TestInsertDeleteRestoresRoot(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	gen := &keyGen{rng: rng, clock: 1_800_000_000_000_000}
	for _, n := range []int{0, 1, 5, 50, 500, 2000} {
		m := randomModel(rng, n)
		tree, store, root := MustBuild(t, m)
		for i := range 200 {
			key := gen.key()
			if _, ok := m[key]; ok {
				continue
			}
			if _, err := tree.Put(key, valueCID(i)); err != nil {
				t.Fatal(err)
			}
			if i%3 == 0 {
				tree.Root()
			}
			prev, err := tree.Delete(key)
			if err != nil || prev != valueCID(i) {
				t.Fatalf("Delete(%q) = %s, %v", key, prev, err)
			}
			if got, _ := tree.Root(); got != root {
				t.Fatalf("%d keys: root %s after put and delete of %q, want %s", n, got, key, root)
			}
		}
		// Updating a value and setting it back is no change either.
		for k, v := range m {
			tree.Put(k, valueCID(-1))
			tree.Put(k, v)
			break
		}
		ch, err := tree.Commit()
		if err != nil {
			t.Fatal(err)
		}
		if ch.Root != root || len(ch.Blocks) != 0 || len(ch.Orphans) != 0 {
			t.Fatalf("%d keys: changes undone in a batch gave root %s, %d blocks, %d orphans", n, ch.Root, len(ch.Blocks), len(ch.Orphans))
		}
		store.apply(t, ch)
	}
}

// TestCommitKeepsStoreExact applies Commit results to a store over many
// batches and checks that the store holds exactly the reachable nodes.
func TestCommitKeepsStoreExact(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	gen := &keyGen{rng: rng, clock: 1_700_000_000_000_000}
	store := memStore{}
	tree := New(store)
	model := map[string]cid.Cid{}
	var keys []string
	for batch := range 300 {
		for range 1 + rng.IntN(20) {
			switch op := rng.IntN(10); {
			case op < 5 || len(keys) == 0:
				k := gen.key()
				if _, ok := model[k]; !ok {
					keys = append(keys, k)
				}
				model[k] = valueCID(rng.Int())
				tree.Put(k, model[k])
			case op < 7:
				k := keys[rng.IntN(len(keys))]
				model[k] = valueCID(rng.Int())
				tree.Put(k, model[k])
			default:
				i := rng.IntN(len(keys))
				k := keys[i]
				keys = slices.Delete(keys, i, i+1)
				delete(model, k)
				if _, err := tree.Delete(k); err != nil {
					t.Fatal(err)
				}
			}
			if rng.IntN(10) == 0 {
				tree.Root()
			}
		}
		ch, err := tree.Commit()
		if err != nil {
			t.Fatal(err)
		}
		store.apply(t, ch)
		if got := reachable(t, store, ch.Root); len(got) != len(store) {
			t.Fatalf("batch %d: store holds %d blocks, %d reachable", batch, len(store), len(got))
		}
		// Now and then continue from a freshly loaded tree, as after a
		// restart.
		if batch%50 == 49 {
			tree = Load(store, ch.Root)
			if got := contents(t, tree); !maps.Equal(got, model) {
				t.Fatalf("batch %d: reloaded tree differs from the model", batch)
			}
		}
	}
	if err := Verify(store, tree.root.id()); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d keys, %d nodes after 300 batches", len(model), len(store))
}

// countingStore counts block reads.
type countingStore struct {
	memStore
	reads int
}

func (s *countingStore) GetBlock(c cid.Cid) ([]byte, error) {
	s.reads++
	return s.memStore.GetBlock(c)
}

func TestLazyLoading(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	m := randomModel(rng, 5000)
	_, store, root := MustBuild(t, m)
	cs := &countingStore{memStore: store}
	tree := Load(cs, root)
	if cs.reads != 0 {
		t.Fatalf("Load read %d blocks", cs.reads)
	}
	var key string
	for k := range m {
		key = k
		break
	}
	if v, ok, err := tree.Get(key); err != nil || !ok || v != m[key] {
		t.Fatalf("Get = %s, %v, %v", v, ok, err)
	}
	depth := cs.reads
	if depth > 12 {
		t.Fatalf("Get read %d blocks", depth)
	}
	tree.Get(key)
	if cs.reads != depth {
		t.Fatalf("second Get read %d more blocks", cs.reads-depth)
	}
	// A commit after one put reads no more than the paths involved and
	// re-encodes only what changed.
	tree.Put(key, valueCID(-7))
	ch, err := tree.Commit()
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Blocks) != depth || len(ch.Orphans) != depth {
		t.Fatalf("update on a path of %d nodes gave %d new blocks, %d orphans", depth, len(ch.Blocks), len(ch.Orphans))
	}
	if cs.reads != depth {
		t.Fatalf("update read %d more blocks", cs.reads-depth)
	}
	store.apply(t, ch)
	tree.Put(key, m[key])
	ch2, _ := tree.Commit()
	if ch2.Root != root || cs.reads != depth {
		t.Fatalf("second batch: root %s (want %s), %d extra reads", ch2.Root, root, cs.reads-depth)
	}
	// Diff of one change reads about one path per side.
	store.apply(t, ch2)
	store.add(t, ch)
	ds := &countingStore{memStore: store}
	ops, err := Diff(ds, root, ch.Root)
	if err != nil || len(ops) != 1 || ops[0].Key != key {
		t.Fatalf("Diff = %v, %v", ops, err)
	}
	if ds.reads > 2*depth+2 {
		t.Fatalf("Diff of one change read %d blocks for a path of %d", ds.reads, depth)
	}
}

func TestWalkRange(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	m := randomModel(rng, 3000)
	keys := slices.Sorted(maps.Keys(m))
	_, store, root := MustBuild(t, m)
	tree := Load(store, root)
	check := func(from, to string) {
		t.Helper()
		var want []string
		for _, k := range keys {
			if k >= from && (to == "" || k < to) {
				want = append(want, k)
			}
		}
		var got []string
		if err := tree.WalkRange(from, to, func(k string, v cid.Cid) error {
			if v != m[k] {
				t.Fatalf("value of %q", k)
			}
			got = append(got, k)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("WalkRange(%q, %q): %d keys, want %d", from, to, len(got), len(want))
		}
		got = got[:0]
		if err := tree.WalkRangeReverse(from, to, func(k string, _ cid.Cid) error {
			got = append(got, k)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		slices.Reverse(want)
		if !slices.Equal(got, want) {
			t.Fatalf("WalkRangeReverse(%q, %q): %d keys, want %d", from, to, len(got), len(want))
		}
	}
	check("", "")
	for _, col := range testCollections {
		check(col+"/", col+"0")
	}
	for range 200 {
		a, b := keys[rng.IntN(len(keys))], keys[rng.IntN(len(keys))]
		if b < a {
			a, b = b, a
		}
		check(a, b)
		check(a+"0", b+"0")
		check(a, "")
	}
	// SkipAll stops early without error; other errors come back.
	n := 0
	if err := tree.Walk(func(string, cid.Cid) error {
		if n++; n == 10 {
			return SkipAll
		}
		return nil
	}); err != nil || n != 10 {
		t.Fatalf("SkipAll: n=%d, err=%v", n, err)
	}
	boom := errors.New("boom")
	if err := tree.WalkRangeReverse("", "", func(string, cid.Cid) error { return boom }); err != boom {
		t.Fatalf("walk error = %v", err)
	}
}

func TestProofs(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	gen := &keyGen{rng: rng, clock: 1_750_000_000_000_000}
	for _, n := range []int{0, 1, 10, 1000} {
		m := randomModel(rng, n)
		tree, _, root := MustBuild(t, m)
		probe := slices.Collect(maps.Keys(m))
		for range 50 {
			probe = append(probe, gen.key())
		}
		for i, key := range probe {
			if i > 100 && i < len(probe)-50 {
				continue
			}
			proof, err := tree.Proof(key)
			if err != nil {
				t.Fatal(err)
			}
			ps := memStore{}
			for _, b := range proof {
				ps[b.CID] = b.Data
			}
			if proof[0].CID != root {
				t.Fatalf("proof of %q does not start at the root", key)
			}
			v, ok, err := Load(ps, root).Get(key)
			if err != nil {
				t.Fatalf("Get(%q) on its proof: %v", key, err)
			}
			if want, had := m[key]; ok != had || v != want {
				t.Fatalf("Get(%q) on its proof = %s, %v; want %s, %v", key, v, ok, want, had)
			}
			// Without the last block the lookup cannot finish.
			if len(proof) > 1 {
				delete(ps, proof[len(proof)-1].CID)
				if _, _, err := Load(ps, root).Get(key); !errors.Is(err, ErrBlockNotFound) {
					t.Fatalf("Get(%q) on a cut proof: %v", key, err)
				}
			}
		}
	}
}

// TestInvertRandom makes random multi-op commits and checks that a
// verifier holding only the CAR slice blocks can invert them, in the order
// of the ops, in reverse, and deletes first then by key (as indigo does).
func TestInvertRandom(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	gen := &keyGen{rng: rng, clock: 1_700_000_000_000_000}
	var commits, totalOps int
	for r := range 40 {
		m := randomModel(rng, rng.IntN(2000))
		tree, store, _ := MustBuild(t, m)
		keys := slices.Collect(maps.Keys(m))
		for range 10 {
			before, err := tree.Root()
			if err != nil {
				t.Fatal(err)
			}
			var ops []Op
			touched := map[string]bool{}
			for range 1 + rng.IntN(8) {
				var op Op
				switch k := rng.IntN(3); {
				case k == 0 || len(keys) == 0:
					op = Op{Key: gen.key(), New: valueCID(rng.Int())}
				case k == 1:
					key := keys[rng.IntN(len(keys))]
					op = Op{Key: key, Old: m[key], New: valueCID(rng.Int())}
				default:
					key := keys[rng.IntN(len(keys))]
					op = Op{Key: key, Old: m[key]}
				}
				if _, ok := m[op.Key]; touched[op.Key] || (op.IsCreate() && ok) {
					continue
				}
				touched[op.Key] = true
				ops = append(ops, op)
			}
			for _, op := range ops {
				if op.New.Defined() {
					tree.Put(op.Key, op.New)
					m[op.Key] = op.New
				} else {
					tree.Delete(op.Key)
					delete(m, op.Key)
				}
			}
			keys = slices.Collect(maps.Keys(m))
			ch, err := tree.Commit()
			if err != nil {
				t.Fatal(err)
			}
			slice, err := tree.SliceBlocks(ch, ops)
			if err != nil {
				t.Fatal(err)
			}
			ss := memStore{}
			for _, b := range slice {
				ss[b.CID] = b.Data
			}
			normalized := slices.Clone(ops)
			slices.SortFunc(normalized, func(a, b Op) int {
				if a.IsDelete() != b.IsDelete() {
					if a.IsDelete() {
						return -1
					}
					return 1
				}
				return strings.Compare(a.Key, b.Key)
			})
			// Invert undoes last to first; hand it each order reversed.
			forward := slices.Clone(ops)
			slices.Reverse(forward)
			slices.Reverse(normalized)
			for name, order := range map[string][]Op{"reverse": ops, "forward": forward, "normalized": normalized} {
				got, err := Invert(ss, ch.Root, order)
				if err != nil {
					t.Fatalf("repo %d: Invert (%s order) of %v: %v", r, name, ops, err)
				}
				if got != before {
					t.Fatalf("repo %d: Invert (%s order) = %s, want %s", r, name, got, before)
				}
			}
			store.apply(t, ch)
			commits++
			totalOps += len(ops)
		}
	}
	t.Logf("%d commits, %d ops inverted from their slices", commits, totalOps)
}

func TestInvertRejects(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 16))
	m := randomModel(rng, 100)
	tree, store, before := MustBuild(t, m)
	var key string
	for k := range m {
		key = k
		break
	}
	tree.Put("com.example.x/new", valueCID(1))
	ch, _ := tree.Commit()
	store.add(t, ch)
	good := []Op{{Key: "com.example.x/new", New: valueCID(1)}}
	if got, err := Invert(store, ch.Root, good); err != nil || got != before {
		t.Fatalf("Invert = %s, %v", got, err)
	}
	for name, ops := range map[string][]Op{
		"wrong value":     {{Key: "com.example.x/new", New: valueCID(2)}},
		"not created":     {{Key: "com.example.x/other", New: valueCID(1)}},
		"not deleted":     {{Key: key, Old: valueCID(3)}},
		"update mismatch": {{Key: key, Old: valueCID(3), New: valueCID(4)}},
		"duplicate":       {good[0], good[0]},
		"empty op":        {{Key: key}},
		"bad key":         {{Key: "nokey", New: valueCID(1)}},
	} {
		if _, err := Invert(store, ch.Root, ops); !errors.Is(err, ErrInvalidOp) {
			t.Errorf("%s: err = %v, want ErrInvalidOp", name, err)
		}
	}
	if _, err := Invert(memStore{}, ch.Root, good); !errors.Is(err, ErrBlockNotFound) {
		t.Errorf("empty store: err = %v", err)
	}
}
