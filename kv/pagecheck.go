package kv

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"io"
	"os"
)

// bbolt's on-disk layout, as far as checkFile reads it (little-endian on
// every platform boltsky builds for).
const (
	boltMagic        = 0xED0CDAED
	boltVersion      = 2
	pageHeaderSize   = 16
	elementSize      = 16
	branchPageFlag   = 0x01
	leafPageFlag     = 0x02
	metaPageFlag     = 0x04
	bucketLeafFlag   = 0x01
	inBucketSize     = 16
	maxCheckDepth    = 64
	minBoltPageSize  = 512
	maxBoltPageSize  = 1 << 20
	metaChecksumFrom = pageHeaderSize
	metaChecksumTo   = pageHeaderSize + 56
)

// checkFile walks a bbolt file's pages with plain reads, before bbolt
// maps it: the meta pages must be valid, the file as long as they claim,
// and every page reachable from the root must lie inside it, be of the
// right kind, be reached once, and hold elements within its bounds.
// bbolt trusts all of this; a truncated or damaged file from elsewhere
// (a backup being restored) would otherwise make it fault. Corruption
// inside keys and values is left to the checks of what they hold.
func checkFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("cannot open %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("cannot stat %s: %w", path, err)
	}
	pageSize, root, pgid, err := readMeta(f, st.Size())
	if err != nil {
		return err
	}
	if need := int64(pgid) * int64(pageSize); st.Size() < need {
		return fmt.Errorf("%w: file is %d bytes, its meta page says %d (truncated)", ErrCorrupt, st.Size(), need)
	}
	w := pageWalker{f: f, pageSize: pageSize, pgid: pgid, seen: make(map[uint64]bool)}
	return w.walk(root, 0)
}

// readMeta returns the page size, root page and page high-water mark of
// the newer valid meta page.
func readMeta(f io.ReaderAt, size int64) (pageSize uint32, root, pgid uint64, err error) {
	head := make([]byte, pageHeaderSize+64)
	if _, err := f.ReadAt(head, 0); err != nil {
		return 0, 0, 0, fmt.Errorf("%w: no bbolt header: %v", ErrCorrupt, err)
	}
	ps := binary.LittleEndian.Uint32(head[pageHeaderSize+8:])
	if ps < minBoltPageSize || ps > maxBoltPageSize || ps&(ps-1) != 0 {
		return 0, 0, 0, fmt.Errorf("%w: page size %d", ErrCorrupt, ps)
	}
	var bestTx uint64
	found := false
	for i := int64(0); i < 2; i++ {
		b := make([]byte, pageHeaderSize+64)
		if _, err := f.ReadAt(b, i*int64(ps)); err != nil {
			continue
		}
		if binary.LittleEndian.Uint16(b[8:]) != metaPageFlag {
			continue
		}
		m := b[pageHeaderSize:]
		if binary.LittleEndian.Uint32(m) != boltMagic || binary.LittleEndian.Uint32(m[4:]) != boltVersion ||
			binary.LittleEndian.Uint32(m[8:]) != ps {
			continue
		}
		h := fnv.New64a()
		h.Write(b[metaChecksumFrom:metaChecksumTo])
		if h.Sum64() != binary.LittleEndian.Uint64(m[56:]) {
			continue
		}
		txid := binary.LittleEndian.Uint64(m[48:])
		if !found || txid > bestTx {
			found, bestTx = true, txid
			pageSize, root, pgid = ps, binary.LittleEndian.Uint64(m[16:]), binary.LittleEndian.Uint64(m[40:])
		}
	}
	if !found {
		return 0, 0, 0, fmt.Errorf("%w: no valid bbolt meta page", ErrCorrupt)
	}
	if pgid < 3 || root < 2 || root >= pgid {
		return 0, 0, 0, fmt.Errorf("%w: meta page names root %d of %d pages", ErrCorrupt, root, pgid)
	}
	return pageSize, root, pgid, nil
}

type pageWalker struct {
	f        io.ReaderAt
	pageSize uint32
	pgid     uint64
	seen     map[uint64]bool
}

// walk checks the page id and everything below it.
func (w *pageWalker) walk(id uint64, depth int) error {
	if depth > maxCheckDepth {
		return fmt.Errorf("%w: pages nest deeper than %d", ErrCorrupt, maxCheckDepth)
	}
	if id < 2 || id >= w.pgid {
		return fmt.Errorf("%w: reference to page %d outside 2..%d", ErrCorrupt, id, w.pgid-1)
	}
	if w.seen[id] {
		return fmt.Errorf("%w: page %d is reached twice", ErrCorrupt, id)
	}
	w.seen[id] = true
	head := make([]byte, pageHeaderSize)
	if _, err := w.f.ReadAt(head, int64(id)*int64(w.pageSize)); err != nil {
		return fmt.Errorf("%w: cannot read page %d: %v", ErrCorrupt, id, err)
	}
	if got := binary.LittleEndian.Uint64(head); got != id {
		return fmt.Errorf("%w: page %d is labelled %d", ErrCorrupt, id, got)
	}
	overflow := uint64(binary.LittleEndian.Uint32(head[12:]))
	if id+overflow >= w.pgid {
		return fmt.Errorf("%w: page %d runs past the end", ErrCorrupt, id)
	}
	for o := uint64(1); o <= overflow; o++ {
		if w.seen[id+o] {
			return fmt.Errorf("%w: page %d overlaps page %d", ErrCorrupt, id, id+o)
		}
		w.seen[id+o] = true
	}
	buf := make([]byte, (overflow+1)*uint64(w.pageSize))
	if _, err := w.f.ReadAt(buf, int64(id)*int64(w.pageSize)); err != nil {
		return fmt.Errorf("%w: cannot read page %d: %v", ErrCorrupt, id, err)
	}
	return w.page(buf, id, depth)
}

// page checks one page image (from the file, or an inline bucket).
func (w *pageWalker) page(buf []byte, id uint64, depth int) error {
	if len(buf) < pageHeaderSize {
		return fmt.Errorf("%w: page %d is shorter than its header", ErrCorrupt, id)
	}
	flags := binary.LittleEndian.Uint16(buf[8:])
	count := int(binary.LittleEndian.Uint16(buf[10:]))
	if pageHeaderSize+count*elementSize > len(buf) {
		return fmt.Errorf("%w: page %d claims %d elements", ErrCorrupt, id, count)
	}
	for i := 0; i < count; i++ {
		at := pageHeaderSize + i*elementSize
		e := buf[at : at+elementSize]
		switch flags {
		case branchPageFlag:
			pos, ksize := int(binary.LittleEndian.Uint32(e)), int(binary.LittleEndian.Uint32(e[4:]))
			if at+pos+ksize > len(buf) || at+pos+ksize < at {
				return fmt.Errorf("%w: page %d element %d runs past the page", ErrCorrupt, id, i)
			}
			if err := w.walk(binary.LittleEndian.Uint64(e[8:]), depth+1); err != nil {
				return err
			}
		case leafPageFlag:
			eflags := binary.LittleEndian.Uint32(e)
			pos, ksize, vsize := int(binary.LittleEndian.Uint32(e[4:])), int(binary.LittleEndian.Uint32(e[8:])), int(binary.LittleEndian.Uint32(e[12:]))
			end := at + pos + ksize + vsize
			if pos < 0 || ksize < 0 || vsize < 0 || end > len(buf) || end < at {
				return fmt.Errorf("%w: page %d element %d runs past the page", ErrCorrupt, id, i)
			}
			if eflags&bucketLeafFlag == 0 {
				continue
			}
			v := buf[at+pos+ksize : end]
			if len(v) < inBucketSize {
				return fmt.Errorf("%w: page %d holds a short bucket header", ErrCorrupt, id)
			}
			if root := binary.LittleEndian.Uint64(v); root != 0 {
				if err := w.walk(root, depth+1); err != nil {
					return err
				}
			} else if err := w.page(v[inBucketSize:], id, depth+1); err != nil {
				return err
			}
		default:
			return fmt.Errorf("%w: page %d has kind %#x, want branch or leaf", ErrCorrupt, id, flags)
		}
	}
	return nil
}
