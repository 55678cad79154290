package mst

import (
	"fmt"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// encoder holds the scratch space for encoding and decoding nodes, so that
// a Tree reuses it across operations.
type encoder struct {
	buf  []byte // encoded node
	kb   []byte // one key suffix, as bytes
	keys []byte // decoded full keys, back to back
	ends []int  // end offset of each decoded key in keys
	prev []byte // previous decoded key
}

// appendNode appends the canonical DAG-CBOR encoding of n to dst. The CIDs
// of n's loaded children must be known.
func (enc *encoder) appendNode(dst []byte, n *node) []byte {
	dst = dagcbor.AppendMapHeader(dst, 2)
	dst = dagcbor.AppendText(dst, "e")
	dst = dagcbor.AppendArrayHeader(dst, len(n.entries))
	prev := ""
	for i := range n.entries {
		e := &n.entries[i]
		p := CommonPrefixLen(prev, e.key)
		enc.kb = append(enc.kb[:0], e.key[p:]...)
		dst = dagcbor.AppendMapHeader(dst, 4)
		dst = dagcbor.AppendText(dst, "k")
		dst = dagcbor.AppendBytes(dst, enc.kb)
		dst = dagcbor.AppendText(dst, "p")
		dst = dagcbor.AppendInt(dst, int64(p))
		dst = dagcbor.AppendText(dst, "t")
		dst = dagcbor.AppendNullableLink(dst, e.right.id())
		dst = dagcbor.AppendText(dst, "v")
		dst = dagcbor.AppendLink(dst, e.val)
		prev = e.key
	}
	dst = dagcbor.AppendText(dst, "l")
	return dagcbor.AppendNullableLink(dst, n.left.id())
}

// decodeNode parses one node block. It accepts exactly the canonical
// encoding appendNode produces: map keys "e", "l" and "k", "p", "t", "v"
// and no others, maximal prefix compression, strictly increasing
// non-empty keys, and DAG-CBOR sha2-256 CIDv1 links to subtrees. Keys of
// the returned node share one string allocation. Its height, CID and
// stored flag are left for the caller to set.
func (enc *encoder) decodeNode(data []byte) (*node, error) {
	n := &node{}
	if err := enc.decodeInto(n, data, true); err != nil {
		return nil, err
	}
	return n, nil
}

// decodeInto is decodeNode into n, reusing the room of n's entries. With
// keys false the entries' keys are checked but left empty, which saves
// building them for a walk that only follows links.
func (enc *encoder) decodeInto(n *node, data []byte, keys bool) error {
	entries := n.entries[:0]
	*n = node{}
	r := dagcbor.NewReader(data)
	if err := expectMap(r, 2); err != nil {
		return err
	}
	if err := expectKey(r, 'e'); err != nil {
		return err
	}
	count, err := r.ArrayHeader()
	if err != nil {
		return malformed("entries", err)
	}
	if count > 0 {
		if cap(entries) >= count {
			n.entries = entries[:count]
			clear(n.entries)
		} else {
			n.entries = make([]entry, count)
		}
	}
	enc.keys = enc.keys[:0]
	enc.ends = enc.ends[:0]
	enc.prev = enc.prev[:0]
	for i := range count {
		e := &n.entries[i]
		if err := expectMap(r, 4); err != nil {
			return err
		}
		if err := expectKey(r, 'k'); err != nil {
			return err
		}
		suffix, err := r.Bytes()
		if err != nil {
			return malformed("entry key", err)
		}
		if err := expectKey(r, 'p'); err != nil {
			return err
		}
		p, err := r.Int()
		if err != nil {
			return malformed("entry prefix length", err)
		}
		if err := expectKey(r, 't'); err != nil {
			return err
		}
		e.right.cid, err = nodeLink(r)
		if err != nil {
			return err
		}
		if err := expectKey(r, 'v'); err != nil {
			return err
		}
		e.val, err = r.Link()
		if err != nil {
			return malformed("entry value", err)
		}
		// The key must sort after the previous one and share exactly p
		// bytes with it: the first differing byte must be greater, or the
		// previous key must be a proper prefix.
		prev := enc.prev
		switch {
		case p < 0 || p > int64(len(prev)):
			return fmt.Errorf("%w: entry %d: prefix length %d out of range 0..%d", ErrMalformedNode, i, p, len(prev))
		case len(suffix) == 0:
			return fmt.Errorf("%w: entry %d: empty key suffix", ErrMalformedNode, i)
		case int(p) < len(prev) && suffix[0] == prev[p]:
			return fmt.Errorf("%w: entry %d: prefix length %d is not maximal", ErrMalformedNode, i, p)
		case int(p) < len(prev) && suffix[0] < prev[p]:
			return fmt.Errorf("%w: entry %d: key does not sort after the previous key", ErrMalformedNode, i)
		}
		enc.prev = append(enc.prev[:p], suffix...)
		enc.keys = append(enc.keys, enc.prev...)
		enc.ends = append(enc.ends, len(enc.keys))
	}
	if err := expectKey(r, 'l'); err != nil {
		return err
	}
	n.left.cid, err = nodeLink(r)
	if err != nil {
		return err
	}
	if err := r.End(); err != nil {
		return malformed("node", err)
	}
	if count > 0 && keys {
		all := string(enc.keys)
		start := 0
		for i, end := range enc.ends {
			n.entries[i].key = all[start:end]
			start = end
		}
	}
	return nil
}

// nodeLink reads a nullable link to a subtree, which must be a blessed
// DAG-CBOR CID.
func nodeLink(r *dagcbor.Reader) (cid.Cid, error) {
	c, err := r.NullableLink()
	if err != nil {
		return cid.Undef, malformed("subtree link", err)
	}
	if c.Defined() && !dagcbor.IsBlessed(c, dagcbor.CodecDagCBOR) {
		return cid.Undef, fmt.Errorf("%w: subtree link %s is not a DAG-CBOR sha2-256 CIDv1", ErrMalformedNode, c)
	}
	return c, nil
}

func expectMap(r *dagcbor.Reader, want int) error {
	n, err := r.MapHeader()
	if err != nil {
		return malformed("map", err)
	}
	if n != want {
		return fmt.Errorf("%w: map of %d fields, want %d", ErrMalformedNode, n, want)
	}
	return nil
}

func expectKey(r *dagcbor.Reader, want byte) error {
	k, err := r.MapKey()
	if err != nil {
		return malformed("field name", err)
	}
	if len(k) != 1 || k[0] != want {
		return fmt.Errorf("%w: field %q, want %q", ErrMalformedNode, k, string(want))
	}
	return nil
}

func malformed(what string, err error) error {
	return fmt.Errorf("%w: %s: %w", ErrMalformedNode, what, err)
}
