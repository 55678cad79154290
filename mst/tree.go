package mst

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// BlockGetter supplies encoded blocks by CID. It returns an error wrapping
// ErrBlockNotFound when absent.
type BlockGetter interface {
	GetBlock(c cid.Cid) ([]byte, error)
}

// Block is an encoded block with its CID.
type Block struct {
	CID  cid.Cid
	Data []byte
}

// Tree is an MST held in memory over a caller's block store. Nodes are
// loaded from the BlockGetter on first touch and kept; changes stay in
// memory until Commit hands them back as blocks. The zero Tree is not
// usable; build one with New or Load.
type Tree struct {
	bg BlockGetter
	// root links the top node. It has no node only while the root is not
	// yet loaded (or, during inversion, when it is absent).
	root link
	// rootHeight is the height of an unloaded root when known, else -1.
	rootHeight int
	// removed lists the CIDs of stored nodes changed or dropped since the
	// last Commit.
	removed []cid.Cid
	enc     encoder
	// strict makes loads check each block's hash and its keys' depths.
	strict bool
	// lenient lets a delete that empties the root keep an absent child as
	// the new root by CID, as inverting a partial tree needs.
	lenient bool
}

// New returns an empty tree whose nodes will be stored through bg. bg may
// be nil: a tree built from nothing never loads.
func New(bg BlockGetter) *Tree {
	return &Tree{bg: bg, root: link{node: &node{}}, rootHeight: -1}
}

// Load returns the tree whose root node is root, read lazily from bg:
// nothing is fetched until an operation needs it, and errors from bg
// surface from that operation. An undefined root gives an empty tree, as
// New does.
func Load(bg BlockGetter, root cid.Cid) *Tree {
	if !root.Defined() {
		return New(bg)
	}
	return &Tree{bg: bg, root: link{cid: root}, rootHeight: -1}
}

// Get returns the value of key and whether the tree holds it.
func (t *Tree) Get(key string) (cid.Cid, bool, error) {
	if err := ValidateKey(key); err != nil {
		return cid.Undef, false, err
	}
	n, err := t.rootNode()
	if err != nil {
		return cid.Undef, false, err
	}
	d := Depth(key)
	if d > n.height {
		return cid.Undef, false, nil
	}
	for {
		i, found := n.search(key)
		if n.height == d {
			if !found {
				return cid.Undef, false, nil
			}
			return n.entries[i].val, true, nil
		}
		slot := n.slot(i)
		if slot.node != nil {
			n = slot.node
			continue
		}
		if slot.isEmpty() {
			return cid.Undef, false, nil
		}
		if n, err = t.load(slot, n.height-1); err != nil {
			return cid.Undef, false, err
		}
	}
}

// Root returns the CID of the root node, encoding and hashing the nodes
// changed since their CIDs were last computed, and caching the results.
func (t *Tree) Root() (cid.Cid, error) {
	if t.root.node == nil {
		if !t.root.cid.Defined() {
			return cid.Undef, fmt.Errorf("%w: tree has no root", ErrInvalidTree)
		}
		return t.root.cid, nil
	}
	return t.hash(t.root.node), nil
}

// hash returns the CID of n, computing it and those of its changed
// descendants as needed.
func (t *Tree) hash(n *node) cid.Cid {
	if n.cid.Defined() {
		return n.cid
	}
	if c := n.left.node; c != nil && !c.cid.Defined() {
		t.hash(c)
	}
	for i := range n.entries {
		if c := n.entries[i].right.node; c != nil && !c.cid.Defined() {
			t.hash(c)
		}
	}
	t.enc.buf = t.enc.appendNode(t.enc.buf[:0], n)
	n.cid = dagcbor.SumCBOR(t.enc.buf)
	return n.cid
}

// Changes is the outcome of one batch of changes to a Tree.
type Changes struct {
	// Root is the CID of the root node after the batch.
	Root cid.Cid
	// Blocks holds the node blocks of the tree that were not part of the
	// version before the batch, each once, in pre-order (the root first
	// when it is new).
	Blocks []Block
	// Orphans lists the node CIDs of the version before the batch that are
	// no longer part of the tree.
	Orphans []cid.Cid
}

// Commit ends the current batch of changes. It returns the new root, the
// node blocks to add to the store and the node blocks the store may drop,
// and marks every node of the tree as stored, so the next Commit reports
// only what changes after this one. A node changed and then changed back
// within a batch is neither new nor orphaned.
func (t *Tree) Commit() (Changes, error) {
	root, err := t.Root()
	if err != nil {
		return Changes{}, err
	}
	var gone map[cid.Cid]struct{}
	if len(t.removed) > 0 {
		gone = make(map[cid.Cid]struct{}, len(t.removed))
		for _, c := range t.removed {
			gone[c] = struct{}{}
		}
	}
	ch := Changes{Root: root}
	if t.root.node != nil {
		t.collect(t.root.node, gone, &ch.Blocks)
	}
	for _, c := range t.removed {
		if _, ok := gone[c]; ok {
			ch.Orphans = append(ch.Orphans, c)
			delete(gone, c)
		}
	}
	clear(t.removed)
	t.removed = t.removed[:0]
	return ch, nil
}

// collect appends the blocks of n and its descendants that are not stored,
// in pre-order, and marks them stored. A CID in gone is a node that left
// the tree and came back: it is removed from gone and not reported.
func (t *Tree) collect(n *node, gone map[cid.Cid]struct{}, out *[]Block) {
	if n.stored {
		return
	}
	n.stored = true
	if _, ok := gone[n.cid]; ok {
		delete(gone, n.cid)
	} else {
		t.enc.buf = t.enc.appendNode(t.enc.buf[:0], n)
		*out = append(*out, Block{CID: n.cid, Data: bytes.Clone(t.enc.buf)})
	}
	if c := n.left.node; c != nil {
		t.collect(c, gone, out)
	}
	for i := range n.entries {
		if c := n.entries[i].right.node; c != nil {
			t.collect(c, gone, out)
		}
	}
}

// touch marks n as about to change: a stored node's CID is recorded as
// leaving the tree, and n's CID is forgotten.
func (t *Tree) touch(n *node) {
	if n.stored {
		t.removed = append(t.removed, n.cid)
		n.stored = false
	}
	n.cid = cid.Undef
}

// drop records that n leaves the tree.
func (t *Tree) drop(n *node) {
	if n.stored {
		t.removed = append(t.removed, n.cid)
		n.stored = false
	}
}

// rootNode returns the root node, loading it if needed.
func (t *Tree) rootNode() (*node, error) {
	if n := t.root.node; n != nil {
		return n, nil
	}
	if !t.root.cid.Defined() {
		return nil, fmt.Errorf("%w: tree has no root", ErrInvalidTree)
	}
	n, err := t.fetch(t.root.cid)
	if err != nil {
		return nil, err
	}
	h := t.rootHeight
	if h < 0 {
		if h, err = topHeight(n); err != nil {
			return nil, err
		}
	}
	n.height = h
	if t.strict {
		if err := checkHeights(n); err != nil {
			return nil, fmt.Errorf("node %s: %w", t.root.cid, err)
		}
	}
	t.root.node = n
	return n, nil
}

// topHeight derives the height of a root node from its keys.
func topHeight(n *node) (int, error) {
	if len(n.entries) > 0 {
		return Depth(n.entries[0].key), nil
	}
	if n.left.isEmpty() {
		return 0, nil
	}
	return 0, fmt.Errorf("%w: root node has no entries, only a left link", ErrInvalidTree)
}

// load returns the node l points to, fetching and decoding it at the given
// height if it is not loaded yet, and caching it in l.
func (t *Tree) load(l *link, height int) (*node, error) {
	if l.node != nil {
		return l.node, nil
	}
	n, err := t.fetch(l.cid)
	if err != nil {
		return nil, err
	}
	n.height = height
	if t.strict {
		if err := checkHeights(n); err != nil {
			return nil, fmt.Errorf("node %s: %w", l.cid, err)
		}
	}
	l.node = n
	return n, nil
}

// fetch reads and decodes the node block c as a stored node.
func (t *Tree) fetch(c cid.Cid) (*node, error) {
	if t.bg == nil {
		return nil, fmt.Errorf("cannot load node %s: %w (no block getter)", c, ErrBlockNotFound)
	}
	data, err := t.bg.GetBlock(c)
	if err != nil {
		return nil, fmt.Errorf("cannot load node %s: %w", c, err)
	}
	if t.strict && dagcbor.SumCBOR(data) != c {
		return nil, fmt.Errorf("%w: block bytes do not hash to %s", ErrMalformedNode, c)
	}
	n, err := t.enc.decodeNode(data)
	if err != nil {
		return nil, fmt.Errorf("cannot decode node %s: %w", c, err)
	}
	n.cid = c
	n.stored = true
	return n, nil
}

// checkHeights checks that every key of n has n's height as its depth and
// that a node at height 0 links no subtrees.
func checkHeights(n *node) error {
	for i := range n.entries {
		if d := Depth(n.entries[i].key); d != n.height {
			return fmt.Errorf("%w: key %q of depth %d in a node of height %d", ErrInvalidTree, n.entries[i].key, d, n.height)
		}
	}
	if n.height == 0 {
		if !n.left.isEmpty() {
			return fmt.Errorf("%w: left link below height 0", ErrInvalidTree)
		}
		for i := range n.entries {
			if !n.entries[i].right.isEmpty() {
				return fmt.Errorf("%w: subtree link below height 0", ErrInvalidTree)
			}
		}
	}
	return nil
}

// isNotFound reports whether err is a missing block.
func isNotFound(err error) bool {
	return errors.Is(err, ErrBlockNotFound)
}
