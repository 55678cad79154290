package dagcbor

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf8"
)

// FromJSON parses the atproto JSON form of one data-model value with the
// default limits. See DecodeOptions.FromJSON.
func FromJSON(data []byte) (any, error) {
	return DecodeOptions{}.FromJSON(data)
}

// FromJSONObject is FromJSON for a value that must be an object, such as
// a record, with the default limits.
func FromJSONObject(data []byte) (map[string]any, error) {
	return DecodeOptions{}.FromJSONObject(data)
}

// FromJSON parses data, the atproto JSON form of one data-model value, into
// the values Unmarshal returns:
//
//   - {"$link": "<cid>"}, with no other key, becomes a cid.Cid (a CIDv1
//     parsed by ParseCIDString);
//   - {"$bytes": "<base64>"}, with no other key, becomes a []byte
//     (standard alphabet, padding optional, zero trailing bits);
//   - numbers become int64; a number with a non-zero fraction is refused
//     (ErrUnsupported), but an integral one written as 123.0 or 1e3 is
//     accepted, and one outside int64 is refused (ErrLimit);
//   - other objects become map[string]any, whose "$type", when present,
//     must be a non-empty string (ErrInvalidType), and which must be a
//     well-formed blob when "$type" is "blob" (ErrInvalidBlob).
//
// An object with "$link" or "$bytes" and any other key, or the wrong
// value type, is refused (ErrInvalidLink, ErrInvalidBytes). Repeated keys,
// invalid UTF-8 and unpaired surrogate escapes are refused
// (ErrMalformedJSON), and so are map keys longer than MaxKeyLen and
// anything beyond the limits of o (ErrLimit). Depth counts as in CBOR:
// $link and $bytes objects are not containers.
//
// Strings without escapes and map keys share one copy of data; nothing
// in the result aliases data.
func (o DecodeOptions) FromJSON(data []byte) (any, error) {
	if err := o.checkSize(len(data)); err != nil {
		return nil, err
	}
	if !utf8.Valid(data) {
		return nil, fmt.Errorf("cannot parse JSON: %w: invalid UTF-8", ErrMalformedJSON)
	}
	d := jsonDecoder{data: data, str: string(data), maxContainer: o.maxContainerLen()}
	v, err := d.value(o.maxDepth())
	if err == nil {
		d.skipSpace()
		if d.off != len(d.data) {
			err = fmt.Errorf("%w: %d bytes at offset %d", ErrTrailingBytes, len(d.data)-d.off, d.off)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("cannot parse JSON: %w", err)
	}
	return v, nil
}

// FromJSONObject is FromJSON for a value that must be an object, such as
// a record; any other value is refused with ErrWrongType.
func (o DecodeOptions) FromJSONObject(data []byte) (map[string]any, error) {
	v, err := o.FromJSON(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("cannot parse JSON: %w: top-level value is not an object", ErrWrongType)
	}
	return m, nil
}

type jsonDecoder struct {
	data []byte
	// str is the whole input as one string; strings without escapes and
	// map keys are substrings of it.
	str          string
	off          int
	maxContainer int
	scratch      []byte
}

func (d *jsonDecoder) errorf(base error, format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", base, d.off, fmt.Sprintf(format, args...))
}

func (d *jsonDecoder) skipSpace() {
	for d.off < len(d.data) {
		switch d.data[d.off] {
		case ' ', '\t', '\n', '\r':
			d.off++
		default:
			return
		}
	}
}

// value parses one value. depth is the number of container levels still
// allowed, as in the CBOR decoder; $link and $bytes objects are not
// containers, so an object is parsed even at depth 0 and refused after
// parsing unless it is one of them.
func (d *jsonDecoder) value(depth int) (any, error) {
	d.skipSpace()
	if d.off >= len(d.data) {
		return nil, d.errorf(ErrMalformedJSON, "unexpected end of input")
	}
	switch c := d.data[d.off]; {
	case c == '{':
		return d.object(depth)
	case c == '[':
		return d.array(depth)
	case c == '"':
		return d.string()
	case c == '-' || c >= '0' && c <= '9':
		n, err := d.number()
		if err != nil {
			return nil, err
		}
		return n, nil
	case c == 't':
		return true, d.literal("true")
	case c == 'f':
		return false, d.literal("false")
	case c == 'n':
		return nil, d.literal("null")
	default:
		return nil, d.errorf(ErrMalformedJSON, "unexpected character %q", c)
	}
}

func (d *jsonDecoder) literal(word string) error {
	if !strings.HasPrefix(d.str[d.off:], word) {
		return d.errorf(ErrMalformedJSON, "invalid literal")
	}
	d.off += len(word)
	return nil
}

func (d *jsonDecoder) array(depth int) (any, error) {
	if depth <= 0 {
		return nil, d.errorf(ErrLimit, "nesting too deep")
	}
	d.off++ // '['
	out := []any{}
	d.skipSpace()
	if d.off < len(d.data) && d.data[d.off] == ']' {
		d.off++
		return out, nil
	}
	for {
		v, err := d.value(depth - 1)
		if err != nil {
			return nil, err
		}
		if len(out) == d.maxContainer {
			return nil, d.errorf(ErrLimit, "array of more than %d items", d.maxContainer)
		}
		out = append(out, v)
		d.skipSpace()
		if d.off >= len(d.data) {
			return nil, d.errorf(ErrMalformedJSON, "unexpected end of input in array")
		}
		switch d.data[d.off] {
		case ',':
			d.off++
		case ']':
			d.off++
			return out, nil
		default:
			return nil, d.errorf(ErrMalformedJSON, "want ',' or ']' in array, found %q", d.data[d.off])
		}
	}
}

func (d *jsonDecoder) object(depth int) (any, error) {
	if depth < 0 {
		return nil, d.errorf(ErrLimit, "nesting too deep")
	}
	start := d.off
	d.off++ // '{'
	out := map[string]any{}
	dollar := false
	d.skipSpace()
	if d.off < len(d.data) && d.data[d.off] == '}' {
		d.off++
	} else {
		for {
			d.skipSpace()
			if d.off >= len(d.data) || d.data[d.off] != '"' {
				return nil, d.errorf(ErrMalformedJSON, "want a string key in object")
			}
			key, err := d.string()
			if err != nil {
				return nil, err
			}
			if len(key) > MaxKeyLen {
				return nil, d.errorf(ErrLimit, "map key of %d bytes exceeds %d", len(key), MaxKeyLen)
			}
			if len(key) > 0 && key[0] == '$' {
				dollar = true
			}
			d.skipSpace()
			if d.off >= len(d.data) || d.data[d.off] != ':' {
				return nil, d.errorf(ErrMalformedJSON, "want ':' after object key")
			}
			d.off++
			v, err := d.value(depth - 1)
			if err != nil {
				return nil, err
			}
			n := len(out)
			if n == d.maxContainer {
				return nil, d.errorf(ErrLimit, "map of more than %d entries", d.maxContainer)
			}
			out[key] = v
			if len(out) == n {
				return nil, d.errorf(ErrMalformedJSON, "repeated key %q", key)
			}
			d.skipSpace()
			if d.off >= len(d.data) {
				return nil, d.errorf(ErrMalformedJSON, "unexpected end of input in object")
			}
			if d.data[d.off] == '}' {
				d.off++
				break
			}
			if d.data[d.off] != ',' {
				return nil, d.errorf(ErrMalformedJSON, "want ',' or '}' in object, found %q", d.data[d.off])
			}
			d.off++
		}
	}
	if dollar {
		v, ok, err := specialObject(out)
		if err != nil {
			return nil, fmt.Errorf("%w (object at offset %d)", err, start)
		}
		if ok {
			return v, nil
		}
	}
	if depth == 0 {
		return nil, fmt.Errorf("%w at offset %d: nesting too deep", ErrLimit, start)
	}
	return out, nil
}

// specialObject applies the rules for "$" keys to a parsed object: it
// returns the link or bytes a $link or $bytes object stands for (ok
// true), or checks "$type" and blob shape (ok false, the object stays a
// map).
func specialObject(m map[string]any) (v any, ok bool, err error) {
	if raw, has := m["$link"]; has {
		if len(m) != 1 {
			return nil, false, fmt.Errorf("%w: other keys beside $link", ErrInvalidLink)
		}
		s, isStr := raw.(string)
		if !isStr {
			return nil, false, fmt.Errorf("%w: $link is not a string", ErrInvalidLink)
		}
		c, err := ParseCIDString(s)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %w", ErrInvalidLink, err)
		}
		return c, true, nil
	}
	if raw, has := m["$bytes"]; has {
		if len(m) != 1 {
			return nil, false, fmt.Errorf("%w: other keys beside $bytes", ErrInvalidBytes)
		}
		s, isStr := raw.(string)
		if !isStr {
			return nil, false, fmt.Errorf("%w: $bytes is not a string", ErrInvalidBytes)
		}
		b, err := decodeBase64(s)
		if err != nil {
			return nil, false, fmt.Errorf("%w: %v", ErrInvalidBytes, err)
		}
		return b, true, nil
	}
	if raw, has := m["$type"]; has {
		t, isStr := raw.(string)
		if !isStr || t == "" {
			return nil, false, ErrInvalidType
		}
		if t == blobType {
			if _, isBlob := blobFromMap(m); !isBlob {
				return nil, false, fmt.Errorf("%w: want exactly $type, ref (raw-codec link), mimeType (non-empty string) and size (positive integer)", ErrInvalidBlob)
			}
		}
	}
	return nil, false, nil
}

// decodeBase64 decodes standard base64 with optional padding. Line
// breaks, which encoding/base64 would skip, are refused, and so are
// non-zero trailing bits, so each byte string has one text form.
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, fmt.Errorf("line break in base64")
	}
	enc := base64.RawStdEncoding
	if strings.HasSuffix(s, "=") {
		enc = base64.StdEncoding
	}
	b, err := enc.Strict().DecodeString(s)
	if err != nil {
		return nil, err
	}
	if b == nil {
		b = []byte{}
	}
	return b, nil
}
