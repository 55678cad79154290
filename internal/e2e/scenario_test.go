package e2e

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// scenarioRun is one run of a scenario script against a node.
type scenarioRun struct {
	node    string // the node (Node.js) executable
	modules string // node_modules folder holding @atproto/api
	script  string // file name in scenarios/
	target  *node
}

// runScenario runs the script with node and fails t with its output when
// it exits non-zero or outlives scenarioTimeout; otherwise it logs the
// output (one line per step, skipped steps with their reason).
func runScenario(t *testing.T, r scenarioRun) {
	t.Helper()
	script, err := filepath.Abs(filepath.Join("scenarios", r.script))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), scenarioTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, r.node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Env = append(withoutBoltskyEnv(os.Environ()),
		envNodeModules+"="+r.modules,
		"BOLTSKY_URL="+r.target.URL,
		"BOLTSKY_DATA_DIR="+r.target.DataDir,
		"BOLTSKY_ADMIN_PASSWORD="+r.target.AdminPassword,
		"BOLTSKY_HANDLE_DOMAIN=.test",
	)
	if u := r.target.opts.PLCURL; u != "" {
		cmd.Env = append(cmd.Env, "BOLTSKY_PLC_URL="+u)
	}
	if l := r.target.opts.BlobUploadLimit; l > 0 {
		cmd.Env = append(cmd.Env, "BOLTSKY_BLOB_UPLOAD_LIMIT="+strconv.FormatInt(l, 10))
	}
	// One buffer for both streams: exec writes to it from one goroutine
	// at a time when Stdout and Stderr are the same writer.
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	took := time.Since(start).Round(time.Millisecond)
	switch {
	case ctx.Err() == context.DeadlineExceeded:
		t.Fatalf("scenario %s did not finish within %s against %s; its output:\n%s", r.script, scenarioTimeout, r.target.URL, out.String())
	case err != nil:
		t.Fatalf("scenario %s failed (%v, after %s) against %s; its output:\n%s", r.script, err, took, r.target.URL, out.String())
	}
	t.Logf("scenario %s passed in %s:\n%s", r.script, took, out.String())
	reportSkippedSteps(t, out.String())
}

// reportSkippedSteps turns each step the script reported as skipped
// ("SKIP  <step>: <reason>") into a skipped subtest, so that go test's
// output and -json stream list every step not passed, with its reason.
func reportSkippedSteps(t *testing.T, output string) {
	t.Helper()
	for _, line := range strings.Split(output, "\n") {
		rest, ok := strings.CutPrefix(line, "SKIP  ")
		if !ok {
			continue
		}
		step, reason, _ := strings.Cut(rest, ": ")
		t.Run(step, func(t *testing.T) { t.Skip(reason) })
	}
}
