package car

import (
	"bytes"
	"crypto/sha256"
	"fmt"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// Multihash code of sha2-256, the only hash function verified.
const sha2_256 = 0x12

// AppendBlock appends one section to dst: the varint length of the CID and
// data, the binary CID, and data. c must be defined. With enough capacity
// in dst it does not allocate.
func AppendBlock(dst []byte, c cid.Cid, data []byte) []byte {
	key := c.KeyString()
	dst = appendUvarint(dst, uint64(len(key)+len(data)))
	dst = append(dst, key...)
	return append(dst, data...)
}

// BlockLen returns the number of bytes AppendBlock appends for c and a
// block of dataLen bytes.
func BlockLen(c cid.Cid, dataLen int) int {
	n := len(c.KeyString()) + dataLen
	return uvarintLen(uint64(n)) + n
}

// cidLayout locates the parts of a binary CIDv1 at the start of a section.
type cidLayout struct {
	len       int    // bytes of the whole CID
	hashCode  uint64 // multihash function code
	digestOff int    // offset of the digest
}

// splitCID finds the binary CIDv1 at the start of sec and parses it. The
// rest of sec is the block data.
func splitCID(sec []byte) (cid.Cid, cidLayout, error) {
	var l cidLayout
	if len(sec) >= dagcbor.CIDLen && sec[0] == 0x01 && sec[1] < 0x80 && sec[2] == sha2_256 && sec[3] == sha256.Size {
		// The common case: a CIDv1 with a one-byte codec and a sha2-256
		// digest, whose layout is fixed.
		l = cidLayout{len: dagcbor.CIDLen, hashCode: sha2_256, digestOff: dagcbor.CIDLen - sha256.Size}
	} else if err := scanCID(sec, &l); err != nil {
		return cid.Undef, l, err
	}
	c, err := dagcbor.ParseCID(sec[:l.len])
	if err != nil {
		return cid.Undef, l, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	return c, l, nil
}

// scanCID finds the layout of any binary CIDv1 at the start of sec.
func scanCID(sec []byte, l *cidLayout) error {
	off := 0
	var fields [4]uint64 // version, codec, hash code, digest length
	for i := range fields {
		v, n, err := uvarint(sec[off:])
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("%w: section ends inside its CID", ErrMalformed)
		}
		fields[i] = v
		off += n
		if i == 0 && v != 1 {
			return fmt.Errorf("%w: CID version %d, want 1", ErrMalformed, v)
		}
	}
	if fields[3] > uint64(len(sec)-off) {
		return fmt.Errorf("%w: section ends inside its CID digest", ErrMalformed)
	}
	l.len = off + int(fields[3])
	l.hashCode = fields[2]
	l.digestOff = off
	return nil
}

// verify checks data against the sha2-256 digest in the CID bytes cb.
func verify(cb []byte, l cidLayout, data []byte) error {
	digest := cb[l.digestOff:l.len]
	if l.hashCode != sha2_256 || len(digest) != sha256.Size {
		return fmt.Errorf("%w: multihash code 0x%x with a %d-byte digest", ErrUnsupportedHash, l.hashCode, len(digest))
	}
	sum := sha256.Sum256(data)
	if !bytes.Equal(sum[:], digest) {
		return ErrHashMismatch
	}
	return nil
}
