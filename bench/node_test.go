package bench_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/boltsky/boltsky/bench"
)

// boltskyBin is the boltsky binary the tests' nodes run: the one TestMain
// builds from this checkout, or $BOLTSKY_BENCH_BIN when set.
var boltskyBin string

func TestMain(m *testing.M) {
	if bin := os.Getenv("BOLTSKY_BENCH_BIN"); bin != "" {
		boltskyBin = bin
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "bench-test-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	boltskyBin = filepath.Join(dir, "boltsky")
	build := exec.Command("go", "build", "-o", boltskyBin, "./cmd/boltsky")
	build.Dir = ".."
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "cannot build boltsky:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// testNode is a boltsky process serving on loopback with a fresh,
// durable data directory.
type testNode struct {
	Target bench.Target
	cmd    *exec.Cmd
	done   chan struct{}
	log    string
}

// mustNode starts a node for tb and stops it when tb ends.
func mustNode(tb testing.TB) *testNode {
	tb.Helper()
	work := tb.TempDir()
	for attempt := range 3 {
		n, err := startNode(tb, work, attempt)
		if err == nil {
			tb.Cleanup(func() { n.stop(tb) })
			return n
		}
		if !strings.Contains(err.Error(), "address already in use") {
			tb.Fatal(err)
		}
	}
	tb.Fatal("cannot find a free port for boltsky")
	return nil
}

func startNode(tb testing.TB, work string, attempt int) (*testNode, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	secret := make([]byte, 8)
	rand.Read(secret)
	n := &testNode{done: make(chan struct{}), log: filepath.Join(work, "boltsky-"+strconv.Itoa(attempt)+".log")}
	n.Target = bench.Target{
		URL:           "http://" + addr,
		AdminPassword: hex.EncodeToString(secret),
		DataDir:       filepath.Join(work, "data"),
	}
	logFile, err := os.Create(n.log)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	n.cmd = exec.Command(boltskyBin, "serve", "--listen", addr, "--data-dir", n.Target.DataDir,
		"--admin-password", n.Target.AdminPassword, "--invite-required=false", "--log-level", "warn")
	n.cmd.Stdout, n.cmd.Stderr = logFile, logFile
	if err := n.cmd.Start(); err != nil {
		return nil, err
	}
	n.Target.PID = n.cmd.Process.Pid
	go func() {
		n.cmd.Wait()
		close(n.done)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		res, err := http.Get(n.Target.URL + "/xrpc/_health")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return n, nil
			}
		}
		select {
		case <-n.done:
			b, _ := os.ReadFile(n.log)
			return nil, fmt.Errorf("boltsky exited while starting:\n%s", b)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			n.cmd.Process.Kill()
			<-n.done
			return nil, fmt.Errorf("boltsky not healthy within 20s: %v", err)
		}
	}
}

// stop asks the node to shut down and kills it if it does not.
func (n *testNode) stop(tb testing.TB) {
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		n.cmd.Process.Kill()
		<-n.done
		tb.Errorf("boltsky did not stop within 30s")
	}
	if tb.Failed() {
		b, _ := os.ReadFile(n.log)
		tb.Logf("boltsky log:\n%s", b)
	}
}

// mustConnect connects to the node for tb.
func (n *testNode) mustConnect(tb testing.TB) *bench.PDS {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	p, err := bench.Connect(ctx, n.Target)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(p.Close)
	return p
}
