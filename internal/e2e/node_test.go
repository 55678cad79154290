package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Process limits.
const (
	startTimeout = 30 * time.Second
	stopTimeout  = 20 * time.Second
	// startAttempts bounds the retries when the free port picked for a
	// node is taken before the node binds it.
	startAttempts = 3
	// logTailBytes is how much of a node's log a failing test prints.
	logTailBytes = 48 << 10
)

// nodeOptions are the settings a scenario needs from its node.
type nodeOptions struct {
	// PLCURL is the did:plc directory; empty gives accounts did:web
	// identities.
	PLCURL string
	// InviteRequired gates sign-up on invite codes.
	InviteRequired bool
	// BlobUploadLimit is the largest blob upload in bytes; zero keeps the
	// node's default.
	BlobUploadLimit int64
}

// node is one running boltsky process.
type node struct {
	opts nodeOptions
	// Addr is where it listens, 127.0.0.1:PORT.
	Addr string
	// URL is its public URL, http://localhost:PORT, as in its DID
	// documents.
	URL string
	// DataDir is its data directory (mail.jsonl is there).
	DataDir string
	// AdminPassword is its admin password (Basic auth, user "admin").
	AdminPassword string
	// LogPath holds its standard output and error.
	LogPath string

	cmd  *exec.Cmd
	done chan struct{} // closed when the process has exited
	// waitErr is set before done is closed.
	waitErr error
}

// errPortTaken reports a node that could not bind its port.
var errPortTaken = errors.New("port taken")

// startNode starts a node for t with opts, waits until it answers
// /xrpc/_health, and stops it when t ends.
func startNode(t *testing.T, bin string, opts nodeOptions) *node {
	t.Helper()
	work := workDir(t)
	var err error
	for attempt := 1; attempt <= startAttempts; attempt++ {
		var n *node
		n, err = launch(t.Context(), bin, work, attempt, opts)
		if err == nil {
			t.Cleanup(func() { n.stop(t) })
			return n
		}
		if !errors.Is(err, errPortTaken) {
			break
		}
	}
	t.Fatalf("cannot start boltsky: %v", err)
	return nil
}

// workDir returns a directory for one node: a test temp dir, or a kept
// one under BOLTSKY_E2E_KEEP=1.
func workDir(t *testing.T) string {
	t.Helper()
	if os.Getenv(envKeep) != "1" {
		return t.TempDir()
	}
	dir, err := os.MkdirTemp("", "boltsky-e2e-"+strings.ReplaceAll(t.Name(), "/", "-")+"-")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s=1: keeping %s", envKeep, dir)
	return dir
}

// launch starts one boltsky process on a free port and waits for it to
// be healthy; on failure the process is gone when it returns.
func launch(ctx context.Context, bin, work string, attempt int, opts nodeOptions) (*node, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	n := &node{
		opts:          opts,
		Addr:          "127.0.0.1:" + strconv.Itoa(port),
		URL:           "http://localhost:" + strconv.Itoa(port),
		DataDir:       filepath.Join(work, "data"),
		AdminPassword: randomHex(16),
		LogPath:       filepath.Join(work, fmt.Sprintf("boltsky-%d.log", attempt)),
		done:          make(chan struct{}),
	}
	args := []string{
		"serve",
		"--listen", n.Addr,
		"--data-dir", n.DataDir,
		"--hostname", "localhost",
		"--public-url", n.URL,
		"--dev", "true",
		"--admin-password", n.AdminPassword,
		"--invite-required", strconv.FormatBool(opts.InviteRequired),
		"--log-level", "debug",
	}
	if opts.PLCURL != "" {
		args = append(args, "--plc-url", opts.PLCURL)
	}
	if opts.BlobUploadLimit > 0 {
		args = append(args, "--blob-upload-limit", strconv.FormatInt(opts.BlobUploadLimit, 10))
	}
	logFile, err := os.Create(n.LogPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child holds its own descriptor
	fmt.Fprintf(logFile, "# %s %s\n", bin, strings.Join(args, " "))
	n.cmd = exec.Command(bin, args...)
	n.cmd.Dir = work
	n.cmd.Env = withoutBoltskyEnv(os.Environ())
	n.cmd.Stdout = logFile
	n.cmd.Stderr = logFile
	n.cmd.SysProcAttr = sysProcAttr()
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("cannot run %s: %w", bin, err)
	}
	go func() {
		n.waitErr = n.cmd.Wait()
		close(n.done)
	}()

	startCtx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if err := n.waitHealthy(startCtx); err != nil {
		n.kill()
		tail := n.logTail()
		if strings.Contains(tail, "address already in use") {
			return nil, fmt.Errorf("%w: %s: %v", errPortTaken, n.Addr, err)
		}
		return nil, fmt.Errorf("%v\nlog %s:\n%s", err, n.LogPath, tail)
	}
	return n, nil
}

// waitHealthy polls /xrpc/_health until it answers 200, the process
// exits or ctx ends.
func (n *node) waitHealthy(ctx context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	url := "http://" + n.Addr + "/xrpc/_health"
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		res, err := client.Do(req)
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return nil
			}
			err = fmt.Errorf("GET %s: HTTP %d", url, res.StatusCode)
		}
		last = err
		select {
		case <-n.done:
			return fmt.Errorf("boltsky exited while starting: %v", n.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("boltsky not healthy within %s: %v", startTimeout, last)
		case <-tick.C:
		}
	}
}

// stop ends the process with SIGTERM and fails t unless it exits cleanly
// in time; when t failed it logs the end of the node's log.
func (n *node) stop(t *testing.T) {
	select {
	case <-n.done:
		t.Errorf("boltsky (%s) exited before its test ended: %v", n.Addr, n.waitErr)
	default:
		if err := terminate(n.cmd.Process); err != nil {
			t.Errorf("cannot signal boltsky: %v", err)
		}
		select {
		case <-n.done:
			if n.waitErr != nil {
				t.Errorf("boltsky (%s) did not stop cleanly on SIGTERM: %v", n.Addr, n.waitErr)
			}
		case <-time.After(stopTimeout):
			n.kill()
			t.Errorf("boltsky (%s) did not stop within %s of SIGTERM; killed it", n.Addr, stopTimeout)
		}
	}
	if t.Failed() {
		t.Logf("boltsky log %s (its end):\n%s", n.LogPath, n.logTail())
	}
}

// kill ends the process at once and waits for it.
func (n *node) kill() {
	_ = n.cmd.Process.Kill()
	<-n.done
}

// logTail returns the last logTailBytes of the node's log.
func (n *node) logTail() string {
	b, err := os.ReadFile(n.LogPath)
	if err != nil {
		return fmt.Sprintf("(cannot read the log: %v)", err)
	}
	if len(b) > logTailBytes {
		b = b[len(b)-logTailBytes:]
		if i := strings.IndexByte(string(b), '\n'); i >= 0 {
			b = b[i+1:]
		}
		return "[...]\n" + string(b)
	}
	return string(b)
}

// freePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("cannot find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// withoutBoltskyEnv drops BOLTSKY_* variables from env, so that neither
// boltsky (which reads its settings from them) nor a script sees the
// test's own.
func withoutBoltskyEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if !strings.HasPrefix(kv, "BOLTSKY_") {
			out = append(out, kv)
		}
	}
	return out
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
