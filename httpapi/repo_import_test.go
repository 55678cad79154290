package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/mst"
	"github.com/boltsky/boltsky/repo"
)

// rpTxBlocks reads repository blocks from an account transaction.
type rpTxBlocks struct{ tx *kv.AccountTx }

func (b rpTxBlocks) GetBlock(c cid.Cid) ([]byte, error) {
	data, err := b.tx.Block(c)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", mst.ErrBlockNotFound, c)
	}
	return data, err
}

// rpExport returns a's whole repository as a CAR.
func (n *testNode) rpExport(tb testing.TB, a *testAccount) []byte {
	tb.Helper()
	var buf bytes.Buffer
	err := n.Registry.View(context.Background(), a.DID, func(tx *kv.AccountTx) error {
		head, err := tx.Head()
		if err != nil {
			return err
		}
		return repo.WriteCAR(&buf, rpTxBlocks{tx}, head.Commit)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// rpImport posts a CAR to importRepo.
func (n *testNode) rpImport(tb testing.TB, token, ct string, car []byte) response {
	tb.Helper()
	h := map[string]string{"Authorization": "Bearer " + token}
	if ct != "" {
		h["Content-Type"] = ct
	}
	return n.request(tb, "POST", "/xrpc/com.atproto.repo.importRepo", h, bytes.NewReader(car))
}

func TestRepoImport(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	b := n.mustAccount(t, "bob.test")
	blob1 := n.rpUpload(t, a, rpPNG(t, 1), "image/png")
	blob2 := n.rpUpload(t, a, rpPNG(t, 2), "image/png")
	img1 := rpStr(t, n.rpCreate(t, a, "app.bsky.feed.post", rpImagePost("one", blob1)), "uri")
	img2 := rpStr(t, n.rpCreate(t, a, "app.bsky.feed.post", rpImagePost("two", blob2)), "uri")
	plain := rpStr(t, n.rpCreate(t, a, "app.bsky.feed.post", rpPost("plain")), "uri")
	exported := n.rpExport(t, a)

	// Change the repository: the image posts (and so their blobs) and the
	// plain post go, a new post comes.
	for _, u := range []string{img1, img2, plain} {
		r := n.procedure(t, "com.atproto.repo.deleteRecord", map[string]any{"repo": a.DID.String(),
			"collection": "app.bsky.feed.post", "rkey": u[strings.LastIndexByte(u, '/')+1:]}, a.Access)
		expect(t, r, http.StatusOK, "")
	}
	later := rpStr(t, n.rpCreate(t, a, "app.bsky.feed.post", rpPost("later")), "uri")
	if n.rpBlobStored(t, a, blobRef(blob1)) {
		t.Fatal("blob kept after its record went")
	}

	before := n.Events.HighWater()
	r := n.rpImport(t, a.Access, "application/vnd.ipld.car", exported)
	expect(t, r, http.StatusOK, "")
	if len(r.Body) != 0 {
		t.Errorf("body %s", r.Body)
	}
	// The repository is the exported one again, signed anew.
	list := n.query(t, "com.atproto.repo.listRecords", "repo="+a.DID.String()+"&collection=app.bsky.feed.post", "")
	expect(t, list, http.StatusOK, "")
	var got []string
	for _, rec := range list.JSON(t)["records"].([]any) {
		got = append(got, rec.(map[string]any)["uri"].(string))
	}
	if want := []string{plain, img2, img1}; fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("records %v, want %v (not %s)", got, want, later)
	}
	var sawSync bool
	for _, ev := range n.rpEvents(t, before) {
		sawSync = sawSync || ev.Type == "#sync"
	}
	if !sawSync {
		t.Error("no #sync event after the import")
	}

	// The blobs the imported records reference are missing, one per page.
	missing := func(cursor string) map[string]any {
		q := url.Values{"limit": {"1"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := n.query(t, "com.atproto.repo.listMissingBlobs", q.Encode(), a.Access)
		expect(t, r, http.StatusOK, "")
		return r.JSON(t)
	}
	seen := map[string]string{}
	cursor := ""
	for range 3 {
		m := missing(cursor)
		blobs := m["blobs"].([]any)
		if len(blobs) == 0 {
			if m["cursor"] != nil {
				t.Errorf("cursor on the last page: %v", m)
			}
			break
		}
		it := blobs[0].(map[string]any)
		seen[it["cid"].(string)] = it["recordUri"].(string)
		cursor = m["cursor"].(string)
	}
	if len(seen) != 2 || seen[blobRef(blob1)] != img1 || seen[blobRef(blob2)] != img2 {
		t.Fatalf("missing blobs %v", seen)
	}
	// Uploading one makes it permanent at once.
	n.rpUpload(t, a, rpPNG(t, 1), "image/png")
	if meta, refs, ok := n.rpBlobMeta(t, a, blobRef(blob1)); !ok || meta.Temp || meta.Missing || len(refs) != 1 {
		t.Errorf("uploaded missing blob: %+v %v", meta, refs)
	}
	m := missing("")
	if blobs := m["blobs"].([]any); len(blobs) != 1 || blobs[0].(map[string]any)["cid"] != blobRef(blob2) {
		t.Errorf("missing after upload: %v", m)
	}
	// Writes go on from the imported repository.
	n.rpCreate(t, a, "app.bsky.feed.post", rpPost("after import"))

	// Refusals: another account's repository, app passwords, wrong or no
	// body.
	r = n.rpImport(t, b.Access, "application/vnd.ipld.car", exported)
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	appTokens, err := n.Sessions.Create(a.DID, account.SessionOptions{AppPassword: &kv.AppPassword{Name: "app"}})
	if err != nil {
		t.Fatal(err)
	}
	if r := n.rpImport(t, appTokens.AccessJWT, "application/vnd.ipld.car", exported); r.Status == http.StatusOK {
		t.Error("import with an app password accepted")
	}
	r = n.rpImport(t, a.Access, "application/json", exported)
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	if m := r.JSON(t); m["message"] != "Wrong request encoding (Content-Type): application/json" {
		t.Errorf("message %v", m["message"])
	}
	expect(t, n.rpImport(t, a.Access, "application/vnd.ipld.car", []byte("not a car")), http.StatusBadRequest, "InvalidRequest")
	expect(t, n.rpImport(t, a.Access, "application/vnd.ipld.car", nil), http.StatusBadRequest, "InvalidRequest")
	expect(t, n.rpImport(t, a.Access, "application/vnd.ipld.car", exported[:len(exported)/2]), http.StatusBadRequest, "InvalidRequest")
}
