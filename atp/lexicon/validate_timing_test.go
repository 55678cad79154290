package lexicon_test

// Micro-benchmarks, each with indigo's atproto/lexicon equivalent as a
// sub-benchmark beside ours so one run gives the ratio:
//
//	go test -run '^$' -bench . -benchmem ./atp/lexicon/

import (
	"net/url"
	"testing"

	indigodata "github.com/bluesky-social/indigo/atproto/atdata"
	indigolex "github.com/bluesky-social/indigo/atproto/lexicon"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/lexicons"
)

// benchRecord returns, decoded by us and by indigo, the record of
// testdata/records.json named name.
func benchRecord(b *testing.B, name string) (coll string, ours, theirs map[string]any) {
	b.Helper()
	for _, tc := range readRecordCases(b) {
		if tc.Name != name {
			continue
		}
		ours, err := dagcbor.FromJSONObject(tc.Record)
		if err != nil {
			b.Fatal(err)
		}
		theirs, err := indigodata.UnmarshalJSON(tc.Record)
		if err != nil {
			b.Fatal(err)
		}
		return tc.Collection, ours, theirs
	}
	b.Fatalf("no record %q", name)
	return "", nil, nil
}

func benchValidate(b *testing.B, name string) {
	coll, ours, theirs := benchRecord(b, name)
	cat := MustEmbedded(b)
	icat := mustIndigoEmbedded(b)
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := cat.ValidateRecord(coll, ours); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := indigolex.ValidateRecord(icat, theirs, coll, 0); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkValidatePost validates a typical app.bsky.feed.post: text with
// mention, link and tag facets, two images with alt text, langs, self
// labels and tags.
func BenchmarkValidatePost(b *testing.B) {
	benchValidate(b, "post with facets, images, langs, labels and tags")
}

// BenchmarkValidateLike validates the smallest common record.
func BenchmarkValidateLike(b *testing.B) { benchValidate(b, "like") }

func BenchmarkLoadCatalog(b *testing.B) {
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := lexicon.LoadCatalog(lexicons.FS); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := indigolex.NewBaseCatalog().LoadEmbedFS(lexicons.FS); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkParseParams(b *testing.B) {
	cat := MustEmbedded(b)
	q := url.Values{"actor": {"alice.bsky.social"}, "limit": {"30"}, "cursor": {"3l3qo2vutsw2b"}}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := cat.ParseParams("app.bsky.feed.getAuthorFeed", q); err != nil {
			b.Fatal(err)
		}
	}
}
