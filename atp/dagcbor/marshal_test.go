package dagcbor

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"testing"

	"github.com/ipfs/go-cid"
	"github.com/multiformats/go-multihash"
)

func TestMarshalValues(t *testing.T) {
	link := mustCID(t, testDataCID)
	tests := []struct {
		in   any
		want string // hex
	}{
		{nil, "f6"},
		{false, "f4"},
		{int64(-1), "20"},
		{int(24), "1818"},
		{int8(-128), "387f"},
		{uint16(65535), "19ffff"},
		{uint64(math.MaxInt64), "1b7fffffffffffffff"},
		{"", "60"},
		{[]byte(nil), "40"},
		{[]any{}, "80"},
		{map[string]any{}, "a0"},
		{map[string]any{"bb": int64(1), "a": int64(2), "c": int64(3)}, "a3616102616303626262" + "01"},
		{link, "d82a5825" + "00" + hex.EncodeToString(link.Bytes())},
	}
	for _, tt := range tests {
		got, err := Marshal(tt.in)
		if err != nil || hex.EncodeToString(got) != tt.want {
			t.Errorf("Marshal(%#v) = %x, %v; want %s", tt.in, got, err, tt.want)
		}
		app, err := AppendValue([]byte{0xee}, tt.in)
		if err != nil || !bytes.Equal(app[1:], got) || app[0] != 0xee {
			t.Errorf("AppendValue(%#v) = %x, %v", tt.in, app, err)
		}
	}
}

func TestMarshalRejects(t *testing.T) {
	v0 := cid.NewCidV0(mustHash(t))
	var deep any = int64(1)
	for range DefaultMaxDepth + 1 {
		deep = []any{deep}
	}
	deepMap := any(int64(1))
	for range DefaultMaxDepth + 1 {
		deepMap = map[string]any{"a": deepMap}
	}
	tests := []struct {
		name string
		in   any
		want error
	}{
		{"float", 1.5, ErrUnsupported},
		{"struct", struct{}{}, ErrUnsupported},
		{"map of strings", map[string]string{}, ErrUnsupported},
		{"nested unsupported", map[string]any{"a": []any{float32(1)}}, ErrUnsupported},
		{"invalid UTF-8", "\xc3\x28", ErrUnsupported},
		{"invalid UTF-8 key", map[string]any{"\xff": nil}, ErrUnsupported},
		{"undefined CID", cid.Undef, ErrInvalidCID},
		{"CIDv0", v0, ErrInvalidCID},
		{"uint64 overflow", uint64(math.MaxInt64 + 1), ErrLimit},
		{"array depth", deep, ErrLimit},
		{"map depth", deepMap, ErrLimit},
		{"legacy blob", Blob{Ref: mustCID(t, testBlobCID), MimeType: "image/png", Size: -1}, ErrInvalidBlob},
		{"blob with data ref", Blob{Ref: mustCID(t, testDataCID), MimeType: "image/png", Size: 1}, ErrInvalidBlob},
		{"blob without MIME type", Blob{Ref: mustCID(t, testBlobCID), Size: 1}, ErrInvalidBlob},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := []byte{1, 2}
			out, err := AppendValue(dst, tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("AppendValue = %v, want %v", err, tt.want)
			}
			if !bytes.Equal(out, []byte{1, 2}) {
				t.Errorf("AppendValue returned %x on error, want the input", out)
			}
			if _, err := Marshal(tt.in); !errors.Is(err, tt.want) {
				t.Errorf("Marshal = %v, want %v", err, tt.want)
			}
		})
	}
}

func mustHash(tb testing.TB) multihash.Multihash {
	tb.Helper()
	h, err := multihash.Sum([]byte("x"), multihash.SHA2_256, -1)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// TestMarshalRoundTrip checks random values: Marshal output is canonical
// (Validate), reads back equal, sizes exactly, and re-encodes the same.
func TestMarshalRoundTrip(t *testing.T) {
	g := newValueGen(4)
	for i := range 3000 {
		v := g.value(10)
		data, err := Marshal(v)
		if err != nil {
			t.Fatalf("#%d: Marshal: %v", i, err)
		}
		if len(data) != cap(data) {
			t.Errorf("#%d: Marshal returned len %d cap %d, want an exact fit", i, len(data), cap(data))
		}
		if err := Validate(data); err != nil {
			t.Fatalf("#%d: Validate(%x): %v", i, data, err)
		}
		back, err := Unmarshal(data)
		if err != nil {
			t.Fatalf("#%d: Unmarshal: %v", i, err)
		}
		again, err := Marshal(back)
		if err != nil || !bytes.Equal(again, data) {
			t.Fatalf("#%d: re-encoding differs: %x, %v", i, again, err)
		}
	}
}
