package car_test

import (
	"bytes"
	"errors"
	"slices"
	"testing"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

func TestReadAll(t *testing.T) {
	blocks := slices.Concat(MustBlocks(t, 500, 300, 40), MustBlocks(t, 3, 20<<10, 41))
	blocks = append(blocks, blocks[7], blocks[501]) // duplicates
	empty := dagcbor.SumRaw(nil)
	blocks = append(blocks, block{c: empty})
	roots := []cid.Cid{blocks[0].c, blocks[1].c}
	data := MustWrite(t, roots, blocks)

	gotRoots, store, err := car.ReadAll(bytes.NewReader(data), car.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(gotRoots, roots) {
		t.Errorf("roots: got %v, want %v", gotRoots, roots)
	}
	if want := len(blocks) - 2; store.Len() != want {
		t.Errorf("Len = %d, want %d", store.Len(), want)
	}
	for i, b := range blocks {
		got, ok := store.Get(b.c)
		if !ok || !bytes.Equal(got, b.data) {
			t.Errorf("block %d (%s): got %d bytes, %v", i, b.c, len(got), ok)
		}
	}
	if _, ok := store.Get(dagcbor.SumRaw([]byte("absent"))); ok {
		t.Errorf("Get found an absent block")
	}
	// Stored blocks do not overlap: growing one cannot clobber the next.
	first, _ := store.Get(blocks[2].c)
	_ = append(first, 0xff)
	if second, _ := store.Get(blocks[3].c); !bytes.Equal(second, blocks[3].data) {
		t.Errorf("appending to a stored block changed another")
	}
}

func TestBlocksZeroValue(t *testing.T) {
	var store car.Blocks
	c := dagcbor.SumRaw([]byte("x"))
	if _, ok := store.Get(c); ok || store.Len() != 0 {
		t.Fatalf("zero Blocks is not empty")
	}
	store.Put(c, []byte("x"))
	store.Put(c, []byte("x"))
	if got, ok := store.Get(c); !ok || string(got) != "x" || store.Len() != 1 {
		t.Errorf("after Put: %q, %v, Len %d", got, ok, store.Len())
	}
}

func TestCheckRoot(t *testing.T) {
	a, b := dagcbor.SumRaw([]byte("a")), dagcbor.SumRaw([]byte("b"))
	tests := []struct {
		roots []cid.Cid
		want  error
	}{
		{[]cid.Cid{a}, nil},
		{[]cid.Cid{a, b}, nil},
		{[]cid.Cid{b, a}, car.ErrRootMismatch},
		{nil, car.ErrNoRoots},
	}
	for _, tc := range tests {
		if err := car.CheckRoot(tc.roots, a); !errors.Is(err, tc.want) || (tc.want == nil && err != nil) {
			t.Errorf("CheckRoot(%v): got %v, want %v", tc.roots, err, tc.want)
		}
	}
}
