package car

import (
	"io"

	"github.com/ipfs/go-cid"
)

// Blocks is an in-memory block store keyed by CID, for a CAR loaded whole.
// The zero value is an empty store ready to use. It is not safe for
// concurrent writes.
type Blocks struct {
	m map[cid.Cid][]byte
}

// Get returns the data stored under c. The caller must not modify it.
func (b *Blocks) Get(c cid.Cid) ([]byte, bool) {
	data, ok := b.m[c]
	return data, ok
}

// Put stores data under c, replacing any earlier value. The store keeps
// data without copying it, so the caller must not modify it afterwards.
func (b *Blocks) Put(c cid.Cid, data []byte) {
	if b.m == nil {
		b.m = make(map[cid.Cid][]byte)
	}
	b.m[c] = data
}

// Len returns the number of distinct CIDs stored.
func (b *Blocks) Len() int {
	return len(b.m)
}

// Slab sizes for copying block data out of the Reader's buffer: small
// blocks share slabs, growing with the CAR, so loading costs few
// allocations beyond the CIDs themselves.
const (
	minSlab  = 4 << 10
	maxSlab  = 256 << 10
	ownAlloc = 16 << 10 // blocks this large get their own allocation
)

// ReadAll reads a whole CAR from r within the limits of opts and returns
// its roots and blocks. Of blocks repeated under one CID, the first is
// kept.
func ReadAll(r io.Reader, opts Options) ([]cid.Cid, *Blocks, error) {
	cr, err := NewReader(r, opts)
	if err != nil {
		return nil, nil, err
	}
	blocks := &Blocks{m: make(map[cid.Cid][]byte)}
	var slab []byte
	copied := 0
	for {
		c, data, err := cr.Next()
		if err == io.EOF {
			return cr.roots, blocks, nil
		}
		if err != nil {
			return nil, nil, err
		}
		if _, dup := blocks.m[c]; dup {
			continue
		}
		var own []byte
		switch {
		case len(data) >= ownAlloc:
			own = append([]byte(nil), data...)
		default:
			if cap(slab)-len(slab) < len(data) {
				slab = make([]byte, 0, min(max(copied, minSlab), maxSlab))
			}
			off := len(slab)
			slab = append(slab, data...)
			own = slab[off:len(slab):len(slab)]
		}
		copied += len(data)
		blocks.m[c] = own
	}
}
