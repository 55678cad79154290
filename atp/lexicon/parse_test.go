package lexicon_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp/lexicon"
)

// TestParseDocErrors checks that malformed schemas are refused, with the
// place and the reason in the error.
func TestParseDocErrors(t *testing.T) {
	def := func(body string) string {
		return `{"lexicon": 1, "id": "com.example.doc", "defs": {"main": ` + body + `}}`
	}
	obj := func(props string) string { return def(`{"type": "object", "properties": {` + props + `}}`) }
	for _, tc := range []struct{ doc, err string }{
		{`[]`, "document: must be an object"},
		{`{"lexicon": 1} {}`, "data after the JSON value"},
		{`{"lexicon": 1, "lexicon": 1}`, `repeated key "lexicon"`},
		{`{"id": "com.example.doc", "defs": {}}`, `"lexicon" is required`},
		{`{"lexicon": 2, "id": "com.example.doc", "defs": {}}`, "unsupported lexicon language version 2"},
		{`{"lexicon": 1.5, "id": "com.example.doc", "defs": {}}`, `"lexicon" must be an integer`},
		{`{"lexicon": 1, "id": "com.example.doc"}`, `"defs" must be an object`},
		{`{"lexicon": 1, "id": "com.example.doc", "defs": {"a.b": {"type": "token"}}}`, `invalid definition name "a.b"`},
		{`{"lexicon": 1, "id": "com.example.doc", "defs": {"x": {"type": "query"}}}`, "defs.x: a query must be the main definition"},
		{`{"lexicon": 1, "id": "com.example.doc", "defs": {"x": {"type": "params", "properties": {}}}}`, `type "params" can not be a named definition`},
		{def(`{"type": "nope"}`), `defs.main: unknown type "nope"`},
		{def(`{"type": 3}`), `"type" must be a string, not a number`},
		{def(`{"type": "string", "format": "email"}`), `unknown string format "email"`},
		{def(`{"type": "string", "minLength": 5, "maxLength": 4}`), `"maxLength" is less than "minLength"`},
		{def(`{"type": "string", "maxGraphemes": -1}`), `"maxGraphemes" out of range`},
		{def(`{"type": "string", "default": "a", "const": "b"}`), `"default" and "const" exclude each other`},
		{def(`{"type": "string", "enum": ["a", 1]}`), `"enum" must hold strings only`},
		{def(`{"type": "integer", "minimum": 5, "maximum": 4}`), `"maximum" is less than "minimum"`},
		{def(`{"type": "integer", "enum": [1, "2"]}`), `"enum" must hold integers only`},
		{def(`{"type": "integer", "default": 1.5}`), `"default" must be an integer`},
		{def(`{"type": "boolean", "default": true, "const": true}`), `"default" and "const" exclude each other`},
		{def(`{"type": "blob", "maxSize": 0}`), `"maxSize" must be positive`},
		{def(`{"type": "blob", "accept": ["png"]}`), `invalid MIME type pattern "png"`},
		{def(`{"type": "array"}`), `"items" is required`},
		{def(`{"type": "array", "items": {"type": "token"}}`), "type token can not be an array item"},
		{obj(`"a": {"type": "params", "properties": {}}`), "type params can not be an object property"},
		{def(`{"type": "object", "required": ["a"], "properties": {}}`), `"a" is required or nullable but not a property`},
		{def(`{"type": "object", "nullable": ["a"]}`), `"a" is required or nullable but not a property`},
		{def(`{"type": "object", "properties": []}`), `"properties" must be an object`},
		{obj(`"a": {"type": "ref"}`), `defs.main.properties.a: "ref" is required`},
		{obj(`"a": {"type": "ref", "ref": "not an nsid"}`), `invalid reference "not an nsid"`},
		{obj(`"a": {"type": "ref", "ref": "com.example.x#a#b"}`), `invalid reference "com.example.x#a#b"`},
		{obj(`"a": {"type": "ref", "ref": "#"}`), `invalid reference "#"`},
		{obj(`"a": {"type": "union"}`), `"refs" is required`},
		{obj(`"a": {"type": "union", "refs": [], "closed": true}`), "a closed union needs refs"},
		{obj(`"a": {"type": "union", "refs": ["#x", "com.example.doc#x"]}`), `reference "com.example.doc#x" listed twice`},
		{obj(`"a": {"type": "record", "key": "any", "record": {"type": "object"}}`), `type "record" must be a main definition`},
		{def(`{"type": "record", "record": {"type": "object"}}`), `"key" is required`},
		{def(`{"type": "record", "key": "uuid", "record": {"type": "object"}}`), `invalid record key type "uuid"`},
		{def(`{"type": "record", "key": "literal:..", "record": {"type": "object"}}`), `invalid record key type "literal:.."`},
		{def(`{"type": "record", "key": "tid"}`), `"record" is required`},
		{def(`{"type": "record", "key": "tid", "record": {"type": "string"}}`), "must be an object schema, not string"},
		{def(`{"type": "query", "parameters": {"type": "object"}}`), "must be a params schema, not object"},
		{def(`{"type": "query", "parameters": {"type": "params", "properties": {"a": {"type": "unknown"}}}}`), "a parameter must be a boolean, integer or string"},
		{def(`{"type": "query", "parameters": {"type": "params", "properties": {"a": {"type": "array", "items": {"type": "bytes"}}}}}`), "a parameter must be a boolean, integer or string"},
		{def(`{"type": "query", "output": {"schema": {"type": "object"}}}`), `defs.main.output: "encoding" is required`},
		{def(`{"type": "procedure", "input": {"encoding": "application/json", "schema": {"type": "string"}}}`), "must be an object, ref or union schema, not string"},
		{def(`{"type": "query", "errors": [{"description": "no name"}]}`), `defs.main.errors.0: "name" is required`},
		{def(`{"type": "subscription", "message": {"schema": {"type": "integer"}}}`), "must be an object, ref or union schema"},
		{def(`{"type": "permission-set", "permissions": [{"type": "permission", "resource": "blob"}]}`), `resource "blob" is not allowed in a permission set`},
		{def(`{"type": "permission-set", "permissions": [{"type": "permission", "resource": "repo"}]}`), `a repo permission needs "collection"`},
		{def(`{"type": "permission-set", "permissions": [{"type": "permission", "resource": "repo", "collection": ["*"]}]}`), "collection: atp: invalid NSID"},
		{def(`{"type": "permission-set", "permissions": [{"type": "permission", "resource": "repo", "collection": ["a.b.c"], "action": ["read"]}]}`), `unknown repo action "read"`},
		{def(`{"type": "permission-set", "permissions": [{"type": "permission", "resource": "rpc", "lxm": ["a.b.c"]}]}`), `exactly one of "aud" and "inheritAud"`},
		{def(`{"type": "permission-set", "permissions": [{"type": "permission", "resource": "rpc", "lxm": ["*"], "aud": "*"}]}`), `"lxm" and "aud" can not both be "*"`},
		{def(`{"type": "permission-set", "permissions": [{"type": "permission", "resource": "rpc", "lxm": ["a.b.c"], "aud": "did:web:x.test"}]}`), `"aud" in a permission set must be "*"`},
		{def(`{"type": "permission-set", "title:lang": {"not a tag!": "x"}, "permissions": []}`), "invalid language tag"},
		{def(`{"type": "permission-set"}`), `"permissions" must be an array`},
	} {
		_, err := lexicon.ParseDoc([]byte(tc.doc))
		if err == nil {
			t.Errorf("accepted: %s", tc.doc)
			continue
		}
		if !errors.Is(err, lexicon.ErrSchema) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s:\n error %v\n want  %q", tc.doc, err, tc.err)
		}
	}
}

func TestParseDocKeepsOrder(t *testing.T) {
	doc, err := lexicon.ParseDoc([]byte(`{"lexicon": 1, "id": "com.example.doc", "defs": {"main": {"type": "record", "key": "tid",
		"record": {"type": "object", "required": ["b", "a"], "nullable": ["z"],
		"properties": {"z": {"type": "string"}, "b": {"type": "integer"}, "a": {"type": "integer"}}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cat := lexicon.NewCatalog()
	if err := cat.Add(doc); err != nil {
		t.Fatal(err)
	}
	r, _ := cat.Record("com.example.doc")
	var names []string
	for _, p := range r.Schema.Object.Properties {
		names = append(names, p.Name)
	}
	if strings.Join(names, ",") != "z,b,a" {
		t.Errorf("properties in order %v", names)
	}
	if p, _ := r.Schema.Object.Property("z"); !p.Nullable || p.Required {
		t.Errorf("z: %+v", p)
	}
	// The first failing property in declaration order is reported.
	err = cat.ValidateRecord("com.example.doc", map[string]any{"$type": "com.example.doc", "z": int64(1)})
	if err == nil || err.Error() != "Record/z must be a string" {
		t.Errorf("error %v", err)
	}
	err = cat.ValidateRecord("com.example.doc", map[string]any{"$type": "com.example.doc"})
	if err == nil || err.Error() != `Record must have the property "b"` {
		t.Errorf("error %v", err)
	}
}

func TestTypeNames(t *testing.T) {
	if lexicon.TypeCIDLink.String() != "cid-link" || lexicon.Type(200).String() != "invalid" {
		t.Error("Type.String")
	}
	if lexicon.FormatATURI.String() != "at-uri" || lexicon.FormatNone.String() != "" || lexicon.Format(200).String() != "invalid" {
		t.Error("Format.String")
	}
}
