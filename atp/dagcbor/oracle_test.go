package dagcbor

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atdata"
	"github.com/ipfs/go-cid"
)

// fromIndigo converts indigo's parsed data (atdata.CIDLink, atdata.Bytes,
// atdata.Blob, int) to this package's values.
func fromIndigo(v any) any {
	switch v := v.(type) {
	case atdata.CIDLink:
		return cid.Cid(v)
	case atdata.Bytes:
		return []byte(v)
	case atdata.Blob:
		return Blob{Ref: cid.Cid(v.Ref), MimeType: v.MimeType, Size: v.Size}.Value()
	case int:
		return int64(v)
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = fromIndigo(item)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, item := range v {
			out[k] = fromIndigo(item)
		}
		return out
	}
	return v
}

// TestIndigoOracle checks random values against indigo's atdata: both
// encoders write the same bytes, each decoder reads the other's output,
// and the decoded values agree.
func TestIndigoOracle(t *testing.T) {
	const n = 3000
	g := newValueGen(1)
	g.noDollar = true
	total := 0
	for i := range n {
		v := g.object(6)
		ours, err := Marshal(v)
		if err != nil {
			t.Fatalf("#%d: Marshal: %v", i, err)
		}
		theirs, err := atdata.MarshalCBOR(v)
		if err != nil {
			t.Fatalf("#%d: atdata.MarshalCBOR: %v", i, err)
		}
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("#%d: encodings differ for %#v\n ours %x\nindigo %x", i, v, ours, theirs)
		}
		back, err := Unmarshal(theirs)
		if err != nil {
			t.Fatalf("#%d: Unmarshal(indigo output): %v", i, err)
		}
		if !reflect.DeepEqual(back, any(v)) {
			t.Fatalf("#%d: Unmarshal = %#v, want %#v", i, back, v)
		}
		parsed, err := atdata.UnmarshalCBOR(ours)
		if err != nil {
			t.Fatalf("#%d: atdata.UnmarshalCBOR(our output): %v", i, err)
		}
		if got := fromIndigo(parsed); !reflect.DeepEqual(got, any(v)) {
			t.Fatalf("#%d: indigo decodes %#v, want %#v", i, got, v)
		}
		total += len(ours)
	}
	t.Logf("%d random values (%d bytes) encode identically to indigo atdata and decode both ways", n, total)
}
