package dagcbor

import (
	"fmt"
	"math"
	"slices"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
)

// Marshal returns the canonical DAG-CBOR encoding of the data-model value
// v, in a slice of exactly its length. See AppendValue.
func Marshal(v any) ([]byte, error) {
	n, ok := encodedSize(v, DefaultMaxDepth)
	if !ok {
		return AppendValue(nil, v) // reports the error
	}
	return AppendValue(make([]byte, 0, n), v)
}

// headLen returns the length of a CBOR head with argument n.
func headLen(n uint64) int {
	switch {
	case n < 24:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	case n <= 0xffffffff:
		return 5
	default:
		return 9
	}
}

func intLen(v int64) int {
	if v < 0 {
		return headLen(uint64(-1 - v))
	}
	return headLen(uint64(v))
}

// encodedSize returns the length AppendValue will write for v, or false
// when v cannot be encoded; it checks only what it needs to measure.
func encodedSize(v any, depth int) (int, bool) {
	switch v := v.(type) {
	case nil, bool:
		return 1, true
	case int64:
		return intLen(v), true
	case string:
		return headLen(uint64(len(v))) + len(v), true
	case map[string]any:
		if depth == 0 {
			return 0, false
		}
		n := headLen(uint64(len(v)))
		for k, item := range v {
			m, ok := encodedSize(item, depth-1)
			if !ok {
				return 0, false
			}
			n += headLen(uint64(len(k))) + len(k) + m
		}
		return n, true
	case []any:
		if depth == 0 {
			return 0, false
		}
		n := headLen(uint64(len(v)))
		for _, item := range v {
			m, ok := encodedSize(item, depth-1)
			if !ok {
				return 0, false
			}
			n += m
		}
		return n, true
	case []byte:
		return headLen(uint64(len(v))) + len(v), true
	case cid.Cid:
		l := len(v.KeyString()) + 1
		return 2 + headLen(uint64(l)) + l, true
	}
	return 0, false
}

// AppendValue appends the canonical DAG-CBOR encoding of v to dst.
//
// v is built from nil, bool, int64 (and the other Go integer types when
// the value fits in int64), string, []byte, cid.Cid, Blob, []any and
// map[string]any. Map keys are written in canonical order. Whatever
// AppendValue writes, Unmarshal reads back with the default limits: it
// refuses strings and keys that are not valid UTF-8, keys longer than
// MaxKeyLen, undefined CIDs, Blobs that are not well-formed (legacy
// blobs are never written), nesting deeper than DefaultMaxDepth and
// containers longer than DefaultMaxContainerLen.
//
// On error dst is returned unchanged in length.
func AppendValue(dst []byte, v any) ([]byte, error) {
	n := len(dst)
	out, err := appendValue(dst, v, DefaultMaxDepth)
	if err != nil {
		return dst[:n], fmt.Errorf("cannot encode DAG-CBOR: %w", err)
	}
	return out, nil
}

func appendValue(dst []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return AppendNull(dst), nil
	case bool:
		return AppendBool(dst, v), nil
	case int64:
		return AppendInt(dst, v), nil
	case string:
		if err := checkString(v); err != nil {
			return dst, err
		}
		return AppendText(dst, v), nil
	case map[string]any:
		return appendMap(dst, v, depth)
	case []any:
		if depth == 0 {
			return dst, fmt.Errorf("%w: nesting deeper than %d", ErrLimit, DefaultMaxDepth)
		}
		if len(v) > DefaultMaxContainerLen {
			return dst, fmt.Errorf("%w: array of %d items exceeds %d", ErrLimit, len(v), DefaultMaxContainerLen)
		}
		dst = AppendArrayHeader(dst, len(v))
		var err error
		for _, item := range v {
			if dst, err = appendValue(dst, item, depth-1); err != nil {
				return dst, err
			}
		}
		return dst, nil
	case []byte:
		return AppendBytes(dst, v), nil
	case cid.Cid:
		if err := checkLink(v); err != nil {
			return dst, err
		}
		return AppendLink(dst, v), nil
	case Blob:
		if depth == 0 {
			return dst, fmt.Errorf("%w: nesting deeper than %d", ErrLimit, DefaultMaxDepth)
		}
		return v.appendCBOR(dst)
	case int:
		return AppendInt(dst, int64(v)), nil
	case int32:
		return AppendInt(dst, int64(v)), nil
	case int16:
		return AppendInt(dst, int64(v)), nil
	case int8:
		return AppendInt(dst, int64(v)), nil
	case uint:
		return appendUint(dst, uint64(v))
	case uint64:
		return appendUint(dst, v)
	case uint32:
		return AppendInt(dst, int64(v)), nil
	case uint16:
		return AppendInt(dst, int64(v)), nil
	case uint8:
		return AppendInt(dst, int64(v)), nil
	default:
		return dst, fmt.Errorf("%w: Go type %T", ErrUnsupported, v)
	}
}

func appendUint(dst []byte, v uint64) ([]byte, error) {
	if v > math.MaxInt64 {
		return dst, fmt.Errorf("%w: integer %d overflows int64", ErrLimit, v)
	}
	return AppendInt(dst, int64(v)), nil
}

// smallMap is the number of map keys sorted in a stack buffer.
const smallMap = 16

func appendMap(dst []byte, m map[string]any, depth int) ([]byte, error) {
	if depth == 0 {
		return dst, fmt.Errorf("%w: nesting deeper than %d", ErrLimit, DefaultMaxDepth)
	}
	if len(m) > DefaultMaxContainerLen {
		return dst, fmt.Errorf("%w: map of %d entries exceeds %d", ErrLimit, len(m), DefaultMaxContainerLen)
	}
	var buf [smallMap]string
	keys := sortedKeys(buf[:0], m)
	dst = AppendMapHeader(dst, len(keys))
	var err error
	for _, k := range keys {
		if err := checkKey(k); err != nil {
			return dst, err
		}
		dst = AppendText(dst, k)
		if dst, err = appendValue(dst, m[k], depth-1); err != nil {
			return dst, err
		}
	}
	return dst, nil
}

// checkLink refuses CIDs that a decoder would not read back: undefined,
// not version 1, or longer than MaxCIDBytes.
func checkLink(c cid.Cid) error {
	switch {
	case !c.Defined():
		return fmt.Errorf("%w: undefined CID", ErrInvalidCID)
	case c.Version() != 1:
		return fmt.Errorf("%w: CID version %d", ErrInvalidCID, c.Version())
	case c.ByteLen() > MaxCIDBytes:
		return fmt.Errorf("%w: %d bytes", ErrInvalidCID, c.ByteLen())
	}
	return nil
}

func checkString(s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: string is not valid UTF-8", ErrUnsupported)
	}
	return nil
}

func checkKey(k string) error {
	if len(k) > MaxKeyLen {
		return fmt.Errorf("%w: map key of %d bytes exceeds %d", ErrLimit, len(k), MaxKeyLen)
	}
	if !utf8.ValidString(k) {
		return fmt.Errorf("%w: map key is not valid UTF-8", ErrUnsupported)
	}
	return nil
}

// sortedKeys appends the keys of m to keys in canonical order (KeyLess).
func sortedKeys(keys []string, m map[string]any) []string {
	for k := range m {
		keys = append(keys, k)
	}
	sortKeys(keys)
	return keys
}

// sortKeys sorts map keys in canonical order: insertion sort for the
// short key lists of typical records, pdqsort beyond.
func sortKeys(keys []string) {
	if len(keys) > smallMap {
		slices.SortFunc(keys, compareKeys)
		return
	}
	for i := 1; i < len(keys); i++ {
		k := keys[i]
		j := i
		for ; j > 0 && KeyLess(k, keys[j-1]); j-- {
			keys[j] = keys[j-1]
		}
		keys[j] = k
	}
}

func compareKeys(a, b string) int {
	switch {
	case len(a) != len(b):
		return len(a) - len(b)
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
