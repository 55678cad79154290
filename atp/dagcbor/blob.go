package dagcbor

import (
	"fmt"

	"github.com/ipfs/go-cid"
)

// Blob is a reference to a blob from a record: the CID of its bytes (raw
// codec), its MIME type and its size in bytes.
//
// In the data model a blob is the map
//
//	{"$type": "blob", "ref": <link, raw codec>, "mimeType": <non-empty string>, "size": <integer > 0>}
//
// with exactly those four keys. Old records may instead hold the legacy
// map {"cid": "<cid string>", "mimeType": "<string>"}; AsBlob reads it
// with Size -1, and nothing in this package writes it.
type Blob struct {
	Ref      cid.Cid
	MimeType string
	Size     int64
}

// blobType is the $type of a blob map.
const blobType = "blob"

// IsLegacy reports whether b was read from the legacy blob form, which
// records no size.
func (b Blob) IsLegacy() bool { return b.Size < 0 }

// Validate reports, wrapping ErrInvalidBlob, why b cannot be written: a ref
// that is not a defined CIDv1 with the raw codec, an empty MIME type, or
// a size that is not positive (as for legacy blobs).
func (b Blob) Validate() error {
	if err := checkLink(b.Ref); err != nil {
		return fmt.Errorf("%w: ref: %w", ErrInvalidBlob, err)
	}
	if b.Ref.Type() != CodecRaw {
		return fmt.Errorf("%w: ref is not a CIDv1 with the raw codec", ErrInvalidBlob)
	}
	if b.MimeType == "" {
		return fmt.Errorf("%w: empty mimeType", ErrInvalidBlob)
	}
	if b.Size <= 0 {
		return fmt.Errorf("%w: size %d is not positive", ErrInvalidBlob, b.Size)
	}
	return nil
}

// Value returns b as a data-model map, the form Unmarshal and FromJSON
// produce for a blob.
func (b Blob) Value() map[string]any {
	return map[string]any{
		"$type":    blobType,
		"ref":      b.Ref,
		"mimeType": b.MimeType,
		"size":     b.Size,
	}
}

// appendCBOR appends the canonical encoding of the blob map: keys in the
// order ref, size, $type, mimeType.
func (b Blob) appendCBOR(dst []byte) ([]byte, error) {
	if err := b.Validate(); err != nil {
		return dst, err
	}
	if err := checkString(b.MimeType); err != nil {
		return dst, err
	}
	dst = AppendMapHeader(dst, 4)
	dst = AppendText(dst, "ref")
	dst = AppendLink(dst, b.Ref)
	dst = AppendText(dst, "size")
	dst = AppendInt(dst, b.Size)
	dst = AppendText(dst, "$type")
	dst = AppendText(dst, blobType)
	dst = AppendText(dst, "mimeType")
	dst = AppendText(dst, b.MimeType)
	return dst, nil
}

// AsBlob recognises a blob: a Blob, a well-formed blob map, or a legacy
// blob map (exactly "cid", a CID string, and "mimeType", a string), which
// yields Size -1. Any other value reports false.
func AsBlob(v any) (Blob, bool) {
	switch v := v.(type) {
	case Blob:
		return v, true
	case map[string]any:
		return blobFromMap(v)
	}
	return Blob{}, false
}

func blobFromMap(m map[string]any) (Blob, bool) {
	switch len(m) {
	case 4:
		if t, _ := m["$type"].(string); t != blobType {
			return Blob{}, false
		}
		ref, _ := m["ref"].(cid.Cid)
		mime, _ := m["mimeType"].(string)
		size, _ := m["size"].(int64)
		b := Blob{Ref: ref, MimeType: mime, Size: size}
		if b.Validate() != nil {
			return Blob{}, false
		}
		return b, true
	case 2:
		s, ok := m["cid"].(string)
		if !ok {
			return Blob{}, false
		}
		mime, ok := m["mimeType"].(string)
		if !ok {
			return Blob{}, false
		}
		ref, err := ParseCIDString(s)
		if err != nil {
			return Blob{}, false
		}
		return Blob{Ref: ref, MimeType: mime, Size: -1}, true
	}
	return Blob{}, false
}

// Blobs returns every blob that v references, in the order a canonical
// encoding of v would list them (map keys in canonical order), with
// repeats kept. It does not look inside a blob, and stops at
// DefaultMaxDepth.
func Blobs(v any) []Blob {
	return appendBlobs(nil, v, DefaultMaxDepth)
}

func appendBlobs(out []Blob, v any, depth int) []Blob {
	if depth < 0 {
		return out
	}
	switch v := v.(type) {
	case Blob:
		return append(out, v)
	case []any:
		for _, item := range v {
			out = appendBlobs(out, item, depth-1)
		}
	case map[string]any:
		if b, ok := blobFromMap(v); ok {
			return append(out, b)
		}
		if !hasContainer(v) {
			return out
		}
		var buf [smallMap]string
		for _, k := range sortedKeys(buf[:0], v) {
			out = appendBlobs(out, v[k], depth-1)
		}
	}
	return out
}

// hasContainer reports whether any value of m may hold a blob.
func hasContainer(m map[string]any) bool {
	for _, v := range m {
		switch v.(type) {
		case map[string]any, []any, Blob:
			return true
		}
	}
	return false
}
