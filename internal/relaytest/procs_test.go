package relaytest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/boltsky/boltsky/internal/testvectors"
)

// freePort returns a TCP port free on 127.0.0.1 right now.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// logBuffer collects a process's output, safe for concurrent writes.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// startProcess runs a command until the test ends, keeping its output,
// which is printed when the test fails.
func startProcess(tb testing.TB, name, dir string, env []string, bin string, args ...string) *logBuffer {
	tb.Helper()
	out := &logBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("cannot start %s: %v", name, err)
	}
	tb.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		if tb.Failed() {
			tb.Logf("---- %s output ----\n%s", name, tail(out.String(), 12000))
		}
	})
	return out
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// waitHTTP polls url until it answers 200.
func waitHTTP(tb testing.TB, url string, d time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		res, err := http.Get(url)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	tb.Fatalf("%s did not answer within %s", url, d)
}

// buildBoltsky builds the server binary.
func buildBoltsky(tb testing.TB) string {
	tb.Helper()
	root, err := testvectors.ModuleRoot()
	if err != nil {
		tb.Fatal(err)
	}
	bin := filepath.Join(tb.TempDir(), "boltsky")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/boltsky")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("cannot build boltsky: %v\n%s", err, out)
	}
	return bin
}

// relayBinary returns indigo's relay, built from the pinned module into a
// cache outside the repository (BOLTSKY_RELAY_CACHE, else the user cache
// directory) so that it is built once per machine.
func relayBinary(tb testing.TB) string {
	tb.Helper()
	indigo, err := testvectors.IndigoDir()
	if err != nil {
		tb.Fatal(err)
	}
	cache := os.Getenv("BOLTSKY_RELAY_CACHE")
	if cache == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			tb.Fatal(err)
		}
		cache = filepath.Join(base, "boltsky-relay")
	}
	bin := filepath.Join(cache, "relay-"+filepath.Base(indigo))
	if _, err := os.Stat(bin); err == nil {
		return bin
	}
	src := filepath.Join(tb.TempDir(), "indigo")
	if out, err := exec.Command("cp", "-r", indigo, src).CombinedOutput(); err != nil {
		tb.Fatalf("cannot copy indigo: %v\n%s", err, out)
	}
	if out, err := exec.Command("chmod", "-R", "u+w", src).CombinedOutput(); err != nil {
		tb.Fatalf("cannot make indigo writable: %v\n%s", err, out)
	}
	if err := os.MkdirAll(cache, 0o755); err != nil {
		tb.Fatal(err)
	}
	tmp := bin + ".tmp"
	cmd := exec.Command("go", "build", "-o", tmp, "./cmd/relay")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "CGO_ENABLED=1")
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("cannot build indigo's relay: %v\n%s", err, tail(string(out), 4000))
	}
	if err := os.Rename(tmp, bin); err != nil {
		tb.Fatal(err)
	}
	return bin
}

// xrpc calls a method on base with an optional JSON body and bearer or
// basic authorization, decoding a JSON answer into out when non-nil.
func xrpc(ctx context.Context, base, method, nsid string, body any, auth string, out any) error {
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+"/xrpc/"+nsid, r)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %d %s", method, nsid, res.StatusCode, strings.TrimSpace(string(raw)))
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

// runUntilHealthy starts a process, waits until url answers, and returns
// a function that stops it gracefully (SIGTERM, then SIGKILL).
func runUntilHealthy(tb testing.TB, bin, dir string, args []string, url string) (stop func()) {
	tb.Helper()
	out := &logBuffer{}
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	stop = func() {
		cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if res, err := http.Get(url); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return stop
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	tb.Fatalf("%s did not become healthy:\n%s", bin, tail(out.String(), 4000))
	return nil
}
