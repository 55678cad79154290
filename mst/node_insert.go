package mst

import (
	"fmt"
	"slices"

	"github.com/ipfs/go-cid"
)

// Put sets key to val, inserting the key or updating its value. It returns
// the previous value, or cid.Undef when the key is new. Putting the value
// a key already has changes nothing.
func (t *Tree) Put(key string, val cid.Cid) (prev cid.Cid, err error) {
	if err := ValidateKey(key); err != nil {
		return cid.Undef, err
	}
	if !val.Defined() {
		return cid.Undef, fmt.Errorf("%w: undefined CID for %q", ErrInvalidValue, key)
	}
	root, err := t.rootNode()
	if err != nil {
		return cid.Undef, err
	}
	d := Depth(key)
	switch {
	case root.isEmpty():
		t.touch(root)
		root.height = d
		root.entries = append(root.entries[:0], entry{key: key, val: val})
		return cid.Undef, nil
	case d > root.height:
		// The key belongs above the current top: split the whole tree
		// around it and hang both halves below a new root, through
		// key-less nodes on the heights in between.
		l, r, err := t.split(&t.root, root.height, key)
		if err != nil {
			return cid.Undef, err
		}
		top := &node{
			height:  d,
			left:    raise(l, root.height, d-1),
			entries: []entry{{key: key, val: val, right: raise(r, root.height, d-1)}},
		}
		t.root = link{node: top}
		return cid.Undef, nil
	}
	return t.insert(root, key, d, val)
}

// insert puts key (of depth d) into the subtree of n, whose height is at
// least d. It returns the previous value; a result equal to val means
// nothing changed.
func (t *Tree) insert(n *node, key string, d int, val cid.Cid) (cid.Cid, error) {
	i, found := n.search(key)
	if n.height == d {
		if found {
			prev := n.entries[i].val
			if prev != val {
				t.touch(n)
				n.entries[i].val = val
			}
			return prev, nil
		}
		// The subtree in the key's slot straddles it: its lower part
		// stays in the slot, its upper part hangs right of the new key.
		slot := n.slot(i)
		l, r, err := t.split(slot, n.height-1, key)
		if err != nil {
			return cid.Undef, err
		}
		t.touch(n)
		*slot = l
		n.entries = slices.Insert(n.entries, i, entry{key: key, val: val, right: r})
		return cid.Undef, nil
	}
	slot := n.slot(i)
	if slot.isEmpty() {
		t.touch(n)
		leaf := &node{height: d, entries: []entry{{key: key, val: val}}}
		*slot = raise(link{node: leaf}, d, n.height-1)
		return cid.Undef, nil
	}
	child, err := t.load(slot, n.height-1)
	if err != nil {
		return cid.Undef, err
	}
	prev, err := t.insert(child, key, d, val)
	if err != nil || prev == val {
		return prev, err
	}
	t.touch(n)
	return prev, nil
}

// split divides the subtree *l (of the given height) around key, which it
// does not hold, into the subtrees of keys below and above key. Nodes that
// end up empty are dropped. A subtree that lies wholly on one side is
// returned unchanged, as *l, after loading the nodes along its edge that
// prove it.
func (t *Tree) split(l *link, height int, key string) (lo, hi link, err error) {
	if l.isEmpty() {
		return link{}, link{}, nil
	}
	n, err := t.load(l, height)
	if err != nil {
		return link{}, link{}, err
	}
	i, _ := n.search(key)
	slot := n.slot(i)
	cl, cr, err := t.split(slot, height-1, key)
	if err != nil {
		return link{}, link{}, err
	}
	switch {
	case i == len(n.entries) && cl.node == slot.node && cr.isEmpty():
		return *l, link{}, nil
	case i == 0 && cr.node == slot.node && cl.isEmpty():
		return link{}, *l, nil
	}
	t.touch(n)
	upper := &node{height: height, left: cr, entries: slices.Clone(n.entries[i:])}
	clear(n.entries[i:])
	n.entries = n.entries[:i]
	*n.slot(i) = cl
	if !n.isEmpty() {
		lo = link{node: n}
	}
	if !upper.isEmpty() {
		hi = link{node: upper}
	}
	return lo, hi, nil
}

// raise returns l, a subtree of height from, hung below key-less nodes up
// to height to, so that it can be linked from a node of height to+1.
func raise(l link, from, to int) link {
	if l.isEmpty() {
		return l
	}
	for h := from + 1; h <= to; h++ {
		l = link{node: &node{height: h, left: l}}
	}
	return l
}
