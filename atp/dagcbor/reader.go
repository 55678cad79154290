package dagcbor

import (
	"fmt"
	"unicode/utf8"

	"github.com/ipfs/go-cid"
)

// Default limits, from the atproto data-validation guidance.
const (
	// DefaultMaxDepth bounds the nesting of arrays and maps.
	DefaultMaxDepth = 32
	// DefaultMaxContainerLen bounds the items of one array or map.
	DefaultMaxContainerLen = 131072
	// MaxKeyLen bounds the UTF-8 length of a map key.
	MaxKeyLen = 8192
)

// Kind is the data-model type of the next value in a Reader.
type Kind uint8

// Data-model kinds, as seen by Reader.Peek.
const (
	KindInvalid Kind = iota
	KindInt
	KindBytes
	KindText
	KindArray
	KindMap
	KindLink
	KindBool
	KindNull
)

var kindNames = [...]string{"invalid", "integer", "bytes", "string", "array", "map", "link", "boolean", "null"}

// String returns the data-model name of k.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "invalid"
}

// Reader decodes canonical DAG-CBOR token by token from a byte slice. It
// rejects every non-canonical or out-of-model form it meets. Byte and text
// slices it returns alias the input.
//
// The zero Reader is not usable; build one with NewReader.
type Reader struct {
	buf []byte
	off int
	// MaxDepth bounds nesting for Skip; zero means DefaultMaxDepth.
	MaxDepth int
	// MaxContainerLen bounds array and map lengths; zero means
	// DefaultMaxContainerLen.
	MaxContainerLen int
}

// NewReader returns a Reader over b.
func NewReader(b []byte) *Reader {
	return &Reader{buf: b}
}

// Offset returns the number of bytes consumed so far.
func (r *Reader) Offset() int { return r.off }

// Len returns the number of bytes not yet consumed.
func (r *Reader) Len() int { return len(r.buf) - r.off }

// End returns ErrTrailingBytes unless all input has been consumed.
func (r *Reader) End() error {
	if r.off != len(r.buf) {
		return fmt.Errorf("%w: %d bytes at offset %d", ErrTrailingBytes, len(r.buf)-r.off, r.off)
	}
	return nil
}

func (r *Reader) errorf(base error, format string, args ...any) error {
	return fmt.Errorf("%w at offset %d: %s", base, r.off, fmt.Sprintf(format, args...))
}

// head reads one CBOR head and returns its major type, additional info and
// argument, checking that the argument is in shortest form.
func (r *Reader) head() (major, info byte, arg uint64, err error) {
	if r.off >= len(r.buf) {
		return 0, 0, 0, r.errorf(ErrMalformed, "unexpected end of input")
	}
	b := r.buf[r.off]
	major, info = b>>5, b&0x1f
	start := r.off
	r.off++
	switch {
	case info < 24:
		return major, info, uint64(info), nil
	case info <= 27:
		n := 1 << (info - 24)
		if len(r.buf)-r.off < n {
			r.off = start
			return 0, 0, 0, r.errorf(ErrMalformed, "unexpected end of input in head")
		}
		for _, c := range r.buf[r.off : r.off+n] {
			arg = arg<<8 | uint64(c)
		}
		r.off += n
		if major == majorSimple {
			// Floats (25, 26, 27) and one-byte simple values (24).
			r.off = start
			if info == 24 {
				return 0, 0, 0, r.errorf(ErrUnsupported, "simple value")
			}
			return 0, 0, 0, r.errorf(ErrUnsupported, "floating-point number")
		}
		var min uint64
		switch info {
		case 25:
			min = 0x100
		case 26:
			min = 0x10000
		case 27:
			min = 0x100000000
		default:
			min = 24
		}
		if arg < min {
			r.off = start
			return 0, 0, 0, r.errorf(ErrNotCanonical, "integer or length not in shortest form")
		}
		return major, info, arg, nil
	case info == 31:
		r.off = start
		if major == majorSimple {
			return 0, 0, 0, r.errorf(ErrMalformed, "unexpected break code")
		}
		return 0, 0, 0, r.errorf(ErrNotCanonical, "indefinite length")
	default:
		r.off = start
		return 0, 0, 0, r.errorf(ErrMalformed, "reserved additional information %d", info)
	}
}

// Peek returns the kind of the next value without consuming it.
func (r *Reader) Peek() (Kind, error) {
	if r.off >= len(r.buf) {
		return KindInvalid, r.errorf(ErrMalformed, "unexpected end of input")
	}
	b := r.buf[r.off]
	switch b >> 5 {
	case majorUint, majorNegInt:
		return KindInt, nil
	case majorBytes:
		return KindBytes, nil
	case majorText:
		return KindText, nil
	case majorArray:
		return KindArray, nil
	case majorMap:
		return KindMap, nil
	case majorTag:
		return KindLink, nil
	default:
		switch b & 0x1f {
		case simpleFalse, simpleTrue:
			return KindBool, nil
		case simpleNull:
			return KindNull, nil
		case 25, 26, 27:
			return KindInvalid, r.errorf(ErrUnsupported, "floating-point number")
		case 28, 29, 30:
			return KindInvalid, r.errorf(ErrMalformed, "reserved additional information %d", b&0x1f)
		case 31:
			return KindInvalid, r.errorf(ErrMalformed, "unexpected break code")
		default:
			return KindInvalid, r.errorf(ErrUnsupported, "simple value %d", b&0x1f)
		}
	}
}

func (r *Reader) containerLen(arg uint64, what string) (int, error) {
	limit := r.MaxContainerLen
	if limit <= 0 {
		limit = DefaultMaxContainerLen
	}
	if arg > uint64(limit) {
		return 0, r.errorf(ErrLimit, "%s of %d items exceeds %d", what, arg, limit)
	}
	return int(arg), nil
}

// MapHeader reads the head of a map and returns its number of entries.
func (r *Reader) MapHeader() (int, error) {
	start := r.off
	major, _, arg, err := r.head()
	if err != nil {
		return 0, err
	}
	if major != majorMap {
		r.off = start
		return 0, r.wrongType(major, "map")
	}
	return r.containerLen(arg, "map")
}

// ArrayHeader reads the head of an array and returns its length.
func (r *Reader) ArrayHeader() (int, error) {
	start := r.off
	major, _, arg, err := r.head()
	if err != nil {
		return 0, err
	}
	if major != majorArray {
		r.off = start
		return 0, r.wrongType(major, "array")
	}
	return r.containerLen(arg, "array")
}

func (r *Reader) wrongType(major byte, want string) error {
	return r.errorf(ErrWrongType, "want %s, found major type %d", want, major)
}

// payload reads a byte or text string head of the given major type and
// returns its contents, aliasing the input.
func (r *Reader) payload(want byte, name string) ([]byte, error) {
	start := r.off
	major, _, arg, err := r.head()
	if err != nil {
		return nil, err
	}
	if major != want {
		r.off = start
		return nil, r.wrongType(major, name)
	}
	if arg > uint64(len(r.buf)-r.off) {
		r.off = start
		return nil, r.errorf(ErrMalformed, "%s of %d bytes runs past end of input", name, arg)
	}
	b := r.buf[r.off : r.off+int(arg)]
	r.off += int(arg)
	return b, nil
}

// Bytes reads a byte string. The result aliases the input.
func (r *Reader) Bytes() ([]byte, error) {
	return r.payload(majorBytes, "bytes")
}

// TextBytes reads a text string and returns its UTF-8 bytes, aliasing the
// input. Invalid UTF-8 is rejected.
func (r *Reader) TextBytes() ([]byte, error) {
	start := r.off
	b, err := r.payload(majorText, "string")
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(b) {
		r.off = start
		return nil, r.errorf(ErrMalformed, "invalid UTF-8 in string")
	}
	return b, nil
}

// Text reads a text string.
func (r *Reader) Text() (string, error) {
	b, err := r.TextBytes()
	return string(b), err
}

// Int reads an integer that fits in int64.
func (r *Reader) Int() (int64, error) {
	start := r.off
	major, _, arg, err := r.head()
	if err != nil {
		return 0, err
	}
	switch major {
	case majorUint:
		if arg > 1<<63-1 {
			r.off = start
			return 0, r.errorf(ErrLimit, "integer overflows int64")
		}
		return int64(arg), nil
	case majorNegInt:
		if arg > 1<<63-1 {
			r.off = start
			return 0, r.errorf(ErrLimit, "integer overflows int64")
		}
		return -1 - int64(arg), nil
	default:
		r.off = start
		return 0, r.wrongType(major, "integer")
	}
}

// Bool reads true or false.
func (r *Reader) Bool() (bool, error) {
	k, err := r.Peek()
	if err != nil {
		return false, err
	}
	if k != KindBool {
		return false, r.errorf(ErrWrongType, "want boolean, found %s", k)
	}
	v := r.buf[r.off]&0x1f == simpleTrue
	r.off++
	return v, nil
}

// Null consumes a null and reports true, or reports false and consumes
// nothing when the next value is not null.
func (r *Reader) Null() bool {
	if r.off < len(r.buf) && r.buf[r.off] == majorSimple<<5|simpleNull {
		r.off++
		return true
	}
	return false
}

// Link reads a tag-42 CID link.
func (r *Reader) Link() (cid.Cid, error) {
	b, start, err := r.linkBytes()
	if err != nil {
		return cid.Undef, err
	}
	c, err := ParseCID(b)
	if err != nil {
		r.off = start
		return cid.Undef, fmt.Errorf("at offset %d: %w", start, err)
	}
	return c, nil
}

// skipLink checks a tag-42 link like Link without building a cid.Cid
// for the common blessed form, so Skip allocates nothing for it.
func (r *Reader) skipLink() error {
	b, start, err := r.linkBytes()
	if err != nil {
		return err
	}
	if len(b) == CIDLen && b[0] == 0x01 && (b[1] == CodecDagCBOR || b[1] == CodecRaw) && b[2] == 0x12 && b[3] == 0x20 {
		return nil
	}
	if _, err := ParseCID(b); err != nil {
		r.off = start
		return fmt.Errorf("at offset %d: %w", start, err)
	}
	return nil
}

// linkBytes reads a tag-42 head and its byte string, and returns the
// binary CID after the 0x00 prefix and the offset of the tag.
func (r *Reader) linkBytes() (b []byte, start int, err error) {
	start = r.off
	major, _, arg, err := r.head()
	if err != nil {
		return nil, start, err
	}
	if major != majorTag {
		r.off = start
		return nil, start, r.wrongType(major, "link")
	}
	if arg != TagCID {
		r.off = start
		return nil, start, r.errorf(ErrUnsupported, "tag %d", arg)
	}
	b, err = r.Bytes()
	if err != nil {
		r.off = start
		return nil, start, fmt.Errorf("link: %w", err)
	}
	if len(b) < 2 || b[0] != 0 {
		r.off = start
		return nil, start, r.errorf(ErrInvalidCID, "link bytes lack the 0x00 multibase prefix")
	}
	return b[1:], start, nil
}

// NullableLink reads a link or null; null yields cid.Undef.
func (r *Reader) NullableLink() (cid.Cid, error) {
	if r.Null() {
		return cid.Undef, nil
	}
	return r.Link()
}

// Skip consumes one complete value of any kind, checking every rule of
// canonical DAG-CBOR on the way: shortest heads, definite lengths, text
// map keys in strictly increasing canonical order, valid UTF-8, tag 42
// only, no floats, and the depth and length limits.
func (r *Reader) Skip() error {
	maxDepth := r.MaxDepth
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	return r.skip(maxDepth)
}

func (r *Reader) skip(depth int) error {
	k, err := r.Peek()
	if err != nil {
		return err
	}
	switch k {
	case KindInt:
		_, err = r.Int()
		return err
	case KindBytes:
		_, err = r.Bytes()
		return err
	case KindText:
		_, err = r.TextBytes()
		return err
	case KindLink:
		return r.skipLink()
	case KindBool, KindNull:
		r.off++
		return nil
	case KindArray:
		if depth == 0 {
			return r.errorf(ErrLimit, "nesting too deep")
		}
		n, err := r.ArrayHeader()
		if err != nil {
			return err
		}
		for range n {
			if err := r.skip(depth - 1); err != nil {
				return err
			}
		}
		return nil
	case KindMap:
		if depth == 0 {
			return r.errorf(ErrLimit, "nesting too deep")
		}
		n, err := r.MapHeader()
		if err != nil {
			return err
		}
		var prev []byte
		for i := range n {
			key, err := r.MapKey()
			if err != nil {
				return err
			}
			if i > 0 && !keyBytesLess(prev, key) {
				return r.errorf(ErrNotCanonical, "map key %q does not sort after %q", key, prev)
			}
			prev = key
			if err := r.skip(depth - 1); err != nil {
				return err
			}
		}
		return nil
	}
	return r.errorf(ErrMalformed, "unknown kind")
}

// MapKey reads a map key, which must be text of at most MaxKeyLen bytes.
func (r *Reader) MapKey() ([]byte, error) {
	if r.off < len(r.buf) && r.buf[r.off]>>5 != majorText {
		return nil, r.errorf(ErrUnsupported, "map key is not a string")
	}
	start := r.off
	k, err := r.TextBytes()
	if err != nil {
		return nil, err
	}
	if len(k) > MaxKeyLen {
		r.off = start
		return nil, r.errorf(ErrLimit, "map key of %d bytes exceeds %d", len(k), MaxKeyLen)
	}
	return k, nil
}

func keyBytesLess(a, b []byte) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return string(a) < string(b)
}

// Validate checks that data holds exactly one value in canonical DAG-CBOR
// within the default limits of DecodeOptions. It accepts exactly the
// inputs that Unmarshal accepts, without building values.
func Validate(data []byte) error {
	return DecodeOptions{}.Validate(data)
}
