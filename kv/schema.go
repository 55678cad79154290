package kv

import (
	"encoding/binary"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// metaBucket exists in every file and holds the file's kind and schema
// version.
var (
	metaBucket    = []byte("meta")
	metaKindKey   = []byte("kind")
	metaSchemaKey = []byte("schema")
)

// fileKind names what a file holds, so that an account file is never
// opened as an event log.
type fileKind string

const (
	kindAccount fileKind = "boltsky-account"
	kindServer  fileKind = "boltsky-server"
	kindEvents  fileKind = "boltsky-events"
)

// migration upgrades a file by one schema version inside tx.
type migration func(tx *bolt.Tx) error

// schema is the list of migrations of one kind of file; migrations[i]
// moves a file from version i to version i+1, so the current version is
// len(migrations). Version 0 is an empty file.
type schema struct {
	kind       fileKind
	migrations []migration
}

func (s schema) version() uint64 { return uint64(len(s.migrations)) }

// ensure brings the file in tx to the current version, creating it when
// empty. It refuses files of another kind or of a newer version.
func (s schema) ensure(tx *bolt.Tx) error {
	meta := tx.Bucket(metaBucket)
	var have uint64
	if meta != nil {
		if kind := meta.Get(metaKindKey); string(kind) != string(s.kind) {
			return fmt.Errorf("%w: file holds %q, want %q", ErrSchema, kind, s.kind)
		}
		v := meta.Get(metaSchemaKey)
		if len(v) != 8 {
			return fmt.Errorf("%w: schema version of %d bytes", ErrCorrupt, len(v))
		}
		have = binary.BigEndian.Uint64(v)
	}
	if have > s.version() {
		return fmt.Errorf("%w: %s schema version %d is newer than this build's %d", ErrSchema, s.kind, have, s.version())
	}
	if have == s.version() {
		return nil
	}
	if tx.DB().IsReadOnly() || !tx.Writable() {
		return fmt.Errorf("%w: %s schema version %d needs migration to %d, and the file is read-only", ErrSchema, s.kind, have, s.version())
	}
	if meta == nil {
		var err error
		if meta, err = tx.CreateBucket(metaBucket); err != nil {
			return fmt.Errorf("cannot create meta bucket: %w", err)
		}
		if err := meta.Put(metaKindKey, []byte(s.kind)); err != nil {
			return fmt.Errorf("cannot write file kind: %w", err)
		}
	}
	for v := have; v < s.version(); v++ {
		if err := s.migrations[v](tx); err != nil {
			return fmt.Errorf("cannot migrate %s from schema %d to %d: %w", s.kind, v, v+1, err)
		}
	}
	return meta.Put(metaSchemaKey, binary.BigEndian.AppendUint64(nil, s.version()))
}

// createBuckets returns a migration that creates the named buckets.
func createBuckets(names ...[]byte) migration {
	return func(tx *bolt.Tx) error {
		for _, name := range names {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("cannot create bucket %s: %w", name, err)
			}
		}
		return nil
	}
}

// readSchema returns the kind and version recorded in a file, for
// inspection tools.
func readSchema(tx *bolt.Tx) (fileKind, uint64, error) {
	meta := tx.Bucket(metaBucket)
	if meta == nil {
		return "", 0, fmt.Errorf("%w: no meta bucket", ErrSchema)
	}
	v := meta.Get(metaSchemaKey)
	if len(v) != 8 {
		return "", 0, fmt.Errorf("%w: schema version of %d bytes", ErrCorrupt, len(v))
	}
	return fileKind(meta.Get(metaKindKey)), binary.BigEndian.Uint64(v), nil
}

// openBolt opens path and brings it to the current schema.
func openBolt(path string, s schema, opts Options, mmap, alloc int) (*bolt.DB, error) {
	db, err := bolt.Open(path, 0o600, opts.bolt(mmap))
	if err != nil {
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	db.AllocSize = alloc
	check := db.Update
	if opts.ReadOnly {
		check = db.View
	}
	if err := check(s.ensure); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot open %s: %w", path, err)
	}
	return db, nil
}

// clone copies b; bbolt's values are only valid inside their transaction.
func clone(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append(make([]byte, 0, len(b)), b...)
}
