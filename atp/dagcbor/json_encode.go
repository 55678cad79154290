package dagcbor

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
)

// ToJSON returns the atproto JSON form of the data-model value v. See
// AppendJSON.
func ToJSON(v any) ([]byte, error) {
	var dst []byte
	// The JSON form is rarely more than twice the CBOR size.
	if n, ok := encodedSize(v, DefaultMaxDepth); ok {
		dst = make([]byte, 0, 2*n)
	}
	return AppendJSON(dst, v)
}

// AppendJSON appends the atproto JSON form of v to dst: links as
// {"$link": "<base32 CID>"}, bytes as {"$bytes": "<base64, no padding>"},
// Blobs as blob objects, map keys in canonical order (as in CBOR), no
// insignificant space and no HTML escaping.
//
// It takes the same values as AppendValue, under the same limits, and
// refuses a map with a "$link" or "$bytes" key (ErrInvalidLink,
// ErrInvalidBytes), which could not be read back as a map. Other
// objects are written as they are, so a value Unmarshal accepted but
// FromJSON would refuse (a "$type" that is not a non-empty string, a
// malformed blob) is still written.
func AppendJSON(dst []byte, v any) ([]byte, error) {
	n := len(dst)
	out, err := appendJSON(dst, v, DefaultMaxDepth)
	if err != nil {
		return dst[:n], fmt.Errorf("cannot encode JSON: %w", err)
	}
	return out, nil
}

func appendJSON(dst []byte, v any, depth int) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, "null"...), nil
	case bool:
		return strconv.AppendBool(dst, v), nil
	case int64:
		return strconv.AppendInt(dst, v, 10), nil
	case string:
		return appendJSONString(dst, v)
	case map[string]any:
		return appendJSONMap(dst, v, depth)
	case []any:
		if depth == 0 {
			return dst, fmt.Errorf("%w: nesting deeper than %d", ErrLimit, DefaultMaxDepth)
		}
		if len(v) > DefaultMaxContainerLen {
			return dst, fmt.Errorf("%w: array of %d items exceeds %d", ErrLimit, len(v), DefaultMaxContainerLen)
		}
		dst = append(dst, '[')
		var err error
		for i, item := range v {
			if i > 0 {
				dst = append(dst, ',')
			}
			if dst, err = appendJSON(dst, item, depth-1); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case []byte:
		dst = append(dst, `{"$bytes":"`...)
		dst = base64.RawStdEncoding.AppendEncode(dst, v)
		return append(dst, `"}`...), nil
	case cid.Cid:
		if err := checkLink(v); err != nil {
			return dst, err
		}
		return appendJSONLink(dst, v), nil
	case Blob:
		if depth == 0 {
			return dst, fmt.Errorf("%w: nesting deeper than %d", ErrLimit, DefaultMaxDepth)
		}
		if err := v.Validate(); err != nil {
			return dst, err
		}
		dst = append(dst, `{"ref":`...)
		dst = appendJSONLink(dst, v.Ref)
		dst = append(dst, `,"size":`...)
		dst = strconv.AppendInt(dst, v.Size, 10)
		dst = append(dst, `,"$type":"blob","mimeType":`...)
		dst, err := appendJSONString(dst, v.MimeType)
		if err != nil {
			return dst, err
		}
		return append(dst, '}'), nil
	case int:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int32:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(dst, int64(v), 10), nil
	case uint:
		return appendJSONUint(dst, uint64(v))
	case uint64:
		return appendJSONUint(dst, v)
	case uint32:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	case uint8:
		return strconv.AppendUint(dst, uint64(v), 10), nil
	default:
		return dst, fmt.Errorf("%w: Go type %T", ErrUnsupported, v)
	}
}

func appendJSONUint(dst []byte, v uint64) ([]byte, error) {
	if v > 1<<63-1 {
		return dst, fmt.Errorf("%w: integer %d overflows int64", ErrLimit, v)
	}
	return strconv.AppendUint(dst, v, 10), nil
}

func appendJSONLink(dst []byte, c cid.Cid) []byte {
	dst = append(dst, `{"$link":"`...)
	dst = appendCIDString(dst, c)
	return append(dst, `"}`...)
}

// appendCIDString appends the string form of a CIDv1, as c.String()
// gives it (multibase prefix 'b', lower-case base32 without padding),
// without allocating.
func appendCIDString(dst []byte, c cid.Cid) []byte {
	const alphabet = "abcdefghijklmnopqrstuvwxyz234567"
	s := c.KeyString()
	dst = append(dst, 'b')
	var acc uint64
	bits := 0
	for i := 0; i < len(s); i++ {
		acc = acc<<8 | uint64(s[i])
		bits += 8
		for bits >= 5 {
			bits -= 5
			dst = append(dst, alphabet[(acc>>bits)&31])
		}
	}
	if bits > 0 {
		dst = append(dst, alphabet[(acc<<(5-bits))&31])
	}
	return dst
}

func appendJSONMap(dst []byte, m map[string]any, depth int) ([]byte, error) {
	if depth == 0 {
		return dst, fmt.Errorf("%w: nesting deeper than %d", ErrLimit, DefaultMaxDepth)
	}
	if len(m) > DefaultMaxContainerLen {
		return dst, fmt.Errorf("%w: map of %d entries exceeds %d", ErrLimit, len(m), DefaultMaxContainerLen)
	}
	if _, ok := m["$link"]; ok {
		return dst, fmt.Errorf("%w: a map with a $link key cannot be written as JSON", ErrInvalidLink)
	}
	if _, ok := m["$bytes"]; ok {
		return dst, fmt.Errorf("%w: a map with a $bytes key cannot be written as JSON", ErrInvalidBytes)
	}
	var buf [smallMap]string
	keys := sortedKeys(buf[:0], m)
	dst = append(dst, '{')
	var err error
	for i, k := range keys {
		if i > 0 {
			dst = append(dst, ',')
		}
		if len(k) > MaxKeyLen {
			return dst, fmt.Errorf("%w: map key of %d bytes exceeds %d", ErrLimit, len(k), MaxKeyLen)
		}
		if dst, err = appendJSONString(dst, k); err != nil {
			return dst, err
		}
		dst = append(dst, ':')
		if dst, err = appendJSON(dst, m[k], depth-1); err != nil {
			return dst, err
		}
	}
	return append(dst, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted, escaping '"', '\\' and control
// characters only.
func appendJSONString(dst []byte, s string) ([]byte, error) {
	if !utf8.ValidString(s) {
		return dst, fmt.Errorf("%w: string is not valid UTF-8", ErrUnsupported)
	}
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		dst = append(dst, s[start:i]...)
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		default:
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
		}
		start = i + 1
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"'), nil
}
