package car_test

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
	gocar "github.com/ipld/go-car"
	gocarutil "github.com/ipld/go-car/util"
)

// The tests in this file use github.com/ipld/go-car (v1), the library
// indigo builds on, as an independent oracle.

// goCarRead reads data with go-car.
func goCarRead(tb testing.TB, data []byte) ([]cid.Cid, []block) {
	tb.Helper()
	cr, err := gocar.NewCarReader(bytes.NewReader(data))
	if err != nil {
		tb.Fatalf("go-car NewCarReader: %v", err)
	}
	var blocks []block
	for {
		b, err := cr.Next()
		if errors.Is(err, io.EOF) {
			return cr.Header.Roots, blocks
		}
		if err != nil {
			tb.Fatalf("go-car Next: %v", err)
		}
		blocks = append(blocks, block{c: b.Cid(), data: b.RawData()})
	}
}

// goCarWrite writes a CAR with go-car.
func goCarWrite(tb testing.TB, roots []cid.Cid, blocks []block) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := gocar.WriteHeader(&gocar.CarHeader{Roots: roots, Version: 1}, &buf); err != nil {
		tb.Fatalf("go-car WriteHeader: %v", err)
	}
	for _, b := range blocks {
		if err := gocarutil.LdWrite(&buf, b.c.Bytes(), b.data); err != nil {
			tb.Fatalf("go-car LdWrite: %v", err)
		}
	}
	return buf.Bytes()
}

// oracleCases are CARs of several shapes: tiny, many blocks, large
// blocks, several roots, raw blocks and duplicates.
func oracleCases(tb testing.TB) map[string]struct {
	roots  []cid.Cid
	blocks []block
} {
	tb.Helper()
	many := MustBlocks(tb, 2000, 300, 1)
	large := MustBlocks(tb, 5, 100<<10, 2)
	raw := []byte("blob bytes")
	mixed := append(MustBlocks(tb, 3, 40, 3), block{c: dagcbor.SumRaw(raw), data: raw})
	mixed = append(mixed, mixed[0]) // a duplicate
	empty := dagcbor.SumRaw(nil)
	type carCase = struct {
		roots  []cid.Cid
		blocks []block
	}
	return map[string]carCase{
		"one":        {roots: []cid.Cid{many[0].c}, blocks: many[:1]},
		"many":       {roots: []cid.Cid{many[0].c}, blocks: many},
		"large":      {roots: []cid.Cid{large[0].c}, blocks: large},
		"roots":      {roots: []cid.Cid{mixed[0].c, mixed[1].c, mixed[3].c}, blocks: mixed},
		"no-blocks":  {roots: []cid.Cid{many[5].c}},
		"empty-data": {roots: []cid.Cid{empty}, blocks: []block{{c: empty}}},
	}
}

func TestOracleOursToGoCar(t *testing.T) {
	for name, tc := range oracleCases(t) {
		t.Run(name, func(t *testing.T) {
			data := MustWrite(t, tc.roots, tc.blocks)
			roots, blocks := goCarRead(t, data)
			checkSame(t, tc.roots, roots, tc.blocks, blocks)
		})
	}
}

func TestOracleGoCarToOurs(t *testing.T) {
	for name, tc := range oracleCases(t) {
		t.Run(name, func(t *testing.T) {
			data := goCarWrite(t, tc.roots, tc.blocks)
			roots, blocks := MustRead(t, data, car.Options{})
			checkSame(t, tc.roots, roots, tc.blocks, blocks)
			if ours := MustWrite(t, tc.roots, tc.blocks); !bytes.Equal(ours, data) {
				t.Errorf("our bytes differ from go-car's")
			}
		})
	}
}

// TestOracleStreaming checks go-car reading our output through a
// bufio.Reader of another size than ours, and ours reading go-car's one
// byte at a time.
func TestOracleStreaming(t *testing.T) {
	blocks := MustBlocks(t, 300, 1000, 4)
	roots := []cid.Cid{blocks[0].c}
	data := MustWrite(t, roots, blocks)
	gotRoots, got := goCarRead(t, data)
	checkSame(t, roots, gotRoots, blocks, got)

	r, err := car.NewReader(bufio.NewReaderSize(bytes.NewReader(goCarWrite(t, roots, blocks)), 16), car.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; ; i++ {
		c, d, err := r.Next()
		if errors.Is(err, io.EOF) {
			if i != len(blocks) {
				t.Fatalf("got %d blocks, want %d", i, len(blocks))
			}
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if c != blocks[i].c || !bytes.Equal(d, blocks[i].data) {
			t.Fatalf("block %d differs", i)
		}
	}
}
