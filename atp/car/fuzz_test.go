package car

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"testing/iotest"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/internal/testvectors"
	"github.com/ipfs/go-cid"
	gocar "github.com/ipld/go-car"
)

var update = flag.Bool("update", false, "rewrite the seed corpus in testdata/fuzz/FuzzReader")

const seedDir = "testdata/fuzz/FuzzReader"

// fuzzOptions are small limits, so the fuzzer reaches them.
var fuzzOptions = Options{
	MaxHeaderSize: 1 << 10,
	MaxBlockSize:  1 << 14,
	MaxTotalSize:  1 << 20,
	MaxBlocks:     1 << 10,
	AllowNoRoots:  true,
}

// fuzzSeeds returns the seed corpus by name: valid CARs of several shapes
// and a few broken ones.
func fuzzSeeds(tb testing.TB) map[string][]byte {
	tb.Helper()
	var blocks [][]byte
	for i := range 5 {
		b := dagcbor.AppendMapHeader(nil, 1)
		b = dagcbor.AppendText(b, "n")
		blocks = append(blocks, dagcbor.AppendInt(b, int64(i)))
	}
	cids := make([]cid.Cid, len(blocks))
	for i, b := range blocks {
		cids[i] = dagcbor.SumCBOR(b)
	}
	build := func(roots []cid.Cid, idx ...int) []byte {
		out := AppendHeader(nil, roots...)
		for _, i := range idx {
			out = AppendBlock(out, cids[i], blocks[i])
		}
		return out
	}
	green := testvectors.Read(tb, "extra/indigo/testing/greenground.repo.car")
	raw := []byte("blob")
	mismatch := build(cids[:1], 0)
	mismatch[len(mismatch)-1] ^= 1
	notMinimal := build(cids[:1])
	notMinimal = append([]byte{notMinimal[0] | 0x80, 0}, notMinimal[1:]...)
	return map[string][]byte{
		"greenground":     green,
		"greenground-cut": green[:len(green)-10],
		"blocks":          build(cids[:1], 0, 1, 2, 3, 4),
		"two-roots":       build(cids[3:5], 3, 4, 3),
		"header-only":     build(cids[:1]),
		"no-roots":        build(nil, 2),
		"raw-and-empty": slices.Concat(build(cids[:1]),
			AppendBlock(nil, dagcbor.SumRaw(raw), raw), AppendBlock(nil, dagcbor.SumRaw(nil), nil)),
		"carv2-pragma":  {0x0a, 0xa1, 0x67, 'v', 'e', 'r', 's', 'i', 'o', 'n', 0x02},
		"hash-mismatch": mismatch,
		"not-minimal":   notMinimal,
	}
}

// TestFuzzSeeds checks that the seed corpus on disk matches fuzzSeeds;
// with -update it rewrites it.
func TestFuzzSeeds(t *testing.T) {
	seeds := fuzzSeeds(t)
	if *update {
		if err := os.MkdirAll(seedDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, data := range seeds {
			content := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
			if err := os.WriteFile(filepath.Join(seedDir, name), []byte(content), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, data := range seeds {
		content, err := os.ReadFile(filepath.Join(seedDir, name))
		if err != nil {
			t.Fatalf("seed %s: %v (run go test -run TestFuzzSeeds -update)", name, err)
		}
		want := fmt.Sprintf("go test fuzz v1\n[]byte(%s)\n", strconv.Quote(string(data)))
		if string(content) != want {
			t.Errorf("seed %s is stale (run go test -run TestFuzzSeeds -update)", name)
		}
	}
}

// TestBufferGrowsWithInput checks that a section claiming the largest
// allowed size, followed by few bytes, does not make the reader allocate
// that size.
func TestBufferGrowsWithInput(t *testing.T) {
	c := dagcbor.SumRaw(nil)
	in := AppendHeader(nil, c)
	in = appendUvarint(in, DefaultMaxBlockSize)
	in = append(in, c.KeyString()...)
	in = append(in, make([]byte, 100)...)
	r, err := NewReader(bytes.NewReader(in), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Next(); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("got %v, want io.ErrUnexpectedEOF", err)
	}
	if cap(r.buf) > readerBufSize {
		t.Errorf("buffer grew to %d bytes for %d bytes of input", cap(r.buf), len(in))
	}
}

func FuzzReader(f *testing.F) {
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, skip := range []bool{false, true} {
			opts := fuzzOptions
			opts.SkipHashCheck = skip
			in := io.Reader(bytes.NewReader(data))
			if skip {
				in = iotest.HalfReader(in)
			}
			roots, blocks, r, err := fuzzRead(in, opts)
			if limit := max(readerBufSize, 2*len(data)); cap(r.buf) > limit || cap(r.buf) > r.maxBuf {
				t.Fatalf("buffer of %d bytes for %d bytes of input (limit %d)", cap(r.buf), len(data), r.maxBuf)
			}
			if err != nil {
				if !isSentinel(err) {
					t.Fatalf("error matches no sentinel: %v", err)
				}
				continue
			}
			// Accepted: writing the same roots and blocks gives the input.
			out := AppendHeader(nil, roots...)
			for _, b := range blocks {
				out = AppendBlock(out, b.c, b.data)
			}
			if !bytes.Equal(out, data) {
				t.Fatalf("re-written CAR differs\nin  %x\nout %x", data, out)
			}
			roots2, blocks2, _, err := fuzzRead(bytes.NewReader(out), opts)
			if err != nil || !slices.Equal(roots, roots2) || !slices.EqualFunc(blocks, blocks2, equalBlock) {
				t.Fatalf("re-read differs: %v", err)
			}
			if !skip && len(roots) > 0 {
				checkGoCar(t, data, roots, blocks)
			}
		}
	})
}

type fuzzBlock struct {
	c    cid.Cid
	data []byte
}

func equalBlock(a, b fuzzBlock) bool { return a.c == b.c && bytes.Equal(a.data, b.data) }

func fuzzRead(in io.Reader, opts Options) ([]cid.Cid, []fuzzBlock, *Reader, error) {
	r, err := newReader(in, opts)
	if err != nil {
		return nil, nil, r, err
	}
	var blocks []fuzzBlock
	for {
		c, data, err := r.Next()
		if err == io.EOF {
			return r.Roots(), blocks, r, nil
		}
		if err != nil {
			return nil, nil, r, err
		}
		blocks = append(blocks, fuzzBlock{c, bytes.Clone(data)})
	}
}

func isSentinel(err error) bool {
	for _, s := range []error{ErrMalformed, ErrLimit, ErrVersion, ErrNoRoots, ErrHashMismatch, ErrUnsupportedHash} {
		if errors.Is(err, s) {
			return true
		}
	}
	return false
}

// checkGoCar checks that go-car reads a CAR we accepted the same way.
func checkGoCar(t *testing.T, data []byte, roots []cid.Cid, blocks []fuzzBlock) {
	t.Helper()
	cr, err := gocar.NewCarReader(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("go-car rejects the header: %v", err)
	}
	if !slices.Equal(cr.Header.Roots, roots) {
		t.Fatalf("go-car roots %v, ours %v", cr.Header.Roots, roots)
	}
	for i := 0; ; i++ {
		b, err := cr.Next()
		if err == io.EOF {
			if i != len(blocks) {
				t.Fatalf("go-car read %d blocks, ours %d", i, len(blocks))
			}
			return
		}
		if err != nil {
			t.Fatalf("go-car rejects block %d: %v", i, err)
		}
		if i >= len(blocks) || !equalBlock(fuzzBlock{b.Cid(), b.RawData()}, blocks[i]) {
			t.Fatalf("go-car block %d differs", i)
		}
	}
}
