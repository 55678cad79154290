package lexicons_test

import (
	"encoding/json"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/lexicons"
)

// TestFS checks that every embedded file is a schema whose id matches its
// path, and that no description survived vendoring.
func TestFS(t *testing.T) {
	n := 0
	err := fs.WalkDir(lexicons.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if path.Ext(p) != ".json" {
			t.Errorf("%s: not a JSON schema file", p)
			return nil
		}
		b, err := fs.ReadFile(lexicons.FS, p)
		if err != nil {
			return err
		}
		var doc struct {
			Lexicon     int            `json:"lexicon"`
			ID          string         `json:"id"`
			Description *string        `json:"description"`
			Defs        map[string]any `json:"defs"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Errorf("%s: %v", p, err)
			return nil
		}
		if want := strings.ReplaceAll(strings.TrimSuffix(p, ".json"), "/", "."); doc.ID != want {
			t.Errorf("%s: id %q, want %q", p, doc.ID, want)
		}
		if doc.Lexicon != 1 || len(doc.Defs) == 0 || doc.Description != nil {
			t.Errorf("%s: lexicon %d, %d defs, description %v", p, doc.Lexicon, len(doc.Defs), doc.Description != nil)
		}
		n++
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, ns := range []string{"com/atproto", "app/bsky", "chat/bsky", "tools/ozone"} {
		if _, err := fs.Stat(lexicons.FS, ns); err != nil {
			t.Errorf("namespace %s missing: %v", ns, err)
		}
	}
	t.Logf("%d embedded schema files", n)
}
