package dagcbor

import "fmt"

// Size limits for decoding.
const (
	// DefaultMaxSize bounds the input of a decode when
	// DecodeOptions.MaxSize is zero: the general atproto limit on any
	// CBOR object.
	DefaultMaxSize = 5 << 20
	// MaxRecordCBORSize is the atproto limit on one record in CBOR, for
	// callers that decode records.
	MaxRecordCBORSize = 1 << 20
	// MaxRecordJSONSize is the atproto limit on one record in JSON.
	MaxRecordJSONSize = 2 << 20
)

// DecodeOptions holds the limits of a decode. The zero value means the
// defaults: DefaultMaxSize, DefaultMaxDepth and DefaultMaxContainerLen.
// The same limits apply to CBOR (Unmarshal, Validate) and JSON
// (FromJSON).
type DecodeOptions struct {
	// MaxSize bounds the input length in bytes; zero means
	// DefaultMaxSize and a negative value means no bound.
	MaxSize int
	// MaxDepth bounds the nesting of arrays and maps; zero or less means
	// DefaultMaxDepth. In JSON, $link and $bytes objects do not count as
	// a level, because they are not containers in the data model.
	MaxDepth int
	// MaxContainerLen bounds the items of one array or map; zero or less
	// means DefaultMaxContainerLen.
	MaxContainerLen int
}

func (o DecodeOptions) checkSize(n int) error {
	limit := o.MaxSize
	if limit == 0 {
		limit = DefaultMaxSize
	}
	if limit > 0 && n > limit {
		return fmt.Errorf("%w: input of %d bytes exceeds %d", ErrLimit, n, limit)
	}
	return nil
}

func (o DecodeOptions) maxDepth() int {
	if o.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return o.MaxDepth
}

func (o DecodeOptions) maxContainerLen() int {
	if o.MaxContainerLen <= 0 {
		return DefaultMaxContainerLen
	}
	return o.MaxContainerLen
}

// Unmarshal decodes one canonical DAG-CBOR value with the default
// limits. See DecodeOptions.Unmarshal.
func Unmarshal(data []byte) (any, error) {
	return DecodeOptions{}.Unmarshal(data)
}

// Unmarshal decodes data, which must hold exactly one value in canonical
// DAG-CBOR, into a data-model value (nil, bool, int64, string, []byte,
// cid.Cid, []any or map[string]any). It rejects every input that Validate
// rejects, with the same sentinel, so whatever it returns Marshal encodes
// back to data.
//
// Strings and map keys of the result share one copy of data; byte
// strings are copied one by one. Nothing in the result aliases data.
func (o DecodeOptions) Unmarshal(data []byte) (any, error) {
	if err := o.checkSize(len(data)); err != nil {
		return nil, err
	}
	d := decoder{
		r:   Reader{buf: data, MaxContainerLen: o.maxContainerLen()},
		str: string(data),
	}
	v, err := d.value(o.maxDepth())
	if err != nil {
		return nil, fmt.Errorf("cannot decode DAG-CBOR: %w", err)
	}
	if err := d.r.End(); err != nil {
		return nil, fmt.Errorf("cannot decode DAG-CBOR: %w", err)
	}
	return v, nil
}

// Validate checks that data holds exactly one value in canonical
// DAG-CBOR within the limits of o. It accepts exactly what o.Unmarshal
// accepts.
func (o DecodeOptions) Validate(data []byte) error {
	if err := o.checkSize(len(data)); err != nil {
		return err
	}
	r := Reader{buf: data, MaxDepth: o.maxDepth(), MaxContainerLen: o.maxContainerLen()}
	if err := r.Skip(); err != nil {
		return err
	}
	return r.End()
}

// decoder builds data-model values from a Reader. Its checks mirror
// Reader.skip one for one, so both report the same first fault.
type decoder struct {
	r Reader
	// str is the whole input as one string; decoded strings and map
	// keys are substrings of it, which saves an allocation for each.
	str string
}

func (d *decoder) value(depth int) (any, error) {
	r := &d.r
	if r.off >= len(r.buf) {
		return nil, r.errorf(ErrMalformed, "unexpected end of input")
	}
	switch r.buf[r.off] >> 5 {
	case majorUint, majorNegInt:
		v, err := r.Int()
		if err != nil {
			return nil, err
		}
		return v, nil
	case majorBytes:
		b, err := r.Bytes()
		if err != nil {
			return nil, err
		}
		return append(make([]byte, 0, len(b)), b...), nil
	case majorText:
		b, err := r.TextBytes()
		if err != nil {
			return nil, err
		}
		return d.str[r.off-len(b) : r.off], nil
	case majorTag:
		c, err := r.Link()
		if err != nil {
			return nil, err
		}
		return c, nil
	case majorArray:
		if depth == 0 {
			return nil, r.errorf(ErrLimit, "nesting too deep")
		}
		n, err := r.ArrayHeader()
		if err != nil {
			return nil, err
		}
		return d.array(n, depth)
	case majorMap:
		if depth == 0 {
			return nil, r.errorf(ErrLimit, "nesting too deep")
		}
		n, err := r.MapHeader()
		if err != nil {
			return nil, err
		}
		return d.mapBody(n, depth)
	default:
		k, err := r.Peek()
		if err != nil {
			return nil, err
		}
		r.off++
		switch k {
		case KindBool:
			return r.buf[r.off-1]&0x1f == simpleTrue, nil
		default: // KindNull, the only other kind Peek returns for major 7
			return nil, nil
		}
	}
}

func (d *decoder) array(n, depth int) (any, error) {
	// Every item takes at least one byte: a length beyond the remaining
	// input is a truncation that the loop reports, so it must not size
	// an allocation.
	if n > d.r.Len() {
		out := make([]any, 0, d.r.Len())
		for range n {
			v, err := d.value(depth - 1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	}
	out := make([]any, n)
	for i := range out {
		v, err := d.value(depth - 1)
		if err != nil {
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func (d *decoder) mapBody(n, depth int) (any, error) {
	r := &d.r
	out := make(map[string]any, min(n, r.Len()/2))
	var prev []byte
	for i := range n {
		key, err := r.MapKey()
		if err != nil {
			return nil, err
		}
		if i > 0 && !keyBytesLess(prev, key) {
			return nil, r.errorf(ErrNotCanonical, "map key %q does not sort after %q", key, prev)
		}
		prev = key
		k := d.str[r.off-len(key) : r.off]
		v, err := d.value(depth - 1)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}
