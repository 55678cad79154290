package lexicon

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
)

// Catalog holds parsed lexicon documents by NSID and resolves the
// references between them.
//
// Add is not safe for concurrent use with any other method. Once loading is
// done every other method is safe for concurrent use, and nothing is
// modified by validation.
type Catalog struct {
	docs    map[string]*Doc
	defs    map[string]*Schema // data definitions by full name, records' objects included
	records map[string]*Record
	methods map[string]*Method
	perms   map[string]*PermissionSet
	pending []*Schema // refs and unions with a target not yet in the catalog
}

// NewCatalog returns an empty catalog.
func NewCatalog() *Catalog {
	return &Catalog{
		docs:    map[string]*Doc{},
		defs:    map[string]*Schema{},
		records: map[string]*Record{},
		methods: map[string]*Method{},
		perms:   map[string]*PermissionSet{},
	}
}

// LoadCatalog parses every file ending in ".json" in fsys, at any depth,
// into a new catalog. It fails on the first malformed document (the error
// wraps ErrSchema and names the file) or on two documents with one NSID.
// References to definitions that no document holds are allowed; they fail
// the validations that reach them (see MissingRefs).
func LoadCatalog(fsys fs.FS) (*Catalog, error) {
	c := NewCatalog()
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".json" {
			return err
		}
		data, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		doc, err := ParseDoc(data)
		if err == nil {
			err = c.Add(doc)
		}
		if err != nil {
			return fmt.Errorf("cannot load lexicon %s: %w", p, err)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// Add puts doc into the catalog and resolves every reference that the
// documents added so far make resolvable. It fails, changing nothing, when
// the catalog already holds a document with doc's NSID, or when doc was
// added to a catalog before (its references are linked into that one).
func (c *Catalog) Add(doc *Doc) error {
	id := doc.ID.String()
	if _, ok := c.docs[id]; ok {
		return fmt.Errorf("%w: %s: already in the catalog", ErrSchema, id)
	}
	if doc.added {
		return fmt.Errorf("%w: %s: already added to another catalog", ErrSchema, id)
	}
	doc.added = true
	c.docs[id] = doc
	for _, d := range doc.defs {
		switch {
		case d.schema != nil:
			c.defs[d.name] = d.schema
		case d.record != nil:
			c.records[d.name] = d.record
			c.defs[d.name] = d.record.Schema
		case d.method != nil:
			c.methods[d.name] = d.method
		case d.permSet != nil:
			c.perms[d.name] = d.permSet
		}
	}
	c.pending = append(c.pending, doc.links...)
	c.pending = slices.DeleteFunc(c.pending, c.resolve)
	return nil
}

// resolve links the targets of a ref or union that are now in the
// catalog, and reports whether none is missing any more.
func (c *Catalog) resolve(s *Schema) bool {
	if s.Type == TypeRef {
		s.Ref.def = c.defs[s.Ref.Target]
		return s.Ref.def != nil
	}
	u := s.Union
	if u.defs == nil {
		u.defs = make([]*Schema, len(u.Refs))
	}
	done := true
	for i, ref := range u.Refs {
		if u.defs[i] == nil {
			u.defs[i] = c.defs[ref]
		}
		done = done && u.defs[i] != nil
	}
	return done
}

// Len returns the number of documents in the catalog.
func (c *Catalog) Len() int { return len(c.docs) }

// Method returns the schema of the XRPC method nsid.
func (c *Catalog) Method(nsid string) (*Method, bool) {
	m, ok := c.methods[nsid]
	return m, ok
}

// Methods returns every method of the catalog, sorted by NSID, in a new
// slice.
func (c *Catalog) Methods() []*Method {
	out := make([]*Method, 0, len(c.methods))
	for _, m := range c.methods {
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *Method) int { return strings.Compare(a.NSID.String(), b.NSID.String()) })
	return out
}

// Record returns the schema of the record type (collection) nsid.
func (c *Catalog) Record(nsid string) (*Record, bool) {
	r, ok := c.records[nsid]
	return r, ok
}

// PermissionSet returns the permission set nsid.
func (c *Catalog) PermissionSet(nsid string) (*PermissionSet, bool) {
	ps, ok := c.perms[nsid]
	return ps, ok
}

// Schema returns the data definition named ref: "nsid#name", or "nsid"
// (also written "nsid#main") for a main definition. A record type's main
// definition is its object schema.
func (c *Catalog) Schema(ref string) (*Schema, bool) {
	s, ok := c.defs[strings.TrimSuffix(ref, "#main")]
	return s, ok
}

// MissingRefs returns, sorted, the full names that references in the
// catalog point to but no document defines.
func (c *Catalog) MissingRefs() []string {
	var out []string
	for _, s := range c.pending {
		if s.Type == TypeRef {
			out = append(out, s.Ref.Target)
			continue
		}
		for i, ref := range s.Union.Refs {
			if s.Union.defs[i] == nil {
				out = append(out, ref)
			}
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}
