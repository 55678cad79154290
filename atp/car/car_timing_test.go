package car_test

import (
	"bufio"
	"bytes"
	"io"
	"testing"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/ipfs/go-cid"
	gocar "github.com/ipld/go-car"
	gocarutil "github.com/ipld/go-car/util"
)

// The benchmarks write and read one CAR of benchBlocks blocks of
// benchBlockSize bytes, ours beside go-car (v1) doing the same work.
// Compare each "ours" with its "gocar" sibling from the same run.
const (
	benchBlocks    = 10_000
	benchBlockSize = 300
)

func benchCAR(b *testing.B) ([]cid.Cid, []block, []byte) {
	b.Helper()
	blocks := MustBlocks(b, benchBlocks, benchBlockSize, 99)
	roots := []cid.Cid{blocks[0].c}
	return roots, blocks, MustWrite(b, roots, blocks)
}

func BenchmarkWrite(b *testing.B) {
	roots, blocks, data := benchCAR(b)
	b.Run("ours", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			w, err := car.NewWriter(io.Discard, roots...)
			if err != nil {
				b.Fatal(err)
			}
			for _, blk := range blocks {
				if err := w.WriteBlock(blk.c, blk.data); err != nil {
					b.Fatal(err)
				}
			}
			if err := w.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("ours-append", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		dst := make([]byte, 0, len(data))
		for b.Loop() {
			dst = car.AppendHeader(dst[:0], roots...)
			for _, blk := range blocks {
				dst = car.AppendBlock(dst, blk.c, blk.data)
			}
		}
	})
	b.Run("gocar", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		bw := bufio.NewWriterSize(io.Discard, 32<<10)
		for b.Loop() {
			bw.Reset(io.Discard)
			if err := gocar.WriteHeader(&gocar.CarHeader{Roots: roots, Version: 1}, bw); err != nil {
				b.Fatal(err)
			}
			for _, blk := range blocks {
				if err := gocarutil.LdWrite(bw, blk.c.Bytes(), blk.data); err != nil {
					b.Fatal(err)
				}
			}
			if err := bw.Flush(); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkRead(b *testing.B) {
	_, _, data := benchCAR(b)
	read := func(b *testing.B, opts car.Options) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		br := bytes.NewReader(data)
		for b.Loop() {
			br.Reset(data)
			r, err := car.NewReader(br, opts)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				_, _, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != benchBlocks {
				b.Fatalf("read %d blocks", n)
			}
		}
	}
	// go-car verifies hashes, so "ours" (which does too) is its peer.
	b.Run("ours", func(b *testing.B) { read(b, car.Options{}) })
	b.Run("ours-nohash", func(b *testing.B) { read(b, car.Options{SkipHashCheck: true}) })
	b.Run("gocar", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		br := bytes.NewReader(data)
		for b.Loop() {
			br.Reset(data)
			cr, err := gocar.NewCarReader(br)
			if err != nil {
				b.Fatal(err)
			}
			n := 0
			for {
				_, err := cr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
			if n != benchBlocks {
				b.Fatalf("read %d blocks", n)
			}
		}
	})
}

// BenchmarkReadAll loads the CAR into a map: ReadAll against go-car's
// reader feeding a map of its blocks' data.
func BenchmarkReadAll(b *testing.B) {
	_, _, data := benchCAR(b)
	b.Run("ours", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			_, store, err := car.ReadAll(bytes.NewReader(data), car.Options{})
			if err != nil || store.Len() != benchBlocks {
				b.Fatal(err)
			}
		}
	})
	b.Run("gocar", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			cr, err := gocar.NewCarReader(bytes.NewReader(data))
			if err != nil {
				b.Fatal(err)
			}
			m := make(map[cid.Cid][]byte)
			for {
				blk, err := cr.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					b.Fatal(err)
				}
				m[blk.Cid()] = blk.RawData()
			}
			if len(m) != benchBlocks {
				b.Fatalf("read %d blocks", len(m))
			}
		}
	})
}
