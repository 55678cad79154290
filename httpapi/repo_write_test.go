package httpapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

func TestRepoCreateRecord(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	before := n.Events.HighWater()

	rec := rpPost("hello")
	delete(rec, "$type") // filled in from the collection
	out := n.rpCreate(t, a, "app.bsky.feed.post", rec)
	uri := rpStr(t, out, "uri")
	if !strings.HasPrefix(uri, "at://"+a.DID.String()+"/app.bsky.feed.post/") {
		t.Fatalf("uri %s", uri)
	}
	if out["validationStatus"] != "valid" {
		t.Errorf("validationStatus %v", out["validationStatus"])
	}
	head, err := n.Registry.Head(context.Background(), a.DID)
	if err != nil {
		t.Fatal(err)
	}
	commit := out["commit"].(map[string]any)
	if commit["cid"] != head.Commit.String() || commit["rev"] != head.Rev.String() {
		t.Errorf("commit %v, head %s %s", commit, head.Commit, head.Rev)
	}
	rkey := uri[strings.LastIndexByte(uri, '/')+1:]
	if ops := n.rpCommitOps(t, before); len(ops) != 1 || ops[0] != "create app.bsky.feed.post/"+rkey {
		t.Errorf("firehose ops %v", ops)
	}

	// The stored record carries the filled-in $type.
	got := n.query(t, "com.atproto.repo.getRecord", "repo="+a.DID.String()+"&collection=app.bsky.feed.post&rkey="+rkey, "")
	expect(t, got, http.StatusOK, "")
	g := got.JSON(t)
	if g["cid"] != out["cid"] || g["value"].(map[string]any)["$type"] != "app.bsky.feed.post" {
		t.Errorf("getRecord %s", got.Body)
	}

	// An explicit rkey, by handle; then the same rkey again.
	body := map[string]any{"repo": "alice.test", "collection": "app.bsky.feed.post", "rkey": "3jzfcijpj2z2a", "record": rpPost("x")}
	r := n.procedure(t, "com.atproto.repo.createRecord", body, a.Access)
	expect(t, r, http.StatusOK, "")
	if rpStr(t, r.JSON(t), "uri") != "at://"+a.DID.String()+"/app.bsky.feed.post/3jzfcijpj2z2a" {
		t.Errorf("uri %s", r.Body)
	}
	expect(t, n.procedure(t, "com.atproto.repo.createRecord", body, a.Access), http.StatusBadRequest, "InvalidRequest")
}

func TestRepoCreateRecordValidation(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	yes, no := true, false
	long := rpPost(strings.Repeat("é", 301))
	noDate := map[string]any{"$type": "app.bsky.feed.post", "text": "hi"}
	custom := map[string]any{"$type": "com.example.thing", "anything": "goes"}
	for _, tc := range []struct {
		name     string
		coll     string
		rkey     string
		rec      map[string]any
		validate *bool
		status   int
		errName  string
		message  string
		vstatus  any
	}{
		{name: "valid", coll: "app.bsky.feed.post", rec: rpPost("ok"), status: 200, vstatus: "valid"},
		{name: "valid, validate true", coll: "app.bsky.feed.post", rec: rpPost("ok"), validate: &yes, status: 200, vstatus: "valid"},
		{name: "valid, validate false", coll: "app.bsky.feed.post", rec: rpPost("ok"), validate: &no, status: 200, vstatus: nil},
		{name: "too long", coll: "app.bsky.feed.post", rec: long, status: 400, errName: "InvalidRequest",
			message: "Invalid app.bsky.feed.post record: Record/text must not be longer than 300 graphemes"},
		{name: "missing property", coll: "app.bsky.feed.post", rec: noDate, status: 400, errName: "InvalidRequest",
			message: `Invalid app.bsky.feed.post record: Record must have the property "createdAt"`},
		{name: "invalid, validate false", coll: "app.bsky.feed.post", rec: noDate, validate: &no, status: 200, vstatus: nil},
		{name: "unknown, unset", coll: "com.example.thing", rec: custom, status: 200, vstatus: "unknown"},
		{name: "unknown, validate true", coll: "com.example.thing", rec: custom, validate: &yes, status: 400,
			errName: "InvalidRequest", message: "Unknown lexicon type: com.example.thing"},
		{name: "unknown, validate false", coll: "com.example.thing", rec: custom, validate: &no, status: 200, vstatus: nil},
		{name: "type mismatch", coll: "app.bsky.feed.like", rec: rpPost("x"), status: 400, errName: "InvalidRequest",
			message: "Invalid $type: expected app.bsky.feed.like, got app.bsky.feed.post"},
		{name: "type mismatch, validate false", coll: "app.bsky.feed.like", rec: rpPost("x"), validate: &no, status: 400,
			errName: "InvalidRequest", message: "Invalid $type: expected app.bsky.feed.like, got app.bsky.feed.post"},
		{name: "literal key needed", coll: "app.bsky.actor.profile", rec: map[string]any{"displayName": "A"}, status: 400,
			errName: "InvalidRequest", message: `Invalid record key for app.bsky.actor.profile: must be "self"`},
		{name: "wrong literal key", coll: "app.bsky.actor.profile", rkey: "me", rec: map[string]any{"displayName": "A"},
			status: 400, errName: "InvalidRequest", message: `Invalid record key for app.bsky.actor.profile: must be "self"`},
		{name: "literal key", coll: "app.bsky.actor.profile", rkey: "self", rec: map[string]any{"displayName": "A"},
			status: 200, vstatus: "valid"},
		{name: "legacy blob", coll: "com.example.thing", rec: map[string]any{"img": map[string]any{
			"cid": "bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy", "mimeType": "image/png"}},
			status: 400, errName: "InvalidRequest", message: "Legacy blobs are not allowed (bafkreibme22gw2h7y2h7tg2fhqotaqjucnbc24deqo72b6mkl2egezxhvy)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			body := map[string]any{"repo": a.DID.String(), "collection": tc.coll, "record": tc.rec}
			if tc.validate != nil {
				body["validate"] = *tc.validate
			}
			if tc.rkey != "" {
				body["rkey"] = tc.rkey
			}
			r := n.procedure(t, "com.atproto.repo.createRecord", body, a.Access)
			expect(t, r, tc.status, tc.errName)
			m := r.JSON(t)
			if tc.message != "" && m["message"] != tc.message {
				t.Errorf("message %q, want %q", m["message"], tc.message)
			}
			if tc.status == 200 && m["validationStatus"] != tc.vstatus {
				t.Errorf("validationStatus %v, want %v", m["validationStatus"], tc.vstatus)
			}
		})
	}
}

func TestRepoWriteAuth(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	b := n.mustAccount(t, "bob.test")
	body := map[string]any{"repo": a.DID.String(), "collection": "app.bsky.feed.post", "record": rpPost("x")}
	expect(t, n.procedure(t, "com.atproto.repo.createRecord", body, ""), http.StatusUnauthorized, "AuthMissing")
	r := n.procedure(t, "com.atproto.repo.createRecord", body, b.Access)
	expect(t, r, http.StatusUnauthorized, "AuthenticationRequired")
	if r.Header.Get("WWW-Authenticate") == "" {
		t.Error("no WWW-Authenticate")
	}
	for _, nsid := range []string{"com.atproto.repo.putRecord", "com.atproto.repo.deleteRecord"} {
		r := n.procedure(t, nsid, map[string]any{"repo": a.DID.String(), "collection": "app.bsky.feed.post",
			"rkey": "3jzfcijpj2z2a", "record": rpPost("x")}, b.Access)
		expect(t, r, http.StatusUnauthorized, "AuthenticationRequired")
	}
	r = n.procedure(t, "com.atproto.repo.applyWrites", map[string]any{"repo": a.DID.String(), "writes": []any{}}, b.Access)
	expect(t, r, http.StatusUnauthorized, "AuthenticationRequired")
	body["repo"] = "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"
	expect(t, n.procedure(t, "com.atproto.repo.createRecord", body, a.Access), http.StatusForbidden, "AccountNotFound")
	body["repo"] = "nobody.test"
	expect(t, n.procedure(t, "com.atproto.repo.createRecord", body, a.Access), http.StatusForbidden, "AccountNotFound")
	// A record body over the reference's 1 MB JSON limit.
	body["repo"] = a.DID.String()
	body["record"] = rpPost(strings.Repeat("a", 1_000_001))
	expect(t, n.procedure(t, "com.atproto.repo.createRecord", body, a.Access), http.StatusRequestEntityTooLarge, "PayloadTooLargeError")
}

func TestRepoPutRecord(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	put := func(rec map[string]any, extra map[string]any) response {
		body := map[string]any{"repo": a.DID.String(), "collection": "app.bsky.actor.profile", "rkey": "self", "record": rec}
		for k, v := range extra {
			body[k] = v
		}
		return n.procedure(t, "com.atproto.repo.putRecord", body, a.Access)
	}
	profile := func(name string) map[string]any {
		return map[string]any{"$type": "app.bsky.actor.profile", "displayName": name}
	}

	// Creating with swapRecord null (must not exist) works.
	before := n.Events.HighWater()
	r := put(profile("A"), map[string]any{"swapRecord": nil})
	expect(t, r, http.StatusOK, "")
	first := r.JSON(t)
	if first["commit"] == nil || first["validationStatus"] != "valid" {
		t.Fatalf("put: %s", r.Body)
	}
	if ops := n.rpCommitOps(t, before); len(ops) != 1 || ops[0] != "create app.bsky.actor.profile/self" {
		t.Errorf("ops %v", ops)
	}
	cid1 := rpStr(t, first, "cid")

	// The same record again changes nothing: no commit, no event.
	before = n.Events.HighWater()
	r = put(profile("A"), nil)
	expect(t, r, http.StatusOK, "")
	if m := r.JSON(t); m["commit"] != nil || m["cid"] != cid1 {
		t.Errorf("no-op put: %s", r.Body)
	}
	if n.Events.HighWater() != before {
		t.Error("no-op put emitted an event")
	}

	// swapRecord null on an existing record, and a stale swapRecord.
	r = put(profile("B"), map[string]any{"swapRecord": nil})
	expect(t, r, http.StatusBadRequest, "InvalidSwap")
	if m := r.JSON(t); m["message"] != "Record was at "+cid1 {
		t.Errorf("message %v", m["message"])
	}
	stale := "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
	expect(t, put(profile("B"), map[string]any{"swapRecord": stale}), http.StatusBadRequest, "InvalidSwap")

	// An update with the right swapRecord.
	before = n.Events.HighWater()
	r = put(profile("B"), map[string]any{"swapRecord": cid1})
	expect(t, r, http.StatusOK, "")
	if ops := n.rpCommitOps(t, before); len(ops) != 1 || ops[0] != "update app.bsky.actor.profile/self" {
		t.Errorf("ops %v", ops)
	}

	// A stale swapCommit.
	r = put(profile("C"), map[string]any{"swapCommit": stale})
	expect(t, r, http.StatusBadRequest, "InvalidSwap")
	head, _ := n.Registry.Head(context.Background(), a.DID)
	if m := r.JSON(t); m["message"] != "Commit was at "+head.Commit.String() {
		t.Errorf("message %v", m["message"])
	}
	expect(t, put(profile("C"), map[string]any{"swapCommit": head.Commit.String()}), http.StatusOK, "")
	// Validation applies to puts too.
	expect(t, put(map[string]any{"displayName": strings.Repeat("x", 700)}, nil), http.StatusBadRequest, "InvalidRequest")
}

func TestRepoDeleteRecord(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	out := n.rpCreate(t, a, "app.bsky.feed.post", rpPost("bye"))
	uri := rpStr(t, out, "uri")
	rkey := uri[strings.LastIndexByte(uri, '/')+1:]
	del := func(extra map[string]any) response {
		body := map[string]any{"repo": a.DID.String(), "collection": "app.bsky.feed.post", "rkey": rkey}
		for k, v := range extra {
			body[k] = v
		}
		return n.procedure(t, "com.atproto.repo.deleteRecord", body, a.Access)
	}
	stale := "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"
	r := del(map[string]any{"swapRecord": stale})
	expect(t, r, http.StatusBadRequest, "InvalidSwap")
	if m := r.JSON(t); m["message"] != "Record was at "+out["cid"].(string) {
		t.Errorf("message %v", m["message"])
	}
	before := n.Events.HighWater()
	r = del(map[string]any{"swapRecord": out["cid"]})
	expect(t, r, http.StatusOK, "")
	if r.JSON(t)["commit"] == nil {
		t.Errorf("no commit: %s", r.Body)
	}
	if ops := n.rpCommitOps(t, before); len(ops) != 1 || ops[0] != "delete app.bsky.feed.post/"+rkey {
		t.Errorf("ops %v", ops)
	}
	// Deleting it again is a no-op, whatever the swaps.
	before = n.Events.HighWater()
	r = del(map[string]any{"swapRecord": stale, "swapCommit": stale})
	expect(t, r, http.StatusOK, "")
	if string(r.Body) != "{}" {
		t.Errorf("no-op delete: %s", r.Body)
	}
	if n.Events.HighWater() != before {
		t.Error("no-op delete emitted an event")
	}
	got := n.query(t, "com.atproto.repo.getRecord", "repo="+a.DID.String()+"&collection=app.bsky.feed.post&rkey="+rkey, "")
	expect(t, got, http.StatusBadRequest, "RecordNotFound")
}

func TestRepoApplyWrites(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	old := n.rpCreate(t, a, "app.bsky.feed.post", rpPost("old"))
	oldKey := rpStr(t, old, "uri")[strings.LastIndexByte(rpStr(t, old, "uri"), '/')+1:]
	prof := n.procedure(t, "com.atproto.repo.putRecord", map[string]any{"repo": a.DID.String(),
		"collection": "app.bsky.actor.profile", "rkey": "self", "record": map[string]any{"displayName": "A"}}, a.Access)
	expect(t, prof, http.StatusOK, "")

	before := n.Events.HighWater()
	r := n.procedure(t, "com.atproto.repo.applyWrites", map[string]any{
		"repo": a.DID.String(),
		"writes": []any{
			map[string]any{"$type": "com.atproto.repo.applyWrites#create", "collection": "app.bsky.feed.post", "value": rpPost("new")},
			map[string]any{"$type": "com.atproto.repo.applyWrites#create", "collection": "com.example.thing", "rkey": "k1",
				"value": map[string]any{"x": 1}},
			map[string]any{"$type": "com.atproto.repo.applyWrites#update", "collection": "app.bsky.actor.profile", "rkey": "self",
				"value": map[string]any{"displayName": "B"}},
			map[string]any{"$type": "com.atproto.repo.applyWrites#delete", "collection": "app.bsky.feed.post", "rkey": oldKey},
		},
	}, a.Access)
	expect(t, r, http.StatusOK, "")
	m := r.JSON(t)
	results := m["results"].([]any)
	if len(results) != 4 || m["commit"] == nil {
		t.Fatalf("applyWrites: %s", r.Body)
	}
	wantTypes := []string{"#createResult", "#createResult", "#updateResult", "#deleteResult"}
	wantStatus := []any{"valid", "unknown", "valid", nil}
	for i, res := range results {
		res := res.(map[string]any)
		if res["$type"] != "com.atproto.repo.applyWrites"+wantTypes[i] || res["validationStatus"] != wantStatus[i] {
			t.Errorf("result %d: %v", i, res)
		}
		if i < 3 && (res["uri"] == nil || res["cid"] == nil) {
			t.Errorf("result %d: %v", i, res)
		}
		if i == 3 && len(res) != 1 {
			t.Errorf("delete result %v", res)
		}
	}
	ops := n.rpCommitOps(t, before)
	if len(ops) != 4 || ops[1] != "create com.example.thing/k1" || ops[2] != "update app.bsky.actor.profile/self" ||
		ops[3] != "delete app.bsky.feed.post/"+oldKey {
		t.Errorf("ops %v", ops)
	}

	apply := func(writes []any, extra map[string]any) response {
		body := map[string]any{"repo": a.DID.String(), "writes": writes}
		for k, v := range extra {
			body[k] = v
		}
		return n.procedure(t, "com.atproto.repo.applyWrites", body, a.Access)
	}
	create := map[string]any{"$type": "com.atproto.repo.applyWrites#create", "collection": "app.bsky.feed.post", "value": rpPost("x")}
	many := make([]any, 201)
	for i := range many {
		many[i] = create
	}
	r = apply(many, nil)
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	if r.JSON(t)["message"] != "Too many writes. Max: 200" {
		t.Errorf("message %s", r.Body)
	}
	expect(t, apply(many[:200], nil), http.StatusOK, "")
	// Updating or deleting a missing record, an invalid record, a stale commit.
	expect(t, apply([]any{map[string]any{"$type": "com.atproto.repo.applyWrites#update", "collection": "app.bsky.feed.post",
		"rkey": "3jzfcijpj2z2a", "value": rpPost("x")}}, nil), http.StatusBadRequest, "InvalidRequest")
	expect(t, apply([]any{map[string]any{"$type": "com.atproto.repo.applyWrites#delete", "collection": "app.bsky.feed.post",
		"rkey": "3jzfcijpj2z2a"}}, nil), http.StatusBadRequest, "InvalidRequest")
	r = apply([]any{create, map[string]any{"$type": "com.atproto.repo.applyWrites#create", "collection": "app.bsky.feed.post",
		"value": map[string]any{"text": 5}}}, nil)
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	if msg, _ := r.JSON(t)["message"].(string); !strings.HasPrefix(msg, "Invalid app.bsky.feed.post record: ") {
		t.Errorf("message %q", msg)
	}
	expect(t, apply([]any{create}, map[string]any{"swapCommit": rpStr(t, old, "cid")}), http.StatusBadRequest, "InvalidSwap")
	expect(t, apply([]any{map[string]any{"$type": "com.atproto.repo.applyWrites#bogus"}}, nil), http.StatusBadRequest, "InvalidRequest")
}

func TestRepoWriteInactive(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	n.rpDeactivate(t, a)
	body := map[string]any{"repo": a.DID.String(), "collection": "app.bsky.feed.post", "record": rpPost("x")}
	expect(t, n.procedure(t, "com.atproto.repo.createRecord", body, a.Access), http.StatusUnauthorized, "AccountDeactivated")
	// Reads leave out deactivated repositories.
	r := n.query(t, "com.atproto.repo.listRecords", "repo="+a.DID.String()+"&collection=app.bsky.feed.post", "")
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	r = n.query(t, "com.atproto.repo.describeRepo", "repo="+a.DID.String(), "")
	expect(t, r, http.StatusBadRequest, "RepoDeactivated")
}
