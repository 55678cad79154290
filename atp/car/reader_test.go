package car_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// h decodes hex, ignoring spaces.
func h(s string) []byte {
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		panic(err)
	}
	return b
}

// lp prefixes b with its length as a one-byte varint.
func lp(b []byte) []byte {
	if len(b) >= 0x80 {
		panic("lp: too long for one byte")
	}
	return append([]byte{byte(len(b))}, b...)
}

// Pieces of CAR headers, as DAG-CBOR.
var (
	mapRootsVersion = h("a2")
	keyRoots        = h("65 726f6f7473")     // "roots"
	keyVersion      = h("67 76657273696f6e") // "version"
	one             = h("01")
)

// link encodes c as a tag-42 link.
func link(c cid.Cid) []byte { return dagcbor.AppendLink(nil, c) }

// cidBytes builds a binary CIDv1 from its parts.
func cidBytes(codec, hash byte, digest []byte) []byte {
	return append([]byte{0x01, codec, hash, byte(len(digest))}, digest...)
}

// section frames a binary CID and data with a one-byte varint length.
func section(cb, data []byte) []byte { return lp(slices.Concat(cb, data)) }

func TestMalformed(t *testing.T) {
	blk := MustBlocks(t, 2, 50, 7)
	root := blk[0].c
	header := car.AppendHeader(nil, root)
	body := header[1:] // one-byte varint
	sec := car.AppendBlock(nil, blk[0].c, blk[0].data)
	good := slices.Concat(header, sec)
	digest := []byte(blk[0].c.KeyString()[4:])
	badData := bytes.Clone(blk[0].data)
	badData[len(badData)-1] ^= 1

	tests := []struct {
		name  string
		in    []byte
		opts  car.Options
		want  error
		alsoo error // a second error the result must match, if any
	}{
		{"empty input", nil, car.Options{}, car.ErrMalformed, io.ErrUnexpectedEOF},
		{"header varint not minimal", slices.Concat([]byte{byte(len(body)) | 0x80, 0x00}, body), car.Options{}, car.ErrMalformed, nil},
		{"header varint overlong", h("ffffffffffffffffff01"), car.Options{}, car.ErrMalformed, nil},
		{"header varint nine bytes with continuation", h("808080808080808080"), car.Options{}, car.ErrMalformed, nil},
		{"header varint truncated", h("80"), car.Options{}, car.ErrMalformed, io.ErrUnexpectedEOF},
		{"header length zero", h("00"), car.Options{}, car.ErrMalformed, nil},
		{"header over default limit", h("8080808001"), car.Options{}, car.ErrLimit, nil},
		{"header over MaxHeaderSize", header, car.Options{MaxHeaderSize: 10}, car.ErrLimit, nil},
		{"header over MaxTotalSize", header, car.Options{MaxTotalSize: 10}, car.ErrLimit, nil},
		{"header truncated", header[:len(header)-1], car.Options{}, car.ErrMalformed, io.ErrUnexpectedEOF},
		{"header not a map", lp(h("82 01 02")), car.Options{}, car.ErrMalformed, dagcbor.ErrWrongType},
		{"header indefinite map", lp(slices.Concat(h("bf"), keyRoots, h("81"), link(root), keyVersion, one, h("ff"))), car.Options{}, car.ErrMalformed, dagcbor.ErrNotCanonical},
		{"CARv2 pragma", h("0a a1 67 76657273696f6e 02"), car.Options{}, car.ErrVersion, nil},
		{"version 2 with roots", lp(slices.Concat(mapRootsVersion, keyRoots, h("81"), link(root), keyVersion, h("02"))), car.Options{}, car.ErrVersion, nil},
		{"version 0", lp(slices.Concat(mapRootsVersion, keyRoots, h("81"), link(root), keyVersion, h("00"))), car.Options{}, car.ErrVersion, nil},
		{"version not an integer", lp(slices.Concat(mapRootsVersion, keyRoots, h("81"), link(root), keyVersion, h("61 31"))), car.Options{}, car.ErrMalformed, dagcbor.ErrWrongType},
		{"version not in shortest form", lp(slices.Concat(mapRootsVersion, keyRoots, h("81"), link(root), keyVersion, h("18 01"))), car.Options{}, car.ErrMalformed, dagcbor.ErrNotCanonical},
		{"missing roots", lp(slices.Concat(h("a1"), keyVersion, one)), car.Options{}, car.ErrMalformed, nil},
		{"missing version", lp(slices.Concat(h("a1"), keyRoots, h("81"), link(root))), car.Options{}, car.ErrMalformed, nil},
		{"empty roots", lp(slices.Concat(mapRootsVersion, keyRoots, h("80"), keyVersion, one)), car.Options{}, car.ErrNoRoots, nil},
		{"roots not an array", lp(slices.Concat(mapRootsVersion, keyRoots, link(root), keyVersion, one)), car.Options{}, car.ErrMalformed, dagcbor.ErrWrongType},
		{"root not a link", lp(slices.Concat(mapRootsVersion, keyRoots, h("81 01"), keyVersion, one)), car.Options{}, car.ErrMalformed, dagcbor.ErrWrongType},
		{"root is a CIDv0", lp(slices.Concat(mapRootsVersion, keyRoots, h("81 d82a 5823 00 1220"), digest, keyVersion, one)), car.Options{}, car.ErrMalformed, dagcbor.ErrInvalidCID},
		{"unknown header key", lp(slices.Concat(h("a3"), keyRoots, h("81"), link(root), keyVersion, one, h("69 657874656e73696f6e f6"))), car.Options{}, car.ErrMalformed, nil},
		{"header keys out of order", lp(slices.Concat(mapRootsVersion, keyVersion, one, keyRoots, h("81"), link(root))), car.Options{}, car.ErrMalformed, nil},
		{"header key repeated", lp(slices.Concat(mapRootsVersion, keyRoots, h("81"), link(root), keyRoots, h("81"), link(root))), car.Options{}, car.ErrMalformed, nil},
		{"header with trailing bytes", lp(slices.Concat(body, h("00"))), car.Options{}, car.ErrMalformed, dagcbor.ErrTrailingBytes},
		{"section varint not minimal", slices.Concat(header, []byte{sec[0] | 0x80, 0x00}, sec[1:]), car.Options{}, car.ErrMalformed, nil},
		{"section varint overlong", slices.Concat(header, h("ffffffffffffffffff01")), car.Options{}, car.ErrMalformed, nil},
		{"section varint truncated", slices.Concat(header, h("8080")), car.Options{}, car.ErrMalformed, io.ErrUnexpectedEOF},
		{"section length zero", slices.Concat(header, h("00")), car.Options{}, car.ErrMalformed, nil},
		{"section over default block limit", slices.Concat(header, h("8080c001")), car.Options{}, car.ErrLimit, nil},
		{"block over MaxBlockSize", good, car.Options{MaxBlockSize: 49}, car.ErrLimit, nil},
		{"section over MaxTotalSize", good, car.Options{MaxTotalSize: int64(len(good) - 1)}, car.ErrLimit, nil},
		{"blocks over MaxBlocks", slices.Concat(good, sec), car.Options{MaxBlocks: 1}, car.ErrLimit, nil},
		{"section truncated", good[:len(good)-1], car.Options{}, car.ErrMalformed, io.ErrUnexpectedEOF},
		{"section truncated in CID", good[:len(header)+10], car.Options{}, car.ErrMalformed, io.ErrUnexpectedEOF},
		{"section shorter than its CID", slices.Concat(header, section(h("0171 1220"), digest[:8])), car.Options{}, car.ErrMalformed, nil},
		{"section ends inside CID varints", slices.Concat(header, section(h("01 f1"), nil)), car.Options{}, car.ErrMalformed, nil},
		{"section CIDv0", slices.Concat(header, section(h("1220"), slices.Concat(digest, blk[0].data))), car.Options{}, car.ErrMalformed, nil},
		{"section CID version 2", slices.Concat(header, section(h("02"), sec[2:])), car.Options{}, car.ErrMalformed, nil},
		{"section CID varint not minimal", slices.Concat(header, section(h("01 f100 12 20"), slices.Concat(digest, blk[0].data))), car.Options{}, car.ErrMalformed, nil},
		{"hash mismatch", slices.Concat(header, section(cidBytes(0x71, 0x12, digest), badData)), car.Options{}, car.ErrHashMismatch, nil},
		{"hash of another block", slices.Concat(header, section(cidBytes(0x71, 0x12, digest), blk[1].data)), car.Options{}, car.ErrHashMismatch, nil},
		{"trailing garbage inside a section", slices.Concat(header, section(cidBytes(0x71, 0x12, digest), slices.Concat(blk[0].data, []byte("junk")))), car.Options{}, car.ErrHashMismatch, nil},
		{"sha2-512 CID", slices.Concat(header, section(cidBytes(0x71, 0x13, make([]byte, 64)), blk[0].data)), car.Options{}, car.ErrUnsupportedHash, nil},
		{"truncated sha2-256 digest", slices.Concat(header, section(cidBytes(0x71, 0x12, digest[:20]), blk[0].data)), car.Options{}, car.ErrUnsupportedHash, nil},
		{"identity CID", slices.Concat(header, section(cidBytes(0x71, 0x00, []byte{0xf6}), nil)), car.Options{}, car.ErrUnsupportedHash, nil},
		{"garbage after the last section", slices.Concat(good, h("05 01")), car.Options{}, car.ErrMalformed, io.ErrUnexpectedEOF},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := readOrdered(tc.in, tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("got error %v, want %v", err, tc.want)
			}
			if tc.alsoo != nil && !errors.Is(err, tc.alsoo) {
				t.Errorf("got error %v, want it to match %v too", err, tc.alsoo)
			}
			if !strings.HasPrefix(err.Error(), "car: ") {
				t.Errorf("error text %q does not start with the package name", err)
			}
			// ReadAll fails the same way.
			if _, _, err := car.ReadAll(bytes.NewReader(tc.in), tc.opts); !errors.Is(err, tc.want) {
				t.Errorf("ReadAll: got error %v, want %v", err, tc.want)
			}
		})
	}
	t.Logf("checked %d malformed inputs", len(tests))
}

// TestAccepted covers inputs that are odd but valid, and options that
// relax a check.
func TestAccepted(t *testing.T) {
	blk := MustBlocks(t, 1, 50, 7)[0]
	header := car.AppendHeader(nil, blk.c)
	digest := []byte(blk.c.KeyString()[4:])
	bad := bytes.Clone(blk.data)
	bad[0] ^= 1
	tests := []struct {
		name   string
		in     []byte
		opts   car.Options
		roots  int
		blocks int
	}{
		{"header only", header, car.Options{}, 1, 0},
		{"no roots allowed", lp(slices.Concat(mapRootsVersion, keyRoots, h("80"), keyVersion, one)), car.Options{AllowNoRoots: true}, 0, 0},
		{"hash mismatch skipped", slices.Concat(header, section(cidBytes(0x71, 0x12, digest), bad)), car.Options{SkipHashCheck: true}, 1, 1},
		{"sha2-512 skipped", slices.Concat(header, section(cidBytes(0x71, 0x13, make([]byte, 64)), bad)), car.Options{SkipHashCheck: true}, 1, 1},
		{"identity CID skipped", slices.Concat(header, section(cidBytes(0x71, 0x00, []byte{0xf6}), nil)), car.Options{SkipHashCheck: true}, 1, 1},
		{"duplicate blocks", slices.Concat(header, car.AppendBlock(nil, blk.c, blk.data), car.AppendBlock(nil, blk.c, blk.data)), car.Options{}, 1, 2},
		{"exactly at limits", slices.Concat(header, car.AppendBlock(nil, blk.c, blk.data)), car.Options{
			MaxHeaderSize: len(header) - 1, MaxBlockSize: len(blk.data), MaxBlocks: 1,
			MaxTotalSize: int64(len(header) + car.BlockLen(blk.c, len(blk.data))),
		}, 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			roots, blocks, err := readOrdered(tc.in, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if len(roots) != tc.roots || len(blocks) != tc.blocks {
				t.Errorf("got %d roots and %d blocks, want %d and %d", len(roots), len(blocks), tc.roots, tc.blocks)
			}
		})
	}
}

func TestOptionsValidate(t *testing.T) {
	header := car.AppendHeader(nil, dagcbor.SumRaw(nil))
	for _, opts := range []car.Options{{MaxHeaderSize: -1}, {MaxBlockSize: -1}, {MaxTotalSize: -1}, {MaxBlocks: -1}} {
		if _, err := car.NewReader(bytes.NewReader(header), opts); !errors.Is(err, car.ErrOptions) {
			t.Errorf("%+v: got %v, want ErrOptions", opts, err)
		}
	}
	d := car.Options{}.EnsureDefaults()
	if d.MaxHeaderSize != car.DefaultMaxHeaderSize || d.MaxBlockSize != car.DefaultMaxBlockSize ||
		d.MaxTotalSize != car.DefaultMaxTotalSize || d.MaxBlocks != car.DefaultMaxBlocks || d.SkipHashCheck {
		t.Errorf("EnsureDefaults: %+v", d)
	}
}

// TestReaderShortReads reads through readers that return few bytes at a
// time or data together with io.EOF.
func TestReaderShortReads(t *testing.T) {
	blocks := slices.Concat(MustBlocks(t, 50, 300, 8), MustBlocks(t, 3, 40<<10, 9))
	roots := []cid.Cid{blocks[0].c}
	data := MustWrite(t, roots, blocks)
	wrap := map[string]func(io.Reader) io.Reader{
		"one byte": iotest.OneByteReader,
		"half":     iotest.HalfReader,
		"data+EOF": iotest.DataErrReader,
	}
	for name, fn := range wrap {
		t.Run(name, func(t *testing.T) {
			r, err := car.NewReader(fn(bytes.NewReader(data)), car.Options{})
			if err != nil {
				t.Fatal(err)
			}
			var got []block
			for {
				c, d, err := r.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, block{c, bytes.Clone(d)})
			}
			checkSame(t, roots, r.Roots(), blocks, got)
		})
	}
}

// errorAfter returns the first n bytes of data, then err.
func errorAfter(data []byte, n int, err error) io.Reader {
	return io.MultiReader(bytes.NewReader(data[:n]), iotest.ErrReader(err))
}

func TestReaderInputErrors(t *testing.T) {
	blocks := MustBlocks(t, 3, 100, 10)
	data := MustWrite(t, []cid.Cid{blocks[0].c}, blocks)
	boom := errors.New("boom")
	for _, n := range []int{0, 1, 30, len(data) - 50, len(data) - 1, len(data)} {
		_, _, err := car.ReadAll(errorAfter(data, n, boom), car.Options{})
		if !errors.Is(err, boom) {
			t.Errorf("error after %d bytes: got %v, want it to wrap the input's error", n, err)
		}
		if errors.Is(err, car.ErrMalformed) {
			t.Errorf("error after %d bytes: an input error reported as malformed: %v", n, err)
		}
	}
	_, err := car.NewReader(iotest.TimeoutReader(bytes.NewReader(data)), car.Options{})
	if err != nil {
		t.Errorf("TimeoutReader succeeds on its first read: %v", err)
	}
	if _, _, err := car.ReadAll(emptyReader{}, car.Options{}); !errors.Is(err, io.ErrNoProgress) {
		t.Errorf("reader without progress: got %v, want io.ErrNoProgress", err)
	}
}

// emptyReader returns no bytes and no error.
type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestReaderStickyErrors(t *testing.T) {
	blocks := MustBlocks(t, 1, 100, 11)
	data := MustWrite(t, []cid.Cid{blocks[0].c}, blocks)

	r, err := car.NewReader(bytes.NewReader(data), car.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.Next(); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if c, d, err := r.Next(); err != io.EOF || c.Defined() || d != nil {
			t.Fatalf("after the last block: got %v, %d bytes, %v; want io.EOF", c, len(d), err)
		}
	}

	r, err = car.NewReader(bytes.NewReader(data[:len(data)-1]), car.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, _, first := r.Next()
	_, _, second := r.Next()
	if first == nil || first != second {
		t.Errorf("errors not sticky: %v, then %v", first, second)
	}
}

func TestReaderRootsCopy(t *testing.T) {
	blocks := MustBlocks(t, 2, 60, 12)
	roots := []cid.Cid{blocks[0].c, blocks[1].c}
	r, err := car.NewReader(bytes.NewReader(MustWrite(t, roots, nil)), car.Options{})
	if err != nil {
		t.Fatal(err)
	}
	got := r.Roots()
	got[0] = cid.Undef
	if !slices.Equal(r.Roots(), roots) {
		t.Errorf("Roots changed through a returned slice: %v", r.Roots())
	}
}

// TestReaderAllocs checks that reading costs one allocation per block
// (its CID) once the buffer has grown.
func TestReaderAllocs(t *testing.T) {
	blocks := MustBlocks(t, 100, 300, 13)
	data := MustWrite(t, []cid.Cid{blocks[0].c}, blocks)
	br := bytes.NewReader(data)
	allocs := testing.AllocsPerRun(20, func() {
		br.Reset(data)
		r, err := car.NewReader(br, car.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			if _, _, err := r.Next(); err != nil {
				break
			}
		}
	})
	if perBlock := allocs / float64(len(blocks)); perBlock > 1.1 {
		t.Errorf("%.2f allocations per block, want about 1", perBlock)
	}
}
