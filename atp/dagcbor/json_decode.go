package dagcbor

import (
	"encoding/base64"
	"fmt"
	"math"
	"strings"
	"unicode/utf16"
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
// anything beyond the limits of o (ErrLimit).
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

// string parses a string at d.off (which holds '"').
func (d *jsonDecoder) string() (string, error) {
	start := d.off + 1
	for i := start; i < len(d.data); i++ {
		switch c := d.data[i]; {
		case c == '"':
			d.off = i + 1
			return d.str[start:i], nil
		case c == '\\':
			return d.stringEscaped(start, i)
		case c < 0x20:
			d.off = i
			return "", d.errorf(ErrMalformedJSON, "control character in string")
		}
	}
	d.off = len(d.data)
	return "", d.errorf(ErrMalformedJSON, "unterminated string")
}

// stringEscaped finishes a string from start whose first escape is at i.
func (d *jsonDecoder) stringEscaped(start, i int) (string, error) {
	buf := append(d.scratch[:0], d.data[start:i]...)
	for i < len(d.data) {
		c := d.data[i]
		switch {
		case c == '"':
			d.off = i + 1
			d.scratch = buf
			return string(buf), nil
		case c < 0x20:
			d.off = i
			return "", d.errorf(ErrMalformedJSON, "control character in string")
		case c != '\\':
			buf = append(buf, c)
			i++
			continue
		}
		// An escape.
		if i+1 >= len(d.data) {
			break
		}
		i++
		switch d.data[i] {
		case '"', '\\', '/':
			buf = append(buf, d.data[i])
			i++
		case 'b':
			buf = append(buf, '\b')
			i++
		case 'f':
			buf = append(buf, '\f')
			i++
		case 'n':
			buf = append(buf, '\n')
			i++
		case 'r':
			buf = append(buf, '\r')
			i++
		case 't':
			buf = append(buf, '\t')
			i++
		case 'u':
			r, ok := hex4(d.data[i+1:])
			if !ok {
				d.off = i - 1
				return "", d.errorf(ErrMalformedJSON, "invalid \\u escape")
			}
			i += 5
			if utf16.IsSurrogate(r) {
				var r2 rune = -1
				if i+1 < len(d.data) && d.data[i] == '\\' && d.data[i+1] == 'u' {
					r2, ok = hex4(d.data[i+2:])
					if !ok {
						r2 = -1
					}
				}
				r = utf16.DecodeRune(r, r2)
				if r == utf8.RuneError {
					d.off = i - 6
					return "", d.errorf(ErrMalformedJSON, "unpaired surrogate in \\u escape")
				}
				i += 6
			}
			buf = utf8.AppendRune(buf, r)
		default:
			d.off = i - 1
			return "", d.errorf(ErrMalformedJSON, "invalid escape %q", d.data[i])
		}
	}
	d.off = len(d.data)
	return "", d.errorf(ErrMalformedJSON, "unterminated string")
}

func hex4(b []byte) (rune, bool) {
	if len(b) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range b[:4] {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// number parses a JSON number that must have an integral value in
// int64. The value is computed exactly from the decimal digits, so
// 9007199254740993 and 1.5e1 are read without float rounding.
func (d *jsonDecoder) number() (int64, error) {
	data := d.data
	start := d.off
	i := start
	neg := data[i] == '-'
	if neg {
		i++
	}
	intStart := i
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && data[i] >= '1' && data[i] <= '9':
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
	default:
		d.off = i
		return 0, d.errorf(ErrMalformedJSON, "invalid number")
	}
	intEnd := i
	fracStart, fracEnd := i, i
	if i < len(data) && data[i] == '.' {
		i++
		fracStart = i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		fracEnd = i
		if fracStart == fracEnd {
			d.off = i
			return 0, d.errorf(ErrMalformedJSON, "invalid number: no digit after '.'")
		}
	}
	exp := 0
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		expNeg := false
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			expNeg = data[i] == '-'
			i++
		}
		expStart := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			if exp < 1<<20 { // saturate: beyond this every result is decided
				exp = exp*10 + int(data[i]-'0')
			}
			i++
		}
		if expStart == i {
			d.off = i
			return 0, d.errorf(ErrMalformedJSON, "invalid number: no digit in exponent")
		}
		if expNeg {
			exp = -exp
		}
	}
	d.off = i

	// Fast path: a plain integer of up to 18 digits.
	if fracStart == fracEnd && exp == 0 && intEnd-intStart <= 18 {
		var v int64
		for _, c := range data[intStart:intEnd] {
			v = v*10 + int64(c-'0')
		}
		if neg {
			v = -v
		}
		return v, nil
	}

	// The value is digits × 10^e, digits being the integer and fraction
	// digits without leading and trailing zeros.
	digits := d.str[intStart:intEnd] + d.str[fracStart:fracEnd]
	e := exp - (fracEnd - fracStart)
	digits = strings.TrimLeft(digits, "0")
	trimmed := strings.TrimRight(digits, "0")
	e += len(digits) - len(trimmed)
	digits = trimmed
	if digits == "" {
		return 0, nil
	}
	if e < 0 {
		d.off = start
		return 0, d.errorf(ErrUnsupported, "number %s has a fraction", clip(d.str[start:i]))
	}
	if len(digits)+e > 19 {
		d.off = start
		return 0, d.errorf(ErrLimit, "number %s overflows int64", clip(d.str[start:i]))
	}
	var u uint64
	for j := 0; j < len(digits); j++ {
		u = u*10 + uint64(digits[j]-'0')
	}
	for range e {
		if u > math.MaxUint64/10 {
			u = math.MaxUint64
			break
		}
		u *= 10
	}
	switch {
	case !neg && u <= math.MaxInt64:
		return int64(u), nil
	case neg && u <= 1<<63:
		return int64(-u), nil // -(1<<63) wraps to math.MinInt64
	}
	d.off = start
	return 0, d.errorf(ErrLimit, "number %s overflows int64", clip(d.str[start:i]))
}

// clip shortens input quoted in an error message.
func clip(s string) string {
	const max = 32
	if len(s) <= max {
		return s
	}
	return s[:max] + "..."
}
