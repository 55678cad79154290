package kv

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	bolt "go.etcd.io/bbolt"

	"github.com/boltsky/boltsky/atp"
)

// BackupInfo describes an account backup file.
type BackupInfo struct {
	DID    atp.DID
	Schema uint64
	Head   Head
	// HasHead is false for an account without a first commit.
	HasHead bool
}

// InspectAccountFile opens the account file at path read-only, checks that
// it is an account file bbolt can read in full (every page reachable and
// consistent), and reports what it holds. The file is not changed.
func InspectAccountFile(path string) (BackupInfo, error) {
	var info BackupInfo
	if err := checkFile(path); err != nil {
		return info, fmt.Errorf("cannot inspect %s: %w", path, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: 1})
	if err != nil {
		return info, fmt.Errorf("%w: cannot open %s as a bbolt file: %v", ErrCorrupt, path, err)
	}
	defer db.Close()
	err = db.View(func(tx *bolt.Tx) (err error) {
		// checkFile vouched for the page structure; what is left to go
		// wrong reading keys is bbolt's own panics, which are ours to
		// turn into an error. (tx.Check is not used: it walks free pages
		// on a goroutine of its own, where a panic cannot be caught.)
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: %v", ErrCorrupt, r)
			}
		}()
		if err := walkKeys(tx.Cursor(), 0); err != nil {
			return err
		}
		kind, version, err := readSchema(tx)
		if err != nil {
			return err
		}
		if kind != kindAccount {
			return fmt.Errorf("%w: file holds %q, not an account", ErrSchema, kind)
		}
		if version > accountSchema.version() {
			return fmt.Errorf("%w: schema %d is newer than this build's %d", ErrSchema, version, accountSchema.version())
		}
		info.Schema = version
		if info.DID, err = atp.ParseDID(string(tx.Bucket(metaBucket).Get(metaDIDKey))); err != nil {
			return fmt.Errorf("%w: account DID: %v", ErrCorrupt, err)
		}
		if version < 1 {
			return nil
		}
		atx := &AccountTx{tx: tx}
		h, err := atx.Head()
		switch {
		case err == nil:
			info.Head, info.HasHead = h, true
		case !errors.Is(err, ErrNotFound):
			return err
		}
		return nil
	})
	if err != nil {
		return info, fmt.Errorf("cannot inspect %s: %w", path, err)
	}
	return info, nil
}

// CopyFile writes src to a temporary file beside dst, syncs it, and
// renames it into place, so that dst is never seen half-written. It
// creates dst's directory when needed.
func CopyFile(dst string, src io.Reader) (int64, error) {
	if err := os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return 0, fmt.Errorf("cannot create directory for %s: %w", dst, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(dst), filepath.Base(dst)+".tmp-*")
	if err != nil {
		return 0, fmt.Errorf("cannot create temporary file for %s: %w", dst, err)
	}
	n, err := io.Copy(tmp, src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), dst)
	}
	if err != nil {
		os.Remove(tmp.Name())
		return n, fmt.Errorf("cannot write %s: %w", dst, err)
	}
	return n, syncDir(filepath.Dir(dst))
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("cannot sync directory %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, fs.ErrInvalid) {
		return fmt.Errorf("cannot sync directory %s: %w", dir, err)
	}
	return nil
}

// CompactAccountFile writes a compacted copy of the account file at src
// (which no one else may hold open) to dst: the same contents without the
// free pages a long-lived file accumulates. It returns the sizes before
// and after.
func CompactAccountFile(src, dst string) (before, after int64, err error) {
	st, err := os.Stat(src)
	if err != nil {
		return 0, 0, fmt.Errorf("cannot compact %s: %w", src, err)
	}
	in, err := bolt.Open(src, 0o600, &bolt.Options{ReadOnly: true, Timeout: 1})
	if err != nil {
		return 0, 0, fmt.Errorf("cannot open %s: %w", src, err)
	}
	defer in.Close()
	if err := in.View(func(tx *bolt.Tx) error {
		kind, _, err := readSchema(tx)
		if err != nil {
			return err
		}
		if kind != kindAccount {
			return fmt.Errorf("%w: %s holds %q", ErrSchema, src, kind)
		}
		return nil
	}); err != nil {
		return 0, 0, err
	}
	out, err := bolt.Open(dst, 0o600, &bolt.Options{NoFreelistSync: true, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return 0, 0, fmt.Errorf("cannot create %s: %w", dst, err)
	}
	if err := bolt.Compact(out, in, 4<<20); err != nil {
		out.Close()
		os.Remove(dst)
		return 0, 0, fmt.Errorf("cannot compact %s: %w", src, err)
	}
	if err := out.Close(); err != nil {
		return 0, 0, err
	}
	dt, err := os.Stat(dst)
	if err != nil {
		return 0, 0, err
	}
	return st.Size(), dt.Size(), nil
}

// walkKeys reads every key of a bucket and the buckets under it, checking
// that each bucket's keys come in strictly increasing order.
func walkKeys(c *bolt.Cursor, depth int) error {
	if depth > maxCheckDepth {
		return fmt.Errorf("%w: buckets nest deeper than %d", ErrCorrupt, maxCheckDepth)
	}
	var prev []byte
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if prev != nil && bytes.Compare(prev, k) >= 0 {
			return fmt.Errorf("%w: keys out of order after %q", ErrCorrupt, prev)
		}
		prev = k
		if v != nil {
			continue
		}
		b := c.Bucket().Bucket(k)
		if b == nil {
			return fmt.Errorf("%w: key %q has no value and is no bucket", ErrCorrupt, k)
		}
		if err := walkKeys(b.Cursor(), depth+1); err != nil {
			return err
		}
	}
	return nil
}
