package httpapi_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/identity"
	irepo "github.com/bluesky-social/indigo/atproto/repo"
	"github.com/bluesky-social/indigo/events"
	"github.com/bluesky-social/indigo/events/schedulers/sequential"
	"github.com/gorilla/websocket"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
)

// firehoseLoad writes a mix of creates, updates and deletes over several
// accounts, deactivates and reactivates one, and changes a handle.
func firehoseLoad(t *testing.T, n *testNode, accounts []*testAccount, rounds int) {
	t.Helper()
	ctx := context.Background()
	for r := range rounds {
		for i, a := range accounts {
			rec, _ := dagcbor.Marshal(map[string]any{"$type": "app.bsky.feed.post", "text": fmt.Sprintf("round %d", r),
				"createdAt": "2024-01-01T00:00:00.000Z"})
			rkey, _ := atp.ParseRecordKey(fmt.Sprintf("r%d", r))
			req := actor.WriteRequest{Writes: []actor.Write{{Action: actor.Create, Collection: postColl, RKey: rkey, Record: rec}}}
			if r > 0 && r%3 == 0 {
				prev, _ := atp.ParseRecordKey(fmt.Sprintf("r%d", r-2))
				req.Writes = append(req.Writes, actor.Write{Action: actor.Delete, Collection: postColl, RKey: prev})
			}
			if r > 0 && r%4 == 1 {
				prev, _ := atp.ParseRecordKey(fmt.Sprintf("r%d", r-1))
				upd, _ := dagcbor.Marshal(map[string]any{"$type": "app.bsky.feed.post", "text": fmt.Sprintf("edited %d", r),
					"createdAt": "2024-01-01T00:00:00.000Z"})
				req.Writes = append(req.Writes, actor.Write{Action: actor.Put, Collection: postColl, RKey: prev, Record: upd})
			}
			if _, err := n.Registry.Write(ctx, a.DID, req); err != nil {
				t.Fatalf("account %d round %d: %v", i, r, err)
			}
		}
	}
	set := func(a *testAccount, fn func(*kv.AccountState), emit ...actor.StateEvent) {
		err := n.Registry.UpdateState(ctx, a.DID, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
			fn(st)
			return emit, nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	set(accounts[0], func(st *kv.AccountState) { st.Status = kv.StatusDeactivated }, actor.EmitAccount)
	set(accounts[0], func(st *kv.AccountState) { st.Status = kv.StatusActive }, actor.EmitAccount, actor.EmitIdentity, actor.EmitSync)
	h, _ := atp.ParseHandle("renamed.test")
	set(accounts[1], func(st *kv.AccountState) { st.Handle = h }, actor.EmitIdentity)
}

// consumed is what an indigo firehose consumer saw.
type consumed struct {
	seqs    []int64
	commits int
	infos   []string
	errs    []string
}

// consume reads the firehose with indigo's consumer until it has seen
// last (or an error frame), verifying every #commit as a sync 1.1 relay
// does: the signature against the DID document, and inversion of the ops
// against prevData. Unlike indigo's verifier, it also refuses updates and
// deletes without prev, and commits without prevData after an account's
// first.
func consume(t *testing.T, n *testNode, dir identity.Directory, query string, last int64) consumed {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := strings.Replace(n.URL, "http://", "ws://", 1) + "/xrpc/com.atproto.sync.subscribeRepos" + query
	conn, _, err := websocket.DefaultDialer.DialContext(ctx, url, http.Header{})
	if err != nil {
		t.Fatal(err)
	}
	var out consumed
	var mu sync.Mutex
	seen := map[string]bool{}
	fail := func(format string, args ...any) error {
		cancel()
		return fmt.Errorf(format, args...)
	}
	done := func(seq int64) {
		out.seqs = append(out.seqs, seq)
		if seq >= last {
			cancel()
		}
	}
	cb := &events.RepoStreamCallbacks{
		RepoCommit: func(evt *comatproto.SyncSubscribeRepos_Commit) error {
			mu.Lock()
			defer mu.Unlock()
			if seen[evt.Repo] && evt.PrevData == nil {
				return fail("seq %d: commit without prevData", evt.Seq)
			}
			for _, op := range evt.Ops {
				if (op.Action == "update" || op.Action == "delete") && op.Prev == nil {
					return fail("seq %d: %s of %s without prev", evt.Seq, op.Action, op.Path)
				}
			}
			seen[evt.Repo] = true
			if err := irepo.VerifyCommitSignature(ctx, dir, evt); err != nil {
				return fail("seq %d: signature: %v", evt.Seq, err)
			}
			if _, err := irepo.VerifyCommitMessage(ctx, evt); err != nil {
				return fail("seq %d: inversion: %v", evt.Seq, err)
			}
			out.commits++
			done(evt.Seq)
			return nil
		},
		RepoSync: func(evt *comatproto.SyncSubscribeRepos_Sync) error {
			mu.Lock()
			defer mu.Unlock()
			if _, err := irepo.VerifySyncMessage(ctx, dir, evt); err != nil {
				return fail("seq %d: #sync: %v", evt.Seq, err)
			}
			done(evt.Seq)
			return nil
		},
		RepoIdentity: func(evt *comatproto.SyncSubscribeRepos_Identity) error {
			mu.Lock()
			defer mu.Unlock()
			done(evt.Seq)
			return nil
		},
		RepoAccount: func(evt *comatproto.SyncSubscribeRepos_Account) error {
			mu.Lock()
			defer mu.Unlock()
			done(evt.Seq)
			return nil
		},
		RepoInfo: func(evt *comatproto.SyncSubscribeRepos_Info) error {
			mu.Lock()
			defer mu.Unlock()
			out.infos = append(out.infos, evt.Name)
			return nil
		},
		Error: func(evt *events.ErrorFrame) error {
			mu.Lock()
			defer mu.Unlock()
			out.errs = append(out.errs, evt.Error)
			cancel()
			return nil
		},
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	sched := sequential.NewScheduler("test", cb.EventHandler)
	err = events.HandleRepoStream(ctx, conn, sched, log)
	if err != nil && ctx.Err() == nil {
		t.Fatalf("consumer: %v", err)
	}
	mu.Lock()
	defer mu.Unlock()
	return out
}

func TestFirehoseVerifiesWithIndigo(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	var accounts []*testAccount
	for i := range 4 {
		accounts = append(accounts, n.mustAccount(t, fmt.Sprintf("user%d.test", i)))
	}
	firehoseLoad(t, n, accounts, 12)
	head := int64(n.Seq.Head())
	dir := &identity.BaseDirectory{PLCURL: n.PLCClient.BaseURL, SkipHandleVerification: true}

	// From cursor 0: every event, in order, every commit verified.
	all := consume(t, n, dir, "?cursor=0", head)
	if len(all.seqs) != int(head) || len(all.errs) > 0 {
		t.Fatalf("from 0: %d events (head %d), errors %v", len(all.seqs), head, all.errs)
	}
	for i, s := range all.seqs {
		if s != int64(i+1) {
			t.Fatalf("event %d has seq %d", i, s)
		}
	}
	// From the middle: exactly the events after the cursor.
	mid := head / 2
	part := consume(t, n, dir, fmt.Sprintf("?cursor=%d", mid), head)
	if len(part.seqs) != int(head-mid) || part.seqs[0] != mid+1 {
		t.Fatalf("from %d: %d events starting at %v", mid, len(part.seqs), part.seqs[:1])
	}
	// A future cursor gets FutureCursor.
	future := consume(t, n, dir, fmt.Sprintf("?cursor=%d", head+100), head)
	if len(future.errs) != 1 || future.errs[0] != "FutureCursor" {
		t.Fatalf("future cursor: %+v", future)
	}
	// After retention drops old events, an old cursor gets #info
	// OutdatedCursor and then the window.
	if _, err := n.Events.Prune(time.Now().Add(time.Hour), 10); err != nil {
		t.Fatal(err)
	}
	old := consume(t, n, dir, "?cursor=3", head)
	if len(old.infos) != 1 || old.infos[0] != "OutdatedCursor" || old.seqs[0] != 11 {
		t.Fatalf("outdated cursor: infos %v, first %v", old.infos, old.seqs[:1])
	}
	t.Logf("verified %d commits and %d events with indigo's consumer", all.commits, len(all.seqs))
}

// TestFirehoseManySubscribers: 100 concurrent subscribers each receive
// every frame in order while writes go on.
func TestFirehoseManySubscribers(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	start := int64(n.Seq.Head())
	const subs, writes = 100, 200
	url := strings.Replace(n.URL, "http://", "ws://", 1) + "/xrpc/com.atproto.sync.subscribeRepos"
	conns := make([]*websocket.Conn, subs)
	for i := range conns {
		c, _, err := websocket.DefaultDialer.Dial(fmt.Sprintf("%s?cursor=%d", url, start), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns[i] = c
	}
	var wg sync.WaitGroup
	errs := make(chan error, subs)
	for _, c := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.SetReadDeadline(time.Now().Add(60 * time.Second))
			for want := start + 1; want <= start+writes; want++ {
				_, msg, err := c.ReadMessage()
				if err != nil {
					errs <- err
					return
				}
				r := dagcbor.NewReader(msg)
				r.Skip()
				body, err := dagcbor.Unmarshal(msg[r.Offset():])
				if err != nil {
					errs <- err
					return
				}
				if got := body.(map[string]any)["seq"].(int64); got != want {
					errs <- fmt.Errorf("seq %d, want %d", got, want)
					return
				}
			}
		}()
	}
	n.writePosts(t, a, writes)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}
