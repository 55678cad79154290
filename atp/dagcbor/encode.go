package dagcbor

import (
	"github.com/ipfs/go-cid"
)

// CBOR major types.
const (
	majorUint   = 0
	majorNegInt = 1
	majorBytes  = 2
	majorText   = 3
	majorArray  = 4
	majorMap    = 5
	majorTag    = 6
	majorSimple = 7
)

// Simple values allowed by DAG-CBOR.
const (
	simpleFalse = 20
	simpleTrue  = 21
	simpleNull  = 22
)

// TagCID is the only CBOR tag DAG-CBOR allows: a CID link.
const TagCID = 42

// appendHead appends a CBOR head (major type and argument) in its
// shortest form.
func appendHead(dst []byte, major byte, n uint64) []byte {
	m := major << 5
	switch {
	case n < 24:
		return append(dst, m|byte(n))
	case n <= 0xff:
		return append(dst, m|24, byte(n))
	case n <= 0xffff:
		return append(dst, m|25, byte(n>>8), byte(n))
	case n <= 0xffffffff:
		return append(dst, m|26, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	default:
		return append(dst, m|27, byte(n>>56), byte(n>>48), byte(n>>40), byte(n>>32),
			byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
}

// AppendMapHeader appends the head of a map with n entries. The caller
// appends n key/value pairs after it, keys in canonical order (KeyLess).
func AppendMapHeader(dst []byte, n int) []byte {
	return appendHead(dst, majorMap, uint64(n))
}

// AppendArrayHeader appends the head of an array with n items.
func AppendArrayHeader(dst []byte, n int) []byte {
	return appendHead(dst, majorArray, uint64(n))
}

// AppendText appends a text string.
func AppendText(dst []byte, s string) []byte {
	dst = appendHead(dst, majorText, uint64(len(s)))
	return append(dst, s...)
}

// AppendTextBytes appends a text string given as bytes.
func AppendTextBytes(dst []byte, s []byte) []byte {
	dst = appendHead(dst, majorText, uint64(len(s)))
	return append(dst, s...)
}

// AppendBytes appends a byte string.
func AppendBytes(dst []byte, b []byte) []byte {
	dst = appendHead(dst, majorBytes, uint64(len(b)))
	return append(dst, b...)
}

// AppendInt appends a signed integer.
func AppendInt(dst []byte, v int64) []byte {
	if v >= 0 {
		return appendHead(dst, majorUint, uint64(v))
	}
	return appendHead(dst, majorNegInt, uint64(-1-v))
}

// AppendBool appends true or false.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, majorSimple<<5|simpleTrue)
	}
	return append(dst, majorSimple<<5|simpleFalse)
}

// AppendNull appends null.
func AppendNull(dst []byte) []byte {
	return append(dst, majorSimple<<5|simpleNull)
}

// AppendLink appends c as a tag-42 link: a byte string holding a zero
// byte and the binary CID.
func AppendLink(dst []byte, c cid.Cid) []byte {
	s := c.KeyString()
	dst = appendHead(dst, majorTag, TagCID)
	dst = appendHead(dst, majorBytes, uint64(len(s)+1))
	dst = append(dst, 0)
	return append(dst, s...)
}

// AppendNullableLink appends c as a link, or null when c is cid.Undef.
func AppendNullableLink(dst []byte, c cid.Cid) []byte {
	if !c.Defined() {
		return AppendNull(dst)
	}
	return AppendLink(dst, c)
}

// KeyLess reports whether map key a sorts before b in canonical order:
// shorter keys first, then bytewise.
func KeyLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}
