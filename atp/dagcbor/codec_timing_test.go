package dagcbor

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/ipfs/go-cid"
)

// Benchmarks on a typical app.bsky.feed.post record (testdata/post.json:
// text, createdAt, langs, a link facet, an image embed with a blob and
// reply refs), each beside indigo's atdata equivalent and the
// fxamacker-based codec of fxamacker_test.go. Compare ratios within one
// run, or with benchstat.

type postFixture struct {
	json   []byte
	cbor   []byte
	value  map[string]any // ours
	indigo map[string]any // atdata's parsed form
}

func loadPost(b *testing.B) postFixture {
	b.Helper()
	js, err := os.ReadFile("testdata/post.json")
	if err != nil {
		b.Fatal(err)
	}
	v, err := FromJSONObject(js)
	if err != nil {
		b.Fatal(err)
	}
	data, err := Marshal(v)
	if err != nil {
		b.Fatal(err)
	}
	iv, err := atdata.UnmarshalCBOR(data)
	if err != nil {
		b.Fatal(err)
	}
	return postFixture{json: js, cbor: data, value: v, indigo: iv}
}

func BenchmarkPostEncode(b *testing.B) {
	p := loadPost(b)
	b.Run("dagcbor", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cbor)))
		for b.Loop() {
			if _, err := Marshal(p.value); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("dagcbor-append", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cbor)))
		buf := make([]byte, 0, 1024)
		for b.Loop() {
			var err error
			if buf, err = AppendValue(buf[:0], p.value); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fxamacker", func(b *testing.B) {
		fx := mustFxCodec()
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cbor)))
		for b.Loop() {
			if _, err := fx.Marshal(p.value); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cbor)))
		for b.Loop() {
			if _, err := atdata.MarshalCBOR(p.indigo); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPostDecode(b *testing.B) {
	p := loadPost(b)
	b.Run("dagcbor", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cbor)))
		for b.Loop() {
			if _, err := Unmarshal(p.cbor); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("fxamacker", func(b *testing.B) {
		fx := mustFxCodec()
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cbor)))
		for b.Loop() {
			if _, err := fx.Unmarshal(p.cbor); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cbor)))
		for b.Loop() {
			if _, err := atdata.UnmarshalCBOR(p.cbor); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPostValidate(b *testing.B) {
	p := loadPost(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(p.cbor)))
	for b.Loop() {
		if err := Validate(p.cbor); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPostCID times encoding a record and computing its CID.
func BenchmarkPostCID(b *testing.B) {
	p := loadPost(b)
	b.Run("dagcbor", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cbor)))
		for b.Loop() {
			data, err := Marshal(p.value)
			if err != nil {
				b.Fatal(err)
			}
			_ = SumCBOR(data)
		}
	})
	b.Run("indigo", func(b *testing.B) {
		builder := cid.V1Builder{Codec: cid.DagCBOR, MhType: 0x12}
		b.ReportAllocs()
		b.SetBytes(int64(len(p.cbor)))
		for b.Loop() {
			data, err := atdata.MarshalCBOR(p.indigo)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := builder.Sum(data); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPostFromJSON(b *testing.B) {
	p := loadPost(b)
	b.Run("dagcbor", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.json)))
		for b.Loop() {
			if _, err := FromJSON(p.json); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.json)))
		for b.Loop() {
			if _, err := atdata.UnmarshalJSON(p.json); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkPostToJSON(b *testing.B) {
	p := loadPost(b)
	b.Run("dagcbor", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.json)))
		for b.Loop() {
			if _, err := ToJSON(p.value); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		b.SetBytes(int64(len(p.json)))
		for b.Loop() {
			if _, err := json.Marshal(p.indigo); err != nil {
				b.Fatal(err)
			}
		}
	})
}
