package mst

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"testing"

	"github.com/boltsky/boltsky/internal/testvectors"
	"github.com/ipfs/go-cid"
)

func TestKeyHeights(t *testing.T) {
	var cases []struct {
		Key    string `json:"key"`
		Height int    `json:"height"`
	}
	if err := json.Unmarshal(testvectors.Read(t, "mst/key_heights.json"), &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if got := Depth(c.Key); got != c.Height {
			t.Errorf("Depth(%q) = %d, want %d", c.Key, got, c.Height)
		}
	}
	t.Logf("%d key heights", len(cases))
}

func TestCommonPrefix(t *testing.T) {
	var cases []struct {
		Left  string `json:"left"`
		Right string `json:"right"`
		Len   int    `json:"len"`
	}
	if err := json.Unmarshal(testvectors.Read(t, "mst/common_prefix.json"), &cases); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		if got := CommonPrefixLen(c.Left, c.Right); got != c.Len {
			t.Errorf("CommonPrefixLen(%q, %q) = %d, want %d", c.Left, c.Right, got, c.Len)
		}
	}
	t.Logf("%d common prefixes", len(cases))
}

// TestExampleKeys checks the depth encoded in each example key ("A2/..."
// has depth 2) and builds a tree of all of them.
func TestExampleKeys(t *testing.T) {
	keys := testvectors.Lines(t, "mst/example_keys.txt")
	m := map[string]cid.Cid{}
	for i, k := range keys {
		want, err := strconv.Atoi(k[1:2])
		if err != nil {
			t.Fatalf("key %q has no depth digit", k)
		}
		if got := Depth(k); got != want {
			t.Errorf("Depth(%q) = %d, want %d", k, got, want)
		}
		m[k] = valueCID(i)
	}
	tree, store, root := MustBuild(t, m)
	if err := Verify(store, root); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if got := contents(t, Load(store, root)); !maps.Equal(got, m) {
		t.Fatalf("reloaded tree holds %d keys, want %d", len(got), len(m))
	}
	if n := tree.root.node.height; n != 5 {
		t.Errorf("root height %d, want 5", n)
	}
	t.Logf("%d example keys, %d nodes", len(keys), len(store))
}

// TestKnownMaps checks root CIDs of the shared interop maps.
func TestKnownMaps(t *testing.T) {
	const leaf = "bafyreie5cvv4h45feadgeuwhbcutmh6t2ceseocckahdoe6uat64zmz454"
	cases := []struct {
		keys []string
		root string
	}{
		{nil, "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"},
		{[]string{"com.example.record/3jqfcqzm3fo2j"}, "bafyreibj4lsc3aqnrvphp5xmrnfoorvru4wynt6lwidqbm2623a6tatzdu"},
		{[]string{"com.example.record/3jqfcqzm3fx2j"}, "bafyreih7wfei65pxzhauoibu3ls7jgmkju4bspy4t2ha2qdjnzqvoy33ai"},
		{[]string{
			"com.example.record/3jqfcqzm3fp2j", "com.example.record/3jqfcqzm3fr2j",
			"com.example.record/3jqfcqzm3fs2j", "com.example.record/3jqfcqzm3ft2j",
			"com.example.record/3jqfcqzm4fc2j",
		}, "bafyreicmahysq4n6wfuxo522m6dpiy7z7qzym3dzs756t5n7nfdgccwq7m"},
	}
	for _, c := range cases {
		m := map[string]cid.Cid{}
		for _, k := range c.keys {
			m[k] = mustCID(t, leaf)
		}
		_, _, root := MustBuild(t, m)
		if root.String() != c.root {
			t.Errorf("root of %v = %s, want %s", c.keys, root, c.root)
		}
	}
}

type proofFixture struct {
	Comment          string   `json:"comment"`
	LeafValue        string   `json:"leafValue"`
	Keys             []string `json:"keys"`
	Adds             []string `json:"adds"`
	Dels             []string `json:"dels"`
	RootBeforeCommit string   `json:"rootBeforeCommit"`
	RootAfterCommit  string   `json:"rootAfterCommit"`
	BlocksInProof    []string `json:"blocksInProof"`
}

func TestCommitProofFixtures(t *testing.T) {
	var fixtures []proofFixture
	if err := json.Unmarshal(testvectors.Read(t, "firehose/commit-proof-fixtures.json"), &fixtures); err != nil {
		t.Fatal(err)
	}
	for _, f := range fixtures {
		t.Run(f.Comment, func(t *testing.T) {
			leaf := mustCID(t, f.LeafValue)
			m := map[string]cid.Cid{}
			for _, k := range f.Keys {
				m[k] = leaf
			}
			tree, store, before := MustBuild(t, m)
			if before.String() != f.RootBeforeCommit {
				t.Fatalf("root before = %s, want %s", before, f.RootBeforeCommit)
			}
			var ops []Op
			for _, k := range f.Adds {
				if _, err := tree.Put(k, leaf); err != nil {
					t.Fatal(err)
				}
				ops = append(ops, Op{Key: k, New: leaf})
			}
			for _, k := range f.Dels {
				if _, err := tree.Delete(k); err != nil {
					t.Fatal(err)
				}
				ops = append(ops, Op{Key: k, Old: leaf})
			}
			ch, err := tree.Commit()
			if err != nil {
				t.Fatal(err)
			}
			if ch.Root.String() != f.RootAfterCommit {
				t.Fatalf("root after = %s, want %s", ch.Root, f.RootAfterCommit)
			}
			slice, err := tree.SliceBlocks(ch, ops)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			sliceStore := memStore{}
			for _, b := range slice {
				got = append(got, b.CID.String())
				sliceStore[b.CID] = b.Data
			}
			slices.Sort(got)
			want := slices.Sorted(slices.Values(f.BlocksInProof))
			if !slices.Equal(got, want) {
				t.Errorf("proof blocks:\n got %v\nwant %v", got, want)
			}
			store.apply(t, ch)
			inv, err := Invert(sliceStore, ch.Root, ops)
			if err != nil {
				t.Fatalf("Invert: %v", err)
			}
			if inv != before {
				t.Errorf("inverted root = %s, want %s", inv, before)
			}
		})
	}
	t.Logf("%d commit proof fixtures", len(fixtures))
}
