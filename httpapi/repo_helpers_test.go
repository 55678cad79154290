package httpapi_test

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"testing"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
)

// rpPost returns an app.bsky.feed.post record.
func rpPost(text string) map[string]any {
	return map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": "2024-01-01T00:00:00.000Z"}
}

// rpCreate creates a record in a's repository and returns the response
// body, failing the test on any error.
func (n *testNode) rpCreate(tb testing.TB, a *testAccount, coll string, rec map[string]any) map[string]any {
	tb.Helper()
	r := n.procedure(tb, "com.atproto.repo.createRecord",
		map[string]any{"repo": a.DID.String(), "collection": coll, "record": rec}, a.Access)
	expect(tb, r, http.StatusOK, "")
	return r.JSON(tb)
}

// rpUpload uploads data as a blob with the Content-Type ct and returns
// the response's blob object.
func (n *testNode) rpUpload(tb testing.TB, a *testAccount, data []byte, ct string) map[string]any {
	tb.Helper()
	r := n.request(tb, "POST", "/xrpc/com.atproto.repo.uploadBlob",
		map[string]string{"Authorization": "Bearer " + a.Access, "Content-Type": ct}, bytes.NewReader(data))
	expect(tb, r, http.StatusOK, "")
	blob, ok := r.JSON(tb)["blob"].(map[string]any)
	if !ok {
		tb.Fatalf("no blob in %s", r.Body)
	}
	return blob
}

// rpPNG returns a small PNG image; seed varies its bytes.
func rpPNG(tb testing.TB, seed uint8) []byte {
	tb.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 4, 4))
	img.Set(1, 1, color.RGBA{R: seed, G: 2, B: 3, A: 255})
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// rpImagePost returns a post embedding the blob as an image.
func rpImagePost(text string, blob map[string]any) map[string]any {
	p := rpPost(text)
	p["embed"] = map[string]any{
		"$type":  "app.bsky.embed.images",
		"images": []any{map[string]any{"alt": "a picture", "image": blob}},
	}
	return p
}

// rpEvent is a decoded firehose frame.
type rpEvent struct {
	Seq  uint64
	Type string
	Body map[string]any
}

// rpEvents returns the firehose events after seq.
func (n *testNode) rpEvents(tb testing.TB, after uint64) []rpEvent {
	tb.Helper()
	evs, err := n.Events.Read(after, 1000)
	if err != nil {
		tb.Fatal(err)
	}
	var out []rpEvent
	for _, ev := range evs {
		r := dagcbor.NewReader(ev.Frame)
		if err := r.Skip(); err != nil {
			tb.Fatal(err)
		}
		off := r.Offset()
		h, err := dagcbor.Unmarshal(ev.Frame[:off])
		if err != nil {
			tb.Fatal(err)
		}
		b, err := dagcbor.Unmarshal(ev.Frame[off:])
		if err != nil {
			tb.Fatal(err)
		}
		t, _ := h.(map[string]any)["t"].(string)
		out = append(out, rpEvent{Seq: ev.Seq, Type: t, Body: b.(map[string]any)})
	}
	return out
}

// rpCommitOps returns the ops of the last #commit event after seq, as
// "action path" strings.
func (n *testNode) rpCommitOps(tb testing.TB, after uint64) []string {
	tb.Helper()
	var ops []string
	found := false
	for _, ev := range n.rpEvents(tb, after) {
		if ev.Type != "#commit" {
			continue
		}
		found = true
		ops = ops[:0]
		for _, op := range ev.Body["ops"].([]any) {
			m := op.(map[string]any)
			ops = append(ops, fmt.Sprintf("%s %s", m["action"], m["path"]))
		}
	}
	if !found {
		tb.Fatalf("no #commit event after seq %d", after)
	}
	return ops
}

// str reads a string field of a JSON object, failing when it is absent.
func rpStr(tb testing.TB, m map[string]any, key string) string {
	tb.Helper()
	s, ok := m[key].(string)
	if !ok {
		tb.Fatalf("no string %q in %v", key, m)
	}
	return s
}

// rpDeactivate deactivates a's account directly in its account file.
func (n *testNode) rpDeactivate(tb testing.TB, a *testAccount) {
	tb.Helper()
	err := n.Registry.UpdateState(context.Background(), a.DID, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		st.Status = kv.StatusDeactivated
		return []actor.StateEvent{actor.EmitAccount}, nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}
