package sync_test

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
)

// crashAccounts is how many accounts the crash test writes to.
const crashAccounts = 50

// childDirEnv, when set, makes TestCrashChild act as the writer process
// of TestCrashRecovery, over the data directory it names.
const childDirEnv = "BOLTSKY_CRASH_CHILD_DIR"

// TestCrashChild is the writer process of TestCrashRecovery: it writes to
// every account from 8 goroutines with durable storage and prints one ACK
// line per acknowledged write, until it is killed.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(childDirEnv)
	if dir == "" {
		t.Skip("runs only as the child process of TestCrashRecovery")
	}
	n, err := openNode(dir, nodeOptions{})
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(1)
	}
	dids, err := kv.AccountDIDs(dir)
	if err != nil || len(dids) != crashAccounts {
		fmt.Println("ERR accounts", len(dids), err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	var mu sync.Mutex
	fmt.Fprintln(out, "READY")
	out.Flush()
	var wg sync.WaitGroup
	for w := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), uint64(w)))
			for i := 0; ; i++ {
				did := dids[rng.IntN(len(dids))]
				res, err := n.createPost(context.Background(), t, did, fmt.Sprintf("w%d-%d", w, i))
				if err != nil {
					mu.Lock()
					fmt.Fprintln(out, "ERR", err)
					out.Flush()
					mu.Unlock()
					os.Exit(1)
				}
				mu.Lock()
				fmt.Fprintf(out, "ACK %s %s %s %s\n", did, res.Commit, res.Ops[0].Path, res.Ops[0].CID)
				out.Flush()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

type ack struct {
	did    atp.DID
	commit cid.Cid
	path   string
	record cid.Cid
}

// TestCrashRecovery kills a writer process with SIGKILL at random moments
// 25 times. After each kill the node is reopened (running recovery), and
// every acknowledged write must be in its repository, every repository
// must verify, the log must hold each acknowledged commit exactly once
// with contiguous seqs and, per account, a verifying chain of commits.
func TestCrashRecovery(t *testing.T) {
	rounds := 25
	if testing.Short() {
		rounds = 5
	}
	dir := t.TempDir()
	keys := map[atp.DID]*crypto.PrivateKey{}
	{
		n, err := openNode(dir, nodeOptions{noSync: true})
		if err != nil {
			t.Fatal(err)
		}
		for i := range crashAccounts {
			did, key := n.mustAccount(t, i)
			keys[did] = key
		}
		n.close()
	}
	var acks []ack
	states := map[atp.DID]*chainState{}
	verified := 0  // frames verified so far
	recovered := 0 // events sequenced by recovery sweeps
	rng := rand.New(rand.NewPCG(7, 7))
	for round := range rounds {
		got := runChild(t, dir, time.Duration(50+rng.IntN(400))*time.Millisecond)
		acks = append(acks, got...)

		n, err := openNode(dir, nodeOptions{})
		if err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		if n.log.WasClean() {
			t.Fatalf("round %d: log reports a clean stop after SIGKILL", round)
		}
		frames := n.allFrames(t)
		verifyFirehoseFrom(t, frames, verified, keys, states)
		verified = len(frames)
		commits := map[cid.Cid]int{}
		for _, f := range frames {
			if f.kind == "#commit" {
				commits[link(t, f.body["commit"])]++
			}
		}
		for _, a := range acks {
			if commits[a.commit] != 1 {
				t.Fatalf("round %d: acknowledged commit %s is in the log %d times", round, a.commit, commits[a.commit])
			}
		}
		for c, k := range commits {
			if k != 1 {
				t.Fatalf("round %d: commit %s is in the log %d times", round, c, k)
			}
		}
		for did := range keys {
			n.checkRepo(t, did, states[did])
		}
		for _, a := range acks {
			err := n.reg.View(context.Background(), a.did, func(tx *kv.AccountTx) error {
				c, err := tx.RecordCID(a.path)
				if err != nil {
					return err
				}
				if !c.Equals(a.record) {
					return fmt.Errorf("record %s is %s, acknowledged %s", a.path, c, a.record)
				}
				return nil
			})
			if err != nil {
				t.Fatalf("round %d: acknowledged write lost: %v", round, err)
			}
		}
		n.close()
		recovered += n.recovered.Events
		t.Logf("round %d: %d writes acknowledged in all, %d frames, %d events recovered", round, len(acks), len(frames), n.recovered.Events)
	}
	t.Logf("%d rounds: %d acknowledged writes verified, %d events sequenced by recovery", rounds, len(acks), recovered)
}

// runChild starts the writer process, lets it run for d after it is ready,
// kills it with SIGKILL and returns the writes it acknowledged.
func runChild(t *testing.T, dir string, d time.Duration) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDirEnv+"="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 1024)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var acks []ack
	parse := func(line string) {
		switch {
		case strings.HasPrefix(line, "ACK "):
			f := strings.Fields(line)
			did, _ := atp.ParseDID(f[1])
			c, _ := cid.Decode(f[2])
			r, _ := cid.Decode(f[4])
			acks = append(acks, ack{did: did, commit: c, path: f[3], record: r})
		case strings.HasPrefix(line, "ERR"):
			t.Fatalf("child: %s", line)
		}
	}
	// Wait for READY, then let it write.
	ready := time.After(time.Minute)
wait:
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("child ended before it was ready")
			}
			if line == "READY" {
				break wait
			}
			parse(line)
		case <-ready:
			cmd.Process.Kill()
			t.Fatal("child not ready after a minute")
		}
	}
	time.Sleep(d)
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for line := range lines {
		parse(line)
	}
	cmd.Wait()
	return acks
}

// verifyFirehoseFrom verifies frames[from:] continuing the chain states
// of earlier rounds.
func verifyFirehoseFrom(t *testing.T, frames []frame, from int, keys map[atp.DID]*crypto.PrivateKey, states map[atp.DID]*chainState) {
	t.Helper()
	if from > 0 && len(frames) > from && frames[from].seq != frames[from-1].seq+1 {
		t.Fatalf("seq %d follows %d", frames[from].seq, frames[from-1].seq)
	}
	verifyFirehoseWith(t, frames[from:], keys, states)
}
