package mst

import (
	"fmt"

	"github.com/ipfs/go-cid"
)

// Proof returns the node blocks on the path from the root to the node
// where key is, or would be: root first. With only these blocks, Get of
// key on a tree loaded at the same root answers the same, proving that
// the key is present with its value, or absent (the last node holds the
// neighbours the key would sit between, or the empty slot it would take).
// Proof computes the root CID first, as Root does.
func (t *Tree) Proof(key string) ([]Block, error) {
	if err := ValidateKey(key); err != nil {
		return nil, err
	}
	if _, err := t.Root(); err != nil {
		return nil, err
	}
	n, err := t.rootNode()
	if err != nil {
		return nil, err
	}
	d := Depth(key)
	var out []Block
	for {
		t.enc.buf = t.enc.appendNode(t.enc.buf[:0], n)
		out = append(out, Block{CID: n.cid, Data: append([]byte(nil), t.enc.buf...)})
		if n.height <= d {
			return out, nil
		}
		i, _ := n.search(key)
		slot := n.slot(i)
		if slot.isEmpty() {
			return out, nil
		}
		if n, err = t.load(slot, n.height-1); err != nil {
			return nil, err
		}
	}
}

// InvertProof returns the node blocks of the tree whose root node is root
// that a verifier needs to invert ops, in the order first read. For each
// op's key these are the nodes that show the key's place in the tree and
// its neighbouring keys: for a key the tree holds, the path to it and the
// edges of the subtrees on either side of it, down to the bottom; for an
// absent key, the path down to the empty slot where it would go. Undoing a
// create merges those edges, undoing a delete splits along that path. The
// result also holds every block that undoing ops (as Invert does) reads,
// which these normally include. They are the tree blocks a #commit CAR
// slice must carry besides the nodes new in the commit, and give exactly
// the blocksInProof of the shared commit-proof fixtures. bg must hold the
// new tree.
func InvertProof(bg BlockGetter, root cid.Cid, ops []Op) ([]Block, error) {
	if err := checkOps(ops); err != nil {
		return nil, err
	}
	rec := &recorder{bg: bg, seen: map[cid.Cid]struct{}{}}
	t := Load(rec, root)
	for _, op := range ops {
		if err := t.cover(op.Key); err != nil {
			return nil, fmt.Errorf("cannot cover %q: %w", op.Key, err)
		}
	}
	if err := t.invert(ops); err != nil {
		return nil, err
	}
	return rec.blocks, nil
}

// SliceBlocks returns the tree blocks of a #commit CAR slice for the batch
// ch (from Commit) made of ops: every block of ch.Blocks, then the
// unchanged blocks from the tree's BlockGetter that a verifier needs to
// invert ops.
func (t *Tree) SliceBlocks(ch Changes, ops []Op) ([]Block, error) {
	fresh := make(map[cid.Cid][]byte, len(ch.Blocks))
	for _, b := range ch.Blocks {
		fresh[b.CID] = b.Data
	}
	read, err := InvertProof(overlay{fresh: fresh, bg: t.bg}, ch.Root, ops)
	if err != nil {
		return nil, fmt.Errorf("cannot prove ops: %w", err)
	}
	out := append(make([]Block, 0, len(ch.Blocks)+len(read)), ch.Blocks...)
	for _, b := range read {
		if _, ok := fresh[b.CID]; !ok {
			out = append(out, b)
		}
	}
	return out, nil
}

// recorder is a BlockGetter that remembers the blocks read through it.
type recorder struct {
	bg     BlockGetter
	seen   map[cid.Cid]struct{}
	blocks []Block
}

func (r *recorder) GetBlock(c cid.Cid) ([]byte, error) {
	data, err := r.bg.GetBlock(c)
	if err != nil {
		return nil, err
	}
	if _, ok := r.seen[c]; !ok {
		r.seen[c] = struct{}{}
		r.blocks = append(r.blocks, Block{CID: c, Data: data})
	}
	return data, nil
}

// overlay serves fresh blocks first, then those of bg.
type overlay struct {
	fresh map[cid.Cid][]byte
	bg    BlockGetter
}

func (o overlay) GetBlock(c cid.Cid) ([]byte, error) {
	if data, ok := o.fresh[c]; ok {
		return data, nil
	}
	if o.bg == nil {
		return nil, fmt.Errorf("%w: %s", ErrBlockNotFound, c)
	}
	return o.bg.GetBlock(c)
}

// cover loads, in t, the nodes that show key's place in the tree: for a key
// the tree holds, the path to it and the nodes holding its neighbouring
// keys (the right edge of the subtree before it, the left edge of the one
// after it); for an absent key, the path of nodes whose key ranges hold it,
// down to an empty slot, which also holds its neighbours.
func (t *Tree) cover(key string) error {
	n, err := t.rootNode()
	if err != nil {
		return err
	}
	for {
		i, found := n.search(key)
		if found {
			if err := t.edge(n.slot(i), n.height-1, true); err != nil {
				return err
			}
			return t.edge(&n.entries[i].right, n.height-1, false)
		}
		slot := n.slot(i)
		if slot.isEmpty() {
			return nil
		}
		if n, err = t.load(slot, n.height-1); err != nil {
			return err
		}
	}
}

// edge loads the nodes along the right (last) or left (first) edge of the
// subtree *l.
func (t *Tree) edge(l *link, height int, last bool) error {
	for !l.isEmpty() {
		n, err := t.load(l, height)
		if err != nil {
			return err
		}
		if last {
			l = n.slot(len(n.entries))
		} else {
			l = &n.left
		}
		height--
	}
	return nil
}
