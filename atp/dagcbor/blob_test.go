package dagcbor

import (
	"reflect"
	"testing"
)

func TestAsBlob(t *testing.T) {
	ref := mustCID(t, testBlobCID)
	good := Blob{Ref: ref, MimeType: "image/jpeg", Size: 10000}
	tests := []struct {
		name string
		in   any
		want Blob
		ok   bool
	}{
		{"Blob", good, good, true},
		{"map", good.Value(), good, true},
		{"legacy", map[string]any{"cid": testBlobCID, "mimeType": "image/png"}, Blob{Ref: ref, MimeType: "image/png", Size: -1}, true},
		{"legacy bad CID", map[string]any{"cid": "nope", "mimeType": "image/png"}, Blob{}, false},
		{"legacy extra key", map[string]any{"cid": testBlobCID, "mimeType": "image/png", "x": 1}, Blob{}, false},
		{"size as int", map[string]any{"$type": "blob", "ref": ref, "mimeType": "a/b", "size": 5}, Blob{}, false},
		{"zero size", map[string]any{"$type": "blob", "ref": ref, "mimeType": "a/b", "size": int64(0)}, Blob{}, false},
		{"data ref", map[string]any{"$type": "blob", "ref": mustCID(t, testDataCID), "mimeType": "a/b", "size": int64(5)}, Blob{}, false},
		{"other type", map[string]any{"$type": "blobby", "ref": ref, "mimeType": "a/b", "size": int64(5)}, Blob{}, false},
		{"string", "blob", Blob{}, false},
	}
	for _, tt := range tests {
		got, ok := AsBlob(tt.in)
		if ok != tt.ok || got != tt.want {
			t.Errorf("%s: AsBlob = %+v, %v; want %+v, %v", tt.name, got, ok, tt.want, tt.ok)
		}
	}
	if !(Blob{Size: -1}).IsLegacy() || good.IsLegacy() {
		t.Error("IsLegacy wrong")
	}
}

func TestBlobs(t *testing.T) {
	ref := mustCID(t, testBlobCID)
	b1 := Blob{Ref: ref, MimeType: "image/jpeg", Size: 1}
	b2 := Blob{Ref: ref, MimeType: "image/png", Size: 2}
	legacy := map[string]any{"cid": testBlobCID, "mimeType": "video/mp4"}
	v := map[string]any{
		"text": "hi",
		"zz":   []any{b2.Value(), int64(1), map[string]any{"deep": []any{legacy}}},
		"a":    b1.Value(),
		"b":    b1, // a Blob value counts too
	}
	// Canonical key order: a, b, zz; inside zz, items in order.
	want := []Blob{b1, b1, b2, {Ref: ref, MimeType: "video/mp4", Size: -1}}
	if got := Blobs(v); !reflect.DeepEqual(got, want) {
		t.Errorf("Blobs = %+v\nwant %+v", got, want)
	}
	if got := Blobs("no blobs"); len(got) != 0 {
		t.Errorf("Blobs(string) = %v", got)
	}
	// Encoding a Blob writes the same bytes as its map form.
	x, err1 := Marshal(b1)
	y, err2 := Marshal(b1.Value())
	if err1 != nil || err2 != nil || string(x) != string(y) {
		t.Errorf("Marshal(Blob) = %x, %v; Marshal(map) = %x, %v", x, err1, y, err2)
	}
}
