package lexicon_test

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/internal/testvectors"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

type lexiconVector struct {
	Name    string          `json:"name"`
	Lexicon json.RawMessage `json:"lexicon"`
}

type recordVector struct {
	Name string          `json:"name"`
	RKey string          `json:"rkey"`
	Data json.RawMessage `json:"data"`
}

func readVectors[T any](t *testing.T, rel string) []T {
	t.Helper()
	var out []T
	if err := json.Unmarshal(testvectors.Read(t, rel), &out); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	if len(out) == 0 {
		t.Fatalf("%s: no vectors", rel)
	}
	return out
}

func TestLexiconVectors(t *testing.T) {
	for _, tc := range []struct {
		file  string
		valid bool
	}{{"lexicon/lexicon-valid.json", true}, {"lexicon/lexicon-invalid.json", false}} {
		vectors := readVectors[lexiconVector](t, tc.file)
		for _, vec := range vectors {
			doc, err := lexicon.ParseDoc(vec.Lexicon)
			if err == nil {
				err = lexicon.NewCatalog().Add(doc)
			}
			switch {
			case tc.valid && err != nil:
				t.Errorf("%s %q: %v", tc.file, vec.Name, err)
			case !tc.valid && err == nil:
				t.Errorf("%s %q: accepted", tc.file, vec.Name)
			case !tc.valid && !errors.Is(err, lexicon.ErrSchema):
				t.Errorf("%s %q: error %v does not wrap ErrSchema", tc.file, vec.Name, err)
			case !tc.valid:
				t.Logf("%s %q: %v", tc.file, vec.Name, err)
			}
		}
		t.Logf("%s: %d vectors", tc.file, len(vectors))
	}
}

func TestInteropCatalog(t *testing.T) {
	cat := MustInterop(t)
	// Five documents in the interop set; indigo's copy has three more.
	if cat.Len() < 5 {
		t.Errorf("interop catalog: %d documents, want 5 or more", cat.Len())
	}
	r, ok := cat.Record("example.lexicon.record")
	if !ok || r.Key != "literal:demo" {
		t.Fatalf("record: %+v", r)
	}
	q, ok := cat.Method("example.lexicon.query")
	if !ok || q.Kind != lexicon.KindQuery || len(q.Params.Properties) != 5 || q.Params.Required[0] != "stringField" ||
		strings.Join(q.Errors, ",") != "DemoError,AnotherDemoError" || q.Output.Encoding != "application/json" {
		t.Errorf("query: %+v", q)
	}
	p, ok := cat.Method("example.lexicon.procedure")
	if !ok || p.Kind != lexicon.KindProcedure || p.Input == nil || p.Output == nil {
		t.Errorf("procedure: %+v", p)
	}
	s, ok := cat.Method("example.lexicon.subscription")
	if !ok || s.Kind != lexicon.KindSubscription || s.Message.Type != lexicon.TypeUnion || strings.Join(s.Errors, ",") != "FutureCursor" {
		t.Errorf("subscription: %+v", s)
	}
	ps, ok := cat.PermissionSet("example.lexicon.permissionset")
	if !ok || len(ps.Permissions) != 6 || ps.TitleLang["fr"] == "" || !ps.Permissions[4].InheritAudience {
		t.Errorf("permission set: %+v", ps)
	}
	// The procedure's input refers to a schema outside the interop set.
	if got := cat.MissingRefs(); !slices.Contains(got, "app.bsky.actor.defs#preferences") {
		t.Errorf("MissingRefs() = %v", got)
	}
	err := cat.ValidateInput("example.lexicon.procedure", map[string]any{"preferences": []any{}})
	if !errors.Is(err, lexicon.ErrNotFound) {
		t.Errorf("input through a missing ref: %v", err)
	}
}

// TestRecordVectors validates every record vector against the interop
// catalog, checks each rkey against the record key type, and keeps the
// error of each invalid vector in a golden file.
func TestRecordVectors(t *testing.T) {
	cat := MustInterop(t)
	rec, _ := cat.Record("example.lexicon.record")
	var golden strings.Builder
	for _, tc := range []struct {
		file  string
		valid bool
	}{{"lexicon/record-data-valid.json", true}, {"lexicon/record-data-invalid.json", false}} {
		vectors := readVectors[recordVector](t, tc.file)
		strict := 0
		for _, vec := range vectors {
			rkey, err := atp.ParseRecordKey(vec.RKey)
			if err != nil || rec.CheckKey(rkey) != nil {
				t.Errorf("%s %q: rkey %q refused", tc.file, vec.Name, vec.RKey)
			}
			data, ok := MustLooseJSON(t, vec.Data).(map[string]any)
			if !ok {
				t.Fatalf("%s %q: not an object", tc.file, vec.Name)
			}
			err = cat.ValidateRecord("example.lexicon.record", data)
			switch {
			case tc.valid && err != nil:
				t.Errorf("%s %q: %v", tc.file, vec.Name, err)
			case !tc.valid && err == nil:
				t.Errorf("%s %q: accepted", tc.file, vec.Name)
			case !tc.valid:
				var verr *lexicon.Error
				if !errors.As(err, &verr) || !errors.Is(err, lexicon.ErrInvalid) {
					t.Errorf("%s %q: error %v is not an *Error wrapping ErrInvalid", tc.file, vec.Name, err)
				}
				fmt.Fprintf(&golden, "%s\t%v\n", vec.Name, err)
			}
			// The strict decoder refuses some vectors on data-model
			// grounds; those it accepts must validate the same.
			if v, err := dagcbor.FromJSONObject(vec.Data); err == nil {
				strict++
				if err := cat.ValidateRecord("example.lexicon.record", v); (err == nil) != tc.valid {
					t.Errorf("%s %q: strict decoding validates differently: %v", tc.file, vec.Name, err)
				}
			}
		}
		t.Logf("%s: %d vectors passed (%d also through dagcbor.FromJSON)", tc.file, len(vectors), strict)
	}
	checkGolden(t, "record-data-invalid.golden", golden.String())
}

// checkGolden compares got with testdata/name, or rewrites it with -update.
func checkGolden(t *testing.T, name, got string) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(p, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs (run with -update and review the diff):\ngot:\n%s", p, got)
	}
}
