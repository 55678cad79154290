package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"
	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/mst"
	"github.com/boltsky/boltsky/repo"
)

var postColl, _ = atp.ParseNSID("app.bsky.feed.post")

// writePosts creates n posts directly through the registry.
func (n *testNode) writePosts(tb testing.TB, a *testAccount, count int) []*actor.WriteResult {
	tb.Helper()
	var out []*actor.WriteResult
	for i := range count {
		rec, err := dagcbor.Marshal(map[string]any{"$type": "app.bsky.feed.post", "text": fmt.Sprint("post ", i),
			"createdAt": "2024-01-01T00:00:00.000Z"})
		if err != nil {
			tb.Fatal(err)
		}
		res, err := n.Registry.Write(context.Background(), a.DID, actor.WriteRequest{Writes: []actor.Write{{
			Action: actor.Create, Collection: postColl, Record: rec}}})
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, res)
	}
	return out
}

func TestSyncGetRepo(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	first := n.writePosts(t, a, 30)
	r := n.query(t, "com.atproto.sync.getRepo", "did="+a.DID.String(), "")
	expect(t, r, 200, "")
	if ct := r.Header.Get("Content-Type"); ct != "application/vnd.ipld.car" {
		t.Fatalf("content type %q", ct)
	}
	loaded, err := repo.LoadCAR(bytes.NewReader(r.Body), repo.LoadOptions{DID: a.DID, Key: a.Key.Public()})
	if err != nil {
		t.Fatal(err)
	}
	if len(loaded.Records) != 30 {
		t.Fatalf("%d records, want 30", len(loaded.Records))
	}
	old := map[cid.Cid][]byte{}
	for _, rec := range loaded.Records {
		b, _ := loaded.Blocks.Get(rec.CID)
		old[rec.CID] = b
	}
	mst.WalkNodes(loaded, loaded.Commit.Data, func(c cid.Cid, data []byte, _ []cid.Cid) error {
		old[c] = append([]byte(nil), data...)
		return nil
	})
	since := first[len(first)-1].Rev
	n.writePosts(t, a, 5)
	r = n.query(t, "com.atproto.sync.getRepo", "did="+a.DID.String()+"&since="+since.String(), "")
	expect(t, r, 200, "")
	roots, diff, err := car.ReadAll(bytes.NewReader(r.Body), car.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff.Len() >= len(old) {
		t.Fatalf("diff has %d blocks, the old repo %d: not a diff", diff.Len(), len(old))
	}
	for c := range old {
		if _, dup := diff.Get(c); dup {
			t.Fatalf("diff repeats old block %s", c)
		}
	}
	if _, ok := diff.Get(roots[0]); !ok {
		t.Fatal("diff lacks its root commit")
	}
	// Every block of the current repository is in old ∪ diff.
	full := n.query(t, "com.atproto.sync.getRepo", "did="+a.DID.String(), "")
	cur, err := repo.LoadCAR(bytes.NewReader(full.Body), repo.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range cur.Records {
		if _, ok := old[rec.CID]; ok {
			continue
		}
		if _, ok := diff.Get(rec.CID); !ok {
			t.Fatalf("record %s is neither old nor in the diff", rec.Path)
		}
	}
	err = mst.WalkNodes(cur, cur.Commit.Data, func(c cid.Cid, _ []byte, _ []cid.Cid) error {
		if _, ok := old[c]; ok {
			return nil
		}
		if _, ok := diff.Get(c); !ok {
			return fmt.Errorf("node %s is neither old nor in the diff", c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, n.query(t, "com.atproto.sync.getRepo", "did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", ""), 400, "RepoNotFound")
	expect(t, n.query(t, "com.atproto.sync.getRepo", "did="+a.DID.String()+"&since=nope", ""), 400, "InvalidRequest")
}

type memBlocks map[cid.Cid][]byte

func (m memBlocks) GetBlock(c cid.Cid) ([]byte, error) {
	if b, ok := m[c]; ok {
		return b, nil
	}
	return nil, mst.ErrBlockNotFound
}

func TestSyncSmallQueries(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	b := n.mustAccount(t, "bob.test")
	res := n.writePosts(t, a, 3)
	last := res[len(res)-1]

	lc := n.query(t, "com.atproto.sync.getLatestCommit", "did="+a.DID.String(), "").JSON(t)
	if lc["cid"] != last.Commit.String() || lc["rev"] != last.Rev.String() {
		t.Fatalf("getLatestCommit %v", lc)
	}
	st := n.query(t, "com.atproto.sync.getRepoStatus", "did="+a.DID.String(), "").JSON(t)
	if st["active"] != true || st["rev"] != last.Rev.String() {
		t.Fatalf("getRepoStatus %v", st)
	}
	// listRepos pages with limit 1.
	seen := map[string]bool{}
	cursor := ""
	for range 5 {
		q := "limit=1"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		page := n.query(t, "com.atproto.sync.listRepos", q, "").JSON(t)
		for _, r := range page["repos"].([]any) {
			seen[r.(map[string]any)["did"].(string)] = true
		}
		c, _ := page["cursor"].(string)
		if c == "" {
			break
		}
		cursor = c
	}
	if !seen[a.DID.String()] || !seen[b.DID.String()] || len(seen) != 2 {
		t.Fatalf("listRepos saw %v", seen)
	}

	// getRecord proofs: present and absent keys verify against the commit.
	for _, rkey := range []string{last.URIs[0].RecordKey().String(), "3zzzzzzzzzzzz"} {
		r := n.query(t, "com.atproto.sync.getRecord", "did="+a.DID.String()+"&collection=app.bsky.feed.post&rkey="+rkey, "")
		expect(t, r, 200, "")
		roots, blocks, err := car.ReadAll(bytes.NewReader(r.Body), car.Options{})
		if err != nil {
			t.Fatal(err)
		}
		cb, _ := blocks.Get(roots[0])
		commit, err := repo.DecodeCommit(cb)
		if err != nil || commit.Verify(a.Key.Public()) != nil {
			t.Fatalf("proof commit: %v", err)
		}
		got, ok, err := mst.Load(carBlocks{blocks}, commit.Data).Get("app.bsky.feed.post/" + rkey)
		if err != nil {
			t.Fatalf("proof of %s incomplete: %v", rkey, err)
		}
		if ok != (rkey != "3zzzzzzzzzzzz") {
			t.Fatalf("proof of %s: present=%v", rkey, ok)
		}
		if ok {
			if _, has := blocks.Get(got); !has {
				t.Fatal("proof lacks the record")
			}
		}
	}

	r := n.query(t, "com.atproto.sync.getBlocks", "did="+a.DID.String()+"&cids="+last.Commit.String(), "")
	expect(t, r, 200, "")
	r = n.query(t, "com.atproto.sync.getBlocks", "did="+a.DID.String()+"&cids=bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm", "")
	expect(t, r, 400, "InvalidRequest")

	// A deactivated repository is not served to others, but its status is.
	err := n.Registry.UpdateState(context.Background(), b.DID, func(s *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		s.Status = kv.StatusDeactivated
		return []actor.StateEvent{actor.EmitAccount}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	expect(t, n.query(t, "com.atproto.sync.getRepo", "did="+b.DID.String(), ""), 400, "RepoDeactivated")
	expect(t, n.query(t, "com.atproto.sync.getRepo", "did="+b.DID.String(), b.Access), 200, "")
	st = n.query(t, "com.atproto.sync.getRepoStatus", "did="+b.DID.String(), "").JSON(t)
	if st["active"] != false || st["status"] != "deactivated" {
		t.Fatalf("getRepoStatus %v", st)
	}
}

type carBlocks struct{ b *car.Blocks }

func (c carBlocks) GetBlock(id cid.Cid) ([]byte, error) {
	if d, ok := c.b.Get(id); ok {
		return d, nil
	}
	return nil, mst.ErrBlockNotFound
}

func TestSubscribeReposWebsocket(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	n.writePosts(t, a, 3)
	wsURL := strings.Replace(n.URL, "http://", "ws://", 1) + "/xrpc/com.atproto.sync.subscribeRepos"
	conn, _, err := websocket.DefaultDialer.Dial(wsURL+"?cursor=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	var kinds []string
	for range 7 { // identity, account, genesis commit, sync, 3 posts
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatal(err)
		}
		r := dagcbor.NewReader(msg)
		if err := r.Skip(); err != nil {
			t.Fatal(err)
		}
		hdr, _ := dagcbor.Unmarshal(msg[:r.Offset()])
		kinds = append(kinds, hdr.(map[string]any)["t"].(string))
	}
	want := "#identity #account #commit #sync #commit #commit #commit"
	if strings.Join(kinds, " ") != want {
		t.Fatalf("frames %v, want %s", kinds, want)
	}
	// Live: a new post arrives.
	n.writePosts(t, a, 1)
	if _, _, err := conn.ReadMessage(); err != nil {
		t.Fatal(err)
	}

	// A future cursor gets the error frame, then the close.
	future, _, err := websocket.DefaultDialer.Dial(wsURL+"?cursor=999999", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer future.Close()
	future.SetReadDeadline(time.Now().Add(10 * time.Second))
	_, msg, err := future.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	r := dagcbor.NewReader(msg)
	r.Skip()
	body, _ := dagcbor.Unmarshal(msg[r.Offset():])
	if body.(map[string]any)["error"] != "FutureCursor" {
		t.Fatalf("future cursor frame %v", body)
	}
	if _, _, err := future.ReadMessage(); err == nil {
		t.Fatal("connection stayed open after the error frame")
	}
	// Without an upgrade the method answers 426; with POST, 405.
	expect(t, n.query(t, "com.atproto.sync.subscribeRepos", "", ""), 426, "")
	expect(t, n.procedure(t, "com.atproto.sync.subscribeRepos", nil, ""), 405, "")
}
