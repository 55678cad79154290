package httpapi_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp/dagcbor"
)

// TestSubscribeReposBatches replays a backlog, which the server writes in
// batches, with frames of every websocket length form (7-bit, 16-bit and
// 64-bit), and checks that the client's websocket library reads each
// frame whole and in order, and that pings and closes are answered.
func TestSubscribeReposBatches(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	n.writePosts(t, a, 300)
	big, err := dagcbor.Marshal(map[string]any{"$type": "app.bsky.feed.post", "text": strings.Repeat("x", 70_000),
		"createdAt": "2024-01-01T00:00:00.000Z"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := n.Registry.Write(context.Background(), a.DID, actor.WriteRequest{Writes: []actor.Write{{
		Action: actor.Create, Collection: postColl, Record: big}}}); err != nil {
		t.Fatal(err)
	}
	n.writePosts(t, a, 20)
	const frames = 4 + 300 + 1 + 20 // identity, account, genesis commit, sync; posts

	wsURL := strings.Replace(n.URL, "http://", "ws://", 1) + "/xrpc/com.atproto.sync.subscribeRepos"
	conn, _, err := websocket.DefaultDialer.Dial(wsURL+"?cursor=0", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pongs := make(chan string, 1)
	conn.SetPongHandler(func(data string) error {
		pongs <- data
		return nil
	})
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	sizes := map[string]int{}
	for i := range frames {
		_, msg, err := conn.ReadMessage()
		if err != nil {
			t.Fatalf("frame %d: %v", i, err)
		}
		switch {
		case len(msg) < 126:
			sizes["7-bit"]++
		case len(msg) <= 0xffff:
			sizes["16-bit"]++
		default:
			sizes["64-bit"]++
		}
		r := dagcbor.NewReader(msg)
		if err := r.Skip(); err != nil {
			t.Fatalf("frame %d header: %v", i, err)
		}
		body, err := dagcbor.Unmarshal(msg[r.Offset():])
		if err != nil {
			t.Fatalf("frame %d body: %v", i, err)
		}
		if seq := body.(map[string]any)["seq"]; seq != int64(i+1) {
			t.Fatalf("frame %d has seq %v, want %d", i, seq, i+1)
		}
	}
	t.Logf("%d frames by length form: %v", frames, sizes)
	if sizes["16-bit"] == 0 || sizes["64-bit"] != 1 {
		t.Errorf("length forms %v, want 16-bit frames and one 64-bit frame", sizes)
	}

	// A ping is answered with its payload, between live frames.
	if err := conn.WriteControl(websocket.PingMessage, []byte("are you there"), time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	// The client sees the pong while reading messages: keep live frames
	// coming until it has.
	var pong string
	for i := 0; pong == "" && i < 50; i++ {
		n.writePosts(t, a, 1)
		if _, _, err := conn.ReadMessage(); err != nil {
			t.Fatal(err)
		}
		select {
		case pong = <-pongs:
		default:
		}
	}
	if pong != "are you there" {
		t.Errorf("pong %q, want the ping's payload", pong)
	}

	// A close is answered with a close.
	if err := conn.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, "bye"),
		time.Now().Add(5*time.Second)); err != nil {
		t.Fatal(err)
	}
	_, _, err = conn.ReadMessage()
	var ce *websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != websocket.CloseNormalClosure {
		t.Fatalf("after a close: %v, want the close answered with %d", err, websocket.CloseNormalClosure)
	}
}
