package mst

import (
	"errors"
	"fmt"
	"testing"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

const leafCID = "bafyreie5cvv4h45feadgeuwhbcutmh6t2ceseocckahdoe6uat64zmz454"

// step is one operation of an edge-case script, with the root and height
// expected after it.
type step struct {
	put, del string
	root     string
	height   int
}

// TestEdgeCases replays the shared interop edge cases: trimming the top on
// delete, an insert that splits two layers down, and new layers two above
// the current top.
func TestEdgeCases(t *testing.T) {
	const p = "com.example.record/"
	cases := []struct {
		name  string
		keys  []string
		root  string
		steps []step
	}{{
		name: "trims top of tree on delete",
		keys: []string{"3jqfcqzm3fn2j", "3jqfcqzm3fo2j", "3jqfcqzm3fp2j", "3jqfcqzm3fs2j", "3jqfcqzm3ft2j", "3jqfcqzm3fu2j"},
		root: "bafyreifnqrwbk6ffmyaz5qtujqrzf5qmxf7cbxvgzktl4e3gabuxbtatv4",
		steps: []step{
			{del: "3jqfcqzm3fs2j", root: "bafyreie4kjuxbwkhzg2i5dljaswcroeih4dgiqq6pazcmunwt2byd725vi", height: 0},
		},
	}, {
		name: "insertion that splits two layers down",
		keys: []string{"3jqfcqzm3fo2j", "3jqfcqzm3fp2j", "3jqfcqzm3fr2j", "3jqfcqzm3fs2j", "3jqfcqzm3ft2j", "3jqfcqzm3fz2j",
			"3jqfcqzm4fc2j", "3jqfcqzm4fd2j", "3jqfcqzm4ff2j", "3jqfcqzm4fg2j", "3jqfcqzm4fh2j"},
		root: "bafyreiettyludka6fpgp33stwxfuwhkzlur6chs4d2v4nkmq2j3ogpdjem",
		steps: []step{
			{put: "3jqfcqzm3fx2j", root: "bafyreid2x5eqs4w4qxvc5jiwda4cien3gw2q6cshofxwnvv7iucrmfohpm", height: 2},
			{del: "3jqfcqzm3fx2j", root: "bafyreiettyludka6fpgp33stwxfuwhkzlur6chs4d2v4nkmq2j3ogpdjem", height: 1},
		},
	}, {
		name: "new layers two higher than existing",
		keys: []string{"3jqfcqzm3ft2j", "3jqfcqzm3fz2j"},
		root: "bafyreidfcktqnfmykz2ps3dbul35pepleq7kvv526g47xahuz3rqtptmky",
		steps: []step{
			{put: "3jqfcqzm3fx2j", root: "bafyreiavxaxdz7o7rbvr3zg2liox2yww46t7g6hkehx4i4h3lwudly7dhy", height: 2},
			{del: "3jqfcqzm3fx2j", root: "bafyreidfcktqnfmykz2ps3dbul35pepleq7kvv526g47xahuz3rqtptmky", height: 0},
			{put: "3jqfcqzm3fx2j", root: "bafyreiavxaxdz7o7rbvr3zg2liox2yww46t7g6hkehx4i4h3lwudly7dhy", height: 2},
			{put: "3jqfcqzm4fd2j", root: "bafyreig4jv3vuajbsybhyvb7gggvpwh2zszwfyttjrj6qwvcsp24h6popu", height: 2},
			{del: "3jqfcqzm4fd2j", root: "bafyreiavxaxdz7o7rbvr3zg2liox2yww46t7g6hkehx4i4h3lwudly7dhy", height: 2},
		},
	}}
	leaf := mustCID(t, leafCID)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := map[string]cid.Cid{}
			for _, k := range c.keys {
				m[p+k] = leaf
			}
			tree, store, root := MustBuild(t, m)
			if root.String() != c.root {
				t.Fatalf("root %s, want %s", root, c.root)
			}
			for i, s := range c.steps {
				prevRoot := root
				if s.put != "" {
					tree.Put(p+s.put, leaf)
				} else if _, err := tree.Delete(p + s.del); err != nil {
					t.Fatal(err)
				}
				ch, err := tree.Commit()
				if err != nil {
					t.Fatal(err)
				}
				if ch.Root.String() != s.root || tree.root.node.height != s.height {
					t.Fatalf("step %d: root %s height %d, want %s height %d", i, ch.Root, tree.root.node.height, s.root, s.height)
				}
				store.add(t, ch)
				if err := Verify(store, ch.Root); err != nil {
					t.Fatalf("step %d: Verify: %v", i, err)
				}
				// The step can be undone from its slice alone.
				op := Op{Key: p + s.put, New: leaf}
				if s.del != "" {
					op = Op{Key: p + s.del, Old: leaf}
				}
				slice, err := tree.SliceBlocks(ch, []Op{op})
				if err != nil {
					t.Fatal(err)
				}
				ss := memStore{}
				for _, b := range slice {
					ss[b.CID] = b.Data
				}
				if got, err := Invert(ss, ch.Root, []Op{op}); err != nil || got != prevRoot {
					t.Fatalf("step %d: Invert = %s, %v; want %s", i, got, err, prevRoot)
				}
				store.prune(t, ch)
				root = ch.Root
			}
		})
	}
}

func TestEmptyTree(t *testing.T) {
	const empty = "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
	tree := New(nil)
	ch, err := tree.Commit()
	if err != nil || ch.Root.String() != empty || len(ch.Blocks) != 1 {
		t.Fatalf("Commit of an empty tree = %v, %v", ch, err)
	}
	if got := string(ch.Blocks[0].Data); got != "\xa2ae\x80al\xf6" {
		t.Fatalf("empty node encodes as %x", got)
	}
	key := "app.bsky.feed.post/3jzfcijpj2z2a"
	if _, ok, err := tree.Get(key); ok || err != nil {
		t.Fatalf("Get on empty tree: %v %v", ok, err)
	}
	if _, err := tree.Delete(key); !errors.Is(err, ErrKeyNotFound) {
		t.Fatalf("Delete on empty tree: %v", err)
	}
	tree.Put(key, valueCID(1))
	tree.Delete(key)
	ch2, _ := tree.Commit()
	if ch2.Root != ch.Root || len(ch2.Blocks) != 0 || len(ch2.Orphans) != 0 {
		t.Fatalf("put and delete on an empty tree: %v", ch2)
	}
	store := memStore{}
	store.apply(t, ch)
	if err := Verify(store, ch.Root); err != nil {
		t.Fatal(err)
	}
	ops, err := Diff(store, cid.Undef, ch.Root)
	if err != nil || len(ops) != 0 {
		t.Fatalf("Diff from nothing to empty = %v, %v", ops, err)
	}
}

func TestInvalidInput(t *testing.T) {
	tree := New(nil)
	for _, k := range []string{"", "nokey", "/a", "a/", "a/b/c", "a/b c", "a/é", string(make([]byte, MaxKeyLen+1))} {
		if _, err := tree.Put(k, valueCID(1)); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Put(%q): %v", k, err)
		}
		if _, _, err := tree.Get(k); !errors.Is(err, ErrInvalidKey) {
			t.Errorf("Get(%q): %v", k, err)
		}
	}
	for _, k := range []string{"a/b", "app.bsky.feed.post/3jzfcijpj2z2a", "com.example/a:b~c.d-e_f"} {
		if err := ValidateKey(k); err != nil {
			t.Errorf("ValidateKey(%q): %v", k, err)
		}
	}
	if _, err := tree.Put("a/b", cid.Undef); !errors.Is(err, ErrInvalidValue) {
		t.Errorf("Put of undefined CID: %v", err)
	}
	// A missing root block surfaces from the first operation.
	lazy := Load(memStore{}, valueCID(5))
	if _, _, err := lazy.Get("a/b"); !errors.Is(err, ErrBlockNotFound) {
		t.Errorf("Get on a missing root: %v", err)
	}
}

// node encodes a node by hand for the decoder and Verify tests.
type testEntry struct {
	k     string
	p     int
	t, v  cid.Cid
	extra bool
}

func encodeTestNode(left cid.Cid, entries []testEntry) []byte {
	b := dagcbor.AppendMapHeader(nil, 2)
	b = dagcbor.AppendText(b, "e")
	b = dagcbor.AppendArrayHeader(b, len(entries))
	for _, e := range entries {
		b = dagcbor.AppendMapHeader(b, 4)
		b = dagcbor.AppendText(b, "k")
		b = dagcbor.AppendBytes(b, []byte(e.k))
		b = dagcbor.AppendText(b, "p")
		b = dagcbor.AppendInt(b, int64(e.p))
		b = dagcbor.AppendText(b, "t")
		b = dagcbor.AppendNullableLink(b, e.t)
		b = dagcbor.AppendText(b, "v")
		b = dagcbor.AppendLink(b, e.v)
	}
	b = dagcbor.AppendText(b, "l")
	return dagcbor.AppendNullableLink(b, left)
}

func TestDecodeStrict(t *testing.T) {
	v := valueCID(1)
	good := encodeTestNode(cid.Undef, []testEntry{{k: "com.example.x/abc", v: v}, {k: "d", p: 16, v: v}})
	var enc encoder
	n, err := enc.decodeNode(good)
	if err != nil {
		t.Fatalf("good node: %v", err)
	}
	if n.entries[1].key != "com.example.x/abd" {
		t.Fatalf("second key %q", n.entries[1].key)
	}
	if again := enc.appendNode(nil, n); string(again) != string(good) {
		t.Fatal("good node does not re-encode identically")
	}
	raw := dagcbor.SumRaw([]byte("x"))
	bad := map[string][]byte{
		"prefix not maximal": encodeTestNode(cid.Undef, []testEntry{{k: "com.example.x/abc", v: v}, {k: "bd", p: 15, v: v}}),
		"prefix too long":    encodeTestNode(cid.Undef, []testEntry{{k: "abc", v: v}, {k: "d", p: 4, v: v}}),
		"first prefix":       encodeTestNode(cid.Undef, []testEntry{{k: "abc", p: 1, v: v}}),
		"unsorted":           encodeTestNode(cid.Undef, []testEntry{{k: "b/b", v: v}, {k: "a/a", v: v}}),
		"duplicate":          encodeTestNode(cid.Undef, []testEntry{{k: "a/a", v: v}, {k: "", p: 3, v: v}}),
		"empty key":          encodeTestNode(cid.Undef, []testEntry{{k: "", v: v}}),
		"raw subtree link":   encodeTestNode(raw, nil),
		"trailing bytes":     append(encodeTestNode(cid.Undef, nil), 0),
		"l omitted":          {0xa1, 0x61, 'e', 0x80},
		"fields swapped":     {0xa2, 0x61, 'l', 0xf6, 0x61, 'e', 0x80},
		"not a map":          {0x80},
		"empty":              {},
	}
	for name, data := range bad {
		if _, err := enc.decodeNode(data); !errors.Is(err, ErrMalformedNode) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	v := valueCID(1)
	k0 := keyOfDepth("com.example.x/b", 0)
	k0b := keyOfDepth("com.example.x/c", 0)
	k1 := keyOfDepth("com.example.x/m", 1)
	k1a := keyOfDepth("com.example.x/a", 1)
	put := func(s memStore, data []byte) cid.Cid {
		c := dagcbor.SumCBOR(data)
		s[c] = data
		return c
	}
	cases := map[string]func(s memStore) cid.Cid{
		"valid": func(s memStore) cid.Cid {
			leaf := put(s, encodeTestNode(cid.Undef, []testEntry{{k: k0, v: v}, {k: k0b[CommonPrefixLen(k0, k0b):], p: CommonPrefixLen(k0, k0b), v: v}}))
			return put(s, encodeTestNode(leaf, []testEntry{{k: k1, v: v}}))
		},
		"key at wrong height": func(s memStore) cid.Cid {
			leaf := put(s, encodeTestNode(cid.Undef, []testEntry{{k: k1a, v: v}}))
			return put(s, encodeTestNode(leaf, []testEntry{{k: k1, v: v}}))
		},
		"root with only a link": func(s memStore) cid.Cid {
			leaf := put(s, encodeTestNode(cid.Undef, []testEntry{{k: k0, v: v}}))
			return put(s, encodeTestNode(leaf, nil))
		},
		"empty child": func(s memStore) cid.Cid {
			empty := put(s, encodeTestNode(cid.Undef, nil))
			return put(s, encodeTestNode(empty, []testEntry{{k: k1, v: v}}))
		},
		"child key out of range": func(s memStore) cid.Cid {
			leaf := put(s, encodeTestNode(cid.Undef, []testEntry{{k: keyOfDepth("com.example.x/z", 0), v: v}}))
			return put(s, encodeTestNode(leaf, []testEntry{{k: k1, v: v}}))
		},
		"invalid key": func(s memStore) cid.Cid {
			return put(s, encodeTestNode(cid.Undef, []testEntry{{k: "nokey", v: v}}))
		},
		"raw value": func(s memStore) cid.Cid {
			return put(s, encodeTestNode(cid.Undef, []testEntry{{k: k0, v: dagcbor.SumRaw(nil)}}))
		},
		"missing child": func(s memStore) cid.Cid {
			return put(s, encodeTestNode(valueCID(9), []testEntry{{k: k1, v: v}}))
		},
		"hash mismatch": func(s memStore) cid.Cid {
			c := put(s, encodeTestNode(cid.Undef, []testEntry{{k: k0, v: v}}))
			s[c] = encodeTestNode(cid.Undef, []testEntry{{k: k0b, v: v}})
			return c
		},
		"too many entries": func(s memStore) cid.Cid {
			var es []testEntry
			prev := ""
			for i := 0; len(es) <= MaxNodeEntries; i++ {
				k := fmt.Sprintf("com.example.x/k%06d", i)
				if Depth(k) == 0 {
					p := CommonPrefixLen(prev, k)
					es = append(es, testEntry{k: k[p:], p: p, v: v})
					prev = k
				}
			}
			slicesSortCheck(t, es)
			return put(s, encodeTestNode(cid.Undef, es))
		},
	}
	for name, build := range cases {
		s := memStore{}
		root := build(s)
		err := Verify(s, root)
		t.Logf("%s: %v", name, err)
		if name == "valid" {
			if err != nil {
				t.Errorf("valid tree: %v", err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: Verify accepted", name)
			continue
		}
		if !errors.Is(err, ErrInvalidTree) && !errors.Is(err, ErrMalformedNode) && !errors.Is(err, ErrBlockNotFound) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

// slicesSortCheck makes sure a hand-built entry list is in key order.
func slicesSortCheck(t *testing.T, es []testEntry) {
	t.Helper()
	prev := ""
	for _, e := range es {
		k := prev[:e.p] + e.k
		if k <= prev {
			t.Fatalf("test entries out of order at %q", k)
		}
		prev = k
	}
}

// keyOfDepth returns the first key prefix+N (N = 0, 1, ...) of depth d.
func keyOfDepth(prefix string, d int) string {
	for i := 0; ; i++ {
		if k := fmt.Sprintf("%s%d", prefix, i); Depth(k) == d {
			return k
		}
	}
}
