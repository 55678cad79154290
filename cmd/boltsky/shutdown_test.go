package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/fasthttp/websocket"

	"github.com/boltsky/boltsky/atp/dagcbor"
)

// serveChildEnv, when set, makes TestServeChild run the command line it
// holds (space-separated) in this process: a real server process that a
// test can signal.
const serveChildEnv = "BOLTSKY_SERVE_CHILD_ARGS"

// TestServeChild is the server process of TestShutdownUnderLoad.
func TestServeChild(t *testing.T) {
	args := os.Getenv(serveChildEnv)
	if args == "" {
		t.Skip("runs only as the server process of TestShutdownUnderLoad")
	}
	os.Exit(run(strings.Fields(args), os.Stdout, os.Stderr, func(string) string { return "" }))
}

// serverProcess is a `boltsky serve` child process on durable storage.
type serverProcess struct {
	cmd    *exec.Cmd
	stderr *bytes.Buffer
	done   chan error
	node   *testNode // URL only
}

func startServerProcess(t *testing.T, dir string) *serverProcess {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestServeChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), serveChildEnv+"="+strings.Join([]string{
		"serve", "--listen", addr, "--data-dir", dir, "--admin-password", testAdminPassword, "--log-level", "warn",
	}, " "))
	p := &serverProcess{cmd: cmd, stderr: new(bytes.Buffer), done: make(chan error, 1), node: &testNode{URL: "http://" + addr, Dir: dir}}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	deadline := time.Now().Add(30 * time.Second)
	for {
		res, err := http.Get(p.node.URL + "/xrpc/com.atproto.server.describeServer")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return p
			}
		}
		select {
		case err := <-p.done:
			t.Fatalf("server exited before answering: %v\n%s", err, p.stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("server did not answer within 30s\n%s", p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestShutdownUnderLoad stops a real server process with SIGTERM while 16
// clients write to it, several times over. Every shutdown must exit 0 and
// mark the event log clean; afterwards every write answered 200 is in its
// repository, and the firehose holds each acknowledged commit exactly
// once, with contiguous sequence numbers.
func TestShutdownUnderLoad(t *testing.T) {
	rounds := 4
	if testing.Short() {
		rounds = 2
	}
	dir := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	var users []testUser
	type acked struct {
		user int
		res  writeResult
	}
	var (
		mu   sync.Mutex
		acks []acked
	)
	for round := range rounds {
		p := startServerProcess(t, dir)
		if round == 0 {
			for i := range 8 {
				users = append(users, p.node.MustUser(t, fmt.Sprintf("stop%d.test", i)))
			}
		} else if strings.Contains(p.stderr.String(), "not closed cleanly") {
			t.Fatalf("round %d: the previous SIGTERM left the event log unclean:\n%s", round, p.stderr)
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		before := len(acks)
		for w := range 16 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; ctx.Err() == nil; i++ {
					u := (w + i) % len(users)
					res, err := p.node.post(ctx, users[u], fmt.Sprintf("round %d writer %d post %d", round, w, i))
					if err != nil {
						return // the server is going away; unanswered writes need not survive
					}
					mu.Lock()
					acks = append(acks, acked{u, res})
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(300+rng.IntN(500)) * time.Millisecond)
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case err := <-p.done:
			if err != nil {
				t.Fatalf("round %d: server exited with %v after SIGTERM\n%s", round, err, p.stderr)
			}
		case <-time.After(90 * time.Second):
			t.Fatalf("round %d: server still running 90s after SIGTERM", round)
		}
		p.done <- nil // for the cleanup
		wg.Wait()
		cancel()
		t.Logf("round %d: %d writes acknowledged before and during shutdown", round, len(acks)-before)
		if len(acks) == before {
			t.Fatalf("round %d: no write was acknowledged", round)
		}
	}

	n := MustStartNode(t, dir, nil)
	if !n.events.WasClean() {
		t.Fatal("event log not marked clean after the last SIGTERM")
	}
	byDID := map[string]map[string]string{}
	for i, u := range users {
		byDID[u.DID.String()] = n.records(t, users[i].DID)
	}
	revs := map[string]int{}
	for _, a := range acks {
		u := users[a.user]
		if got := byDID[u.DID.String()][a.res.URI]; got != a.res.CID {
			t.Fatalf("acknowledged write %s lost: stored CID %q, acknowledged %s", a.res.URI, got, a.res.CID)
		}
		revs[u.DID.String()+" "+a.res.Rev]++
	}
	commits := firehoseCommits(t, n.URL)
	for key, k := range revs {
		if k != 1 || commits[key] != 1 {
			t.Fatalf("commit %s acknowledged %d times, in the firehose %d times", key, k, commits[key])
		}
	}
	t.Logf("%d rounds: %d acknowledged writes all present, %d commits in the firehose", rounds, len(acks), len(commits))
}

// firehoseCommits reads the whole firehose from cursor 0, checks that
// sequence numbers run 1, 2, 3, … and returns how often each "DID rev"
// appears as a #commit.
func firehoseCommits(t *testing.T, base string) map[string]int {
	t.Helper()
	u := strings.Replace(base, "http://", "ws://", 1) + "/xrpc/com.atproto.sync.subscribeRepos?cursor=0"
	conn, _, err := websocket.DefaultDialer.Dial(u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	out := map[string]int{}
	var seq int64
	for {
		// The backfill comes at once; a quiet second means it is over.
		conn.SetReadDeadline(time.Now().Add(time.Second))
		_, msg, err := conn.ReadMessage()
		if err != nil {
			if seq == 0 {
				t.Fatalf("firehose: %v", err)
			}
			return out
		}
		r := dagcbor.NewReader(msg)
		if err := r.Skip(); err != nil {
			t.Fatal(err)
		}
		hdr, err := dagcbor.Unmarshal(msg[:r.Offset()])
		if err != nil {
			t.Fatal(err)
		}
		body, err := dagcbor.Unmarshal(msg[r.Offset():])
		if err != nil {
			t.Fatal(err)
		}
		fields := body.(map[string]any)
		got, _ := fields["seq"].(int64)
		if got != seq+1 {
			t.Fatalf("firehose seq %d follows %d", got, seq)
		}
		seq = got
		if kind, _ := hdr.(map[string]any)["t"].(string); kind == "#commit" {
			out[fmt.Sprint(fields["repo"])+" "+fmt.Sprint(fields["rev"])]++
		}
	}
}
