package lexicon_test

import (
	"testing"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/lexicons"

	indigodata "github.com/bluesky-social/indigo/atproto/atdata"
	indigolex "github.com/bluesky-social/indigo/atproto/lexicon"
)

// The oracle tests validate the same records with indigo's atproto/lexicon
// (default flags) and with this package, and require the same verdict.

func mustIndigoEmbedded(tb testing.TB) *indigolex.BaseCatalog {
	tb.Helper()
	cat := indigolex.NewBaseCatalog()
	if err := cat.LoadEmbedFS(lexicons.FS); err != nil {
		tb.Fatal(err)
	}
	return cat
}

func mustIndigoInterop(tb testing.TB) *indigolex.BaseCatalog {
	tb.Helper()
	cat := indigolex.NewBaseCatalog()
	if err := cat.LoadDirectory(interopCatalogDir(tb)); err != nil {
		tb.Fatal(err)
	}
	return cat
}

func TestOracleRecordVectors(t *testing.T) {
	ours := MustInterop(t)
	theirs := mustIndigoInterop(t)
	n := 0
	for _, file := range []string{"lexicon/record-data-valid.json", "lexicon/record-data-invalid.json"} {
		for _, vec := range readVectors[recordVector](t, file) {
			data, err := indigodata.UnmarshalJSON(vec.Data)
			if err != nil {
				t.Fatalf("%s %q: indigo cannot decode: %v", file, vec.Name, err)
			}
			want := indigolex.ValidateRecord(theirs, data, "example.lexicon.record", 0)
			got := ours.ValidateRecord("example.lexicon.record", MustLooseJSON(t, vec.Data).(map[string]any))
			if (got == nil) != (want == nil) {
				t.Errorf("%s %q: ours %v, indigo %v", file, vec.Name, got, want)
			}
			n++
		}
	}
	t.Logf("%d record vectors agree with indigo", n)
}

func TestOracleRecords(t *testing.T) {
	ours := MustEmbedded(t)
	theirs := mustIndigoEmbedded(t)
	cases := readRecordCases(t)
	for _, tc := range cases {
		data, err := indigodata.UnmarshalJSON(tc.Record)
		if err != nil {
			t.Fatalf("%s: indigo cannot decode: %v", tc.Name, err)
		}
		want := indigolex.ValidateRecord(theirs, data, tc.Collection, 0)
		rec, err := dagcbor.FromJSONObject(tc.Record)
		if err != nil {
			t.Fatal(err)
		}
		got := ours.ValidateRecord(tc.Collection, rec)
		if (got == nil) != (want == nil) {
			t.Errorf("%s: ours %v, indigo %v", tc.Name, got, want)
		}
	}
	t.Logf("%d realistic records agree with indigo", len(cases))
}

// TestOracleDivergence pins the one known difference: in an open union,
// indigo also checks a "$type" that the union does not list when its
// catalog knows it; this package, like the reference TypeScript validator,
// accepts any unlisted "$type" unchecked.
func TestOracleDivergence(t *testing.T) {
	raw := []byte(`{"$type": "example.lexicon.record", "integer": 1,
		"union": {"$type": "example.lexicon.record#stringFormats", "did": "not a did"}}`)
	data, err := indigodata.UnmarshalJSON(raw)
	if err != nil {
		t.Fatal(err)
	}
	if err := indigolex.ValidateRecord(mustIndigoInterop(t), data, "example.lexicon.record", 0); err == nil {
		t.Error("indigo now accepts a known unlisted open-union member; update the doc")
	}
	rec, _ := MustLooseJSON(t, raw).(map[string]any)
	if err := MustInterop(t).ValidateRecord("example.lexicon.record", rec); err != nil {
		t.Errorf("ours: %v", err)
	}
}

// TestOracleEmbeddedCatalog checks that indigo loads the vendored schemas
// too, and resolves every definition this package knows.
func TestOracleEmbeddedCatalog(t *testing.T) {
	theirs := mustIndigoEmbedded(t)
	ours := MustEmbedded(t)
	for _, m := range ours.Methods() {
		if _, err := theirs.Resolve(m.NSID.String()); err != nil {
			t.Errorf("indigo lacks %s: %v", m.NSID, err)
		}
	}
}
