package lexicon

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// maxPathDepth bounds how deep validation descends into data, well above
// the nesting the data model allows (dagcbor.DefaultMaxDepth).
const maxPathDepth = 64

// ValidateRecord checks rec, a record of the collection (record type)
// collection, against its schema. rec holds data-model values as
// dagcbor.Unmarshal or dagcbor.FromJSON return them (dagcbor.Blob values
// are also accepted for blobs, and int for integers). Its "$type" must be
// collection; properties the schema does not declare are ignored.
//
// A mismatch is reported as an *Error (wrapping ErrInvalid) for the first
// fault found, properties being checked in the order the schema declares
// them. An unknown collection gives an error wrapping ErrNotFound.
//
// ValidateRecord checks the lexicon only: the data-model rules (no floats,
// well-formed links and blobs, blob refs with the raw codec) are the
// decoder's, and a blob's constraints are checked against the size and
// MIME type the reference claims.
func (c *Catalog) ValidateRecord(collection string, rec map[string]any) error {
	r, ok := c.records[collection]
	if !ok {
		return fmt.Errorf("%w: record type %s", ErrNotFound, collection)
	}
	v := validator{root: "Record"}
	if rec == nil {
		return v.fail(nil, nil, "must be an object")
	}
	t, ok := rec["$type"].(string)
	if !ok {
		return &Error{Path: "Record/$type", Reason: "must be a string"}
	}
	if t != collection {
		return &Error{Reason: "Invalid $type: must be " + collection + ", got " + t}
	}
	return v.object(r.Schema.Object, rec, make([]pathSeg, 0, 16))
}

// ValidateInput checks the JSON request body v of the procedure nsid
// against the method's input schema, with errors rooted at "Input". It
// returns nil when the method declares no input schema (the body is not
// described, or not JSON); an unknown method gives an error wrapping
// ErrNotFound.
func (c *Catalog) ValidateInput(nsid string, v map[string]any) error {
	m, ok := c.methods[nsid]
	if !ok {
		return fmt.Errorf("%w: method %s", ErrNotFound, nsid)
	}
	return validateBody("Input", m.Input, v)
}

// ValidateOutput checks the JSON response body v of the method nsid
// against its output schema, with errors rooted at "Output", as
// ValidateInput does.
func (c *Catalog) ValidateOutput(nsid string, v map[string]any) error {
	m, ok := c.methods[nsid]
	if !ok {
		return fmt.Errorf("%w: method %s", ErrNotFound, nsid)
	}
	return validateBody("Output", m.Output, v)
}

func validateBody(root string, b *Body, d map[string]any) error {
	if b == nil || b.Schema == nil {
		return nil
	}
	v := validator{root: root}
	if d == nil {
		return v.fail(nil, nil, "must be an object")
	}
	return v.check(b.Schema, d, make([]pathSeg, 0, 16))
}

// Validate checks the value d against the data definition ref (see
// Schema), with errors rooted at "Object" (or "Record" for a record type,
// whose "$type" is then not checked).
func (c *Catalog) Validate(ref string, d any) error {
	s, ok := c.Schema(ref)
	if !ok {
		return fmt.Errorf("%w: definition %s", ErrNotFound, ref)
	}
	v := validator{root: "Object"}
	if _, ok := c.records[strings.TrimSuffix(ref, "#main")]; ok {
		v.root = "Record"
	}
	return v.check(s, d, make([]pathSeg, 0, 16))
}

// validator checks one value against a schema. Paths are passed down as
// slices that share one backing array: a callee appends its step, which
// overwrites the sibling's, and a path is copied into a string only when
// an error is reported.
type validator struct {
	root  string // "Record", "Input", ... or a parameter name
	param bool   // errors are about the query parameter named by root
}

// fail returns the *Error for the value at path.
func (v *validator) fail(path []pathSeg, cause error, reason string) error {
	return &Error{Path: formatPath(v.root, path), Reason: reason, Param: v.param, cause: cause}
}

func (v *validator) check(s *Schema, d any, path []pathSeg) error {
	if len(path) > maxPathDepth {
		return v.fail(path, nil, "is nested too deeply")
	}
	switch s.Type {
	case TypeBoolean:
		return v.boolean(s.Boolean, d, path)
	case TypeInteger:
		return v.integer(s.Integer, d, path)
	case TypeString:
		return v.string(s.String, d, path)
	case TypeBytes:
		b, ok := d.([]byte)
		if !ok {
			return v.fail(path, nil, "must be a byte array")
		}
		return v.size(s.Bytes.MinLength, s.Bytes.MaxLength, len(b), path)
	case TypeCIDLink:
		if c, ok := d.(cid.Cid); !ok || !c.Defined() {
			return v.fail(path, nil, "must be a CID")
		}
		return nil
	case TypeBlob:
		return v.blob(s.Blob, d, path)
	case TypeArray:
		return v.array(s.Array, d, path)
	case TypeObject:
		return v.object(s.Object, d, path)
	case TypeRef:
		if s.Ref.def == nil {
			return v.fail(path, ErrNotFound, "refers to a missing definition: "+s.Ref.Target)
		}
		return v.check(s.Ref.def, d, path)
	case TypeUnion:
		return v.union(s.Union, d, path)
	case TypeUnknown:
		// Any object, but not a blob; links and bytes are not objects in
		// the data model.
		if m, ok := d.(map[string]any); !ok || m["$type"] == "blob" {
			return v.fail(path, nil, "must be an object")
		}
		return nil
	}
	return v.fail(path, nil, "has a schema of type "+s.Type.String()+", which describes no data")
}

func (v *validator) boolean(s *Boolean, d any, path []pathSeg) error {
	b, ok := d.(bool)
	if !ok {
		return v.fail(path, nil, "must be a boolean")
	}
	if s.Const != nil && b != *s.Const {
		return v.fail(path, nil, "must be "+strconv.FormatBool(*s.Const))
	}
	return nil
}

func (v *validator) integer(s *Integer, d any, path []pathSeg) error {
	var n int64
	switch x := d.(type) {
	case int64:
		n = x
	case int:
		n = int64(x)
	default:
		return v.fail(path, nil, "must be an integer")
	}
	if s.Const != nil && n != *s.Const {
		return v.fail(path, nil, "must be "+strconv.FormatInt(*s.Const, 10))
	}
	if len(s.Enum) > 0 && !slices.Contains(s.Enum, n) {
		return v.fail(path, nil, "must be one of ("+joinInts(s.Enum)+")")
	}
	if s.Maximum != nil && n > *s.Maximum {
		return v.fail(path, nil, "can not be greater than "+strconv.FormatInt(*s.Maximum, 10))
	}
	if s.Minimum != nil && n < *s.Minimum {
		return v.fail(path, nil, "can not be less than "+strconv.FormatInt(*s.Minimum, 10))
	}
	return nil
}

// size checks a length in bytes against optional bounds.
func (v *validator) size(minLen, maxLen *int, n int, path []pathSeg) error {
	if maxLen != nil && n > *maxLen {
		return v.fail(path, nil, "must not be larger than "+strconv.Itoa(*maxLen)+" bytes")
	}
	if minLen != nil && n < *minLen {
		return v.fail(path, nil, "must not be smaller than "+strconv.Itoa(*minLen)+" bytes")
	}
	return nil
}

func (v *validator) blob(s *Blob, d any, path []pathSeg) error {
	mime, size, ok := blobParts(d)
	if !ok {
		return v.fail(path, nil, "should be a blob ref")
	}
	if len(s.Accept) > 0 && !acceptable(s.Accept, mime) {
		return v.fail(append(path, pathSeg{key: "mimeType", index: -1}), nil,
			"must match one of ("+strings.Join(s.Accept, "|")+"), not "+strconv.Quote(mime))
	}
	if s.MaxSize != nil && size > *s.MaxSize {
		return v.fail(path, nil, "must not be larger than "+strconv.FormatInt(*s.MaxSize, 10)+" bytes")
	}
	return nil
}

// blobParts returns the MIME type and size of a blob reference: a
// dagcbor.Blob, or a map of exactly "$type": "blob", "ref" (a link),
// "mimeType" (a non-empty string) and "size" (an integer, at least 0).
// The legacy form, which has no size, is not a blob here.
func blobParts(d any) (mime string, size int64, ok bool) {
	switch b := d.(type) {
	case dagcbor.Blob:
		return b.MimeType, b.Size, b.Ref.Defined() && b.MimeType != "" && b.Size >= 0
	case map[string]any:
		if len(b) != 4 || b["$type"] != "blob" {
			return "", 0, false
		}
		ref, ok1 := b["ref"].(cid.Cid)
		mime, ok2 := b["mimeType"].(string)
		size, ok3 := b["size"].(int64)
		return mime, size, ok1 && ok2 && ok3 && ref.Defined() && mime != "" && size >= 0
	}
	return "", 0, false
}

// acceptable reports whether mime matches one of the patterns, case
// sensitively.
func acceptable(patterns []string, mime string) bool {
	for _, p := range patterns {
		if mimeMatch(p, mime, false) {
			return true
		}
	}
	return false
}

func (v *validator) array(s *Array, d any, path []pathSeg) error {
	arr, ok := d.([]any)
	if !ok {
		return v.fail(path, nil, "must be an array")
	}
	if s.MaxLength != nil && len(arr) > *s.MaxLength {
		return v.fail(path, nil, "must not have more than "+strconv.Itoa(*s.MaxLength)+" elements")
	}
	if s.MinLength != nil && len(arr) < *s.MinLength {
		return v.fail(path, nil, "must not have fewer than "+strconv.Itoa(*s.MinLength)+" elements")
	}
	for i, item := range arr {
		if err := v.check(s.Items, item, append(path, pathSeg{index: i})); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) object(s *Object, d any, path []pathSeg) error {
	m, ok := d.(map[string]any)
	if !ok {
		return v.fail(path, nil, "must be an object")
	}
	for i := range s.Properties {
		p := &s.Properties[i]
		val, present := m[p.Name]
		if !present {
			if p.Required {
				return v.fail(path, nil, `must have the property "`+p.Name+`"`)
			}
			continue
		}
		if val == nil && p.Nullable {
			continue
		}
		if err := v.check(p.Schema, val, append(path, pathSeg{key: p.Name, index: -1})); err != nil {
			return err
		}
	}
	return nil
}

func (v *validator) union(s *Union, d any, path []pathSeg) error {
	m, ok := d.(map[string]any)
	typ, ok2 := m["$type"].(string)
	if !ok || !ok2 {
		return v.fail(path, nil, `must be an object which includes the "$type" property`)
	}
	for i, ref := range s.Refs {
		if !typeMatches(ref, typ) {
			continue
		}
		if s.defs == nil || s.defs[i] == nil {
			return v.fail(path, ErrNotFound, "refers to a missing definition: "+ref)
		}
		return v.check(s.defs[i], d, path)
	}
	if s.Closed {
		return v.fail(path, nil, "$type must be one of "+strings.Join(s.Refs, ", "))
	}
	return nil
}

// typeMatches reports whether the "$type" typ names the full name ref,
// which leaves out "#main"; typ may spell it out.
func typeMatches(ref, typ string) bool {
	return typ == ref || len(typ) == len(ref)+5 && strings.HasSuffix(typ, "#main") && typ[:len(ref)] == ref
}

func joinInts(list []int64) string {
	var b strings.Builder
	for i, n := range list {
		if i > 0 {
			b.WriteByte('|')
		}
		b.WriteString(strconv.FormatInt(n, 10))
	}
	return b.String()
}
