package main

import (
	"bytes"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
)

// TestUpToDate regenerates the schemas into a temporary folder and checks
// that the committed lexicons folder holds exactly the same files, and that
// a second run changes nothing.
func TestUpToDate(t *testing.T) {
	out := t.TempDir()
	if err := run(out, io.Discard); err != nil {
		t.Fatal(err)
	}
	want := readTree(t, out)
	got := readTree(t, filepath.Join("..", "..", "lexicons"))
	for name, b := range want {
		if g, ok := got[name]; !ok {
			t.Errorf("%s: missing from lexicons/ (run make lexicons)", name)
		} else if !bytes.Equal(g, b) {
			t.Errorf("%s: differs from a fresh run (run make lexicons)", name)
		}
	}
	for name := range got {
		if _, ok := want[name]; !ok && filepath.Ext(name) == ".json" {
			t.Errorf("%s: in lexicons/ but not vendored", name)
		}
	}
	st, err := syncDir(out, mustCollect(t))
	if err != nil {
		t.Fatal(err)
	}
	if st.written != 0 || st.removed != 0 {
		t.Errorf("second run wrote %d and removed %d files", st.written, st.removed)
	}
	t.Logf("%d vendored files match", len(want))
}

func TestRewrite(t *testing.T) {
	in := `{"lexicon":1,"id":"a.b.c","description":"doc","defs":{"main":{"type":"object",
	"description":"x","properties":{"description":{"type":"string","description":"y"},
	"n":{"type":"integer","maximum":10}}},"description":{"type":"token","description":"t"}}}`
	want := `{
  "lexicon": 1,
  "id": "a.b.c",
  "defs": {
    "main": {
      "type": "object",
      "properties": {
        "description": {
          "type": "string"
        },
        "n": {
          "type": "integer",
          "maximum": 10
        }
      }
    },
    "description": {
      "type": "token"
    }
  }
}
`
	got, err := rewrite([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != want {
		t.Errorf("rewrite:\n%s\nwant:\n%s", got, want)
	}
	for _, bad := range []string{`[]`, `{"a":1,"a":2}`, `{"a":1} {}`, `{"a":`} {
		if _, err := rewrite([]byte(bad)); err == nil {
			t.Errorf("rewrite(%s) succeeded", bad)
		}
	}
}

func mustCollect(t *testing.T) map[string][]byte {
	t.Helper()
	dir, err := indigoDir()
	if err != nil {
		t.Fatal(err)
	}
	files, err := gather(dir)
	if err != nil {
		t.Fatal(err)
	}
	return files
}

func readTree(t *testing.T, root string) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) == ".go" {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		files[filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}
