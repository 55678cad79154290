package mst

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/ipfs/go-cid"
)

// fuzzKeys returns a fixed pool of keys with depths 0 to 3, so that byte
// strings can name keys that shape trees of several heights.
func fuzzKeys() []string {
	var keys []string
	counts := [4]int{}
	want := [4]int{40, 16, 6, 2}
	for i := 0; len(keys) < 64; i++ {
		k := fmt.Sprintf("app.bsky.feed.post/k%d", i)
		if d := Depth(k); d < 4 && counts[d] < want[d] {
			counts[d]++
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}

// FuzzOps reads a byte string as operations, two bytes each (kind, key):
// puts, deletes and commits. It checks the tree against a map model, that
// the root does not depend on the order of operations, that a put and
// delete of another key restore the root, and that the committed store
// holds exactly the reachable nodes.
func FuzzOps(f *testing.F) {
	f.Add([]byte{0, 1, 0, 2, 0, 3, 3, 0, 2, 2, 3, 0})
	f.Add([]byte("\x00\x00\x00\x10\x00\x20\x00\x30\x00\x3f\x03\x00\x02\x20\x03\x00"))
	keys := fuzzKeys()
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 512 {
			data = data[:512]
		}
		store := memStore{}
		tree := New(store)
		model := map[string]cid.Cid{}
		for i := 0; i+1 < len(data); i += 2 {
			kind, key := data[i], keys[int(data[i+1])%len(keys)]
			switch kind % 5 {
			case 0, 1:
				val := valueCID(int(kind))
				prev, err := tree.Put(key, val)
				if err != nil || prev != model[key] {
					t.Fatalf("Put(%q) = %s, %v; want %s", key, prev, err, model[key])
				}
				model[key] = val
			case 2:
				prev, err := tree.Delete(key)
				want, had := model[key]
				if had && (err != nil || prev != want) || !had && !errors.Is(err, ErrKeyNotFound) {
					t.Fatalf("Delete(%q) = %s, %v; want %s", key, prev, err, want)
				}
				delete(model, key)
			case 3:
				ch, err := tree.Commit()
				if err != nil {
					t.Fatal(err)
				}
				store.apply(t, ch)
				if got := reachable(t, store, ch.Root); len(got) != len(store) {
					t.Fatalf("store holds %d blocks, %d reachable", len(store), len(got))
				}
			case 4:
				if _, err := tree.Root(); err != nil {
					t.Fatal(err)
				}
			}
		}
		root, err := tree.Root()
		if err != nil {
			t.Fatal(err)
		}
		if got := contents(t, tree); !maps.Equal(got, model) {
			t.Fatalf("tree holds %d keys, model %d", len(got), len(model))
		}
		fresh := New(nil)
		for _, k := range slices.Backward(slices.Sorted(maps.Keys(model))) {
			fresh.Put(k, model[k])
		}
		if r, _ := fresh.Root(); r != root {
			t.Fatalf("root %s, but %s when built in key order", root, r)
		}
		for _, k := range keys {
			if _, ok := model[k]; ok {
				continue
			}
			tree.Put(k, valueCID(-1))
			tree.Delete(k)
			if r, _ := tree.Root(); r != root {
				t.Fatalf("put and delete of %q moved the root", k)
			}
			break
		}
		ch, err := tree.Commit()
		if err != nil {
			t.Fatal(err)
		}
		store.apply(t, ch)
		if got := reachable(t, store, ch.Root); len(got) != len(store) {
			t.Fatalf("store holds %d blocks, %d reachable", len(store), len(got))
		}
		if err := Verify(store, ch.Root); err != nil && len(model) > 0 {
			t.Fatal(err)
		}
	})
}

// FuzzDecodeNode checks that the node decoder never panics, fails only
// with ErrMalformedNode, and accepts only encodings it reproduces byte for
// byte.
func FuzzDecodeNode(f *testing.F) {
	f.Add([]byte("\xa2ae\x80al\xf6"))
	f.Add(encodeTestNode(cid.Undef, []testEntry{{k: "com.example.x/abc", v: valueCID(1)}, {k: "d", p: 16, v: valueCID(2), t: valueCID(3)}}))
	f.Fuzz(func(t *testing.T, data []byte) {
		var enc encoder
		n, err := enc.decodeNode(data)
		if err != nil {
			if !errors.Is(err, ErrMalformedNode) {
				t.Fatalf("error %v is not ErrMalformedNode", err)
			}
			return
		}
		if out := enc.appendNode(nil, n); !bytes.Equal(out, data) {
			t.Fatalf("re-encoding differs:\n in  %x\n out %x", data, out)
		}
	})
}
