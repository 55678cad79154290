package car_test

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

func TestHeaderLen(t *testing.T) {
	blocks := MustBlocks(t, 300, 30, 20)
	var roots []cid.Cid
	for _, b := range blocks {
		roots = append(roots, b.c)
	}
	roots = append(roots, dagcbor.SumRaw(nil))
	for _, n := range []int{0, 1, 2, 23, 24, 255, 256, len(roots)} {
		if got, want := car.HeaderLen(roots[:n]...), len(car.AppendHeader(nil, roots[:n]...)); got != want {
			t.Errorf("%d roots: HeaderLen = %d, AppendHeader wrote %d", n, got, want)
		}
	}
	// AppendHeader appends: what was in dst stays.
	dst := car.AppendHeader([]byte("prefix"), roots[0])
	if !bytes.HasPrefix(dst, []byte("prefix")) || !bytes.Equal(dst[6:], car.AppendHeader(nil, roots[0])) {
		t.Errorf("AppendHeader did not append: %x", dst)
	}
}

func TestWriterLazyHeader(t *testing.T) {
	var buf bytes.Buffer
	root := dagcbor.SumRaw(nil)
	w, err := car.NewWriter(&buf, root)
	if err != nil {
		t.Fatal(err)
	}
	if buf.Len() != 0 {
		t.Errorf("NewWriter wrote %d bytes before Flush", buf.Len())
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), car.AppendHeader(nil, root)) {
		t.Errorf("Flush wrote %x", buf.Bytes())
	}
}

func TestWriterLargeBlocks(t *testing.T) {
	// Blocks around and beyond the buffer size, mixed with small ones.
	var blocks []block
	for i, size := range []int{100, 32 << 10, 300, 40 << 10, 1 << 20, 30, (32 << 10) - 50} {
		blocks = append(blocks, MustBlocks(t, 1, size, uint64(30+i))...)
	}
	roots := []cid.Cid{blocks[0].c}
	data := MustWrite(t, roots, blocks)
	if want := MustAppend(t, roots, blocks); !bytes.Equal(data, want) {
		t.Fatalf("Writer and AppendBlock disagree")
	}
	gotRoots, got := MustRead(t, data, car.Options{})
	checkSame(t, roots, gotRoots, blocks, got)
}

func TestWriterUndefinedCID(t *testing.T) {
	if _, err := car.NewWriter(io.Discard, dagcbor.SumRaw(nil), cid.Undef); !errors.Is(err, car.ErrUndefinedCID) {
		t.Errorf("NewWriter with an undefined root: got %v, want ErrUndefinedCID", err)
	}
	w, err := car.NewWriter(io.Discard, dagcbor.SumRaw(nil))
	if err != nil {
		t.Fatal(err)
	}
	if err := w.WriteBlock(cid.Undef, []byte("x")); !errors.Is(err, car.ErrUndefinedCID) {
		t.Errorf("WriteBlock with an undefined CID: got %v, want ErrUndefinedCID", err)
	}
	// The Writer stays usable.
	if err := w.WriteBlock(dagcbor.SumRaw(nil), nil); err != nil {
		t.Errorf("WriteBlock after a rejected block: %v", err)
	}
}

func TestWriterNoRoots(t *testing.T) {
	data := MustWrite(t, nil, MustBlocks(t, 2, 40, 21))
	if _, _, err := readOrdered(data, car.Options{}); !errors.Is(err, car.ErrNoRoots) {
		t.Errorf("zero roots: got %v, want ErrNoRoots", err)
	}
	roots, blocks := MustRead(t, data, car.Options{AllowNoRoots: true})
	if len(roots) != 0 || len(blocks) != 2 {
		t.Errorf("got %d roots and %d blocks, want 0 and 2", len(roots), len(blocks))
	}
}

// failingWriter accepts n bytes, then fails every write; short makes it
// report a short write without an error instead.
type failingWriter struct {
	n     int
	short bool
}

var errWrite = errors.New("disk full")

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) <= f.n {
		f.n -= len(p)
		return len(p), nil
	}
	n := f.n
	f.n = 0
	if f.short {
		return n, nil
	}
	return n, errWrite
}

func TestWriterErrors(t *testing.T) {
	blocks := MustBlocks(t, 400, 300, 22)
	big := MustBlocks(t, 1, 100<<10, 23)[0]
	for _, tc := range []struct {
		name string
		w    *failingWriter
		want error
	}{
		{"error", &failingWriter{n: 1000}, errWrite},
		{"short write", &failingWriter{n: 1000, short: true}, io.ErrShortWrite},
		{"error on a large block", &failingWriter{n: 50 << 10}, errWrite},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, err := car.NewWriter(tc.w, blocks[0].c)
			if err != nil {
				t.Fatal(err)
			}
			var first error
			for _, b := range append(blocks[:1:1], append([]block{big}, blocks...)...) {
				if first = w.WriteBlock(b.c, b.data); first != nil {
					break
				}
			}
			if first == nil {
				first = w.Flush()
			}
			if !errors.Is(first, tc.want) {
				t.Fatalf("got %v, want %v", first, tc.want)
			}
			if err := w.WriteBlock(blocks[0].c, blocks[0].data); err != first {
				t.Errorf("WriteBlock after an error: got %v, want the first error", err)
			}
			if err := w.Flush(); err != first {
				t.Errorf("Flush after an error: got %v, want the first error", err)
			}
		})
	}
}

// TestWriterAllocs checks that writing a block allocates nothing, with
// flushes included.
func TestWriterAllocs(t *testing.T) {
	blocks := MustBlocks(t, 200, 300, 24)
	w, err := car.NewWriter(io.Discard, blocks[0].c)
	if err != nil {
		t.Fatal(err)
	}
	i := 0
	allocs := testing.AllocsPerRun(1000, func() {
		b := blocks[i%len(blocks)]
		i++
		if err := w.WriteBlock(b.c, b.data); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("WriteBlock: %v allocations per block, want 0", allocs)
	}

	dst := make([]byte, 0, 1<<20)
	allocs = testing.AllocsPerRun(1000, func() {
		dst = car.AppendHeader(dst[:0], blocks[0].c)
		for _, b := range blocks[:10] {
			dst = car.AppendBlock(dst, b.c, b.data)
		}
	})
	if allocs != 0 {
		t.Errorf("AppendHeader and AppendBlock: %v allocations, want 0", allocs)
	}
}
