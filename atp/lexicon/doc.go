// Package lexicon parses lexicon schema documents into a Catalog and
// validates data against it: XRPC query parameters, request and response
// bodies, and records.
//
// # Terms
//
//   - A schema document (Doc) defines one NSID. Its definitions are named
//     "main" or by a fragment; a definition's full name is "nsid#name", or
//     just the NSID for "main". A reference ("ref") names a definition of
//     the same document ("#name") or of another ("nsid" or "nsid#name").
//   - A primary definition is a record type (Record), an XRPC method
//     (Method: query, procedure or subscription) or a permission set; it is
//     always "main". Other definitions describe data (Schema) or are tokens.
//   - A union lists the full names of the objects a value may be, told
//     apart by the value's "$type". A closed union accepts only those; an
//     open union also accepts any other "$type", without checking it.
//   - Data is the atproto data model as atp/dagcbor decodes it: nil, bool,
//     int64, string, []byte, cid.Cid, []any and map[string]any, blobs being
//     maps.
//
// # Invariants
//
//   - ParseDoc checks a whole document before it enters a catalog, so
//     validation never meets a malformed schema. References are resolved
//     to pointers when documents are added: validation does no lookups by
//     name, and a reference to a definition no document holds fails only
//     the values that reach it (Catalog.MissingRefs lists them).
//   - Validation never modifies data, and never applies defaults to it;
//     only ParseParams fills in defaults, in the Params it returns.
//   - Validation errors are *Error values wrapping ErrInvalid, and carry the
//     path of the first faulty value in the reference implementation's form
//     ("Record/embed/images/0/alt must not be longer than 10000
//     characters"). Properties are checked in the order the schema declares
//     them.
//   - String lengths count UTF-8 bytes, graphemes count extended grapheme
//     clusters (UAX #29, by github.com/rivo/uniseg); formats are checked
//     by the strict atp parsers (datetimes must carry a time zone).
//
// A Catalog is built once (LoadCatalog, or NewCatalog and Add), then shared:
// every method but Add is safe for concurrent use. The package holds no
// global state. The server's catalog is the embedded one:
//
//	cat, err := lexicon.LoadCatalog(lexicons.FS)
package lexicon
