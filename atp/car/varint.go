package car

import (
	"encoding/binary"
	"fmt"
)

// maxVarintLen is the longest varint a CAR may hold: the multiformats
// unsigned-varint caps values at 63 bits, so at 9 bytes.
const maxVarintLen = 9

// appendUvarint appends v as an unsigned LEB128 varint.
func appendUvarint(dst []byte, v uint64) []byte {
	return binary.AppendUvarint(dst, v)
}

// uvarintLen returns the encoded length of v.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// uvarint decodes the multiformats unsigned varint at the start of b and
// returns its value and length. It returns n == 0 and no error when b ends
// before the varint does, so more input may complete it. It rejects, with
// ErrMalformed, a varint longer than maxVarintLen and one that is not in
// its shortest form (a final byte of zero after the first).
func uvarint(b []byte) (v uint64, n int, err error) {
	var shift uint
	for i, c := range b {
		if i == maxVarintLen {
			return 0, 0, fmt.Errorf("%w: varint longer than %d bytes", ErrMalformed, maxVarintLen)
		}
		if c < 0x80 {
			if c == 0 && i > 0 {
				return 0, 0, fmt.Errorf("%w: varint not in shortest form", ErrMalformed)
			}
			return v | uint64(c)<<shift, i + 1, nil
		}
		v |= uint64(c&0x7f) << shift
		shift += 7
	}
	if len(b) >= maxVarintLen {
		return 0, 0, fmt.Errorf("%w: varint longer than %d bytes", ErrMalformed, maxVarintLen)
	}
	return 0, 0, nil
}
