// Command lexvendor copies the official lexicon schemas that boltsky serves
// from the pinned indigo module into the lexicons folder of this module.
//
// It finds the module with `go list -m -f '{{.Dir}}'
// github.com/bluesky-social/indigo`, so the version is the one go.mod pins,
// and copies every schema under the namespaces listed in namespaces. Each
// schema is rewritten in one stable form: every "description" string is
// removed at any depth, keys keep their order, indentation is two spaces and
// the file ends in a newline. Schemas that the module no longer has are
// removed, files whose bytes would not change are left alone, and the
// licence files of the module are copied beside the schemas. Running it again
// therefore gives the same bytes.
//
// Usage, from the module root (make lexicons):
//
//	go run ./internal/lexvendor [-out lexicons]
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"slices"
	"strings"
)

// indigoModule is the module whose lexicons folder is vendored.
const indigoModule = "github.com/bluesky-social/indigo"

// namespaces are the folders, below the module's lexicons folder, whose
// schemas are copied. Paths keep their layout under the output folder.
var namespaces = []string{"com/atproto", "app/bsky", "chat/bsky", "tools/ozone"}

// licenceFiles are copied from the module root next to the schemas.
var licenceFiles = []string{"LICENSE-APACHE", "LICENSE-DUAL", "LICENSE-MIT"}

func main() {
	out := flag.String("out", "lexicons", "folder to write the schemas into")
	flag.Parse()
	if err := run(*out, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "lexvendor:", err)
		os.Exit(1)
	}
}

// run vendors the schemas into out and prints a summary to log.
func run(out string, log io.Writer) error {
	dir, err := indigoDir()
	if err != nil {
		return err
	}
	files, err := gather(dir)
	if err != nil {
		return err
	}
	st, err := syncDir(out, files)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "lexvendor: %d schemas from %s: %d written, %d removed, %d unchanged\n",
		len(files)-len(licenceFiles), dir, st.written, st.removed, st.unchanged)
	return nil
}

// indigoDir asks the go command where the pinned indigo module is.
func indigoDir() (string, error) {
	cmd := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", indigoModule)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("cannot locate %s: %w: %s", indigoModule, err, strings.TrimSpace(stderr.String()))
	}
	dir := strings.TrimSpace(string(b))
	if dir == "" {
		return "", fmt.Errorf("cannot locate %s: module not downloaded (run go mod download)", indigoModule)
	}
	return dir, nil
}

// gather returns every file to vendor from the module in dir, by
// slash-separated path below the output folder: the rewritten schemas and
// the licence files.
func gather(dir string) (map[string][]byte, error) {
	files, err := collect(os.DirFS(filepath.Join(dir, "lexicons")))
	if err != nil {
		return nil, err
	}
	for _, name := range licenceFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("cannot read licence: %w", err)
		}
		files[name] = b
	}
	return files, nil
}

// collect reads every schema under the namespaces of src and returns its
// vendored form by slash-separated path.
func collect(src fs.FS) (map[string][]byte, error) {
	files := map[string][]byte{}
	for _, ns := range namespaces {
		err := fs.WalkDir(src, ns, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || path.Ext(p) != ".json" {
				return err
			}
			raw, err := fs.ReadFile(src, p)
			if err != nil {
				return err
			}
			b, err := rewrite(raw)
			if err != nil {
				return fmt.Errorf("cannot rewrite %s: %w", p, err)
			}
			files[p] = b
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("cannot read schemas: %w", err)
		}
	}
	if len(files) == 0 {
		return nil, errors.New("no schemas found")
	}
	return files, nil
}

type syncStats struct{ written, removed, unchanged int }

// syncDir makes out hold exactly files below the vendored namespaces, writing
// only the files whose bytes differ.
func syncDir(out string, files map[string][]byte) (syncStats, error) {
	var st syncStats
	for _, ns := range namespaces {
		root := filepath.Join(out, filepath.FromSlash(ns))
		err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
			if errors.Is(err, fs.ErrNotExist) && p == root {
				return filepath.SkipDir
			}
			if err != nil || d.IsDir() {
				return err
			}
			rel, err := filepath.Rel(out, p)
			if err != nil {
				return err
			}
			if _, keep := files[filepath.ToSlash(rel)]; !keep {
				st.removed++
				return os.Remove(p)
			}
			return nil
		})
		if err != nil {
			return st, fmt.Errorf("cannot clean %s: %w", root, err)
		}
	}
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		p := filepath.Join(out, filepath.FromSlash(name))
		if old, err := os.ReadFile(p); err == nil && bytes.Equal(old, files[name]) {
			st.unchanged++
			continue
		}
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return st, fmt.Errorf("cannot write %s: %w", p, err)
		}
		if err := os.WriteFile(p, files[name], 0o644); err != nil {
			return st, fmt.Errorf("cannot write %s: %w", p, err)
		}
		st.written++
	}
	return st, nil
}
