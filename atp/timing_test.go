package atp_test

import (
	"testing"

	"github.com/bluesky-social/indigo/atproto/syntax"

	"github.com/boltsky/boltsky/atp"
)

// Each benchmark runs our parser and indigo's equivalent on the same
// input, as sub-benchmarks "atp" and "indigo", so one run compares them.

const (
	benchDID      = "did:plc:7iza6de2dwap2sbkpav7c6c6"
	benchDIDWeb   = "did:web:example.com"
	benchHandle   = "alice.bsky.social"
	benchNSID     = "app.bsky.feed.post"
	benchTID      = "3jzfcijpj2z2a"
	benchATURI    = "at://did:plc:7iza6de2dwap2sbkpav7c6c6/app.bsky.feed.post/3jzfcijpj2z2a"
	benchDatetime = "2024-11-05T17:31:10.123Z"
	benchLanguage = "pt-BR"
	benchRecKey   = "3jzfcijpj2z2a"
)

func BenchmarkParseDID(b *testing.B) {
	for _, in := range []string{benchDID, benchDIDWeb} {
		b.Run("atp/"+in[:7], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = atp.ParseDID(in)
			}
		})
		b.Run("indigo/"+in[:7], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _ = syntax.ParseDID(in)
			}
		})
	}
}

func BenchmarkParseHandle(b *testing.B) {
	b.Run("atp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = atp.ParseHandle(benchHandle)
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = syntax.ParseHandle(benchHandle)
		}
	})
}

func BenchmarkParseNSID(b *testing.B) {
	b.Run("atp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = atp.ParseNSID(benchNSID)
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = syntax.ParseNSID(benchNSID)
		}
	})
}

func BenchmarkParseTID(b *testing.B) {
	b.Run("atp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = atp.ParseTID(benchTID)
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = syntax.ParseTID(benchTID)
		}
	})
}

func BenchmarkClockNext(b *testing.B) {
	b.Run("atp", func(b *testing.B) {
		c := atp.NewClock(1, nil)
		b.ReportAllocs()
		for b.Loop() {
			_ = c.Next()
		}
	})
	b.Run("indigo", func(b *testing.B) {
		c := syntax.NewTIDClock(1)
		b.ReportAllocs()
		for b.Loop() {
			_ = c.Next()
		}
	})
}

func BenchmarkParseATURI(b *testing.B) {
	b.Run("atp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = atp.ParseATURI(benchATURI)
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = syntax.ParseATURI(benchATURI)
		}
	})
}

func BenchmarkParseDatetime(b *testing.B) {
	b.Run("atp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = atp.ParseDatetime(benchDatetime)
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = syntax.ParseDatetime(benchDatetime)
		}
	})
}

func BenchmarkParseLanguage(b *testing.B) {
	b.Run("atp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = atp.ParseLanguage(benchLanguage)
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = syntax.ParseLanguage(benchLanguage)
		}
	})
}

func BenchmarkParseRecordKey(b *testing.B) {
	b.Run("atp", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = atp.ParseRecordKey(benchRecKey)
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			_, _ = syntax.ParseRecordKey(benchRecKey)
		}
	})
}

// TestParseDoesNotAllocate pins the allocation-free claim of the package
// doc for inputs that need no change.
func TestParseDoesNotAllocate(t *testing.T) {
	checks := map[string]func(){
		"DID":      func() { _, _ = atp.ParseDID(benchDID) },
		"Handle":   func() { _, _ = atp.ParseHandle(benchHandle) },
		"NSID":     func() { _, _ = atp.ParseNSID(benchNSID) },
		"TID":      func() { _, _ = atp.ParseTID(benchTID) },
		"ATURI":    func() { _, _ = atp.ParseATURI(benchATURI) },
		"Datetime": func() { _, _ = atp.ParseDatetime(benchDatetime) },
		"Language": func() { _, _ = atp.ParseLanguageStrict("en-GB-boont-r-extended-sequence-x-private") },
		"URI":      func() { _, _ = atp.ParseURI("https://example.com/a") },
		"RecordKey": func() {
			_, _ = atp.ParseRecordKey(benchRecKey)
		},
	}
	for name, f := range checks {
		if n := testing.AllocsPerRun(100, f); n != 0 {
			t.Errorf("Parse%s allocates %v times per call", name, n)
		}
	}
}
