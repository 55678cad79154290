// Package testvectors finds the official AT Protocol interop vectors for
// tests. A vector is named by its path under the interop set (for example
// "syntax/did_syntax_valid.txt"). It is read from ../shared/interop beside
// the module root when that folder exists, else from the same file in the
// indigo module's testdata, and the test fails when neither holds it.
//
// Only test code imports this package.
package testvectors

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// indigoModule is the module that ships the same vectors in its testdata.
const indigoModule = "github.com/bluesky-social/indigo"

// indigoPaths maps an interop folder to the folder of the indigo module
// that carries the same files.
var indigoPaths = map[string]string{
	"syntax":                      "atproto/syntax/testdata",
	"data-model":                  "atproto/atdata/testdata",
	"crypto":                      "atproto/atcrypto/testdata",
	"mst":                         "atproto/repo/mst/testdata",
	"firehose":                    "atproto/repo/testdata",
	"lexicon":                     "atproto/lexicon/testdata",
	"extra/indigo/atproto/repo":   "atproto/repo/testdata",
	"extra/indigo/testing":        "testing/testdata",
	"extra/indigo/atproto/atdata": "atproto/atdata/testdata",
}

// Path returns the file system path of the vector file rel, failing tb when
// it cannot be found in either place.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	p, err := find(rel)
	if err != nil {
		tb.Fatalf("testvectors: %v", err)
	}
	return p
}

// Read returns the contents of the vector file rel.
func Read(tb testing.TB, rel string) []byte {
	tb.Helper()
	b, err := os.ReadFile(Path(tb, rel))
	if err != nil {
		tb.Fatalf("testvectors: cannot read %s: %v", rel, err)
	}
	return b
}

// Lines returns the entries of a line-oriented vector file: every line that
// is neither blank nor a '#' comment, with surrounding space removed.
func Lines(tb testing.TB, rel string) []string {
	tb.Helper()
	var out []string
	sc := bufio.NewScanner(bytes.NewReader(Read(tb, rel)))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		tb.Fatalf("testvectors: cannot scan %s: %v", rel, err)
	}
	return out
}

// RawLines is like Lines but keeps surrounding space inside each entry,
// for files where leading or trailing space is part of the vector. Only the
// line terminator is removed.
func RawLines(tb testing.TB, rel string) []string {
	tb.Helper()
	var out []string
	for _, line := range strings.Split(string(Read(tb, rel)), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	return out
}

// SharedDir returns the ../shared directory beside the module root, or ""
// when there is none.
func SharedDir() string {
	root, err := ModuleRoot()
	if err != nil {
		return ""
	}
	dir := filepath.Join(filepath.Dir(root), "shared")
	if st, err := os.Stat(dir); err == nil && st.IsDir() {
		return dir
	}
	return ""
}

// ModuleRoot returns the directory holding this module's go.mod, found by
// walking up from the working directory.
func ModuleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("cannot find module root: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find module root: no go.mod above the working directory")
		}
		dir = parent
	}
}

// IndigoDir returns the directory of the indigo module in the module cache.
func IndigoDir() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", indigoModule).Output()
	if err != nil {
		return "", fmt.Errorf("cannot locate %s: %w", indigoModule, err)
	}
	dir := strings.TrimSpace(string(out))
	if dir == "" {
		return "", fmt.Errorf("cannot locate %s: module not downloaded", indigoModule)
	}
	return dir, nil
}

func find(rel string) (string, error) {
	if shared := SharedDir(); shared != "" {
		p := filepath.Join(shared, "interop", filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	dir, base := pathSplit(rel)
	sub, ok := indigoPaths[dir]
	if !ok {
		return "", fmt.Errorf("vector %s: not under ../shared/interop and no indigo counterpart is known", rel)
	}
	indigo, err := IndigoDir()
	if err != nil {
		return "", fmt.Errorf("vector %s: not under ../shared/interop: %w", rel, err)
	}
	p := filepath.Join(indigo, filepath.FromSlash(sub), base)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("vector %s: found neither under ../shared/interop nor in indigo at %s", rel, p)
	}
	return p, nil
}

func pathSplit(rel string) (dir, base string) {
	i := strings.LastIndex(rel, "/")
	if i < 0 {
		return "", rel
	}
	return rel[:i], rel[i+1:]
}
