package boltsky_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/boltsky/boltsky"

// allowedImports is the import table of docs/ARCHITECTURE.md: for each of
// our packages, the packages of ours its non-test files may import. A
// trailing "/*" allows that package and every package below it. Packages that are not
// listed (new ones) fail the test until they are added here.
var allowedImports = map[string][]string{
	"":            nil,
	"atp":         nil,
	"atp/dagcbor": {"atp"},
	"atp/car":     {"atp", "atp/dagcbor"},
	"atp/crypto":  nil,
	"atp/lexicon": {"atp", "atp/dagcbor"},
	"mst":         {"atp", "atp/dagcbor"},
	"repo":        {"mst", "atp/*"},
	"kv":          {"atp"},
	"blobstore":   {"atp/*"},
	"identity":    {"atp", "atp/crypto", "atp/dagcbor"},
	"account":     {"kv", "identity", "atp/*"},
	"actor":       {"repo", "mst", "kv", "blobstore", "atp/*"},
	"sync":        {"kv", "repo", "actor", "atp/*"},
	"labels":      {"kv", "sync", "atp/*"},
	"oauth":       {"account", "kv", "atp/*"},
	"httpapi":     {"*"},
	"bench":       {"atp/*"},
	"cmd/*":       {"*"},
	"deploy":      nil,
	"lexicons":    nil,
	"internal/*":  {"*"},
}

// restrictedImports names third-party packages that only some of our
// packages may import.
var restrictedImports = map[string][]string{
	"go.etcd.io/bbolt":                   {"kv"},
	"github.com/valyala/fasthttp":        {"httpapi", "bench", "cmd/*"},
	"github.com/fasthttp/websocket":      {"httpapi", "sync", "bench"},
	"github.com/bluesky-social/indigo":   {},
	"github.com/decred/dcrd/dcrec":       {"atp/crypto"},
	"github.com/VictoriaMetrics/metrics": {"*"},
}

func TestImportDirection(t *testing.T) {
	pkgs := goPackages(t)
	checked := 0
	for dir, files := range pkgs {
		allowed, ok := lookup(allowedImports, dir)
		if !ok {
			t.Errorf("package %q is not in the import table of deps_test.go; add it with its allowed imports", dir)
			continue
		}
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			for _, imp := range fileImports(t, file) {
				checked++
				if rel, ours := strings.CutPrefix(imp, module+"/"); ours {
					if !matchAny(allowed, rel) {
						t.Errorf("%s imports %s, which the import table does not allow for %q", file, imp, dir)
					}
					continue
				}
				for restricted, who := range restrictedImports {
					if imp == restricted || strings.HasPrefix(imp, restricted+"/") {
						if !matchAny(who, dir) {
							t.Errorf("%s imports %s, which only %v may import", file, imp, who)
						}
					}
				}
			}
		}
	}
	t.Logf("checked %d imports in %d packages", checked, len(pkgs))
}

func TestPackageDocs(t *testing.T) {
	for dir, files := range goPackages(t) {
		documented := false
		for _, file := range files {
			if strings.HasSuffix(file, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(token.NewFileSet(), file, nil, parser.PackageClauseOnly|parser.ParseComments)
			if err != nil {
				t.Fatalf("cannot parse %s: %v", file, err)
			}
			if f.Doc != nil && strings.TrimSpace(f.Doc.Text()) != "" {
				documented = true
				break
			}
		}
		if !documented {
			t.Errorf("package %q has no package doc comment", dir)
		}
	}
}

// goPackages maps each package directory (relative to the module root,
// slash-separated, "" for the root) to its .go files.
func goPackages(t *testing.T) map[string][]string {
	t.Helper()
	pkgs := map[string][]string{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != "." && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		dir := filepath.ToSlash(filepath.Dir(path))
		if dir == "." {
			dir = ""
		}
		pkgs[dir] = append(pkgs[dir], path)
		return nil
	})
	if err != nil {
		t.Fatalf("cannot walk the module: %v", err)
	}
	// Directories holding only tests still count: they need a doc too when
	// they hold a non-test file, which TestPackageDocs checks per file.
	for dir, files := range pkgs {
		if !slices.ContainsFunc(files, func(f string) bool { return !strings.HasSuffix(f, "_test.go") }) {
			delete(pkgs, dir)
		}
	}
	return pkgs
}

func fileImports(t *testing.T, file string) []string {
	t.Helper()
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("cannot read %s: %v", file, err)
	}
	f, err := parser.ParseFile(token.NewFileSet(), file, src, parser.ImportsOnly)
	if err != nil {
		t.Fatalf("cannot parse %s: %v", file, err)
	}
	var out []string
	for _, spec := range f.Imports {
		p, err := strconv.Unquote(spec.Path.Value)
		if err != nil {
			t.Fatalf("%s: bad import path %s", file, spec.Path.Value)
		}
		out = append(out, p)
	}
	return out
}

func lookup(table map[string][]string, dir string) ([]string, bool) {
	if allowed, ok := table[dir]; ok {
		return allowed, true
	}
	for pattern, allowed := range table {
		if match(pattern, dir) {
			return allowed, true
		}
	}
	return nil, false
}

func matchAny(patterns []string, dir string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, dir) })
}

func match(pattern, dir string) bool {
	if pattern == "*" {
		return true
	}
	if base, ok := strings.CutSuffix(pattern, "/*"); ok {
		return dir == base || strings.HasPrefix(dir, base+"/")
	}
	return pattern == dir
}
