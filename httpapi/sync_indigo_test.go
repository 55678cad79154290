package httpapi_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/bluesky-social/indigo/atproto/identity"
	irepo "github.com/bluesky-social/indigo/atproto/repo"
	imst "github.com/bluesky-social/indigo/atproto/repo/mst"
	"github.com/bluesky-social/indigo/atproto/syntax"
	"github.com/bluesky-social/indigo/events"
	"github.com/bluesky-social/indigo/events/schedulers/sequential"
	"github.com/gorilla/websocket"
	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/car"
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

// TestSyncCARsInIndigo reads what the sync methods serve with indigo's
// repository code: the getRepo CAR loads and its commit verifies; the
// getRepo?since CAR, added to the blocks of the older export, completes
// the current repository; getRecord proofs show present records and the
// absence of missing ones.
func TestSyncCARsInIndigo(t *testing.T) {
	ctx := context.Background()
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	pub, err := atcrypto.ParsePublicDIDKey(a.Key.Public().DIDKey())
	if err != nil {
		t.Fatal(err)
	}
	first := n.writePosts(t, a, 30)
	fetch := func(nsid, query string) []byte {
		r := n.query(t, nsid, "did="+a.DID.String()+query, "")
		expect(t, r, 200, "")
		return r.Body
	}
	// load loads a CAR in indigo, checks its commit's signature and MST
	// root, and returns the repository and the rkeys it holds.
	load := func(name string, data []byte) (*irepo.Repo, []string) {
		t.Helper()
		commit, rp, err := irepo.LoadRepoFromCAR(ctx, bytes.NewReader(data))
		if err != nil {
			t.Fatalf("%s: indigo cannot load it: %v", name, err)
		}
		if err := commit.VerifySignature(pub); err != nil {
			t.Fatalf("%s: commit signature: %v", name, err)
		}
		if root, err := rp.MST.RootCID(); err != nil || !root.Equals(commit.Data) {
			t.Fatalf("%s: MST root %v (%v), commit names %s", name, root, err, commit.Data)
		}
		var keys []string
		if err := rp.MST.Walk(func(key []byte, _ cid.Cid) error {
			keys = append(keys, string(key))
			return nil
		}); err != nil {
			t.Fatalf("%s: walking the MST: %v", name, err)
		}
		return rp, keys
	}

	full := fetch("com.atproto.sync.getRepo", "")
	if _, keys := load("getRepo", full); len(keys) != 30 {
		t.Fatalf("getRepo holds %d records, want 30", len(keys))
	}

	later := n.writePosts(t, a, 5)
	diff := fetch("com.atproto.sync.getRepo", "&since="+first[len(first)-1].Rev.String())
	head := later[len(later)-1].Commit
	var merged bytes.Buffer
	cw, err := car.NewWriter(&merged, head)
	if err != nil {
		t.Fatal(err)
	}
	blocks := map[string]int{}
	for name, data := range map[string][]byte{"full": full, "since": diff} {
		cr, err := car.NewReader(bytes.NewReader(data), car.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			c, b, err := cr.Next()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			blocks[name]++
			if err := cw.WriteBlock(c, b); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := cw.Flush(); err != nil {
		t.Fatal(err)
	}
	if blocks["since"] >= blocks["full"]/2 {
		t.Fatalf("getRepo?since holds %d blocks, the whole repository %d", blocks["since"], blocks["full"])
	}
	rp, keys := load("the older export plus getRepo?since", merged.Bytes())
	if len(keys) != 35 {
		t.Fatalf("the updated repository holds %d records, want 35", len(keys))
	}
	for _, res := range later {
		op := res.Ops[0]
		coll, rkey, _ := strings.Cut(op.Path, "/")
		got, err := rp.GetRecordCID(ctx, syntax.NSID(coll), syntax.RecordKey(rkey))
		if err != nil || !got.Equals(op.CID) {
			t.Fatalf("record %s in the updated repository: %v, %v; want %s", op.Path, got, err, op.CID)
		}
	}

	coll, rkey, _ := strings.Cut(first[7].Ops[0].Path, "/")
	proof := fetch("com.atproto.sync.getRecord", "&collection="+coll+"&rkey="+rkey)
	prp, _ := loadProof(t, ctx, proof, pub)
	got, err := prp.GetRecordCID(ctx, syntax.NSID(coll), syntax.RecordKey(rkey))
	if err != nil || !got.Equals(first[7].Ops[0].CID) {
		t.Fatalf("proof of %s: %v, %v", first[7].Ops[0].Path, got, err)
	}
	if _, _, err := prp.GetRecordBytes(ctx, syntax.NSID(coll), syntax.RecordKey(rkey)); err != nil {
		t.Fatalf("proof of %s lacks the record: %v", first[7].Ops[0].Path, err)
	}
	absent := fetch("com.atproto.sync.getRecord", "&collection="+coll+"&rkey=3zzzzzzzzzzz2")
	arp, _ := loadProof(t, ctx, absent, pub)
	// Not found, as opposed to ErrPartialTree: the proof holds the nodes
	// that show the key is not there.
	if c, err := arp.GetRecordCID(ctx, syntax.NSID(coll), syntax.RecordKey("3zzzzzzzzzzz2")); !errors.Is(err, irepo.ErrNotFound) {
		t.Fatalf("proof of absence: %v, %v (partial tree: %v)", c, err, errors.Is(err, imst.ErrPartialTree))
	}
}

// loadProof loads a record proof CAR in indigo and checks its commit.
func loadProof(t *testing.T, ctx context.Context, data []byte, pub atcrypto.PublicKey) (*irepo.Repo, *irepo.Commit) {
	t.Helper()
	commit, rp, err := irepo.LoadRepoFromCAR(ctx, bytes.NewReader(data))
	if err != nil {
		t.Fatalf("indigo cannot load the proof: %v", err)
	}
	if err := commit.VerifySignature(pub); err != nil {
		t.Fatalf("proof commit signature: %v", err)
	}
	return rp, commit
}
