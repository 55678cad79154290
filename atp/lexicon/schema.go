package lexicon

// Type is the type of a schema definition, as named by its "type" field.
type Type uint8

// The lexicon types that describe data, plus token. The primary types
// (record, query, procedure, subscription, permission-set) are held by
// Record, Method and PermissionSet instead.
const (
	TypeInvalid Type = iota
	TypeBoolean
	TypeInteger
	TypeString
	TypeBytes
	TypeCIDLink
	TypeBlob
	TypeArray
	TypeObject
	TypeParams
	TypeToken
	TypeRef
	TypeUnion
	TypeUnknown
)

var typeNames = [...]string{
	TypeInvalid: "invalid",
	TypeBoolean: "boolean",
	TypeInteger: "integer",
	TypeString:  "string",
	TypeBytes:   "bytes",
	TypeCIDLink: "cid-link",
	TypeBlob:    "blob",
	TypeArray:   "array",
	TypeObject:  "object",
	TypeParams:  "params",
	TypeToken:   "token",
	TypeRef:     "ref",
	TypeUnion:   "union",
	TypeUnknown: "unknown",
}

// String returns the name of t as schemas write it ("cid-link").
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return "invalid"
}

// Format is the format of a string schema.
type Format uint8

// The string formats of the lexicon language.
const (
	FormatNone Format = iota
	FormatATIdentifier
	FormatATURI
	FormatCID
	FormatDatetime
	FormatDID
	FormatHandle
	FormatLanguage
	FormatNSID
	FormatRecordKey
	FormatTID
	FormatURI
)

var formatNames = [...]string{
	FormatNone:         "",
	FormatATIdentifier: "at-identifier",
	FormatATURI:        "at-uri",
	FormatCID:          "cid",
	FormatDatetime:     "datetime",
	FormatDID:          "did",
	FormatHandle:       "handle",
	FormatLanguage:     "language",
	FormatNSID:         "nsid",
	FormatRecordKey:    "record-key",
	FormatTID:          "tid",
	FormatURI:          "uri",
}

// String returns the name of f as schemas write it ("at-uri"), or "" for
// FormatNone.
func (f Format) String() string {
	if int(f) < len(formatNames) {
		return formatNames[f]
	}
	return "invalid"
}

func parseFormat(s string) (Format, bool) {
	for i, name := range formatNames {
		if i != int(FormatNone) && name == s {
			return Format(i), true
		}
	}
	return FormatNone, false
}

// Schema is one parsed definition of data: a named definition of a
// schema document, or a schema written inline in another one. Type says
// which of the pointer fields is set; the others are nil. A Schema belongs
// to its Catalog and must not be modified.
type Schema struct {
	// Type is the type of the definition.
	Type Type
	// ID is the full name of a named definition ("app.bsky.feed.defs#
	// postView", or just the NSID for a "main" definition), and empty for
	// an inline one.
	ID string

	Boolean *Boolean // TypeBoolean
	Integer *Integer // TypeInteger
	String  *String  // TypeString
	Bytes   *Bytes   // TypeBytes
	Blob    *Blob    // TypeBlob
	Array   *Array   // TypeArray
	Object  *Object  // TypeObject and TypeParams
	Ref     *Ref     // TypeRef
	Union   *Union   // TypeUnion
}

// Boolean holds the constraints of a boolean.
type Boolean struct {
	Default *bool
	Const   *bool
}

// Integer holds the constraints of an integer.
type Integer struct {
	Default *int64
	Const   *int64
	Minimum *int64
	Maximum *int64
	Enum    []int64
}

// String holds the constraints of a string. Lengths count UTF-8 bytes;
// graphemes are extended grapheme clusters (Unicode UAX #29).
// KnownValues only documents suggested values; any other value is valid.
type String struct {
	Format       Format
	Default      *string
	Const        *string
	Enum         []string
	KnownValues  []string
	MinLength    *int
	MaxLength    *int
	MinGraphemes *int
	MaxGraphemes *int
}

// Bytes holds the constraints of a byte string, in bytes.
type Bytes struct {
	MinLength *int
	MaxLength *int
}

// Blob holds the constraints of a blob reference. Accept lists MIME types
// or patterns ("image/*", "*/*"); empty accepts any. MaxSize is in bytes.
type Blob struct {
	Accept  []string
	MaxSize *int64
}

// Array holds the item schema and the bounds on the number of items.
type Array struct {
	Items     *Schema
	MinLength *int
	MaxLength *int
}

// Object holds the properties of an object, or of the query parameters of
// a method, in the order the schema declares them.
type Object struct {
	Properties []Property
	Required   []string
	Nullable   []string
}

// Property is one declared property of an object or parameter.
type Property struct {
	Name     string
	Schema   *Schema
	Required bool
	Nullable bool
}

// Property returns the property named name.
func (o *Object) Property(name string) (*Property, bool) {
	for i := range o.Properties {
		if o.Properties[i].Name == name {
			return &o.Properties[i], true
		}
	}
	return nil, false
}

// Ref is a reference to a named definition. Target is its full name,
// "nsid#name", with "#main" left out for a main definition.
type Ref struct {
	Target string

	def *Schema // resolved by the catalog; nil while missing
}

// Union is a choice between the named definitions in Refs (full names, as
// in Ref.Target), told apart by the "$type" of the data. A closed union
// accepts only those; an open one also accepts any other "$type".
type Union struct {
	Refs   []string
	Closed bool

	defs []*Schema // resolved by the catalog, parallel to Refs
}
