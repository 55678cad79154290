package car_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/internal/testvectors"
	"github.com/ipfs/go-cid"
)

const (
	fixturesPath    = "extra/atproto-monorepo/packages/repo/tests/car-file-fixtures.json"
	greengroundPath = "extra/indigo/testing/greenground.repo.car"
)

// carFixture is one entry of car-file-fixtures.json.
type carFixture struct {
	Root   string `json:"root"`
	Blocks []struct {
		CID   string `json:"cid"`
		Bytes string `json:"bytes"`
	} `json:"blocks"`
	CAR string `json:"car"`
}

// decodeBase64 decodes the fixtures' base64, which omits padding.
func decodeBase64(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.RawStdEncoding.DecodeString(strings.TrimRight(s, "="))
	if err != nil {
		tb.Fatalf("bad base64 %.20q: %v", s, err)
	}
	return b
}

func mustCID(tb testing.TB, s string) cid.Cid {
	tb.Helper()
	c, err := dagcbor.ParseCIDString(s)
	if err != nil {
		tb.Fatalf("ParseCIDString(%q): %v", s, err)
	}
	return c
}

func TestFixtures(t *testing.T) {
	var fixtures []carFixture
	if err := json.Unmarshal(testvectors.Read(t, fixturesPath), &fixtures); err != nil {
		t.Fatalf("cannot decode fixtures: %v", err)
	}
	if len(fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	for i, f := range fixtures {
		root := mustCID(t, f.Root)
		var blocks []block
		for _, b := range f.Blocks {
			blocks = append(blocks, block{c: mustCID(t, b.CID), data: decodeBase64(t, b.Bytes)})
		}
		want := decodeBase64(t, f.CAR)

		if got := MustWrite(t, []cid.Cid{root}, blocks); !bytes.Equal(got, want) {
			t.Errorf("fixture %d: Writer output differs from the expected CAR\ngot  %x\nwant %x", i, got, want)
		}
		if got := MustAppend(t, []cid.Cid{root}, blocks); !bytes.Equal(got, want) {
			t.Errorf("fixture %d: AppendHeader/AppendBlock output differs from the expected CAR", i)
		}
		size := car.HeaderLen(root)
		for _, b := range blocks {
			size += car.BlockLen(b.c, len(b.data))
		}
		if size != len(want) {
			t.Errorf("fixture %d: HeaderLen+BlockLen = %d, want %d", i, size, len(want))
		}

		roots, got := MustRead(t, want, car.Options{})
		checkSame(t, []cid.Cid{root}, roots, blocks, got)
		if err := car.CheckRoot(roots, root); err != nil {
			t.Errorf("fixture %d: CheckRoot: %v", i, err)
		}
	}
	t.Logf("checked %d CAR fixtures", len(fixtures))
}

func TestGreenground(t *testing.T) {
	input := testvectors.Read(t, greengroundPath)
	roots, blocks := MustRead(t, input, car.Options{})
	if len(roots) != 1 {
		t.Fatalf("got %d roots, want 1", len(roots))
	}
	if !dagcbor.IsBlessed(roots[0], dagcbor.CodecDagCBOR) {
		t.Errorf("root %s is not a dag-cbor sha2-256 CIDv1", roots[0])
	}
	for i, b := range blocks {
		// Hashes were verified by the reader; check again independently.
		if dagcbor.SumCBOR(b.data) != b.c {
			t.Errorf("block %d: data does not hash to %s", i, b.c)
		}
	}
	if got := MustWrite(t, roots, blocks); !bytes.Equal(got, input) {
		t.Errorf("re-written CAR differs from the input\ngot  %x\nwant %x", got, input)
	}
	_, store, err := car.ReadAll(bytes.NewReader(input), car.Options{})
	if err != nil {
		t.Fatalf("ReadAll: %v", err)
	}
	if _, ok := store.Get(roots[0]); !ok {
		t.Errorf("ReadAll store lacks the root block")
	}
	t.Logf("greenground: %d bytes, %d blocks, root %s", len(input), len(blocks), roots[0])
}
