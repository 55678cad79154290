package lexicon_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/internal/testvectors"
	"github.com/boltsky/boltsky/lexicons"
)

// MustEmbedded returns the catalog of the embedded official schemas.
func MustEmbedded(tb testing.TB) *lexicon.Catalog {
	tb.Helper()
	cat, err := lexicon.LoadCatalog(lexicons.FS)
	if err != nil {
		tb.Fatal(err)
	}
	return cat
}

// interopCatalogDir returns the folder of the interop example schemas
// (lexicon/catalog), found beside the record vectors so that the fallback
// to indigo's testdata works too.
func interopCatalogDir(tb testing.TB) string {
	tb.Helper()
	return filepath.Join(filepath.Dir(testvectors.Path(tb, "lexicon/record-data-valid.json")), "catalog")
}

// MustInterop returns the catalog of the interop example schemas
// (lexicon/catalog/*.json).
func MustInterop(tb testing.TB) *lexicon.Catalog {
	tb.Helper()
	cat, err := lexicon.LoadCatalog(os.DirFS(interopCatalogDir(tb)))
	if err != nil {
		tb.Fatal(err)
	}
	return cat
}

func TestEmbeddedCatalog(t *testing.T) {
	cat := MustEmbedded(t)
	files := 0
	_ = fs.WalkDir(lexicons.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
		}
		return err
	})
	if cat.Len() != files {
		t.Errorf("catalog holds %d documents, FS %d files", cat.Len(), files)
	}
	if missing := cat.MissingRefs(); len(missing) > 0 {
		t.Errorf("unresolved references: %v", missing)
	}
	kinds := map[lexicon.MethodKind]int{}
	for _, m := range cat.Methods() {
		kinds[m.Kind]++
	}
	t.Logf("embedded catalog: %d documents, %d methods %v", cat.Len(), len(cat.Methods()), kinds)

	// Every com.atproto method of the shared copy is in the catalog.
	shared := testvectors.SharedDir()
	if shared == "" {
		t.Skip("no ../shared")
	}
	root := filepath.Join(shared, "lexicons", "lexicons")
	checked := 0
	err := filepath.WalkDir(filepath.Join(root, "com", "atproto"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || filepath.Ext(p) != ".json" {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		var doc struct {
			ID   string `json:"id"`
			Defs map[string]struct {
				Type string `json:"type"`
			} `json:"defs"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return err
		}
		switch typ := doc.Defs["main"].Type; typ {
		case "query", "procedure", "subscription":
			m, ok := cat.Method(doc.ID)
			if !ok {
				t.Errorf("method %s missing", doc.ID)
			} else if string(m.Kind) != typ {
				t.Errorf("method %s: kind %s, want %s", doc.ID, m.Kind, typ)
			}
			checked++
		case "record":
			if _, ok := cat.Record(doc.ID); !ok {
				t.Errorf("record %s missing", doc.ID)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if checked == 0 {
		t.Fatal("no com.atproto methods found in ../shared/lexicons")
	}
	t.Logf("all %d com.atproto methods of ../shared/lexicons present", checked)
}

func TestEmbeddedLookups(t *testing.T) {
	cat := MustEmbedded(t)
	m, ok := cat.Method("com.atproto.repo.createRecord")
	if !ok || m.Kind != lexicon.KindProcedure || m.Input == nil || m.Input.Encoding != "application/json" {
		t.Fatalf("createRecord: %+v", m)
	}
	if !strings.Contains(strings.Join(m.Errors, ","), "InvalidSwap") {
		t.Errorf("createRecord errors %v", m.Errors)
	}
	if m, _ := cat.Method("com.atproto.repo.uploadBlob"); m.Input.Encoding != "*/*" || !m.Input.Accepts("image/png") {
		t.Errorf("uploadBlob input %+v", m.Input)
	}
	if m, _ := cat.Method("com.atproto.sync.getRepo"); m.Output.Encoding != "application/vnd.ipld.car" || m.Kind != lexicon.KindQuery {
		t.Errorf("getRepo output %+v", m.Output)
	}
	if m, _ := cat.Method("com.atproto.sync.subscribeRepos"); m.Kind != lexicon.KindSubscription || m.Message == nil {
		t.Errorf("subscribeRepos %+v", m)
	}
	for nsid, key := range map[string]lexicon.KeyType{
		"app.bsky.feed.post":         lexicon.KeyTID,
		"app.bsky.actor.profile":     "literal:self",
		"com.atproto.lexicon.schema": lexicon.KeyNSID,
	} {
		r, ok := cat.Record(nsid)
		if !ok || r.Key != key {
			t.Errorf("record %s: key %v", nsid, r)
		}
	}
	if lit, ok := lexicon.KeyType("literal:self").Literal(); !ok || lit != "self" {
		t.Errorf("Literal() = %q, %v", lit, ok)
	}
	if _, ok := cat.Schema("app.bsky.richtext.facet#mention"); !ok {
		t.Error("facet#mention missing")
	}
	if s, ok := cat.Schema("app.bsky.feed.post#main"); !ok || s.Type != lexicon.TypeObject {
		t.Error("post#main missing")
	}
	if _, ok := cat.Method("com.atproto.nope.nothing"); ok {
		t.Error("unknown method found")
	}
}

func TestLoadCatalogErrors(t *testing.T) {
	good := `{"lexicon": 1, "id": "com.example.a", "defs": {"main": {"type": "token"}}}`
	for name, fsys := range map[string]fstest.MapFS{
		"malformed": {"a.json": {Data: []byte(good)}, "b/c.json": {Data: []byte(`{"lexicon": 1, "id": "com.example.c", "defs": {"main": {"type": "nope"}}}`)}},
		"duplicate": {"a.json": {Data: []byte(good)}, "b.json": {Data: []byte(good)}},
		"not json":  {"a.json": {Data: []byte(`lexicon`)}},
	} {
		_, err := lexicon.LoadCatalog(fsys)
		if !errors.Is(err, lexicon.ErrSchema) || !strings.HasPrefix(err.Error(), "cannot load lexicon ") {
			t.Errorf("%s: %v", name, err)
		}
	}
	cat, err := lexicon.LoadCatalog(fstest.MapFS{"a.json": {Data: []byte(good)}, "README.md": {Data: []byte("# not a schema")}})
	if err != nil || cat.Len() != 1 {
		t.Errorf("non-JSON files must be skipped: %v", err)
	}
}
