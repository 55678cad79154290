package blobstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
)

// Sentinel errors.
var (
	// ErrNotFound reports a blob that is not stored.
	ErrNotFound = errors.New("blobstore: blob not found")
	// ErrTooLarge reports an upload over the size limit.
	ErrTooLarge = errors.New("blobstore: blob too large")
)

// Store holds blob bytes per account.
type Store interface {
	// Put streams r into the store for did and returns the blob's raw
	// CID, its size and the first 512 bytes (for MIME sniffing). It fails
	// with ErrTooLarge after reading more than limit bytes.
	Put(ctx context.Context, did atp.DID, r io.Reader, limit int64) (Upload, error)
	// Open returns the blob's bytes; the caller closes it.
	Open(ctx context.Context, did atp.DID, c cid.Cid) (Blob, error)
	// Delete removes a blob; deleting an absent blob is not an error.
	Delete(ctx context.Context, did atp.DID, c cid.Cid) error
}

// Upload describes a stored upload.
type Upload struct {
	CID  cid.Cid
	Size int64
	// Head holds up to the first 512 bytes.
	Head []byte
}

// Blob is an open stored blob.
type Blob interface {
	io.ReadSeekCloser
	Size() int64
	ModTime() time.Time
}

// Disk is a Store on the local file system.
type Disk struct {
	root string
}

var _ Store = (*Disk)(nil)

// NewDisk returns a Store rooted at dir, creating it if needed.
func NewDisk(dir string) (*Disk, error) {
	if err := os.MkdirAll(filepath.Join(dir, "tmp"), 0o700); err != nil {
		return nil, fmt.Errorf("cannot create blob directory: %w", err)
	}
	return &Disk{root: dir}, nil
}

// path returns where blob c of did lives.
func (d *Disk) path(did atp.DID, c cid.Cid) string {
	sum := sha256.Sum256([]byte(c.KeyString()))
	h := hex.EncodeToString(sum[:2])
	return filepath.Join(d.root, h[:2], h[2:4], did.String(), c.String())
}

// Put implements Store.
func (d *Disk) Put(ctx context.Context, did atp.DID, r io.Reader, limit int64) (Upload, error) {
	tmp, err := os.CreateTemp(filepath.Join(d.root, "tmp"), "upload-*")
	if err != nil {
		return Upload{}, fmt.Errorf("cannot create upload file: %w", err)
	}
	keep := false
	defer func() {
		if !keep {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	head := make([]byte, 0, 512)
	buf := make([]byte, 64<<10)
	var size int64
	for {
		if err := ctx.Err(); err != nil {
			return Upload{}, err
		}
		n, rerr := r.Read(buf)
		if n > 0 {
			size += int64(n)
			if size > limit {
				return Upload{}, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
			}
			if len(head) < cap(head) {
				head = append(head, buf[:min(n, cap(head)-len(head))]...)
			}
			h.Write(buf[:n])
			if _, err := tmp.Write(buf[:n]); err != nil {
				return Upload{}, fmt.Errorf("cannot write upload: %w", err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return Upload{}, fmt.Errorf("cannot read upload: %w", rerr)
		}
	}
	if err := tmp.Sync(); err != nil {
		return Upload{}, fmt.Errorf("cannot sync upload: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return Upload{}, fmt.Errorf("cannot close upload: %w", err)
	}
	var digest [sha256.Size]byte
	h.Sum(digest[:0])
	c := dagcbor.CIDFromDigest(dagcbor.CodecRaw, digest)
	dst := d.path(did, c)
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return Upload{}, fmt.Errorf("cannot create blob directory: %w", err)
	}
	if err := os.Rename(tmp.Name(), dst); err != nil {
		return Upload{}, fmt.Errorf("cannot store blob: %w", err)
	}
	keep = true
	return Upload{CID: c, Size: size, Head: head}, nil
}

// Open implements Store.
func (d *Disk) Open(_ context.Context, did atp.DID, c cid.Cid) (Blob, error) {
	f, err := os.Open(d.path(did, c))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, c)
	}
	if err != nil {
		return nil, fmt.Errorf("cannot open blob %s: %w", c, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("cannot stat blob %s: %w", c, err)
	}
	return &diskBlob{File: f, size: st.Size(), mod: st.ModTime()}, nil
}

type diskBlob struct {
	*os.File
	size int64
	mod  time.Time
}

func (b *diskBlob) Size() int64        { return b.size }
func (b *diskBlob) ModTime() time.Time { return b.mod }

// Delete implements Store.
func (d *Disk) Delete(_ context.Context, did atp.DID, c cid.Cid) error {
	err := os.Remove(d.path(did, c))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("cannot delete blob %s: %w", c, err)
	}
	return nil
}

// SweepTemp removes upload files older than age left in the temporary
// directory by interrupted uploads, and returns how many it removed.
func (d *Disk) SweepTemp(age time.Duration, now time.Time) (int, error) {
	ents, err := os.ReadDir(filepath.Join(d.root, "tmp"))
	if err != nil {
		return 0, fmt.Errorf("cannot list uploads: %w", err)
	}
	n := 0
	for _, e := range ents {
		info, err := e.Info()
		if err != nil || now.Sub(info.ModTime()) < age {
			continue
		}
		if os.Remove(filepath.Join(d.root, "tmp", e.Name())) == nil {
			n++
		}
	}
	return n, nil
}
