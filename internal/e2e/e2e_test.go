package e2e

import (
	"context"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/boltsky/boltsky/internal/plctest"
)

// Environment variables read by these tests.
const (
	// envNodeModules names the node_modules folder holding @atproto/api
	// (bash internal/e2e/install.sh).
	envNodeModules = "BOLTSKY_E2E_NODE_MODULES"
	// envRequired, when "1", turns every skip for a missing prerequisite
	// into a failure. CI sets it.
	envRequired = "BOLTSKY_E2E_REQUIRED"
	// envKeep, when "1", keeps the nodes' data directories and logs.
	envKeep = "BOLTSKY_E2E_KEEP"
)

// Time limits.
const (
	buildTimeout    = 5 * time.Minute
	scenarioTimeout = 3 * time.Minute
)

// scenarioCase is one scenario script and the node it runs against.
type scenarioCase struct {
	script string
	// plc gives the node the test's PLC directory; without it accounts
	// get did:web identities.
	plc  bool
	node nodeOptions
}

// scenarios lists every script in scenarios/ (TestScenarioTable checks
// that none is missing).
var scenarios = []scenarioCase{
	{script: "accounts.mjs", plc: true},
	{script: "web.mjs"},
	{script: "apppasswords.mjs", plc: true},
	{script: "repo.mjs", plc: true},
	{script: "blobs.mjs", plc: true, node: nodeOptions{BlobUploadLimit: 16 << 10}},
	{script: "invites.mjs", plc: true, node: nodeOptions{InviteRequired: true}},
	{script: "deactivation.mjs", plc: true},
	{script: "identity.mjs", plc: true},
	{script: "deleteaccount.mjs", plc: true},
	{script: "migration.mjs", plc: true},
	{script: "serviceauth.mjs", plc: true},
	{script: "email.mjs", plc: true},
	{script: "resolve.mjs", plc: true},
}

// binary is the boltsky executable built once for the whole test binary,
// in a directory TestMain removes.
var binary struct {
	dir  string
	once sync.Once
	path string
	err  error
}

func TestMain(m *testing.M) {
	removeStaleBinaries()
	dir, err := os.MkdirTemp("", binaryDirPrefix)
	if err != nil {
		fmt.Fprintf(os.Stderr, "e2e: cannot create a directory for the binary: %v\n", err)
		os.Exit(1)
	}
	binary.dir = dir
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// binaryDirPrefix names the temporary directories holding built binaries.
const binaryDirPrefix = "boltsky-e2e-bin-"

// removeStaleBinaries removes binary directories a day old or more, left
// by test binaries that died before TestMain could clean up (a -timeout
// panic, for one). Younger ones may belong to a run in progress.
func removeStaleBinaries() {
	old, _ := filepath.Glob(filepath.Join(os.TempDir(), binaryDirPrefix+"*"))
	for _, dir := range old {
		if info, err := os.Stat(dir); err == nil && time.Since(info.ModTime()) > 24*time.Hour {
			_ = os.RemoveAll(dir)
		}
	}
}

// TestScenarios runs every scenario script against its own node.
func TestScenarios(t *testing.T) {
	trackSources(t)
	node := prerequisites(t)
	modules := os.Getenv(envNodeModules)
	bin := buildBoltsky(t)
	plcURL := plctest.URL(t)

	for _, sc := range scenarios {
		t.Run(strings.TrimSuffix(sc.script, ".mjs"), func(t *testing.T) {
			t.Parallel()
			opts := sc.node
			if sc.plc {
				opts.PLCURL = plcURL
			}
			n := startNode(t, bin, opts)
			runScenario(t, scenarioRun{node: node, modules: modules, script: sc.script, target: n})
		})
	}
}

// TestScenarioTable checks that the table above names exactly the scripts
// in scenarios/, so that no script is left unrun.
func TestScenarioTable(t *testing.T) {
	onDisk, err := filepath.Glob(filepath.Join("scenarios", "*.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	var scripts []string
	for _, p := range onDisk {
		if name := filepath.Base(p); name != "lib.mjs" {
			scripts = append(scripts, name)
		}
	}
	var listed []string
	for _, sc := range scenarios {
		listed = append(listed, sc.script)
	}
	slices.Sort(scripts)
	slices.Sort(listed)
	if !slices.Equal(scripts, listed) {
		t.Errorf("scenarios/ holds %v but the scenarios table lists %v", scripts, listed)
	}
}

// TestScenarioSyntax has node parse every script, which needs no npm
// packages.
func TestScenarioSyntax(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		missing(t, "node is not on PATH")
	}
	scripts, err := filepath.Glob(filepath.Join("scenarios", "*.mjs"))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range scripts {
		t.Run(filepath.Base(s), func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
			defer cancel()
			if out, err := exec.CommandContext(ctx, node, "--check", s).CombinedOutput(); err != nil {
				t.Errorf("node --check %s: %v\n%s", s, err, out)
			}
		})
	}
}

// prerequisites returns the path of node, and skips t (or fails it, under
// BOLTSKY_E2E_REQUIRED=1) naming everything missing: node, the
// @atproto/api install and a PLC directory.
func prerequisites(t *testing.T) string {
	t.Helper()
	var lacks []string
	node, err := exec.LookPath("node")
	if err != nil {
		lacks = append(lacks, "node is not on PATH")
	} else if v, err := nodeMajor(t.Context(), node); err != nil || v < 20 {
		lacks = append(lacks, fmt.Sprintf("%s is not Node 20 or later (major %d, %v)", node, v, err))
	}
	if m := os.Getenv(envNodeModules); m == "" {
		lacks = append(lacks, envNodeModules+" is unset (bash internal/e2e/install.sh prints the value)")
	} else if _, err := os.Stat(filepath.Join(m, "@atproto", "api", "package.json")); err != nil {
		lacks = append(lacks, fmt.Sprintf("%s=%s holds no @atproto/api (bash internal/e2e/install.sh)", envNodeModules, m))
	}
	if u := os.Getenv(plctest.EnvURL); u != "" {
		if !isLoopbackURL(u) {
			// Scenarios create DIDs there; never on a shared directory.
			t.Fatalf("%s=%s is not on this machine; the scenarios create DIDs in it", plctest.EnvURL, u)
		}
	} else {
		if m := os.Getenv(plctest.EnvNodeModules); m == "" {
			lacks = append(lacks, fmt.Sprintf("no PLC directory: neither %s nor %s is set (bash internal/plctest/install.sh prints the latter)", plctest.EnvURL, plctest.EnvNodeModules))
		} else if _, err := os.Stat(filepath.Join(m, "@did-plc", "server", "package.json")); err != nil {
			lacks = append(lacks, fmt.Sprintf("%s=%s holds no @did-plc/server (bash internal/plctest/install.sh)", plctest.EnvNodeModules, m))
		}
	}
	if len(lacks) > 0 {
		missing(t, strings.Join(lacks, "; "))
	}
	return node
}

// nodeMajor returns the major version of the node executable.
func nodeMajor(ctx context.Context, node string) (int, error) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, node, "--version").Output()
	if err != nil {
		return 0, err
	}
	major, _, _ := strings.Cut(strings.TrimPrefix(strings.TrimSpace(string(out)), "v"), ".")
	return strconv.Atoi(major)
}

// isLoopbackURL reports whether raw is an http URL on this machine.
func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := u.Hostname()
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// missing skips t for a missing prerequisite, or fails it when
// BOLTSKY_E2E_REQUIRED=1.
func missing(t *testing.T, reason string) {
	t.Helper()
	if os.Getenv(envRequired) == "1" {
		t.Fatalf("end-to-end prerequisites missing (%s=1): %s", envRequired, reason)
	}
	t.Skipf("end-to-end prerequisites missing: %s (set %s=1 to fail instead)", reason, envRequired)
}

// buildBoltsky builds ./cmd/boltsky once per test binary and returns its
// path.
func buildBoltsky(t *testing.T) string {
	t.Helper()
	binary.once.Do(func() {
		root, err := moduleRoot()
		if err != nil {
			binary.err = err
			return
		}
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		path := filepath.Join(binary.dir, "boltsky")
		ctx, cancel := context.WithTimeout(context.Background(), buildTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, goTool, "build", "-o", path, "./cmd/boltsky")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			binary.err = fmt.Errorf("go build ./cmd/boltsky: %v\n%s", err, out)
			return
		}
		binary.path = path
	})
	if binary.err != nil {
		t.Fatal(binary.err)
	}
	return binary.path
}

// moduleRoot returns the directory holding go.mod, above the working
// directory.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
