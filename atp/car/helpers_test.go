package car_test

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// block is one section of a CAR, in the order it appears.
type block struct {
	c    cid.Cid
	data []byte
}

// MustBlocks returns n dag-cbor blocks of size bytes each (a byte string
// with random contents), drawn from a generator seeded with seed.
func MustBlocks(tb testing.TB, n, size int, seed uint64) []block {
	tb.Helper()
	payloadLen := -1
	for _, head := range []int{1, 2, 3, 5} {
		if p := size - head; p >= 0 && len(dagcbor.AppendBytes(nil, make([]byte, p))) == size {
			payloadLen = p
		}
	}
	if payloadLen < 0 {
		tb.Fatalf("MustBlocks: no byte string encodes in exactly %d bytes", size)
	}
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	out := make([]block, n)
	for i := range out {
		payload := make([]byte, payloadLen)
		for j := range payload {
			payload[j] = byte(rng.Uint32())
		}
		data := dagcbor.AppendBytes(nil, payload)
		out[i] = block{c: dagcbor.SumCBOR(data), data: data}
	}
	return out
}

// MustWrite writes a CAR of roots and blocks with a Writer.
func MustWrite(tb testing.TB, roots []cid.Cid, blocks []block) []byte {
	tb.Helper()
	var buf bytes.Buffer
	w, err := car.NewWriter(&buf, roots...)
	if err != nil {
		tb.Fatalf("NewWriter: %v", err)
	}
	for _, b := range blocks {
		if err := w.WriteBlock(b.c, b.data); err != nil {
			tb.Fatalf("WriteBlock: %v", err)
		}
	}
	if err := w.Flush(); err != nil {
		tb.Fatalf("Flush: %v", err)
	}
	return buf.Bytes()
}

// MustAppend builds the same CAR as MustWrite with the append-style API.
func MustAppend(tb testing.TB, roots []cid.Cid, blocks []block) []byte {
	tb.Helper()
	out := car.AppendHeader(nil, roots...)
	for _, b := range blocks {
		out = car.AppendBlock(out, b.c, b.data)
	}
	return out
}

// readOrdered reads a whole CAR with a Reader and returns its roots and
// blocks in order, copied.
func readOrdered(data []byte, opts car.Options) ([]cid.Cid, []block, error) {
	r, err := car.NewReader(bytes.NewReader(data), opts)
	if err != nil {
		return nil, nil, err
	}
	var blocks []block
	for {
		c, d, err := r.Next()
		if errors.Is(err, io.EOF) {
			return r.Roots(), blocks, nil
		}
		if err != nil {
			return nil, nil, err
		}
		blocks = append(blocks, block{c: c, data: bytes.Clone(d)})
	}
}

// MustRead is readOrdered failing tb on error.
func MustRead(tb testing.TB, data []byte, opts car.Options) ([]cid.Cid, []block) {
	tb.Helper()
	roots, blocks, err := readOrdered(data, opts)
	if err != nil {
		tb.Fatalf("read CAR: %v", err)
	}
	return roots, blocks
}

// checkSame fails tb unless the two CARs have equal roots and blocks.
func checkSame(tb testing.TB, wantRoots, gotRoots []cid.Cid, want, got []block) {
	tb.Helper()
	if len(gotRoots) != len(wantRoots) {
		tb.Fatalf("got %d roots, want %d", len(gotRoots), len(wantRoots))
	}
	for i := range wantRoots {
		if gotRoots[i] != wantRoots[i] {
			tb.Errorf("root %d: got %s, want %s", i, gotRoots[i], wantRoots[i])
		}
	}
	if len(got) != len(want) {
		tb.Fatalf("got %d blocks, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].c != want[i].c || !bytes.Equal(got[i].data, want[i].data) {
			tb.Errorf("block %d: got %s (%d bytes), want %s (%d bytes)", i, got[i].c, len(got[i].data), want[i].c, len(want[i].data))
		}
	}
}
