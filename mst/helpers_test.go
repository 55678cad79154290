package mst

import (
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// memStore is a map-backed BlockGetter.
type memStore map[cid.Cid][]byte

func (s memStore) GetBlock(c cid.Cid) ([]byte, error) {
	if b, ok := s[c]; ok {
		return b, nil
	}
	return nil, fmt.Errorf("%w: %s", ErrBlockNotFound, c)
}

// apply adds the new blocks of ch and drops its orphans.
func (s memStore) apply(tb testing.TB, ch Changes) {
	tb.Helper()
	s.add(tb, ch)
	s.prune(tb, ch)
}

// add adds the new blocks of ch.
func (s memStore) add(tb testing.TB, ch Changes) {
	tb.Helper()
	for _, b := range ch.Blocks {
		if _, ok := s[b.CID]; ok {
			tb.Fatalf("Commit reported block %s as new, but the store has it", b.CID)
		}
		if dagcbor.SumCBOR(b.Data) != b.CID {
			tb.Fatalf("block %s does not hash to its CID", b.CID)
		}
		s[b.CID] = b.Data
	}
}

// prune drops the orphans of ch.
func (s memStore) prune(tb testing.TB, ch Changes) {
	tb.Helper()
	for _, c := range ch.Orphans {
		if _, ok := s[c]; !ok {
			tb.Fatalf("Commit reported orphan %s, which the store lacks", c)
		}
		delete(s, c)
	}
}

// reachable returns the node CIDs reachable from root in s.
func reachable(tb testing.TB, s memStore, root cid.Cid) map[cid.Cid]bool {
	tb.Helper()
	out := map[cid.Cid]bool{}
	err := WalkNodes(s, root, func(c cid.Cid, _ []byte, _ []cid.Cid) error {
		if out[c] {
			tb.Fatalf("node %s reached twice", c)
		}
		out[c] = true
		return nil
	})
	if err != nil {
		tb.Fatalf("WalkNodes: %v", err)
	}
	return out
}

// mustCID parses a CID string.
func mustCID(tb testing.TB, s string) cid.Cid {
	tb.Helper()
	c, err := cid.Decode(s)
	if err != nil {
		tb.Fatalf("bad CID %q: %v", s, err)
	}
	return c
}

// valueCID returns a distinct record CID for n.
func valueCID(n int) cid.Cid {
	return dagcbor.SumCBOR(dagcbor.AppendInt(nil, int64(n)))
}

// MustBuild returns a tree holding m, committed into a new store.
func MustBuild(tb testing.TB, m map[string]cid.Cid) (*Tree, memStore, cid.Cid) {
	tb.Helper()
	s := memStore{}
	t := New(s)
	for _, k := range slices.Sorted(maps.Keys(m)) {
		if _, err := t.Put(k, m[k]); err != nil {
			tb.Fatalf("Put(%q): %v", k, err)
		}
	}
	ch, err := t.Commit()
	if err != nil {
		tb.Fatalf("Commit: %v", err)
	}
	s.apply(tb, ch)
	return t, s, ch.Root
}

// contents walks t into a map.
func contents(tb testing.TB, t *Tree) map[string]cid.Cid {
	tb.Helper()
	m := map[string]cid.Cid{}
	prev := ""
	err := t.Walk(func(k string, v cid.Cid) error {
		if k <= prev {
			tb.Fatalf("walk out of order: %q after %q", k, prev)
		}
		prev = k
		m[k] = v
		return nil
	})
	if err != nil {
		tb.Fatalf("Walk: %v", err)
	}
	return m
}
