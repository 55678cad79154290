package mst

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
)

// errRangeEnd stops a range walk that went past its bound.
var errRangeEnd = errors.New("mst: end of range")

// Walk calls fn for every key and value of the tree in ascending key
// order. It stops at the first error fn returns and returns it, except
// that SkipAll stops the walk and Walk returns nil.
func (t *Tree) Walk(fn func(key string, val cid.Cid) error) error {
	return t.WalkRange("", "", fn)
}

// WalkRange is Walk restricted to the keys k with from <= k < to; an
// empty to means no upper bound. Subtrees outside the range are not
// loaded. For the records of one collection use from = "<nsid>/" and to =
// "<nsid>0" ('0' follows '/').
func (t *Tree) WalkRange(from, to string, fn func(key string, val cid.Cid) error) error {
	root, err := t.rootNode()
	if err != nil {
		return err
	}
	return endWalk(t.walkUp(root, from, to, fn))
}

// WalkRangeReverse is WalkRange in descending key order.
func (t *Tree) WalkRangeReverse(from, to string, fn func(key string, val cid.Cid) error) error {
	root, err := t.rootNode()
	if err != nil {
		return err
	}
	return endWalk(t.walkDown(root, from, to, fn))
}

func endWalk(err error) error {
	if err == errRangeEnd || err == SkipAll {
		return nil
	}
	return err
}

// walkUp visits the keys of n's subtree in [from, to) in ascending order.
func (t *Tree) walkUp(n *node, from, to string, fn func(string, cid.Cid) error) error {
	i := 0
	if from != "" {
		i, _ = n.search(from)
	}
	for ; ; i++ {
		// Slot i holds keys between entry i-1 (below from, or already
		// visited) and entry i.
		if slot := n.slot(i); !slot.isEmpty() {
			child, err := t.load(slot, n.height-1)
			if err != nil {
				return err
			}
			if err := t.walkUp(child, from, to, fn); err != nil {
				return err
			}
		}
		if i == len(n.entries) {
			return nil
		}
		e := &n.entries[i]
		if to != "" && e.key >= to {
			return errRangeEnd
		}
		if err := fn(e.key, e.val); err != nil {
			return err
		}
	}
}

// walkDown visits the keys of n's subtree in [from, to) in descending
// order.
func (t *Tree) walkDown(n *node, from, to string, fn func(string, cid.Cid) error) error {
	j := len(n.entries)
	if to != "" {
		j, _ = n.search(to)
	}
	for ; ; j-- {
		// Slot j holds keys between entry j-1 and entry j (at or above
		// to, or already visited).
		if slot := n.slot(j); !slot.isEmpty() {
			child, err := t.load(slot, n.height-1)
			if err != nil {
				return err
			}
			if err := t.walkDown(child, from, to, fn); err != nil {
				return err
			}
		}
		if j == 0 {
			return nil
		}
		e := &n.entries[j-1]
		if e.key < from {
			return errRangeEnd
		}
		if err := fn(e.key, e.val); err != nil {
			return err
		}
	}
}

// WalkNodes calls fn for every node block of the tree whose root node is
// root, read from bg, in pre-order: a node, then its subtrees in slot
// order (the left link, then each entry's right link). vals holds the
// values of the node's entries in key order; fn must not keep it or data
// past the call. Writing a node's records from fn, before its subtrees,
// gives the preferred CAR order of the repository spec. Returning SkipAll
// from fn stops the walk without error.
func WalkNodes(bg BlockGetter, root cid.Cid, fn func(c cid.Cid, data []byte, vals []cid.Cid) error) error {
	w := nodeWalker{bg: bg, fn: fn}
	return endWalk(w.walk(root, 0))
}

type nodeWalker struct {
	bg   BlockGetter
	fn   func(cid.Cid, []byte, []cid.Cid) error
	enc  encoder
	vals []cid.Cid
	// nodes holds one decoded node per level, reused from node to node.
	nodes []*node
}

func (w *nodeWalker) walk(c cid.Cid, level int) error {
	if level > MaxHeight {
		return fmt.Errorf("%w: deeper than %d levels", ErrInvalidTree, MaxHeight+1)
	}
	data, err := w.bg.GetBlock(c)
	if err != nil {
		return fmt.Errorf("cannot load node %s: %w", c, err)
	}
	for len(w.nodes) <= level {
		w.nodes = append(w.nodes, &node{})
	}
	n := w.nodes[level]
	if err := w.enc.decodeInto(n, data, false); err != nil {
		return fmt.Errorf("cannot decode node %s: %w", c, err)
	}
	w.vals = w.vals[:0]
	for i := range n.entries {
		w.vals = append(w.vals, n.entries[i].val)
	}
	if err := w.fn(c, data, w.vals); err != nil {
		return err
	}
	for i := 0; i <= len(n.entries); i++ {
		if l := n.slot(i); !l.isEmpty() {
			if err := w.walk(l.cid, level+1); err != nil {
				return err
			}
		}
	}
	return nil
}
