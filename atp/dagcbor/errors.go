package dagcbor

import "errors"

// Sentinel errors. Decoders wrap them with the offset and detail of the
// fault; test with errors.Is.
var (
	// ErrMalformed reports bytes that are not well-formed CBOR, including
	// truncated input and invalid UTF-8 in text.
	ErrMalformed = errors.New("dagcbor: malformed CBOR")
	// ErrNotCanonical reports well-formed CBOR that is not in canonical
	// DAG-CBOR form: a head longer than needed, an indefinite length, or
	// map keys that are unsorted or repeated.
	ErrNotCanonical = errors.New("dagcbor: not canonical DAG-CBOR")
	// ErrUnsupported reports CBOR items outside the atproto data model:
	// floats, tags other than 42, simple values other than false, true and
	// null, and map keys that are not text.
	ErrUnsupported = errors.New("dagcbor: not in the atproto data model")
	// ErrLimit reports input that exceeds a size, length or depth limit.
	ErrLimit = errors.New("dagcbor: limit exceeded")
	// ErrTrailingBytes reports bytes after the single top-level value.
	ErrTrailingBytes = errors.New("dagcbor: trailing bytes after value")
	// ErrWrongType reports a value of another type than the one the
	// caller asked for.
	ErrWrongType = errors.New("dagcbor: unexpected type")
)
