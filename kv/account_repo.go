package kv

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/ipfs/go-cid"
	bolt "go.etcd.io/bbolt"

	"github.com/boltsky/boltsky/atp"
)

// AccountTx is a transaction on an account file. It is only valid inside
// the closure it was passed to. Methods that write fail on a read-only
// transaction.
type AccountTx struct {
	tx   *bolt.Tx
	acct *Account // nil for files opened only for inspection
	// blocks caches the blocks bucket of a read-only transaction, where
	// it cannot be replaced, and blockCursor a cursor on it that every
	// lookup reuses: repository exports look up every block.
	blocks      *bolt.Bucket
	blockCursor *bolt.Cursor
	// key is scratch space for the key of a block lookup.
	key []byte
}

func (t *AccountTx) bucket(name []byte) *bolt.Bucket {
	b := t.tx.Bucket(name)
	if b != nil && t.tx.Writable() && appendOrdered(name) {
		b.FillPercent = appendFill
	}
	return b
}

// appendFill is how full bbolt fills a page before splitting it in a
// bucket whose new keys mostly sort after the existing ones: a page left
// half full would never receive another key.
const appendFill = 0.9

// appendOrdered reports whether new keys of the account bucket name
// mostly come last: revisions, TID record keys, outbox numbers.
func appendOrdered(name []byte) bool {
	return bytes.Equal(name, blockRevsBucket) || bytes.Equal(name, recordsBucket) || bytes.Equal(name, outboxBucket)
}

func (t *AccountTx) blocksBucket() *bolt.Bucket {
	if t.tx.Writable() {
		return t.bucket(blocksBucket)
	}
	if t.blocks == nil {
		t.blocks = t.bucket(blocksBucket)
	}
	return t.blocks
}

// getBlock returns the stored value of the block with CID c (its
// revision, then its bytes), or nil.
func (t *AccountTx) getBlock(c cid.Cid) []byte {
	t.key = append(t.key[:0], c.KeyString()...)
	if t.tx.Writable() {
		return t.bucket(blocksBucket).Get(t.key)
	}
	if t.blockCursor == nil {
		t.blockCursor = t.blocksBucket().Cursor()
	}
	k, v := t.blockCursor.Seek(t.key)
	if !bytes.Equal(k, t.key) {
		return nil
	}
	return v
}

// Head is the current state of an account's repository.
type Head struct {
	// Commit is the CID of the latest signed commit.
	Commit cid.Cid
	// Rev is that commit's revision.
	Rev atp.TID
	// Data is that commit's MST root.
	Data cid.Cid
}

// Block returns a copy of the block with CID c, or ErrNotFound.
func (t *AccountTx) Block(c cid.Cid) ([]byte, error) {
	v, err := t.BlockInPlace(c)
	return clone(v), err
}

// BlockInPlace returns the block with CID c, or ErrNotFound, without
// copying it: the bytes belong to the file's mapping and are valid only
// until the transaction ends, and must not be modified. Streaming a
// repository uses it to avoid a copy per block.
func (t *AccountTx) BlockInPlace(c cid.Cid) ([]byte, error) {
	v := t.getBlock(c)
	if v == nil {
		return nil, fmt.Errorf("%w: block %s", ErrNotFound, c)
	}
	if len(v) < atp.TIDLength {
		return nil, fmt.Errorf("%w: block %s", ErrCorrupt, c)
	}
	return v[atp.TIDLength:], nil
}

// HasBlock reports whether the block with CID c is stored.
func (t *AccountTx) HasBlock(c cid.Cid) bool {
	return t.getBlock(c) != nil
}

// PutBlock stores a block under its CID, recording rev as the revision
// that added it. A block already stored keeps its data and revision. data
// must not change until the transaction ends.
func (t *AccountTx) PutBlock(c cid.Cid, data []byte, rev atp.TID) error {
	key := []byte(c.KeyString())
	b := t.bucket(blocksBucket)
	if b.Get(key) != nil {
		return nil
	}
	r := rev.String()
	if len(r) != atp.TIDLength {
		return fmt.Errorf("kv: block %s needs a revision", c)
	}
	val := make([]byte, 0, len(r)+len(data))
	val = append(append(val, r...), data...)
	if err := b.Put(key, val); err != nil {
		return fmt.Errorf("cannot put block %s: %w", c, err)
	}
	if err := t.bucket(blockRevsBucket).Put(append([]byte(r), key...), nil); err != nil {
		return fmt.Errorf("cannot index block %s: %w", c, err)
	}
	return nil
}

// DeleteBlock removes a block; removing an absent block is not an error.
func (t *AccountTx) DeleteBlock(c cid.Cid) error {
	key := []byte(c.KeyString())
	b := t.bucket(blocksBucket)
	v := b.Get(key)
	if v == nil {
		return nil
	}
	if len(v) >= atp.TIDLength {
		idx := append(clone(v[:atp.TIDLength]), key...)
		if err := t.bucket(blockRevsBucket).Delete(idx); err != nil {
			return fmt.Errorf("cannot unindex block %s: %w", c, err)
		}
	}
	if err := b.Delete(key); err != nil {
		return fmt.Errorf("cannot delete block %s: %w", c, err)
	}
	return nil
}

// BlockCount returns the number of stored blocks.
func (t *AccountTx) BlockCount() int {
	return t.bucket(blocksBucket).Stats().KeyN
}

// ForEachBlock calls fn for every stored block in CID byte order. The data
// passed to fn is only valid during the call.
func (t *AccountTx) ForEachBlock(fn func(c cid.Cid, data []byte) error) error {
	return t.bucket(blocksBucket).ForEach(func(k, v []byte) error {
		c, err := cid.Cast(k)
		if err != nil || len(v) < atp.TIDLength {
			return fmt.Errorf("%w: block %x", ErrCorrupt, k)
		}
		return fn(c, v[atp.TIDLength:])
	})
}

// ForEachBlockSince calls fn for every stored block added by a revision
// later than since, in revision order. The data passed to fn is only valid
// during the call.
func (t *AccountTx) ForEachBlockSince(since atp.TID, fn func(c cid.Cid, data []byte) error) error {
	blocks := t.bucket(blocksBucket)
	cur := t.bucket(blockRevsBucket).Cursor()
	// Every key of revision `since` starts with its 13 bytes; appending
	// 0xff sorts after all of them.
	start := append([]byte(since.String()), 0xff)
	for k, _ := cur.Seek(start); k != nil; k, _ = cur.Next() {
		if len(k) <= atp.TIDLength {
			return fmt.Errorf("%w: block revision key %x", ErrCorrupt, k)
		}
		key := k[atp.TIDLength:]
		v := blocks.Get(key)
		if v == nil || len(v) < atp.TIDLength {
			return fmt.Errorf("%w: indexed block %x is missing", ErrCorrupt, key)
		}
		c, err := cid.Cast(key)
		if err != nil {
			return fmt.Errorf("%w: block key: %v", ErrCorrupt, err)
		}
		if err := fn(c, v[atp.TIDLength:]); err != nil {
			return err
		}
	}
	return nil
}

// DeleteAllBlocks removes every block, for replacing a whole repository.
func (t *AccountTx) DeleteAllBlocks() error {
	if err := t.resetBucket(blocksBucket); err != nil {
		return err
	}
	return t.resetBucket(blockRevsBucket)
}

func (t *AccountTx) resetBucket(name []byte) error {
	if err := t.tx.DeleteBucket(name); err != nil {
		return fmt.Errorf("cannot clear bucket %s: %w", name, err)
	}
	if _, err := t.tx.CreateBucket(name); err != nil {
		return fmt.Errorf("cannot recreate bucket %s: %w", name, err)
	}
	return nil
}

// Head returns the repository head, or ErrNotFound before the first
// commit.
func (t *AccountTx) Head() (Head, error) {
	v := t.bucket(repoBucket).Get(headKey)
	if v == nil {
		return Head{}, fmt.Errorf("%w: repository head", ErrNotFound)
	}
	return decodeHead(v)
}

// SetHead records the repository head.
func (t *AccountTx) SetHead(h Head) error {
	if err := t.bucket(repoBucket).Put(headKey, encodeHead(h)); err != nil {
		return fmt.Errorf("cannot set head: %w", err)
	}
	return nil
}

func encodeHead(h Head) []byte {
	commit, data, rev := h.Commit.KeyString(), h.Data.KeyString(), h.Rev.String()
	b := make([]byte, 0, 3+len(commit)+len(data)+len(rev))
	b = append(append(b, byte(len(commit))), commit...)
	b = append(append(b, byte(len(rev))), rev...)
	b = append(append(b, byte(len(data))), data...)
	return b
}

func decodeHead(b []byte) (Head, error) {
	var parts [3][]byte
	for i := range parts {
		if len(b) == 0 || int(b[0]) > len(b)-1 {
			return Head{}, fmt.Errorf("%w: head", ErrCorrupt)
		}
		n := int(b[0])
		parts[i], b = b[1:1+n], b[1+n:]
	}
	commit, err := cid.Cast(parts[0])
	if err != nil {
		return Head{}, fmt.Errorf("%w: head commit: %v", ErrCorrupt, err)
	}
	rev, err := atp.ParseTID(string(parts[1]))
	if err != nil {
		return Head{}, fmt.Errorf("%w: head rev: %v", ErrCorrupt, err)
	}
	data, err := cid.Cast(parts[2])
	if err != nil {
		return Head{}, fmt.Errorf("%w: head data: %v", ErrCorrupt, err)
	}
	return Head{Commit: commit, Rev: rev, Data: data}, nil
}

// RecordCID returns the CID of the record at path ("collection/rkey"), or
// ErrNotFound.
func (t *AccountTx) RecordCID(path string) (cid.Cid, error) {
	v := t.bucket(recordsBucket).Get([]byte(path))
	if v == nil {
		return cid.Undef, fmt.Errorf("%w: record %s", ErrNotFound, path)
	}
	c, err := cid.Cast(v)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: record %s: %v", ErrCorrupt, path, err)
	}
	return c, nil
}

// PutRecord points path ("collection/rkey") at a record CID, keeping the
// per-collection counts and the CID-to-path index.
func (t *AccountTx) PutRecord(path string, c cid.Cid) error {
	b := t.bucket(recordsBucket)
	key := []byte(path)
	if old := b.Get(key); old == nil {
		if err := t.addToCollection(path, 1); err != nil {
			return err
		}
	} else if err := t.bucket(recordCIDsBucket).Delete(refKey(old, key)); err != nil {
		return fmt.Errorf("cannot unindex record %s: %w", path, err)
	}
	cb := []byte(c.KeyString())
	if err := b.Put(key, cb); err != nil {
		return fmt.Errorf("cannot put record %s: %w", path, err)
	}
	if err := t.bucket(recordCIDsBucket).Put(refKey(cb, key), nil); err != nil {
		return fmt.Errorf("cannot index record %s: %w", path, err)
	}
	return nil
}

// DeleteRecord removes path from the record index and ends the record's
// takedown; removing an absent record is not an error.
func (t *AccountTx) DeleteRecord(path string) error {
	b := t.bucket(recordsBucket)
	key := []byte(path)
	old := b.Get(key)
	if old == nil {
		return nil
	}
	if err := t.bucket(recordCIDsBucket).Delete(refKey(old, key)); err != nil {
		return fmt.Errorf("cannot unindex record %s: %w", path, err)
	}
	if err := t.addToCollection(path, -1); err != nil {
		return err
	}
	if err := b.Delete(key); err != nil {
		return fmt.Errorf("cannot delete record %s: %w", path, err)
	}
	if err := t.bucket(takedownsBucket).Delete(key); err != nil {
		return fmt.Errorf("cannot end takedown of %s: %w", path, err)
	}
	return nil
}

// RecordCIDUsed reports whether any path of the record index points at c.
func (t *AccountTx) RecordCIDUsed(c cid.Cid) bool {
	prefix := refKey([]byte(c.KeyString()), nil)
	k, _ := t.bucket(recordCIDsBucket).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// DeleteAllRecords clears the record index and collection counts, for
// replacing a whole repository. Record takedowns stay; once the new
// records are in, PruneRecordTakedowns ends those of records now absent.
func (t *AccountTx) DeleteAllRecords() error {
	if err := t.resetBucket(recordsBucket); err != nil {
		return err
	}
	if err := t.resetBucket(recordCIDsBucket); err != nil {
		return err
	}
	return t.resetBucket(collectionsBucket)
}

func (t *AccountTx) addToCollection(path string, delta int64) error {
	coll, _, ok := strings.Cut(path, "/")
	if !ok {
		return fmt.Errorf("kv: record path %q has no collection", path)
	}
	b := t.bucket(collectionsBucket)
	var n int64
	if v := b.Get([]byte(coll)); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	n += delta
	if n <= 0 {
		return b.Delete([]byte(coll))
	}
	return b.Put([]byte(coll), binary.BigEndian.AppendUint64(nil, uint64(n)))
}

// Collections returns the collections that hold at least one record, in
// order.
func (t *AccountTx) Collections() []string {
	var out []string
	t.bucket(collectionsBucket).ForEach(func(k, _ []byte) error {
		out = append(out, string(k))
		return nil
	})
	return out
}

// RecordCount returns the number of records in the index.
func (t *AccountTx) RecordCount() int {
	return t.bucket(recordsBucket).Stats().KeyN
}

// RecordEntry is one row of the record index.
type RecordEntry struct {
	// RKey is the record key within its collection.
	RKey string
	// CID is the record's CID.
	CID cid.Cid
}

// ListRecords calls fn for the records of one collection in record-key
// order (descending when reverse is set), starting after the record key
// cursor (or from the start when cursor is empty), until fn returns false
// or limit records were passed (limit <= 0 means no limit).
func (t *AccountTx) ListRecords(collection, cursor string, limit int, reverse bool, fn func(RecordEntry) bool) error {
	prefix := []byte(collection + "/")
	c := t.bucket(recordsBucket).Cursor()
	var k, v []byte
	switch {
	case !reverse && cursor == "":
		k, v = c.Seek(prefix)
	case !reverse:
		k, v = c.Seek(append(bytes.Clone(prefix), cursor...))
		if k != nil && string(k[len(prefix):]) == cursor {
			k, v = c.Next()
		}
	default:
		// The first key past the collection's range: '/'+1 is '0'.
		end := append([]byte(collection), '0')
		if cursor != "" {
			end = append(bytes.Clone(prefix), cursor...)
		}
		k, v = c.Seek(end)
		if k == nil {
			k, v = c.Last()
		} else {
			k, v = c.Prev()
		}
	}
	n := 0
	for ; k != nil && bytes.HasPrefix(k, prefix); n++ {
		if limit > 0 && n >= limit {
			break
		}
		rc, err := cid.Cast(v)
		if err != nil {
			return fmt.Errorf("%w: record %s: %v", ErrCorrupt, k, err)
		}
		if !fn(RecordEntry{RKey: string(k[len(prefix):]), CID: rc}) {
			break
		}
		if reverse {
			k, v = c.Prev()
		} else {
			k, v = c.Next()
		}
	}
	return nil
}

// ForEachRecord calls fn for every record in the index in path order.
func (t *AccountTx) ForEachRecord(fn func(path string, c cid.Cid) error) error {
	return t.bucket(recordsBucket).ForEach(func(k, v []byte) error {
		rc, err := cid.Cast(v)
		if err != nil {
			return fmt.Errorf("%w: record %s: %v", ErrCorrupt, k, err)
		}
		return fn(string(k), rc)
	})
}
