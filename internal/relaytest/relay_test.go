package relaytest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	comatproto "github.com/bluesky-social/indigo/api/atproto"
	"github.com/bluesky-social/indigo/events"
	"github.com/bluesky-social/indigo/events/schedulers/sequential"
	"github.com/gorilla/websocket"

	"github.com/boltsky/boltsky/internal/plctest"
)

// session is an account's credentials on the node.
type session struct {
	DID    string `json:"did"`
	Handle string `json:"handle"`
	Access string `json:"accessJwt"`
}

// relayComplaint matches relay log lines that report a problem with what
// it received: failed verification, inversion or signature checks,
// desynchronised repositories, rejected events.
var relayComplaint = regexp.MustCompile(`(?i)level=(WARN|ERROR)|"level":"(WARN|ERROR)"`)

// TestRelayIngests runs indigo's relay against a boltsky node: after an
// admin requestCrawl for the node (a loopback host is only accepted that
// way), 1,000 commits over 20 accounts, with creates, updates, deletes, a
// deactivation and reactivation and a handle change, must all come out of
// the relay's firehose, and the relay must log no warnings or errors.
func TestRelayIngests(t *testing.T) {
	const accounts, commits = 20, 1000
	plc := plctest.URL(t)
	plcLocal := strings.Replace(plc, "127.0.0.1", "localhost", 1)
	boltsky := buildBoltsky(t)
	relay := relayBinary(t)

	// The node: its accounts' DID documents name http://localhost:PORT.
	port := freePort(t)
	nodeURL := fmt.Sprintf("http://localhost:%d", port)
	const adminPassword = "node-admin"
	startProcess(t, "boltsky", t.TempDir(), nil, boltsky, "serve",
		"--listen", fmt.Sprintf("127.0.0.1:%d", port), "--data-dir", filepath.Join(t.TempDir(), "data"),
		"--hostname", "localhost", "--public-url", nodeURL, "--plc-url", plcLocal,
		"--admin-password", adminPassword)
	waitHTTP(t, nodeURL+"/xrpc/_health", 30*time.Second)

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	sessions := make([]session, accounts)
	for i := range sessions {
		in := map[string]any{"handle": fmt.Sprintf("user%d.test", i), "email": fmt.Sprintf("user%d@example.com", i),
			"password": "hunter2-hunter2"}
		if err := xrpc(ctx, nodeURL, "POST", "com.atproto.server.createAccount", in, "", &sessions[i]); err != nil {
			t.Fatal(err)
		}
	}

	// The relay, on its own database, resolving DIDs at the same PLC. Its
	// requestCrawl refuses loopback hosts, even for the admin, so the node
	// goes straight into its host table: it is started once to create its
	// schema, stopped, given the host, and started again, when it
	// subscribes to every active host.
	relayPort := freePort(t)
	relayURL := fmt.Sprintf("http://127.0.0.1:%d", relayPort)
	relayDir := t.TempDir()
	relayDB := filepath.Join(relayDir, "relay.sqlite")
	relayArgs := []string{"--admin-password", "relay-admin", "--plc-host", plcLocal, "--log-level", "info", "serve",
		"--db-url", "sqlite://" + relayDB, "--persist-dir", filepath.Join(relayDir, "persist"),
		"--bind", fmt.Sprintf("127.0.0.1:%d", relayPort), "--metrics-listen", fmt.Sprintf("127.0.0.1:%d", freePort(t)),
		"--default-account-limit", "1000"}
	first := runUntilHealthy(t, relay, relayDir, relayArgs, relayURL+"/xrpc/_health")
	first()
	insert := fmt.Sprintf(`INSERT INTO host (created_at, updated_at, hostname, no_ssl, account_limit, trusted, status, last_seq, account_count)
		VALUES (datetime('now'), datetime('now'), 'localhost:%d', 1, 1000, 1, 'active', -1, 0);`, port)
	if out, err := exec.Command("sqlite3", relayDB, insert).CombinedOutput(); err != nil {
		t.Fatalf("cannot add the node to the relay's hosts: %v\n%s", err, out)
	}
	relayLog := startProcess(t, "relay", relayDir, nil, relay, relayArgs...)
	waitHTTP(t, relayURL+"/xrpc/_health", 60*time.Second)

	// Follow the relay's firehose from the start.
	var mu sync.Mutex
	seen := map[string]int{} // commit CID -> times re-emitted
	var relayed int
	consumerDone := make(chan error, 1)
	go func() {
		conn, _, err := websocket.DefaultDialer.DialContext(ctx,
			strings.Replace(relayURL, "http://", "ws://", 1)+"/xrpc/com.atproto.sync.subscribeRepos?cursor=0", nil)
		if err != nil {
			consumerDone <- err
			return
		}
		cb := &events.RepoStreamCallbacks{RepoCommit: func(evt *comatproto.SyncSubscribeRepos_Commit) error {
			mu.Lock()
			seen[evt.Commit.String()]++
			relayed++
			mu.Unlock()
			return nil
		}}
		log := slog.New(slog.NewTextHandler(io.Discard, nil))
		consumerDone <- events.HandleRepoStream(ctx, conn, sequential.NewScheduler("relaytest", cb.EventHandler), log)
	}()

	time.Sleep(time.Second) // the relay connects to the node's firehose

	// 1,000 commits: creates, then updates and deletes of earlier records.
	made := map[string]bool{}
	rng := rand.New(rand.NewPCG(1, 2))
	type rec struct {
		acct int
		rkey string
	}
	var live []rec
	for i := range commits {
		a := i % accounts
		s := sessions[a]
		var out struct {
			URI    string `json:"uri"`
			Commit struct {
				CID string `json:"cid"`
			} `json:"commit"`
		}
		text := fmt.Sprintf("post %d", i)
		var err error
		switch k := rng.IntN(10); {
		case k < 6 || len(live) < accounts:
			in := map[string]any{"repo": s.DID, "collection": "app.bsky.feed.post",
				"record": map[string]any{"$type": "app.bsky.feed.post", "text": text, "createdAt": time.Now().UTC().Format(time.RFC3339)}}
			err = xrpc(ctx, nodeURL, "POST", "com.atproto.repo.createRecord", in, "Bearer "+s.Access, &out)
			live = append(live, rec{a, out.URI[strings.LastIndexByte(out.URI, '/')+1:]})
		case k < 8:
			j := rng.IntN(len(live))
			r := live[j]
			s = sessions[r.acct]
			in := map[string]any{"repo": s.DID, "collection": "app.bsky.feed.post", "rkey": r.rkey,
				"record": map[string]any{"$type": "app.bsky.feed.post", "text": "edited " + text, "createdAt": time.Now().UTC().Format(time.RFC3339)}}
			err = xrpc(ctx, nodeURL, "POST", "com.atproto.repo.putRecord", in, "Bearer "+s.Access, &out)
		default:
			j := rng.IntN(len(live))
			r := live[j]
			live = append(live[:j], live[j+1:]...)
			s = sessions[r.acct]
			in := map[string]any{"repo": s.DID, "collection": "app.bsky.feed.post", "rkey": r.rkey}
			err = xrpc(ctx, nodeURL, "POST", "com.atproto.repo.deleteRecord", in, "Bearer "+s.Access, &out)
		}
		if err != nil {
			t.Fatalf("commit %d: %v", i, err)
		}
		made[out.Commit.CID] = true
		if i == commits/2 {
			// Mid-way: one account deactivates and comes back, another
			// changes its handle.
			s0, s1 := sessions[0], sessions[1]
			if err := xrpc(ctx, nodeURL, "POST", "com.atproto.server.deactivateAccount", map[string]any{}, "Bearer "+s0.Access, nil); err != nil {
				t.Fatal(err)
			}
			if err := xrpc(ctx, nodeURL, "POST", "com.atproto.server.activateAccount", nil, "Bearer "+s0.Access, nil); err != nil {
				t.Fatal(err)
			}
			if err := xrpc(ctx, nodeURL, "POST", "com.atproto.identity.updateHandle", map[string]any{"handle": "renamed1.test"},
				"Bearer "+s1.Access, nil); err != nil {
				t.Fatal(err)
			}
		}
	}

	// Wait until the relay has re-emitted every commit.
	deadline := time.Now().Add(2 * time.Minute)
	for {
		mu.Lock()
		missing := 0
		for c := range made {
			if seen[c] == 0 {
				missing++
			}
		}
		n := relayed
		mu.Unlock()
		if missing == 0 {
			t.Logf("relay re-emitted all %d commits (%d #commit frames)", len(made), n)
			break
		}
		select {
		case err := <-consumerDone:
			t.Fatalf("relay firehose ended with %d commits missing: %v", missing, err)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("relay re-emitted %d of %d commits", len(made)-missing, len(made))
		}
		time.Sleep(200 * time.Millisecond)
	}
	var complaints []string
	lines := strings.Split(strings.TrimSpace(relayLog.String()), "\n")
	for _, line := range lines {
		if relayComplaint.MatchString(line) {
			complaints = append(complaints, line)
		}
	}
	if len(complaints) > 0 {
		t.Fatalf("relay logged %d warnings or errors, first: %s", len(complaints), complaints[0])
	}
	t.Logf("relay logged %d lines, none at WARN or ERROR", len(lines))
}
