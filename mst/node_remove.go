package mst

import (
	"fmt"
	"slices"

	"github.com/ipfs/go-cid"
)

// Delete removes key and returns its value. It returns an error wrapping
// ErrKeyNotFound when the tree does not hold key.
func (t *Tree) Delete(key string) (prev cid.Cid, err error) {
	if err := ValidateKey(key); err != nil {
		return cid.Undef, err
	}
	root, err := t.rootNode()
	if err != nil {
		return cid.Undef, err
	}
	d := Depth(key)
	found := false
	if d <= root.height {
		prev, found, err = t.remove(root, key, d)
		if err != nil {
			return cid.Undef, err
		}
	}
	if !found {
		return cid.Undef, fmt.Errorf("%w: %q", ErrKeyNotFound, key)
	}
	return prev, t.trim()
}

// remove deletes key (of depth d) from the subtree of n, whose height is
// at least d, and reports whether it was there. A node left with nothing
// at all is unlinked from its parent; one left with only a left link
// stays, as an intermediate node.
func (t *Tree) remove(n *node, key string, d int) (cid.Cid, bool, error) {
	i, found := n.search(key)
	if n.height == d {
		if !found {
			return cid.Undef, false, nil
		}
		prev := n.entries[i].val
		// The subtrees on both sides of the key become one.
		slot := n.slot(i)
		merged, err := t.merge(*slot, n.entries[i].right, n.height-1)
		if err != nil {
			return cid.Undef, false, err
		}
		t.touch(n)
		*slot = merged
		n.entries = slices.Delete(n.entries, i, i+1)
		return prev, true, nil
	}
	slot := n.slot(i)
	if slot.isEmpty() {
		return cid.Undef, false, nil
	}
	child, err := t.load(slot, n.height-1)
	if err != nil {
		return cid.Undef, false, err
	}
	prev, found, err := t.remove(child, key, d)
	if err != nil || !found {
		return prev, found, err
	}
	t.touch(n)
	if child.isEmpty() {
		*slot = link{}
	}
	return prev, true, nil
}

// merge joins two adjacent subtrees of the given height, all keys of a
// below all keys of b, into one. Where the right edge of a meets the left
// edge of b, the subtrees there are merged in turn.
func (t *Tree) merge(a, b link, height int) (link, error) {
	if a.isEmpty() {
		return b, nil
	}
	if b.isEmpty() {
		return a, nil
	}
	an, err := t.load(&a, height)
	if err != nil {
		return link{}, err
	}
	bn, err := t.load(&b, height)
	if err != nil {
		return link{}, err
	}
	seam := an.slot(len(an.entries))
	joined, err := t.merge(*seam, bn.left, height-1)
	if err != nil {
		return link{}, err
	}
	t.touch(an)
	t.drop(bn)
	*seam = joined
	an.entries = append(an.entries, bn.entries...)
	return link{node: an}, nil
}

// trim strips key-less nodes from the top of the tree after a delete, so
// that the root holds keys (or the tree is the single empty node).
func (t *Tree) trim() error {
	for {
		root := t.root.node
		if len(root.entries) > 0 {
			return nil
		}
		if root.left.isEmpty() {
			root.height = 0
			return nil
		}
		child, err := t.load(&root.left, root.height-1)
		if err != nil {
			if t.lenient && isNotFound(err) {
				// Without the block the root's CID is still known; only
				// its own shape is not.
				t.root = link{cid: root.left.cid}
				t.rootHeight = root.height - 1
				return nil
			}
			return err
		}
		t.drop(root)
		t.root = link{node: child}
	}
}
