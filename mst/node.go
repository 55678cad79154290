package mst

import "github.com/ipfs/go-cid"

// link points to a child subtree: by CID, by decoded node, or both. The
// zero link is "no subtree".
type link struct {
	// node is the decoded child, nil until loaded. When set, node.cid is
	// the authority for the link's CID and cid below may be stale.
	node *node
	// cid is the CID the link was decoded or created with.
	cid cid.Cid
}

// isEmpty reports whether l points to no subtree.
func (l *link) isEmpty() bool {
	return l.node == nil && !l.cid.Defined()
}

// id returns the CID of the linked subtree. It is cid.Undef for an empty
// link and for a node changed since its CID was last computed.
func (l *link) id() cid.Cid {
	if l.node != nil {
		return l.node.cid
	}
	return l.cid
}

// entry is one key of a node, with its full (uncompressed) key, its value
// and the subtree between it and the next entry.
type entry struct {
	key   string
	val   cid.Cid
	right link
}

// node is the in-memory form of an MST node: flat, sorted entries with
// full keys. Slot i of a node is the subtree left of entry i: the node's
// left link for i = 0, else the right link of entry i-1; slot
// len(entries) is the last entry's right link.
type node struct {
	entries []entry
	left    link
	// height is the depth of this node's keys; children are height-1.
	height int
	// cid is the CID of the node's encoding, or cid.Undef while the node
	// (or a node below it) has changed since it was last computed.
	cid cid.Cid
	// stored reports that the node belongs to the version last loaded or
	// committed. A stored node's whole subtree is stored.
	stored bool
}

// slot returns the link of slot i (0 <= i <= len(n.entries)).
func (n *node) slot(i int) *link {
	if i == 0 {
		return &n.left
	}
	return &n.entries[i-1].right
}

// isEmpty reports whether n holds no entries and no subtree.
func (n *node) isEmpty() bool {
	return len(n.entries) == 0 && n.left.isEmpty()
}

// search returns the index of the first entry whose key is >= key, and
// whether that entry's key equals key.
func (n *node) search(key string) (int, bool) {
	lo, hi := 0, len(n.entries)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if n.entries[m].key < key {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(n.entries) && n.entries[lo].key == key
}
