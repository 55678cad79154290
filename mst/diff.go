package mst

import (
	"fmt"

	"github.com/ipfs/go-cid"
)

// Op is the change of one key between two versions of a tree.
type Op struct {
	// Key is the record path.
	Key string
	// Old is the value before, cid.Undef for a create.
	Old cid.Cid
	// New is the value after, cid.Undef for a delete.
	New cid.Cid
}

// IsCreate reports whether op adds its key.
func (op Op) IsCreate() bool { return !op.Old.Defined() && op.New.Defined() }

// IsUpdate reports whether op changes the value of its key.
func (op Op) IsUpdate() bool { return op.Old.Defined() && op.New.Defined() }

// IsDelete reports whether op removes its key.
func (op Op) IsDelete() bool { return op.Old.Defined() && !op.New.Defined() }

// Diff returns the changes that turn the tree rooted at oldRoot into the
// tree rooted at newRoot, sorted by key. Either root may be cid.Undef for
// the empty tree. Subtrees with the same CID on both sides are skipped
// unread, so a small change costs a few node loads per tree level.
func Diff(bg BlockGetter, oldRoot, newRoot cid.Cid) ([]Op, error) {
	d := differ{bg: bg}
	if err := d.run(oldRoot, newRoot); err != nil {
		return nil, err
	}
	return d.ops, nil
}

// DiffNodes returns the node CIDs of the tree rooted at newRoot that are
// not in the tree rooted at oldRoot (added), and those of the old tree
// that are not in the new one (removed), each in the order the walk met
// them. It reads the same nodes as Diff.
func DiffNodes(bg BlockGetter, oldRoot, newRoot cid.Cid) (added, removed []cid.Cid, err error) {
	d := differ{bg: bg, nodes: true}
	d.seen[0] = map[cid.Cid]struct{}{}
	d.seen[1] = map[cid.Cid]struct{}{}
	if err := d.run(oldRoot, newRoot); err != nil {
		return nil, nil, err
	}
	for _, c := range d.opened[1] {
		if _, ok := d.seen[0][c]; !ok {
			added = append(added, c)
		}
	}
	for _, c := range d.opened[0] {
		if _, ok := d.seen[1][c]; !ok {
			removed = append(removed, c)
		}
	}
	return added, removed, nil
}

// differ walks two trees side by side in key order. Each side is a cursor
// over a sequence of items, keys and subtree links; a link is opened (its
// node's items take its place) only when its CID differs from the other
// side's item.
type differ struct {
	bg    BlockGetter
	enc   encoder
	ops   []Op
	nodes bool
	// seen holds, per side (0 old, 1 new), every node CID met, opened or
	// not; opened lists the nodes read. Only kept when nodes is set.
	seen   [2]map[cid.Cid]struct{}
	opened [2][]cid.Cid
}

type itemKind uint8

const (
	itemEnd itemKind = iota
	itemKey
	itemLink
)

type frame struct {
	n *node
	// pos walks the items of n: even positions are slots (pos/2), odd
	// ones entries (pos/2).
	pos int
}

type cursor struct {
	side  int
	stack []frame
}

// peek returns the next item of c: its kind, its entry for a key, and its
// CID and height for a link.
func (c *cursor) peek() (itemKind, *entry, cid.Cid, int) {
	for len(c.stack) > 0 {
		f := &c.stack[len(c.stack)-1]
		if f.pos > 2*len(f.n.entries) {
			c.stack = c.stack[:len(c.stack)-1]
			continue
		}
		if f.pos%2 == 1 {
			return itemKey, &f.n.entries[f.pos/2], cid.Undef, f.n.height
		}
		if s := f.n.slot(f.pos / 2); !s.isEmpty() {
			return itemLink, nil, s.cid, f.n.height - 1
		}
		f.pos++
	}
	return itemEnd, nil, cid.Undef, 0
}

func (c *cursor) advance() {
	c.stack[len(c.stack)-1].pos++
}

func (d *differ) run(oldRoot, newRoot cid.Cid) error {
	if oldRoot == newRoot {
		return nil
	}
	var cur [2]cursor
	for side, root := range [2]cid.Cid{oldRoot, newRoot} {
		cur[side].side = side
		if !root.Defined() {
			continue
		}
		n, err := d.load(side, root, -1)
		if err != nil {
			return err
		}
		cur[side].stack = append(cur[side].stack, frame{n: n})
	}
	a, b := &cur[0], &cur[1]
	for {
		ka, ea, ca, ha := a.peek()
		kb, eb, cb, hb := b.peek()
		if d.nodes {
			if ka == itemLink {
				d.seen[0][ca] = struct{}{}
			}
			if kb == itemLink {
				d.seen[1][cb] = struct{}{}
			}
		}
		switch {
		case ka == itemEnd && kb == itemEnd:
			return nil
		case ka == itemLink && kb == itemLink && ca == cb:
			a.advance()
			b.advance()
		case ka == itemLink && (kb != itemLink || ha >= hb):
			if err := d.open(a, ca, ha); err != nil {
				return err
			}
		case kb == itemLink:
			if err := d.open(b, cb, hb); err != nil {
				return err
			}
		case kb == itemEnd || (ka == itemKey && ea.key < eb.key):
			d.ops = append(d.ops, Op{Key: ea.key, Old: ea.val})
			a.advance()
		case ka == itemEnd || eb.key < ea.key:
			d.ops = append(d.ops, Op{Key: eb.key, New: eb.val})
			b.advance()
		default:
			if ea.val != eb.val {
				d.ops = append(d.ops, Op{Key: ea.key, Old: ea.val, New: eb.val})
			}
			a.advance()
			b.advance()
		}
	}
}

// open replaces the link item at the head of c with the items of its node.
func (d *differ) open(c *cursor, id cid.Cid, height int) error {
	c.advance()
	if height < 0 {
		return fmt.Errorf("%w: node %s linked below height 0", ErrInvalidTree, id)
	}
	n, err := d.load(c.side, id, height)
	if err != nil {
		return err
	}
	c.stack = append(c.stack, frame{n: n})
	return nil
}

// load reads node id for one side; a negative height asks for the height
// of a root.
func (d *differ) load(side int, id cid.Cid, height int) (*node, error) {
	data, err := d.bg.GetBlock(id)
	if err != nil {
		return nil, fmt.Errorf("cannot load node %s: %w", id, err)
	}
	n, err := d.enc.decodeNode(data)
	if err != nil {
		return nil, fmt.Errorf("cannot decode node %s: %w", id, err)
	}
	n.cid = id
	if height < 0 {
		if height, err = topHeight(n); err != nil {
			return nil, fmt.Errorf("node %s: %w", id, err)
		}
	}
	n.height = height
	if d.nodes {
		d.seen[side][id] = struct{}{}
		d.opened[side] = append(d.opened[side], id)
	}
	return n, nil
}
