package httpapi_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestRepoGetRecord(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	out := n.rpCreate(t, a, "app.bsky.feed.post", rpPost("hello"))
	uri, cid := rpStr(t, out, "uri"), rpStr(t, out, "cid")
	rkey := uri[strings.LastIndexByte(uri, '/')+1:]
	get := func(repo, rkey, cid string) response {
		q := url.Values{"repo": {repo}, "collection": {"app.bsky.feed.post"}, "rkey": {rkey}}
		if cid != "" {
			q.Set("cid", cid)
		}
		return n.query(t, "com.atproto.repo.getRecord", q.Encode(), "")
	}
	for _, repo := range []string{a.DID.String(), "alice.test", "ALICE.test"} {
		r := get(repo, rkey, "")
		expect(t, r, http.StatusOK, "")
		m := r.JSON(t)
		if m["uri"] != uri || m["cid"] != cid || m["value"].(map[string]any)["text"] != "hello" {
			t.Errorf("getRecord(%s): %s", repo, r.Body)
		}
		if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
			t.Errorf("Content-Type %q", ct)
		}
	}
	expect(t, get(a.DID.String(), rkey, cid), http.StatusOK, "")

	r := get(a.DID.String(), rkey, "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm")
	expect(t, r, http.StatusBadRequest, "RecordNotFound")
	if m := r.JSON(t); m["message"] != "Could not locate record: "+uri {
		t.Errorf("message %v", m["message"])
	}
	expect(t, get(a.DID.String(), "3jzfcijpj2z2a", ""), http.StatusBadRequest, "RecordNotFound")
	r = get("nobody.test", rkey, "")
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	if m := r.JSON(t); m["message"] != "Could not locate record" {
		t.Errorf("message %v", m["message"])
	}
	expect(t, get("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", rkey, ""), http.StatusBadRequest, "InvalidRequest")
	expect(t, get("not a repo", rkey, ""), http.StatusBadRequest, "InvalidRequest")
}

func TestRepoListRecords(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	var keys []string // in creation order, which is key order (TIDs)
	for i := range 7 {
		out := n.rpCreate(t, a, "app.bsky.feed.post", rpPost(fmt.Sprint("post ", i)))
		uri := rpStr(t, out, "uri")
		keys = append(keys, uri[strings.LastIndexByte(uri, '/')+1:])
	}
	n.rpCreate(t, a, "app.bsky.feed.like", map[string]any{"createdAt": "2024-01-01T00:00:00.000Z",
		"subject": map[string]any{"uri": "at://" + a.DID.String() + "/app.bsky.feed.post/" + keys[0], "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"}})

	page := func(reverse bool) []string {
		var got []string
		cursor := ""
		for range 10 {
			q := url.Values{"repo": {"alice.test"}, "collection": {"app.bsky.feed.post"}, "limit": {"3"}}
			if reverse {
				q.Set("reverse", "true")
			}
			if cursor != "" {
				q.Set("cursor", cursor)
			}
			r := n.query(t, "com.atproto.repo.listRecords", q.Encode(), "")
			expect(t, r, http.StatusOK, "")
			m := r.JSON(t)
			recs := m["records"].([]any)
			for _, rec := range recs {
				rec := rec.(map[string]any)
				u := rpStr(t, rec, "uri")
				if !strings.HasPrefix(u, "at://"+a.DID.String()+"/app.bsky.feed.post/") || rec["cid"] == nil || rec["value"] == nil {
					t.Fatalf("record %v", rec)
				}
				got = append(got, u[strings.LastIndexByte(u, '/')+1:])
			}
			c, ok := m["cursor"].(string)
			if len(recs) > 0 && (!ok || c != got[len(got)-1]) {
				t.Fatalf("cursor %v after %v", m["cursor"], got)
			}
			if len(recs) == 0 {
				if ok {
					t.Fatalf("cursor %q on an empty page", c)
				}
				return got
			}
			cursor = c
		}
		t.Fatal("paging did not end")
		return nil
	}
	desc := page(false)
	asc := page(true)
	if len(desc) != 7 || len(asc) != 7 {
		t.Fatalf("desc %v asc %v", desc, asc)
	}
	for i := range keys {
		if asc[i] != keys[i] || desc[i] != keys[len(keys)-1-i] {
			t.Fatalf("keys %v, desc %v, asc %v", keys, desc, asc)
		}
	}
	// Default limit, an empty collection, an unknown repository.
	r := n.query(t, "com.atproto.repo.listRecords", "repo="+a.DID.String()+"&collection=app.bsky.feed.post", "")
	expect(t, r, http.StatusOK, "")
	if len(r.JSON(t)["records"].([]any)) != 7 {
		t.Errorf("default page: %s", r.Body)
	}
	r = n.query(t, "com.atproto.repo.listRecords", "repo="+a.DID.String()+"&collection=app.bsky.graph.follow", "")
	expect(t, r, http.StatusOK, "")
	if string(r.Body) != `{"records":[]}` {
		t.Errorf("empty collection: %s", r.Body)
	}
	r = n.query(t, "com.atproto.repo.listRecords", "repo=nobody.test&collection=app.bsky.feed.post", "")
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	if m := r.JSON(t); m["message"] != "Could not find repo: nobody.test" {
		t.Errorf("message %v", m["message"])
	}
	expect(t, n.query(t, "com.atproto.repo.listRecords", "repo=alice.test&collection=app.bsky.feed.post&limit=101", ""),
		http.StatusBadRequest, "InvalidRequest")
}

func TestRepoDescribeRepo(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	n.rpCreate(t, a, "app.bsky.feed.post", rpPost("x"))
	n.rpCreate(t, a, "com.example.thing", map[string]any{"a": 1})
	for _, repo := range []string{"alice.test", a.DID.String()} {
		r := n.query(t, "com.atproto.repo.describeRepo", "repo="+repo, "")
		expect(t, r, http.StatusOK, "")
		m := r.JSON(t)
		if m["handle"] != "alice.test" || m["did"] != a.DID.String() || m["handleIsCorrect"] != true {
			t.Errorf("describeRepo: %s", r.Body)
		}
		if doc, _ := m["didDoc"].(map[string]any); doc["id"] != a.DID.String() {
			t.Errorf("didDoc %v", m["didDoc"])
		}
		if fmt.Sprint(m["collections"]) != "[app.bsky.feed.post com.example.thing]" {
			t.Errorf("collections %v", m["collections"])
		}
	}
	expect(t, n.query(t, "com.atproto.repo.describeRepo", "repo=nobody.test", ""), http.StatusBadRequest, "RepoNotFound")
}
