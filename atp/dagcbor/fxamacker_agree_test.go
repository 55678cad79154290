package dagcbor

import (
	"bytes"
	"reflect"
	"testing"
)

// TestFxamackerAgrees checks that the fxamacker-based codec kept for
// comparison writes and reads exactly what the hand-written one does.
func TestFxamackerAgrees(t *testing.T) {
	fx := mustFxCodec()
	g := newValueGen(2)
	for i := range 2000 {
		v := g.value(8)
		ours, err := Marshal(v)
		if err != nil {
			t.Fatalf("#%d: Marshal: %v", i, err)
		}
		theirs, err := fx.Marshal(v)
		if err != nil {
			t.Fatalf("#%d: fxamacker Marshal: %v", i, err)
		}
		if !bytes.Equal(ours, theirs) {
			t.Fatalf("#%d: encodings differ for %#v\n ours %x\n   fx %x", i, v, ours, theirs)
		}
		back, err := fx.Unmarshal(ours)
		if err != nil {
			t.Fatalf("#%d: fxamacker Unmarshal: %v", i, err)
		}
		if !reflect.DeepEqual(back, v) {
			t.Fatalf("#%d: fxamacker Unmarshal = %#v, want %#v", i, back, v)
		}
	}
}
