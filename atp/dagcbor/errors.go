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
	// ErrUnsupported reports items outside the atproto data model: floats
	// (and JSON numbers with a fraction), tags other than 42, simple
	// values other than false, true and null, map keys that are not text,
	// Go values of other types than the data-model ones, and strings that
	// are not valid UTF-8.
	ErrUnsupported = errors.New("dagcbor: not in the atproto data model")
	// ErrLimit reports input that exceeds a size, length, depth or
	// integer-range limit.
	ErrLimit = errors.New("dagcbor: limit exceeded")
	// ErrTrailingBytes reports bytes after the single top-level value, in
	// CBOR or JSON.
	ErrTrailingBytes = errors.New("dagcbor: trailing bytes after value")
	// ErrWrongType reports a value of another type than the one the
	// caller asked for.
	ErrWrongType = errors.New("dagcbor: unexpected type")

	// ErrMalformedJSON reports text that is not well-formed JSON: bad
	// syntax, invalid UTF-8, an unpaired surrogate escape, or an object
	// with a repeated key.
	ErrMalformedJSON = errors.New("dagcbor: malformed JSON")
	// ErrInvalidLink reports a JSON object with a "$link" key that is not
	// exactly {"$link": "<cid>"}, or a map that would be read back as one.
	ErrInvalidLink = errors.New("dagcbor: invalid $link object")
	// ErrInvalidBytes reports a JSON object with a "$bytes" key that is
	// not exactly {"$bytes": "<base64>"}, or a map that would be read
	// back as one.
	ErrInvalidBytes = errors.New("dagcbor: invalid $bytes object")
	// ErrInvalidType reports a "$type" field that is not a non-empty
	// string.
	ErrInvalidType = errors.New("dagcbor: $type is not a non-empty string")
	// ErrInvalidBlob reports an object with "$type": "blob" that is not a
	// well-formed blob, or a Blob that cannot be written.
	ErrInvalidBlob = errors.New("dagcbor: malformed blob")
)
