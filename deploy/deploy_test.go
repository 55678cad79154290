package deploy

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// envRequired names the variable that turns a missing tool from a skip
// into a failure, as CI sets it.
const envRequired = "BOLTSKY_DEPLOY_REQUIRED"

// toolTimeout bounds one run of an external checker.
const toolTimeout = 2 * time.Minute

// Paths the deploy files name on a production machine.
const (
	installedBinary = "/usr/local/bin/boltsky"
	installedConfig = "/etc/boltsky/boltsky.toml"
)

// needTool returns the path of the program name, or skips t when it is
// not installed (fails it when BOLTSKY_DEPLOY_REQUIRED=1), naming the
// Debian package that provides it.
func needTool(t *testing.T, name, debianPackage string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	reason := name + " is not installed (Debian package " + debianPackage + ": apt-get install -y " + debianPackage + ")"
	if os.Getenv(envRequired) == "1" {
		t.Fatalf("%s, and %s=1", reason, envRequired)
	}
	t.Skipf("%s; set %s=1 to fail instead", reason, envRequired)
	return ""
}

// runTool runs program with args in dir and returns its combined output.
// Extra environment entries (KEY=value) are added to the test's.
func runTool(t *testing.T, dir string, env []string, program string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), toolTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, program, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// readFile returns the content of a file of this directory.
func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatalf("cannot read %s: %v", name, err)
	}
	return string(b)
}

// writeFile writes content to path, failing t on error.
func writeFile(t *testing.T, path, content string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		t.Fatalf("cannot write %s: %v", path, err)
	}
}

// replaceOnce replaces old by new in s, failing t unless old occurs
// exactly once: a test that rewrites a deploy file must notice when the
// file changed under it.
func replaceOnce(t *testing.T, s, old, new, what string) string {
	t.Helper()
	if n := strings.Count(s, old); n != 1 {
		t.Fatalf("%s: %q occurs %d times, want once", what, old, n)
	}
	return strings.Replace(s, old, new, 1)
}

// moduleRoot is the directory holding go.mod: the parent of this one.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("no go.mod in %s: %v", root, err)
	}
	return root
}

// boltskyBinary builds ./cmd/boltsky once per test binary.
var boltskyBinary struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// buildBoltsky returns the path of a freshly built boltsky binary.
func buildBoltsky(t *testing.T) string {
	t.Helper()
	root := moduleRoot(t)
	boltskyBinary.once.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		if boltskyBinary.dir, err = os.MkdirTemp("", "boltsky-deploy-test-"); err != nil {
			boltskyBinary.err = err
			return
		}
		path := filepath.Join(boltskyBinary.dir, "boltsky")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, goTool, "build", "-o", path, "./cmd/boltsky")
		cmd.Dir = root
		if out, err := cmd.CombinedOutput(); err != nil {
			boltskyBinary.err = &buildError{err: err, out: string(out)}
			return
		}
		boltskyBinary.path = path
	})
	if boltskyBinary.err != nil {
		t.Fatal(boltskyBinary.err)
	}
	return boltskyBinary.path
}

type buildError struct {
	err error
	out string
}

func (e *buildError) Error() string { return "go build ./cmd/boltsky: " + e.err.Error() + "\n" + e.out }

// TestMain removes the built binary after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if boltskyBinary.dir != "" {
		os.RemoveAll(boltskyBinary.dir)
	}
	os.Exit(code)
}
