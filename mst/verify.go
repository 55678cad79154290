package mst

import (
	"fmt"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// Verify reads the whole tree whose root node is root from bg and returns
// the first violation of the MST rules it finds, or nil. It checks that
// every block hashes to its CID and decodes strictly; that keys are valid
// record paths, sorted across the whole tree, each in a node whose height
// is the key's depth; that subtrees sit exactly one height below their
// parent and nothing hangs below height 0; that no node but the root of
// the empty tree is empty and the root holds keys; that links to nodes are
// DAG-CBOR sha2-256 CIDv1 and so are values; and the limits MaxHeight and
// MaxNodeEntries. Use it on trees from elsewhere (CAR import) before
// trusting them.
func Verify(bg BlockGetter, root cid.Cid) error {
	v := verifier{bg: bg}
	n, err := v.fetch(root)
	if err != nil {
		return err
	}
	if n.isEmpty() {
		return nil
	}
	height, err := topHeight(n)
	if err != nil {
		return fmt.Errorf("node %s: %w", root, err)
	}
	if height > MaxHeight {
		return fmt.Errorf("%w: root height %d exceeds %d", ErrInvalidTree, height, MaxHeight)
	}
	n.height = height
	return v.check(n, "", "")
}

type verifier struct {
	bg  BlockGetter
	enc encoder
}

func (v *verifier) fetch(c cid.Cid) (*node, error) {
	if !dagcbor.IsBlessed(c, dagcbor.CodecDagCBOR) {
		return nil, fmt.Errorf("%w: node link %s is not a DAG-CBOR sha2-256 CIDv1", ErrInvalidTree, c)
	}
	data, err := v.bg.GetBlock(c)
	if err != nil {
		return nil, fmt.Errorf("cannot load node %s: %w", c, err)
	}
	if dagcbor.SumCBOR(data) != c {
		return nil, fmt.Errorf("%w: block bytes do not hash to %s", ErrMalformedNode, c)
	}
	n, err := v.enc.decodeNode(data)
	if err != nil {
		return nil, fmt.Errorf("cannot decode node %s: %w", c, err)
	}
	n.cid = c
	return n, nil
}

// check verifies n and its subtree, all of whose keys must lie strictly
// between lo and hi (an empty bound is open).
func (v *verifier) check(n *node, lo, hi string) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("node %s (height %d): %w: %s", n.cid, n.height, ErrInvalidTree, fmt.Sprintf(format, args...))
	}
	if len(n.entries) > MaxNodeEntries {
		return fail("%d entries exceed %d", len(n.entries), MaxNodeEntries)
	}
	for i := range n.entries {
		e := &n.entries[i]
		if err := ValidateKey(e.key); err != nil {
			return fail("%v", err)
		}
		if d := Depth(e.key); d != n.height {
			return fail("key %q has depth %d", e.key, d)
		}
		if (lo != "" && e.key <= lo) || (hi != "" && e.key >= hi) {
			return fail("key %q is outside the range of its subtree", e.key)
		}
		if !dagcbor.IsBlessed(e.val, dagcbor.CodecDagCBOR) {
			return fail("value %s of %q is not a DAG-CBOR sha2-256 CIDv1", e.val, e.key)
		}
	}
	for i := 0; i <= len(n.entries); i++ {
		l := n.slot(i)
		if l.isEmpty() {
			continue
		}
		if n.height == 0 {
			return fail("subtree link below height 0")
		}
		child, err := v.fetch(l.cid)
		if err != nil {
			return err
		}
		child.height = n.height - 1
		if child.isEmpty() {
			return fail("links empty node %s", l.cid)
		}
		clo, chi := lo, hi
		if i > 0 {
			clo = n.entries[i-1].key
		}
		if i < len(n.entries) {
			chi = n.entries[i].key
		}
		if err := v.check(child, clo, chi); err != nil {
			return err
		}
	}
	return nil
}
