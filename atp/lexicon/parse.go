package lexicon

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/boltsky/boltsky/atp"
)

// Doc is one parsed and checked lexicon schema document.
type Doc struct {
	// ID is the NSID the document defines.
	ID atp.NSID

	defs  []docDef
	links []*Schema // refs and unions, for the catalog to resolve
	added bool      // set by Catalog.Add
}

// docDef is one named definition of a Doc; exactly one pointer is set.
type docDef struct {
	name    string // full name: the NSID for "main", else "nsid#name"
	schema  *Schema
	record  *Record
	method  *Method
	permSet *PermissionSet
}

// ParseDoc parses a lexicon schema document (JSON) and checks it: the
// lexicon language version is 1, the id is an NSID, primary types (record,
// query, procedure, subscription, permission-set) appear only as "main",
// every definition and inline schema has a known type with fields of the
// right JSON types and consistent bounds, and every reference is well
// formed. Unknown fields are ignored, as the language asks. References to
// other documents are resolved when the Doc is added to a Catalog.
//
// Errors wrap ErrSchema and name the document and the place of the fault.
func ParseDoc(data []byte) (*Doc, error) {
	v, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSchema, err)
	}
	p := &docParser{}
	return p.doc(&v)
}

// docParser holds the state of one ParseDoc call.
type docParser struct {
	id    string
	links []*Schema
}

func (p *docParser) errorf(loc, format string, args ...any) error {
	id := p.id
	if id == "" {
		id = "document"
	}
	if loc != "" {
		id += ": " + loc
	}
	return fmt.Errorf("%w: %s: %s", ErrSchema, id, fmt.Sprintf(format, args...))
}

func (p *docParser) doc(v *jsonValue) (*Doc, error) {
	if v.kind != jsonObject {
		return nil, p.errorf("", "must be an object, not %v", v.kind)
	}
	if id := v.get("id"); id != nil && id.kind == jsonString {
		p.id = id.text
	}
	o := fields{p, "", v}
	lex, err := o.integer("lexicon")
	if err != nil {
		return nil, err
	}
	if lex == nil {
		return nil, p.errorf("", `"lexicon" is required`)
	}
	if *lex != 1 {
		return nil, p.errorf("", "unsupported lexicon language version %d", *lex)
	}
	id, err := o.requiredString("id")
	if err != nil {
		return nil, err
	}
	nsid, err := atp.ParseNSID(id)
	if err != nil {
		return nil, p.errorf("", "id: %v", err)
	}
	if _, err := o.integer("revision"); err != nil {
		return nil, err
	}
	if _, err := o.str("description"); err != nil {
		return nil, err
	}
	defs := v.get("defs")
	if defs == nil || defs.kind != jsonObject {
		return nil, p.errorf("", `"defs" must be an object`)
	}
	doc := &Doc{ID: nsid}
	for i := range defs.members {
		name, dv := defs.members[i].key, &defs.members[i].val
		if !validDefName(name) {
			return nil, p.errorf("defs", "invalid definition name %q", name)
		}
		d, err := p.def(name, dv)
		if err != nil {
			return nil, err
		}
		doc.defs = append(doc.defs, d)
	}
	doc.links = p.links
	return doc, nil
}

// validDefName reports whether name can name a definition: letters,
// digits, '_' and '-', starting with a letter.
func validDefName(name string) bool {
	if name == "" || !isLetter(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		if c := name[i]; !isLetter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

// fullName returns the full name of definition name of the document.
func (p *docParser) fullName(name string) string {
	if name == "main" {
		return p.id
	}
	return p.id + "#" + name
}

func (p *docParser) def(name string, v *jsonValue) (docDef, error) {
	loc := "defs." + name
	if v.kind != jsonObject {
		return docDef{}, p.errorf(loc, "must be an object")
	}
	typ, err := fields{p, loc, v}.requiredString("type")
	if err != nil {
		return docDef{}, err
	}
	full := p.fullName(name)
	switch typ {
	case "record", "query", "procedure", "subscription", "permission-set":
		if name != "main" {
			return docDef{}, p.errorf(loc, "a %s must be the main definition", typ)
		}
	}
	switch typ {
	case "record":
		r, err := p.record(loc, v)
		return docDef{name: full, record: r}, err
	case "query", "procedure", "subscription":
		m, err := p.method(loc, MethodKind(typ), v)
		return docDef{name: full, method: m}, err
	case "permission-set":
		ps, err := p.permissionSet(loc, v)
		return docDef{name: full, permSet: ps}, err
	case "ref", "union", "unknown", "params", "permission":
		return docDef{}, p.errorf(loc, "type %q can not be a named definition", typ)
	}
	s, err := p.schema(loc, v)
	if err != nil {
		return docDef{}, err
	}
	s.ID = full
	return docDef{name: full, schema: s}, nil
}

func (p *docParser) record(loc string, v *jsonValue) (*Record, error) {
	o := fields{p, loc, v}
	key, err := o.requiredString("key")
	if err != nil {
		return nil, err
	}
	kt, ok := parseKeyType(key)
	if !ok {
		return nil, p.errorf(loc, "invalid record key type %q", key)
	}
	rv := v.get("record")
	if rv == nil {
		return nil, p.errorf(loc, `"record" is required`)
	}
	s, err := p.schema(loc+".record", rv)
	if err != nil {
		return nil, err
	}
	if s.Type != TypeObject {
		return nil, p.errorf(loc+".record", "must be an object schema, not %v", s.Type)
	}
	s.ID = p.id
	nsid, _ := atp.ParseNSID(p.id) // checked by doc
	return &Record{NSID: nsid, Key: kt, Schema: s}, nil
}

func (p *docParser) method(loc string, kind MethodKind, v *jsonValue) (*Method, error) {
	nsid, _ := atp.ParseNSID(p.id) // checked by doc
	m := &Method{NSID: nsid, Kind: kind}
	if pv := v.get("parameters"); pv != nil {
		s, err := p.schema(loc+".parameters", pv)
		if err != nil {
			return nil, err
		}
		if s.Type != TypeParams {
			return nil, p.errorf(loc+".parameters", "must be a params schema, not %v", s.Type)
		}
		m.Params = s.Object
	}
	var err error
	if kind == KindProcedure {
		if m.Input, err = p.body(loc+".input", v.get("input")); err != nil {
			return nil, err
		}
	}
	if kind == KindSubscription {
		if mv := v.get("message"); mv != nil {
			mo := fields{p, loc + ".message", mv}
			if mv.kind != jsonObject {
				return nil, p.errorf(mo.loc, "must be an object")
			}
			if sv := mv.get("schema"); sv != nil {
				if m.Message, err = p.bodySchema(mo.loc+".schema", sv); err != nil {
					return nil, err
				}
			}
		}
	} else if m.Output, err = p.body(loc+".output", v.get("output")); err != nil {
		return nil, err
	}
	if ev := v.get("errors"); ev != nil {
		if ev.kind != jsonArray {
			return nil, p.errorf(loc, `"errors" must be an array`)
		}
		for i := range ev.items {
			eo := fields{p, loc + ".errors." + strconv.Itoa(i), &ev.items[i]}
			if ev.items[i].kind != jsonObject {
				return nil, p.errorf(eo.loc, "must be an object")
			}
			name, err := eo.requiredString("name")
			if err != nil {
				return nil, err
			}
			m.Errors = append(m.Errors, name)
		}
	}
	return m, nil
}

// body parses an "input" or "output"; v may be nil.
func (p *docParser) body(loc string, v *jsonValue) (*Body, error) {
	if v == nil {
		return nil, nil
	}
	if v.kind != jsonObject {
		return nil, p.errorf(loc, "must be an object")
	}
	enc, err := fields{p, loc, v}.requiredString("encoding")
	if err != nil {
		return nil, err
	}
	b := &Body{Encoding: enc}
	if sv := v.get("schema"); sv != nil {
		if b.Schema, err = p.bodySchema(loc+".schema", sv); err != nil {
			return nil, err
		}
	}
	return b, nil
}

// bodySchema parses the schema of a body or message: an object, a ref or
// a union.
func (p *docParser) bodySchema(loc string, v *jsonValue) (*Schema, error) {
	s, err := p.schema(loc, v)
	if err != nil {
		return nil, err
	}
	switch s.Type {
	case TypeObject, TypeRef, TypeUnion:
		return s, nil
	}
	return nil, p.errorf(loc, "must be an object, ref or union schema, not %v", s.Type)
}

// isField reports whether a schema of type t may be an object property or
// array item.
func isField(t Type) bool {
	switch t {
	case TypeParams, TypeToken, TypeInvalid:
		return false
	}
	return true
}

// schema parses an inline schema or a non-primary definition.
func (p *docParser) schema(loc string, v *jsonValue) (*Schema, error) {
	if v.kind != jsonObject {
		return nil, p.errorf(loc, "must be an object, not %v", v.kind)
	}
	o := fields{p, loc, v}
	typ, err := o.requiredString("type")
	if err != nil {
		return nil, err
	}
	if _, err := o.str("description"); err != nil {
		return nil, err
	}
	switch typ {
	case "boolean":
		return p.boolean(o)
	case "integer":
		return p.integer(o)
	case "string":
		return p.string(o)
	case "bytes":
		minLen, maxLen, err := o.lengths("minLength", "maxLength")
		if err != nil {
			return nil, err
		}
		return &Schema{Type: TypeBytes, Bytes: &Bytes{MinLength: minLen, MaxLength: maxLen}}, nil
	case "cid-link":
		return &Schema{Type: TypeCIDLink}, nil
	case "blob":
		return p.blob(o)
	case "array":
		return p.array(o)
	case "object", "params":
		return p.object(o, typ == "params")
	case "token":
		return &Schema{Type: TypeToken}, nil
	case "ref":
		ref, err := o.requiredString("ref")
		if err != nil {
			return nil, err
		}
		target, err := p.ref(loc, ref)
		if err != nil {
			return nil, err
		}
		s := &Schema{Type: TypeRef, Ref: &Ref{Target: target}}
		p.links = append(p.links, s)
		return s, nil
	case "union":
		return p.union(o)
	case "unknown":
		return &Schema{Type: TypeUnknown}, nil
	case "record", "query", "procedure", "subscription", "permission-set", "permission":
		return nil, p.errorf(loc, "type %q must be a main definition", typ)
	}
	return nil, p.errorf(loc, "unknown type %q", typ)
}

// ref checks a reference ("#name", "nsid" or "nsid#name") and returns its
// full name, with "#main" left out.
func (p *docParser) ref(loc, ref string) (string, error) {
	nsid, name, hasName := strings.Cut(ref, "#")
	if nsid == "" {
		nsid = p.id
	} else if _, err := atp.ParseNSID(nsid); err != nil {
		return "", p.errorf(loc, "invalid reference %q: %v", ref, err)
	}
	if hasName && !validDefName(name) {
		return "", p.errorf(loc, "invalid reference %q", ref)
	}
	if !hasName || name == "main" {
		return nsid, nil
	}
	return nsid + "#" + name, nil
}

func (p *docParser) boolean(o fields) (*Schema, error) {
	def, err := o.boolean("default")
	if err != nil {
		return nil, err
	}
	cst, err := o.boolean("const")
	if err != nil {
		return nil, err
	}
	if def != nil && cst != nil {
		return nil, p.errorf(o.loc, `"default" and "const" exclude each other`)
	}
	return &Schema{Type: TypeBoolean, Boolean: &Boolean{Default: def, Const: cst}}, nil
}

func (p *docParser) integer(o fields) (*Schema, error) {
	var s Integer
	var err error
	for _, f := range []struct {
		key string
		dst **int64
	}{{"default", &s.Default}, {"const", &s.Const}, {"minimum", &s.Minimum}, {"maximum", &s.Maximum}} {
		if *f.dst, err = o.integer(f.key); err != nil {
			return nil, err
		}
	}
	if s.Enum, err = o.integers("enum"); err != nil {
		return nil, err
	}
	if s.Default != nil && s.Const != nil {
		return nil, p.errorf(o.loc, `"default" and "const" exclude each other`)
	}
	if s.Minimum != nil && s.Maximum != nil && *s.Maximum < *s.Minimum {
		return nil, p.errorf(o.loc, `"maximum" is less than "minimum"`)
	}
	return &Schema{Type: TypeInteger, Integer: &s}, nil
}

func (p *docParser) string(o fields) (*Schema, error) {
	var s String
	var err error
	format, err := o.str("format")
	if err != nil {
		return nil, err
	}
	if format != nil {
		f, ok := parseFormat(*format)
		if !ok {
			return nil, p.errorf(o.loc, "unknown string format %q", *format)
		}
		s.Format = f
	}
	if s.Default, err = o.str("default"); err != nil {
		return nil, err
	}
	if s.Const, err = o.str("const"); err != nil {
		return nil, err
	}
	if s.Enum, err = o.strings("enum"); err != nil {
		return nil, err
	}
	if s.KnownValues, err = o.strings("knownValues"); err != nil {
		return nil, err
	}
	if s.MinLength, s.MaxLength, err = o.lengths("minLength", "maxLength"); err != nil {
		return nil, err
	}
	if s.MinGraphemes, s.MaxGraphemes, err = o.lengths("minGraphemes", "maxGraphemes"); err != nil {
		return nil, err
	}
	if s.Default != nil && s.Const != nil {
		return nil, p.errorf(o.loc, `"default" and "const" exclude each other`)
	}
	return &Schema{Type: TypeString, String: &s}, nil
}

func (p *docParser) blob(o fields) (*Schema, error) {
	accept, err := o.strings("accept")
	if err != nil {
		return nil, err
	}
	for _, a := range accept {
		if a == "" || (a != "*" && !strings.Contains(a, "/")) {
			return nil, p.errorf(o.loc, "invalid MIME type pattern %q", a)
		}
	}
	maxSize, err := o.integer("maxSize")
	if err != nil {
		return nil, err
	}
	if maxSize != nil && *maxSize <= 0 {
		return nil, p.errorf(o.loc, `"maxSize" must be positive`)
	}
	return &Schema{Type: TypeBlob, Blob: &Blob{Accept: accept, MaxSize: maxSize}}, nil
}

func (p *docParser) array(o fields) (*Schema, error) {
	iv := o.v.get("items")
	if iv == nil {
		return nil, p.errorf(o.loc, `"items" is required`)
	}
	items, err := p.schema(o.loc+".items", iv)
	if err != nil {
		return nil, err
	}
	if !isField(items.Type) {
		return nil, p.errorf(o.loc+".items", "type %v can not be an array item", items.Type)
	}
	minLen, maxLen, err := o.lengths("minLength", "maxLength")
	if err != nil {
		return nil, err
	}
	return &Schema{Type: TypeArray, Array: &Array{Items: items, MinLength: minLen, MaxLength: maxLen}}, nil
}

// object parses an object schema, or the params schema of a method.
func (p *docParser) object(o fields, params bool) (*Schema, error) {
	var obj Object
	var err error
	if obj.Required, err = o.strings("required"); err != nil {
		return nil, err
	}
	if !params {
		if obj.Nullable, err = o.strings("nullable"); err != nil {
			return nil, err
		}
	}
	if pv := o.v.get("properties"); pv != nil {
		if pv.kind != jsonObject {
			return nil, p.errorf(o.loc, `"properties" must be an object`)
		}
		for i := range pv.members {
			name, sv := pv.members[i].key, &pv.members[i].val
			loc := o.loc + ".properties." + name
			if name == "" {
				return nil, p.errorf(o.loc, "empty property name")
			}
			s, err := p.schema(loc, sv)
			if err != nil {
				return nil, err
			}
			if params {
				if err := p.checkParam(loc, s); err != nil {
					return nil, err
				}
			} else if !isField(s.Type) {
				return nil, p.errorf(loc, "type %v can not be an object property", s.Type)
			}
			obj.Properties = append(obj.Properties, Property{
				Name:     name,
				Schema:   s,
				Required: slices.Contains(obj.Required, name),
				Nullable: slices.Contains(obj.Nullable, name),
			})
		}
	}
	for _, list := range [][]string{obj.Required, obj.Nullable} {
		for _, name := range list {
			if _, ok := obj.Property(name); !ok {
				return nil, p.errorf(o.loc, "%q is required or nullable but not a property", name)
			}
		}
	}
	if params {
		return &Schema{Type: TypeParams, Object: &obj}, nil
	}
	return &Schema{Type: TypeObject, Object: &obj}, nil
}

// checkParam checks the type of a query parameter: a boolean, integer or
// string, or an array of one of those.
func (p *docParser) checkParam(loc string, s *Schema) error {
	t := s.Type
	if t == TypeArray {
		t = s.Array.Items.Type
	}
	switch t {
	case TypeBoolean, TypeInteger, TypeString:
		return nil
	}
	return p.errorf(loc, "a parameter must be a boolean, integer or string, or an array of those, not %v", s.Type)
}

func (p *docParser) union(o fields) (*Schema, error) {
	refs, err := o.strings("refs")
	if err != nil {
		return nil, err
	}
	if o.v.get("refs") == nil {
		return nil, p.errorf(o.loc, `"refs" is required`)
	}
	closed, err := o.boolean("closed")
	if err != nil {
		return nil, err
	}
	u := &Union{Closed: closed != nil && *closed}
	if u.Closed && len(refs) == 0 {
		return nil, p.errorf(o.loc, "a closed union needs refs")
	}
	for _, r := range refs {
		target, err := p.ref(o.loc, r)
		if err != nil {
			return nil, err
		}
		if slices.Contains(u.Refs, target) {
			return nil, p.errorf(o.loc, "reference %q listed twice", r)
		}
		u.Refs = append(u.Refs, target)
	}
	s := &Schema{Type: TypeUnion, Union: u}
	p.links = append(p.links, s)
	return s, nil
}

func (p *docParser) permissionSet(loc string, v *jsonValue) (*PermissionSet, error) {
	nsid, _ := atp.ParseNSID(p.id) // checked by doc
	ps := &PermissionSet{NSID: nsid}
	o := fields{p, loc, v}
	for _, f := range []struct {
		key  string
		dst  *string
		lang *map[string]string
	}{{"title", &ps.Title, &ps.TitleLang}, {"detail", &ps.Detail, &ps.DetailLang}} {
		s, err := o.str(f.key)
		if err != nil {
			return nil, err
		}
		if s != nil {
			*f.dst = *s
		}
		lv := v.get(f.key + ":lang")
		if lv == nil {
			continue
		}
		if lv.kind != jsonObject {
			return nil, p.errorf(loc, "%q must be an object", f.key+":lang")
		}
		*f.lang = map[string]string{}
		for _, m := range lv.members {
			if _, err := atp.ParseLanguage(m.key); err != nil {
				return nil, p.errorf(loc, "%s: %v", f.key+":lang", err)
			}
			if m.val.kind != jsonString {
				return nil, p.errorf(loc, "%s.%s must be a string", f.key+":lang", m.key)
			}
			(*f.lang)[m.key] = m.val.text
		}
	}
	pv := v.get("permissions")
	if pv == nil || pv.kind != jsonArray {
		return nil, p.errorf(loc, `"permissions" must be an array`)
	}
	for i := range pv.items {
		perm, err := p.permission(loc+".permissions."+strconv.Itoa(i), &pv.items[i])
		if err != nil {
			return nil, err
		}
		ps.Permissions = append(ps.Permissions, perm)
	}
	return ps, nil
}

func (p *docParser) permission(loc string, v *jsonValue) (Permission, error) {
	if v.kind != jsonObject {
		return Permission{}, p.errorf(loc, "must be an object")
	}
	o := fields{p, loc, v}
	var perm Permission
	typ, err := o.requiredString("type")
	if err != nil {
		return perm, err
	}
	if typ != "permission" {
		return perm, p.errorf(loc, `type must be "permission", not %q`, typ)
	}
	if perm.Resource, err = o.requiredString("resource"); err != nil {
		return perm, err
	}
	if perm.Collection, err = o.strings("collection"); err != nil {
		return perm, err
	}
	if perm.Action, err = o.strings("action"); err != nil {
		return perm, err
	}
	if perm.LXM, err = o.strings("lxm"); err != nil {
		return perm, err
	}
	aud, err := o.str("aud")
	if err != nil {
		return perm, err
	}
	if aud != nil {
		perm.Audience = *aud
	}
	inherit, err := o.boolean("inheritAud")
	if err != nil {
		return perm, err
	}
	perm.InheritAudience = inherit != nil && *inherit
	switch perm.Resource {
	case "repo":
		if len(perm.Collection) == 0 {
			return perm, p.errorf(loc, `a repo permission needs "collection"`)
		}
		for _, c := range perm.Collection {
			if _, err := atp.ParseNSID(c); err != nil {
				return perm, p.errorf(loc, "collection: %v", err)
			}
		}
		for _, a := range perm.Action {
			if a != "create" && a != "update" && a != "delete" {
				return perm, p.errorf(loc, "unknown repo action %q", a)
			}
		}
	case "rpc":
		if len(perm.LXM) == 0 {
			return perm, p.errorf(loc, `an rpc permission needs "lxm"`)
		}
		for _, lxm := range perm.LXM {
			if lxm == "*" {
				if perm.Audience == "*" {
					return perm, p.errorf(loc, `"lxm" and "aud" can not both be "*"`)
				}
				continue
			}
			if _, err := atp.ParseNSID(lxm); err != nil {
				return perm, p.errorf(loc, "lxm: %v", err)
			}
		}
		if (perm.Audience == "") == !perm.InheritAudience {
			return perm, p.errorf(loc, `an rpc permission needs exactly one of "aud" and "inheritAud"`)
		}
		if perm.Audience != "" && perm.Audience != "*" {
			return perm, p.errorf(loc, `"aud" in a permission set must be "*"`)
		}
	default:
		return perm, p.errorf(loc, "resource %q is not allowed in a permission set", perm.Resource)
	}
	return perm, nil
}

// fields reads the typed members of one JSON object of a schema.
type fields struct {
	p   *docParser
	loc string
	v   *jsonValue
}

func (o fields) member(key string, kind jsonKind) (*jsonValue, error) {
	m := o.v.get(key)
	if m == nil {
		return nil, nil
	}
	if m.kind != kind {
		return nil, o.p.errorf(o.loc, "%q must be %v, not %v", key, kind, m.kind)
	}
	return m, nil
}

func (o fields) str(key string) (*string, error) {
	m, err := o.member(key, jsonString)
	if m == nil {
		return nil, err
	}
	return &m.text, nil
}

func (o fields) requiredString(key string) (string, error) {
	s, err := o.str(key)
	if err != nil {
		return "", err
	}
	if s == nil || *s == "" {
		return "", o.p.errorf(o.loc, "%q is required", key)
	}
	return *s, nil
}

func (o fields) boolean(key string) (*bool, error) {
	m, err := o.member(key, jsonBool)
	if m == nil {
		return nil, err
	}
	return &m.boolean, nil
}

func (o fields) integer(key string) (*int64, error) {
	m, err := o.member(key, jsonNumber)
	if m == nil {
		return nil, err
	}
	n, err := strconv.ParseInt(m.text, 10, 64)
	if err != nil {
		return nil, o.p.errorf(o.loc, "%q must be an integer, not %s", key, m.text)
	}
	return &n, nil
}

// lengths reads a pair of non-negative bounds, checking min <= max.
func (o fields) lengths(minKey, maxKey string) (minLen, maxLen *int, err error) {
	var out [2]*int
	for i, key := range []string{minKey, maxKey} {
		n, err := o.integer(key)
		if err != nil {
			return nil, nil, err
		}
		if n == nil {
			continue
		}
		if *n < 0 || *n > 1<<31-1 {
			return nil, nil, o.p.errorf(o.loc, "%q out of range: %d", key, *n)
		}
		v := int(*n)
		out[i] = &v
	}
	if out[0] != nil && out[1] != nil && *out[1] < *out[0] {
		return nil, nil, o.p.errorf(o.loc, "%q is less than %q", maxKey, minKey)
	}
	return out[0], out[1], nil
}

func (o fields) strings(key string) ([]string, error) {
	m, err := o.member(key, jsonArray)
	if m == nil {
		return nil, err
	}
	out := make([]string, 0, len(m.items))
	for _, item := range m.items {
		if item.kind != jsonString {
			return nil, o.p.errorf(o.loc, "%q must hold strings only", key)
		}
		out = append(out, item.text)
	}
	return out, nil
}

func (o fields) integers(key string) ([]int64, error) {
	m, err := o.member(key, jsonArray)
	if m == nil {
		return nil, err
	}
	out := make([]int64, 0, len(m.items))
	for _, item := range m.items {
		n, err := strconv.ParseInt(item.text, 10, 64)
		if item.kind != jsonNumber || err != nil {
			return nil, o.p.errorf(o.loc, "%q must hold integers only", key)
		}
		out = append(out, n)
	}
	return out, nil
}
