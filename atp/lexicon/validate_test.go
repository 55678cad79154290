package lexicon_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/ipfs/go-cid"
)

var (
	testBlobCID = dagcbor.SumRaw([]byte("image one"))
	testDataCID = dagcbor.SumCBOR([]byte{0xa0})
)

func demo(props map[string]any) map[string]any {
	rec := map[string]any{"$type": "example.lexicon.record", "integer": int64(1)}
	for k, v := range props {
		rec[k] = v
	}
	return rec
}

func blobMap(mime string, size int64) map[string]any {
	return dagcbor.Blob{Ref: testBlobCID, MimeType: mime, Size: size}.Value()
}

// TestValidateData covers the data rules the vectors leave out, on the
// interop record schema.
func TestValidateData(t *testing.T) {
	cat := MustInterop(t)
	for _, tc := range []struct {
		name string
		rec  map[string]any
		err  string // "" for valid
	}{
		{"unknown object", demo(map[string]any{"unknown": map[string]any{"a": []any{int64(1)}}}), ""},
		{"unknown bool", demo(map[string]any{"unknown": false}), "Record/unknown must be an object"},
		{"unknown bytes", demo(map[string]any{"unknown": []byte("x")}), "Record/unknown must be an object"},
		{"unknown link", demo(map[string]any{"unknown": testDataCID}), "Record/unknown must be an object"},
		{"unknown blob", demo(map[string]any{"unknown": blobMap("text/plain", 5)}), "Record/unknown must be an object"},
		{"unknown null", demo(map[string]any{"unknown": nil}), "Record/unknown must be an object"},
		{"nullable null", demo(map[string]any{"nullableString": nil}), ""},
		{"required null", map[string]any{"$type": "example.lexicon.record", "integer": nil}, "Record/integer must be an integer"},
		{"int accepted", map[string]any{"$type": "example.lexicon.record", "integer": 7}, ""},
		{"blob struct", demo(map[string]any{"blob": dagcbor.Blob{Ref: testBlobCID, MimeType: "a/b", Size: 1}}), ""},
		{"blob dag-cbor ref", demo(map[string]any{"blob": dagcbor.Blob{Ref: testDataCID, MimeType: "a/b", Size: 1}.Value()}), ""},
		{"blob legacy", demo(map[string]any{"blob": map[string]any{"cid": testBlobCID.String(), "mimeType": "a/b"}}), "Record/blob should be a blob ref"},
		{"blob legacy struct", demo(map[string]any{"blob": dagcbor.Blob{Ref: testBlobCID, MimeType: "a/b", Size: -1}}), "Record/blob should be a blob ref"},
		{"blob extra key", demo(map[string]any{"blob": func() map[string]any { m := blobMap("a/b", 1); m["x"] = true; return m }()}), "Record/blob should be a blob ref"},
		{"blob empty mime", demo(map[string]any{"blob": blobMap("", 1)}), "Record/blob should be a blob ref"},
		{"blob size at max", demo(map[string]any{"sizeBlob": blobMap("a/b", 20)}), ""},
		{"accept wildcard", demo(map[string]any{"acceptBlob": blobMap("image/svg+xml", 1)}), ""},
		{"accept is case sensitive", demo(map[string]any{"acceptBlob": blobMap("IMAGE/PNG", 1)}), `Record/acceptBlob/mimeType must match one of (image/*), not "IMAGE/PNG"`},
		{"accept not a prefix", demo(map[string]any{"acceptBlob": blobMap("imagex/png", 1)}), `Record/acceptBlob/mimeType must match one of (image/*), not "imagex/png"`},
		{"cid-link undefined", demo(map[string]any{"cid-link": cid.Undef}), "Record/cid-link must be a CID"},
		{"cid-link", demo(map[string]any{"cid-link": testDataCID}), ""},
		{"union explicit main", demo(map[string]any{"closedUnion": map[string]any{"$type": "example.lexicon.record#demoObject"}}), ""},
		{"open union unknown type", demo(map[string]any{"union": map[string]any{"$type": "com.example.other", "a": "x"}}), ""},
		{"open union known unlisted type", demo(map[string]any{"union": map[string]any{"$type": "example.lexicon.record#stringFormats", "did": 1}}), ""},
		{"union $type not a string", demo(map[string]any{"union": map[string]any{"$type": int64(1)}}), `Record/union must be an object which includes the "$type" property`},
		{"ref to object", demo(map[string]any{"ref": map[string]any{"a": int64(1), "c": "ignored"}}), ""},
		{"boolean", demo(map[string]any{"boolean": "true"}), "Record/boolean must be a boolean"},
		{"no $type", map[string]any{"integer": int64(1)}, "Record/$type must be a string"},
		{"nil record", nil, "Record must be an object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := cat.ValidateRecord("example.lexicon.record", tc.rec)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || err.Error() != tc.err {
				t.Fatalf("error %v, want %q", err, tc.err)
			}
		})
	}
	if err := cat.ValidateRecord("example.lexicon.nothing", map[string]any{}); !errors.Is(err, lexicon.ErrNotFound) {
		t.Errorf("unknown collection: %v", err)
	}
}

func TestErrorWrapsFormatSentinel(t *testing.T) {
	err := MustEmbedded(t).ValidateRecord("app.bsky.graph.follow", map[string]any{
		"$type": "app.bsky.graph.follow", "subject": "nope", "createdAt": "2024-01-01T00:00:00Z",
	})
	var verr *lexicon.Error
	if !errors.As(err, &verr) || verr.Path != "Record/subject" || verr.Reason != "must be a valid did" || verr.Param {
		t.Fatalf("error %#v", err)
	}
	if !errors.Is(err, lexicon.ErrInvalid) || !errors.Is(err, atp.ErrInvalidDID) {
		t.Errorf("error %v does not wrap ErrInvalid and atp.ErrInvalidDID", err)
	}
}

func TestValidateBodies(t *testing.T) {
	cat := MustEmbedded(t)
	in := map[string]any{"collection": "app.bsky.feed.post", "record": map[string]any{}}
	err := cat.ValidateInput("com.atproto.repo.createRecord", in)
	if err == nil || err.Error() != `Input must have the property "repo"` {
		t.Errorf("createRecord input: %v", err)
	}
	in["repo"] = "alice.test"
	in["validate"] = "yes"
	if err := cat.ValidateInput("com.atproto.repo.createRecord", in); err == nil || err.Error() != "Input/validate must be a boolean" {
		t.Errorf("createRecord input: %v", err)
	}
	in["validate"] = true
	if err := cat.ValidateInput("com.atproto.repo.createRecord", in); err != nil {
		t.Errorf("createRecord input: %v", err)
	}
	if err := cat.ValidateInput("com.atproto.repo.createRecord", nil); err == nil || err.Error() != "Input must be an object" {
		t.Errorf("nil input: %v", err)
	}
	// applyWrites: a closed union inside an array.
	aw := map[string]any{"repo": "alice.test", "writes": []any{
		map[string]any{"$type": "com.atproto.repo.applyWrites#delete", "collection": "app.bsky.feed.post", "rkey": "3l3qo2vutsw2b"},
		map[string]any{"$type": "com.atproto.repo.applyWrites#frobnicate"},
	}}
	err = cat.ValidateInput("com.atproto.repo.applyWrites", aw)
	if err == nil || !strings.HasPrefix(err.Error(), "Input/writes/1 $type must be one of com.atproto.repo.applyWrites#create") {
		t.Errorf("applyWrites input: %v", err)
	}
	// A body that is not described (uploadBlob takes */*) is not checked.
	if err := cat.ValidateInput("com.atproto.repo.uploadBlob", nil); err != nil {
		t.Errorf("uploadBlob input: %v", err)
	}
	out := map[string]any{"uri": "at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l3qo2vutsw2b", "cid": testDataCID.String(),
		"validationStatus": "valid", "commit": map[string]any{"cid": testDataCID.String(), "rev": "3l3qo2vutsw2b"}}
	if err := cat.ValidateOutput("com.atproto.repo.createRecord", out); err != nil {
		t.Errorf("createRecord output: %v", err)
	}
	delete(out["commit"].(map[string]any), "rev")
	if err := cat.ValidateOutput("com.atproto.repo.createRecord", out); err == nil || err.Error() != `Output/commit must have the property "rev"` {
		t.Errorf("createRecord output: %v", err)
	}
	if err := cat.ValidateOutput("com.example.none", out); !errors.Is(err, lexicon.ErrNotFound) {
		t.Errorf("unknown method: %v", err)
	}
	// Validate checks one definition.
	err = cat.Validate("com.atproto.repo.strongRef", map[string]any{"uri": "x"})
	if err == nil || err.Error() != "Object/uri must be a valid at-uri" {
		t.Errorf("Validate strongRef: %v", err)
	}
	err = cat.Validate("app.bsky.actor.profile", map[string]any{"displayName": int64(1)})
	if err == nil || err.Error() != "Record/displayName must be a string" {
		t.Errorf("Validate profile: %v", err)
	}
	if err := cat.Validate("app.bsky.actor.defs#nothing", nil); !errors.Is(err, lexicon.ErrNotFound) {
		t.Errorf("Validate unknown: %v", err)
	}
}

func TestWriteValidation(t *testing.T) {
	cat := MustEmbedded(t)
	yes, no := true, false
	for _, tc := range []struct {
		coll     string
		validate *bool
		check    bool
		status   lexicon.ValidationStatus
		err      string
	}{
		{"app.bsky.feed.post", nil, true, lexicon.StatusValid, ""},
		{"app.bsky.feed.post", &yes, true, lexicon.StatusValid, ""},
		{"app.bsky.feed.post", &no, false, "", ""},
		{"com.example.thing", nil, false, lexicon.StatusUnknown, ""},
		{"com.example.thing", &yes, false, "", "Unknown lexicon type: com.example.thing"},
		{"com.example.thing", &no, false, "", ""},
	} {
		check, status, err := cat.WriteValidation(tc.coll, tc.validate)
		if check != tc.check || status != tc.status || (err == nil) != (tc.err == "") {
			t.Errorf("%s %v: %v %q %v", tc.coll, tc.validate, check, status, err)
		}
		if err != nil && (err.Error() != tc.err || !errors.Is(err, lexicon.ErrInvalid) || !errors.Is(err, lexicon.ErrNotFound)) {
			t.Errorf("%s: error %v", tc.coll, err)
		}
	}

	post := map[string]any{"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2024-01-01T00:00:00Z"}
	tid := mustRKey(t, "3l3qo2vutsw2b")
	if st, err := cat.ValidateWrite("app.bsky.feed.post", tid, post, nil); err != nil || st != lexicon.StatusValid {
		t.Errorf("post: %q %v", st, err)
	}
	if _, err := cat.ValidateWrite("app.bsky.feed.post", mustRKey(t, "self"), post, nil); err == nil ||
		err.Error() != "Invalid record key for app.bsky.feed.post: must be a TID" || !errors.Is(err, atp.ErrInvalidTID) {
		t.Errorf("post with rkey self: %v", err)
	}
	if _, err := cat.ValidateWrite("app.bsky.actor.profile", tid, map[string]any{"$type": "app.bsky.actor.profile"}, nil); err == nil ||
		err.Error() != `Invalid record key for app.bsky.actor.profile: must be "self"` {
		t.Errorf("profile with a TID key: %v", err)
	}
	if _, err := cat.ValidateWrite("com.atproto.lexicon.schema", tid, map[string]any{}, nil); err == nil ||
		err.Error() != "Invalid record key for com.atproto.lexicon.schema: must be an NSID" {
		t.Errorf("schema record with a TID key: %v", err)
	}
	bad := map[string]any{"$type": "app.bsky.feed.post", "text": "hi"}
	if _, err := cat.ValidateWrite("app.bsky.feed.post", atp.RecordKey{}, bad, nil); err == nil {
		t.Error("invalid post accepted")
	}
	if st, err := cat.ValidateWrite("app.bsky.feed.post", mustRKey(t, "self"), bad, &no); err != nil || st != "" {
		t.Errorf("validate=false: %q %v", st, err)
	}
	if st, err := cat.ValidateWrite("com.example.thing", tid, bad, nil); err != nil || st != lexicon.StatusUnknown {
		t.Errorf("unknown collection: %q %v", st, err)
	}
}

func mustRKey(t *testing.T, s string) atp.RecordKey {
	t.Helper()
	k, err := atp.ParseRecordKey(s)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestBodyAccepts(t *testing.T) {
	for _, tc := range []struct {
		enc, ct string
		want    bool
	}{
		{"application/json", "application/json", true},
		{"application/json", "application/json; charset=utf-8", true},
		{"application/json", "Application/JSON", true},
		{"application/json", "text/plain", false},
		{"application/json", "", false},
		{"*/*", "image/png", true},
		{"*/*", "", false},
		{"image/*", "image/png", true},
		{"image/*", "image/", false},
		{"image/*", "video/mp4", false},
		{"application/vnd.ipld.car", "application/vnd.ipld.car", true},
	} {
		if got := (&lexicon.Body{Encoding: tc.enc}).Accepts(tc.ct); got != tc.want {
			t.Errorf("Body{%q}.Accepts(%q) = %v", tc.enc, tc.ct, got)
		}
	}
}

// TestSchemaEdges uses a purpose-made document: recursion depth, tokens
// and references to missing definitions.
func TestSchemaEdges(t *testing.T) {
	doc, err := lexicon.ParseDoc([]byte(`{"lexicon": 1, "id": "com.example.edges", "defs": {
		"main": {"type": "record", "key": "any", "record": {"type": "object", "properties": {
			"node": {"type": "ref", "ref": "#node"},
			"tok": {"type": "ref", "ref": "#tok"},
			"gone": {"type": "ref", "ref": "com.example.gone#thing"},
			"later": {"type": "union", "refs": ["com.example.later"], "closed": true}}}},
		"node": {"type": "object", "properties": {"child": {"type": "ref", "ref": "#node"}}},
		"tok": {"type": "token"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cat := lexicon.NewCatalog()
	if err := cat.Add(doc); err != nil {
		t.Fatal(err)
	}
	if err := cat.Add(doc); !errors.Is(err, lexicon.ErrSchema) {
		t.Errorf("second Add: %v", err)
	}
	if err := lexicon.NewCatalog().Add(doc); err == nil || !strings.Contains(err.Error(), "another catalog") {
		t.Errorf("Add to a second catalog: %v", err)
	}
	rec := func(k string, v any) map[string]any { return map[string]any{"$type": "com.example.edges", k: v} }
	node := map[string]any{}
	for range 40 {
		node = map[string]any{"child": node}
	}
	if err := cat.ValidateRecord("com.example.edges", rec("node", node)); err != nil {
		t.Errorf("40 levels: %v", err)
	}
	for range 40 {
		node = map[string]any{"child": node}
	}
	if err := cat.ValidateRecord("com.example.edges", rec("node", node)); err == nil || !strings.HasSuffix(err.Error(), "is nested too deeply") {
		t.Errorf("80 levels: %v", err)
	}
	if err := cat.ValidateRecord("com.example.edges", rec("tok", map[string]any{})); err == nil {
		t.Error("data accepted for a token")
	}
	err = cat.ValidateRecord("com.example.edges", rec("gone", map[string]any{}))
	if !errors.Is(err, lexicon.ErrNotFound) || err.Error() != "Record/gone refers to a missing definition: com.example.gone#thing" {
		t.Errorf("missing ref: %v", err)
	}
	later := rec("later", map[string]any{"$type": "com.example.later", "n": "x"})
	if err := cat.ValidateRecord("com.example.edges", later); !errors.Is(err, lexicon.ErrNotFound) {
		t.Errorf("missing union member: %v", err)
	}
	if got := strings.Join(cat.MissingRefs(), ","); got != "com.example.gone#thing,com.example.later" {
		t.Errorf("MissingRefs() = %s", got)
	}
	// Adding the missing document resolves the union member.
	doc2, err := lexicon.ParseDoc([]byte(`{"lexicon": 1, "id": "com.example.later", "defs": {"main": {"type": "object",
		"properties": {"n": {"type": "integer"}}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := cat.Add(doc2); err != nil {
		t.Fatal(err)
	}
	if err := cat.ValidateRecord("com.example.edges", later); err == nil || err.Error() != "Record/later/n must be an integer" {
		t.Errorf("resolved union member: %v", err)
	}
	if got := strings.Join(cat.MissingRefs(), ","); got != "com.example.gone#thing" {
		t.Errorf("MissingRefs() = %s", got)
	}
}
