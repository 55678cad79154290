// Package plctest gives tests a real did:plc directory: the reference
// @did-plc/server with an in-memory database, run by Node on 127.0.0.1.
//
// URL returns the directory named by BOLTSKY_PLC_URL when it is set (CI
// starts one and sets it). Otherwise Start launches plc-server.mjs (kept
// beside this file and embedded) with the node binary on PATH, loading the
// npm packages from the node_modules folder named by
// BOLTSKY_PLC_NODE_MODULES (install them with install.sh). When neither is
// available the test is skipped with the reason. The server is stopped
// when the test ends; it also exits by itself when the test process dies,
// because its standard input closes.
//
// Only test code imports this package.
package plctest

import (
	"bufio"
	"bytes"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// Environment variables read by this package.
const (
	// EnvURL names a running PLC directory, such as http://127.0.0.1:2582.
	EnvURL = "BOLTSKY_PLC_URL"
	// EnvNodeModules names the node_modules folder holding
	// @did-plc/server and @did-plc/lib.
	EnvNodeModules = "BOLTSKY_PLC_NODE_MODULES"
)

// startTimeout bounds how long the server may take to start.
const startTimeout = 30 * time.Second

//go:embed plc-server.mjs
var launcher []byte

// URL returns the base URL of a PLC directory for tb: BOLTSKY_PLC_URL when
// set, else one started by Start (which skips tb when it cannot start one).
func URL(tb testing.TB) string {
	tb.Helper()
	if u := os.Getenv(EnvURL); u != "" {
		return strings.TrimRight(u, "/")
	}
	return Start(tb)
}

// Start launches an in-memory PLC directory on 127.0.0.1 and returns its
// base URL ("http://127.0.0.1:<port>"). It skips tb when
// BOLTSKY_PLC_NODE_MODULES is unset or lacks @did-plc/server, or when
// node is not on PATH, and fails tb when the server does not start.
func Start(tb testing.TB) string {
	tb.Helper()
	modules := os.Getenv(EnvNodeModules)
	if modules == "" {
		tb.Skipf("no PLC directory: set %s to a running directory, or %s to a node_modules folder with @did-plc/server (bash internal/plctest/install.sh)", EnvURL, EnvNodeModules)
	}
	if _, err := os.Stat(filepath.Join(modules, "@did-plc", "server", "package.json")); err != nil {
		tb.Skipf("no PLC directory: %s=%s holds no @did-plc/server (bash internal/plctest/install.sh): %v", EnvNodeModules, modules, err)
	}
	node, err := exec.LookPath("node")
	if err != nil {
		tb.Skipf("no PLC directory: node is not on PATH: %v", err)
	}
	script := filepath.Join(tb.TempDir(), "plc-server.mjs")
	if err := os.WriteFile(script, launcher, 0o644); err != nil {
		tb.Fatalf("plctest: %v", err)
	}

	cmd := exec.Command(node, script, "0")
	cmd.Env = append(os.Environ(), EnvNodeModules+"="+modules)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatalf("plctest: %v", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatalf("plctest: %v", err)
	}
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		tb.Fatalf("plctest: cannot start node: %v", err)
	}
	done := make(chan struct{})
	go func() {
		_ = cmd.Wait()
		close(done)
	}()
	tb.Cleanup(func() {
		_ = stdin.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})

	port := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if p, ok := strings.CutPrefix(sc.Text(), "PLC_PORT="); ok {
				port <- p
				break
			}
		}
		// Drain the rest so the server never blocks on a full pipe.
		for sc.Scan() {
		}
	}()
	select {
	case p := <-port:
		return fmt.Sprintf("http://127.0.0.1:%s", p)
	case <-done:
		tb.Fatalf("plctest: the PLC directory exited before listening: %s", stderr.String())
	case <-time.After(startTimeout):
		tb.Fatalf("plctest: the PLC directory did not start within %s: %s", startTimeout, stderr.String())
	}
	return ""
}

// lockedBuffer is a bytes.Buffer safe for one writer and one reader.
type lockedBuffer struct {
	mu sync.Mutex
	// buf is guarded by mu.
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
