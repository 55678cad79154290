package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/blobstore"
	"github.com/boltsky/boltsky/kv"
)

// rpBlobMeta reads a blob's metadata from a's account file; ok is false
// when there is none.
func (n *testNode) rpBlobMeta(tb testing.TB, a *testAccount, ref string) (meta kv.BlobMeta, refs []string, ok bool) {
	tb.Helper()
	c, err := dagcbor.ParseCIDString(ref)
	if err != nil {
		tb.Fatal(err)
	}
	err = n.Registry.View(context.Background(), a.DID, func(tx *kv.AccountTx) error {
		meta, err = tx.Blob(c)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		ok = true
		return tx.BlobRefs(cid.Undef, func(b cid.Cid, path string) bool {
			if b.Equals(c) {
				refs = append(refs, path)
			}
			return true
		})
	})
	if err != nil {
		tb.Fatal(err)
	}
	return meta, refs, ok
}

// rpBlobStored reports whether the blob's bytes are in the node's store.
func (n *testNode) rpBlobStored(tb testing.TB, a *testAccount, ref string) bool {
	tb.Helper()
	store, err := blobstore.NewDisk(filepath.Join(n.Dir, "blobs"))
	if err != nil {
		tb.Fatal(err)
	}
	c, _ := dagcbor.ParseCIDString(ref)
	f, err := store.Open(context.Background(), a.DID, c)
	if errors.Is(err, blobstore.ErrNotFound) {
		return false
	}
	if err != nil {
		tb.Fatal(err)
	}
	f.Close()
	return true
}

func blobRef(blob map[string]any) string {
	ref, _ := blob["ref"].(map[string]any)
	s, _ := ref["$link"].(string)
	return s
}

func TestBlobUpload(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	img := rpPNG(t, 1)

	// The type is sniffed from the bytes, whatever the client declared.
	blob := n.rpUpload(t, a, img, "application/octet-stream")
	ref := blobRef(blob)
	if blob["$type"] != "blob" || blob["mimeType"] != "image/png" || blob["size"] != float64(len(img)) ||
		ref != dagcbor.SumRaw(img).String() {
		t.Fatalf("blob %v", blob)
	}
	meta, refs, ok := n.rpBlobMeta(t, a, ref)
	if !ok || !meta.Temp || meta.MimeType != "image/png" || meta.Size != int64(len(img)) || meta.CreatedAt.IsZero() || len(refs) != 0 {
		t.Fatalf("meta %+v refs %v", meta, refs)
	}
	if !n.rpBlobStored(t, a, ref) {
		t.Fatal("bytes not stored")
	}
	// Text is not sniffed: the declared type stays.
	if b := n.rpUpload(t, a, []byte("hello"), "text/plain; charset=utf-8"); b["mimeType"] != "text/plain" {
		t.Errorf("text blob %v", b)
	}
	// No credentials, no Content-Type.
	r := n.request(t, "POST", "/xrpc/com.atproto.repo.uploadBlob", map[string]string{"Content-Type": "image/png"}, bytes.NewReader(img))
	expect(t, r, http.StatusUnauthorized, "AuthMissing")
	r = n.request(t, "POST", "/xrpc/com.atproto.repo.uploadBlob", map[string]string{"Authorization": "Bearer " + a.Access}, bytes.NewReader(img))
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	// A deactivated account may still upload (it may be migrating in).
	n.rpDeactivate(t, a)
	n.rpUpload(t, a, rpPNG(t, 2), "image/png")
}

func TestBlobUploadLimit(t *testing.T) {
	n := mustNode(t, nodeOptions{blobLimit: 1000})
	a := n.mustAccount(t, "alice.test")
	h := map[string]string{"Authorization": "Bearer " + a.Access, "Content-Type": "application/octet-stream"}
	post := func(body io.Reader) response {
		return n.request(t, "POST", "/xrpc/com.atproto.repo.uploadBlob", h, body)
	}
	// With a Content-Length over the limit, and streamed (chunked) over it.
	expect(t, post(bytes.NewReader(make([]byte, 1001))), http.StatusRequestEntityTooLarge, "PayloadTooLarge")
	expect(t, post(io.MultiReader(bytes.NewReader(make([]byte, 3000)))), http.StatusRequestEntityTooLarge, "PayloadTooLarge")
	expect(t, post(bytes.NewReader(make([]byte, 1000))), http.StatusOK, "")
	expect(t, post(io.MultiReader(strings.NewReader(strings.Repeat("x", 999)))), http.StatusOK, "")
}

func TestBlobReferencedFromPost(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	blob := n.rpUpload(t, a, rpPNG(t, 1), "image/png")
	ref := blobRef(blob)

	out := n.rpCreate(t, a, "app.bsky.feed.post", rpImagePost("look", blob))
	uri := rpStr(t, out, "uri")
	path := strings.TrimPrefix(uri, "at://"+a.DID.String()+"/")
	meta, refs, ok := n.rpBlobMeta(t, a, ref)
	if !ok || meta.Temp || meta.Rev.IsZero() || len(refs) != 1 || refs[0] != path {
		t.Fatalf("after the post: meta %+v refs %v", meta, refs)
	}
	// Referenced blobs survive the sweep.
	if _, err := n.Server.SweepTempBlobs(context.Background(), 0); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := n.rpBlobMeta(t, a, ref); !ok || !n.rpBlobStored(t, a, ref) {
		t.Fatal("sweep removed a referenced blob")
	}
	// A second post referencing it; deleting the first keeps the blob.
	out2 := n.rpCreate(t, a, "app.bsky.feed.post", rpImagePost("again", blob))
	rkey := func(u string) string { return u[strings.LastIndexByte(u, '/')+1:] }
	del := func(u string) {
		r := n.procedure(t, "com.atproto.repo.deleteRecord", map[string]any{"repo": a.DID.String(),
			"collection": "app.bsky.feed.post", "rkey": rkey(u)}, a.Access)
		expect(t, r, http.StatusOK, "")
	}
	del(uri)
	if _, refs, ok := n.rpBlobMeta(t, a, ref); !ok || len(refs) != 1 || !n.rpBlobStored(t, a, ref) {
		t.Fatalf("blob dropped while referenced: refs %v", refs)
	}
	// Deleting the last reference deletes the blob, bytes too.
	del(rpStr(t, out2, "uri"))
	if _, _, ok := n.rpBlobMeta(t, a, ref); ok {
		t.Error("metadata kept after the last reference went")
	}
	if n.rpBlobStored(t, a, ref) {
		t.Error("bytes kept after the last reference went")
	}
	// Uploading it again works as new.
	again := n.rpUpload(t, a, rpPNG(t, 1), "image/png")
	if meta, _, ok := n.rpBlobMeta(t, a, blobRef(again)); !ok || !meta.Temp {
		t.Errorf("re-upload: %+v", meta)
	}
}

// A record updated with the blob it already has keeps it, as does a blob
// moved from a deleted record to a new one in the same applyWrites.
func TestBlobKeptAcrossWrites(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	blob := n.rpUpload(t, a, rpPNG(t, 2), "image/png")
	ref := blobRef(blob)
	profile := func(name string) map[string]any {
		return map[string]any{"$type": "app.bsky.actor.profile", "displayName": name, "avatar": blob}
	}
	put := func(name string) {
		r := n.procedure(t, "com.atproto.repo.putRecord", map[string]any{"repo": a.DID.String(),
			"collection": "app.bsky.actor.profile", "rkey": "self", "record": profile(name)}, a.Access)
		expect(t, r, http.StatusOK, "")
	}
	put("Alice")
	put("Alice again")
	if _, refs, ok := n.rpBlobMeta(t, a, ref); !ok || len(refs) != 1 || refs[0] != "app.bsky.actor.profile/self" || !n.rpBlobStored(t, a, ref) {
		t.Fatalf("after an update keeping the avatar: refs %v, ok %v", refs, ok)
	}
	r := n.procedure(t, "com.atproto.repo.applyWrites", map[string]any{"repo": a.DID.String(), "writes": []any{
		map[string]any{"$type": "com.atproto.repo.applyWrites#delete", "collection": "app.bsky.actor.profile", "rkey": "self"},
		map[string]any{"$type": "com.atproto.repo.applyWrites#create", "collection": "app.bsky.feed.post", "rkey": "3kmovedimag22",
			"value": rpImagePost("moved", blob)},
	}}, a.Access)
	expect(t, r, http.StatusOK, "")
	if _, refs, ok := n.rpBlobMeta(t, a, ref); !ok || len(refs) != 1 || refs[0] != "app.bsky.feed.post/3kmovedimag22" || !n.rpBlobStored(t, a, ref) {
		t.Fatalf("after moving the image: refs %v, ok %v", refs, ok)
	}
}

func TestBlobReferenceChecks(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	img := rpPNG(t, 3)
	blob := n.rpUpload(t, a, img, "image/png")
	with := func(mime string, size int) map[string]any {
		return map[string]any{"$type": "blob", "ref": blob["ref"], "mimeType": mime, "size": size}
	}
	create := func(rec map[string]any, validate *bool) response {
		body := map[string]any{"repo": a.DID.String(), "collection": "app.bsky.feed.post", "record": rec}
		if validate != nil {
			body["validate"] = *validate
		}
		return n.procedure(t, "com.atproto.repo.createRecord", body, a.Access)
	}

	// A blob never uploaded.
	missing := dagcbor.SumRaw([]byte("never uploaded")).String()
	r := create(rpImagePost("x", map[string]any{"$type": "blob", "ref": map[string]any{"$link": missing},
		"mimeType": "image/png", "size": 14}), nil)
	expect(t, r, http.StatusBadRequest, "BlobNotFound")
	if m := r.JSON(t); m["message"] != "Could not find blob: "+missing {
		t.Errorf("message %v", m["message"])
	}
	// Claims that differ from the upload.
	r = create(rpImagePost("x", with("image/jpeg", len(img))), nil)
	expect(t, r, http.StatusBadRequest, "InvalidMimeType")
	if m := r.JSON(t); m["message"] != "Referenced Mimetype does not match stored blob. Expected: image/png, Got: image/jpeg" {
		t.Errorf("message %v", m["message"])
	}
	expect(t, create(rpImagePost("x", with("image/png", len(img)+1)), nil), http.StatusBadRequest, "InvalidSize")
	// The lexicon's accept list, on the claims.
	no := false
	expect(t, create(rpImagePost("x", with("text/plain", len(img))), nil), http.StatusBadRequest, "InvalidRequest")

	// A text blob made permanent by an unchecked record...
	text := n.rpUpload(t, a, []byte("plain words"), "text/plain")
	expect(t, create(rpImagePost("x", text), &no), http.StatusOK, "")
	// ...then claimed as an image by a checked one: the stored type is
	// checked against the lexicon too.
	r = create(rpImagePost("x", map[string]any{"$type": "blob", "ref": text["ref"], "mimeType": "image/png", "size": 11}), nil)
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	if msg, _ := r.JSON(t)["message"].(string); !strings.HasPrefix(msg, "Invalid app.bsky.feed.post record: ") || !strings.Contains(msg, "text/plain") {
		t.Errorf("message %q", msg)
	}
	// Unchecked, the same record is accepted.
	expect(t, create(rpImagePost("x", map[string]any{"$type": "blob", "ref": text["ref"], "mimeType": "image/png", "size": 11}), &no), http.StatusOK, "")
}

func TestBlobSweep(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	b := n.mustAccount(t, "bob.test")
	kept := n.rpUpload(t, a, rpPNG(t, 1), "image/png")
	n.rpCreate(t, a, "app.bsky.feed.post", rpImagePost("keep", kept))
	stray := n.rpUpload(t, a, rpPNG(t, 2), "image/png")
	strayB := n.rpUpload(t, b, []byte("bob's stray"), "text/plain")

	ctx := context.Background()
	if got, err := n.Server.SweepTempBlobs(ctx, time.Hour); err != nil || got != 0 {
		t.Fatalf("sweep within the grace period: %d, %v", got, err)
	}
	got, err := n.Server.SweepTempBlobs(ctx, 0)
	if err != nil || got != 2 {
		t.Fatalf("sweep: %d, %v", got, err)
	}
	for _, c := range []struct {
		acct *testAccount
		ref  string
		want bool
	}{{a, blobRef(kept), true}, {a, blobRef(stray), false}, {b, blobRef(strayB), false}} {
		if _, _, ok := n.rpBlobMeta(t, c.acct, c.ref); ok != c.want {
			t.Errorf("%s: metadata kept %v", c.ref, ok)
		}
		if ok := n.rpBlobStored(t, c.acct, c.ref); ok != c.want {
			t.Errorf("%s: bytes kept %v", c.ref, ok)
		}
	}
	// A swept blob can no longer be referenced.
	r := n.procedure(t, "com.atproto.repo.createRecord", map[string]any{"repo": a.DID.String(),
		"collection": "app.bsky.feed.post", "record": rpImagePost("late", stray)}, a.Access)
	expect(t, r, http.StatusBadRequest, "BlobNotFound")
}

func TestBlobUploadServiceAuth(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	minter, err := account.NewServiceAuth(account.ServiceAuthConfig{ServiceDID: a.DID, Resolver: keyResolver{}})
	if err != nil {
		t.Fatal(err)
	}
	mint := func(lxm string) string {
		nsid, _ := atp.ParseNSID(lxm)
		tok, err := minter.Mint(a.Key, account.ServiceJWTParams{Iss: a.DID, Aud: "did:web:localhost", Lxm: nsid})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	up := func(tok string) response {
		return n.request(t, "POST", "/xrpc/com.atproto.repo.uploadBlob",
			map[string]string{"Authorization": "Bearer " + tok, "Content-Type": "image/png"}, bytes.NewReader(rpPNG(t, 9)))
	}
	r := up(mint("com.atproto.repo.uploadBlob"))
	expect(t, r, http.StatusOK, "")
	if _, _, ok := n.rpBlobMeta(t, a, blobRef(r.JSON(t)["blob"].(map[string]any))); !ok {
		t.Error("service-auth upload not recorded for its issuer")
	}
	if r := up(mint("com.atproto.repo.createRecord")); r.Status == http.StatusOK {
		t.Error("token for another method accepted")
	}
}

func TestBlobLegacyProfileRef(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	img := rpPNG(t, 4)
	blob := n.rpUpload(t, a, img, "image/png")
	put := func(avatar map[string]any) response {
		return n.procedure(t, "com.atproto.repo.putRecord", map[string]any{"repo": a.DID.String(),
			"collection": "app.bsky.actor.profile", "rkey": "self",
			"record": map[string]any{"displayName": "A", "avatar": avatar}}, a.Access)
	}
	legacy := map[string]any{"cid": blobRef(blob), "mimeType": "image/png"}
	// A new profile may not use the legacy form...
	expect(t, put(legacy), http.StatusBadRequest, "InvalidRequest")
	expect(t, put(blob), http.StatusOK, "")
	// ...but an update of an existing one has it rewritten, as the
	// reference does for old clients.
	expect(t, put(legacy), http.StatusOK, "")
	r := n.query(t, "com.atproto.repo.getRecord", "repo=alice.test&collection=app.bsky.actor.profile&rkey=self", "")
	expect(t, r, http.StatusOK, "")
	av := r.JSON(t)["value"].(map[string]any)["avatar"].(map[string]any)
	if av["$type"] != "blob" || av["size"] != float64(len(img)) || blobRef(av) != blobRef(blob) {
		t.Errorf("avatar %v", av)
	}
}
