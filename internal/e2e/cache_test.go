package e2e

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// trackSources makes go test's result cache depend on what these tests
// build and run but do not import: the module's Go sources (the binary is
// built with go build in a subprocess, which the cache cannot see), the
// embedded lexicons and word lists, and the scenario scripts. go test
// records the files and directories a test stats and reads, and reuses a
// cached result only while they are unchanged; so a change to a handler
// or a script reruns the end-to-end tests, and an unchanged tree reuses
// the last result as for any other package.
func trackSources(t *testing.T) {
	t.Helper()
	root, err := moduleRoot()
	if err != nil {
		t.Fatal(err)
	}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") ||
				name == "node_modules" || name == "testdata" ||
				filepath.Dir(path) == root && (name == "data" || name == "bin")) {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(name, "_test.go"):
		case strings.HasSuffix(name, ".go"), strings.HasSuffix(name, ".mjs"), strings.HasSuffix(name, ".json"),
			strings.HasSuffix(name, ".txt"), name == "go.mod", name == "go.sum":
			if _, err := os.Stat(path); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("cannot walk the module sources: %v", err)
	}
}
