package kv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
)

// BlobMeta describes a blob the account uploaded or references.
type BlobMeta struct {
	CID      cid.Cid `json:"-"`
	MimeType string  `json:"mimeType"`
	Size     int64   `json:"size"`
	// CreatedAt is when the blob was uploaded.
	CreatedAt time.Time `json:"createdAt,omitzero"`
	// Temp is set while no record references the blob; temporary blobs
	// are swept after a grace period.
	Temp bool `json:"temp,omitempty"`
	// Missing is set for blobs that imported records reference but that
	// were never uploaded.
	Missing bool `json:"missing,omitempty"`
	// Rev is the revision of the commit that first referenced the blob.
	Rev atp.TID `json:"rev,omitzero"`
	// Takedown is the moderation reference of a blob taken down; empty
	// while it is served.
	Takedown string `json:"takedown,omitempty"`
}

// Blob returns the metadata of a blob, or ErrNotFound.
func (t *AccountTx) Blob(c cid.Cid) (BlobMeta, error) {
	v := t.bucket(blobsBucket).Get([]byte(c.KeyString()))
	if v == nil {
		return BlobMeta{}, fmt.Errorf("%w: blob %s", ErrNotFound, c)
	}
	return decodeBlobMeta(c, v)
}

func decodeBlobMeta(c cid.Cid, v []byte) (BlobMeta, error) {
	var m BlobMeta
	if err := json.Unmarshal(v, &m); err != nil {
		return m, fmt.Errorf("%w: blob %s: %v", ErrCorrupt, c, err)
	}
	m.CID = c
	return m, nil
}

// PutBlob stores blob metadata.
func (t *AccountTx) PutBlob(m BlobMeta) error {
	b, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("cannot encode blob metadata: %w", err)
	}
	if err := t.bucket(blobsBucket).Put([]byte(m.CID.KeyString()), b); err != nil {
		return fmt.Errorf("cannot put blob %s: %w", m.CID, err)
	}
	return nil
}

// DeleteBlob removes blob metadata and every reference to the blob.
func (t *AccountTx) DeleteBlob(c cid.Cid) error {
	if err := t.bucket(blobsBucket).Delete([]byte(c.KeyString())); err != nil {
		return fmt.Errorf("cannot delete blob %s: %w", c, err)
	}
	return nil
}

// ForEachBlob calls fn for every blob in CID byte order, starting after
// the blob after (or from the start when after is cid.Undef), until fn
// returns false.
func (t *AccountTx) ForEachBlob(after cid.Cid, fn func(BlobMeta) bool) error {
	c := t.bucket(blobsBucket).Cursor()
	var k, v []byte
	if after.Defined() {
		start := []byte(after.KeyString())
		k, v = c.Seek(start)
		if bytes.Equal(k, start) {
			k, v = c.Next()
		}
	} else {
		k, v = c.First()
	}
	for ; k != nil; k, v = c.Next() {
		bc, err := cid.Cast(k)
		if err != nil {
			return fmt.Errorf("%w: blob key: %v", ErrCorrupt, err)
		}
		m, err := decodeBlobMeta(bc, v)
		if err != nil {
			return err
		}
		if !fn(m) {
			return nil
		}
	}
	return nil
}

func refKey(a, b []byte) []byte {
	k := make([]byte, 0, len(a)+1+len(b))
	return append(append(append(k, a...), 0), b...)
}

// AddBlobRef records that the record at path references blob c.
func (t *AccountTx) AddBlobRef(c cid.Cid, path string) error {
	bc := []byte(c.KeyString())
	if err := t.bucket(blobRefsBucket).Put(refKey(bc, []byte(path)), nil); err != nil {
		return fmt.Errorf("cannot add blob reference: %w", err)
	}
	if err := t.bucket(recordBlobsBucket).Put(refKey([]byte(path), bc), nil); err != nil {
		return fmt.Errorf("cannot add blob reference: %w", err)
	}
	return nil
}

// RecordBlobs returns the blobs the record at path references.
func (t *AccountTx) RecordBlobs(path string) ([]cid.Cid, error) {
	prefix := refKey([]byte(path), nil)
	var out []cid.Cid
	c := t.bucket(recordBlobsBucket).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		bc, err := cid.Cast(k[len(prefix):])
		if err != nil {
			return nil, fmt.Errorf("%w: blob reference: %v", ErrCorrupt, err)
		}
		out = append(out, bc)
	}
	return out, nil
}

// RemoveBlobRefs drops every blob reference of the record at path and
// returns the blobs it referenced that no record references any more.
func (t *AccountTx) RemoveBlobRefs(path string) ([]cid.Cid, error) {
	blobs, err := t.RecordBlobs(path)
	if err != nil {
		return nil, err
	}
	var orphans []cid.Cid
	for _, bc := range blobs {
		kb := []byte(bc.KeyString())
		if err := t.bucket(recordBlobsBucket).Delete(refKey([]byte(path), kb)); err != nil {
			return nil, fmt.Errorf("cannot remove blob reference: %w", err)
		}
		if err := t.bucket(blobRefsBucket).Delete(refKey(kb, []byte(path))); err != nil {
			return nil, fmt.Errorf("cannot remove blob reference: %w", err)
		}
		if !t.BlobReferenced(bc) {
			orphans = append(orphans, bc)
		}
	}
	return orphans, nil
}

// BlobReferenced reports whether any record references blob c.
func (t *AccountTx) BlobReferenced(c cid.Cid) bool {
	prefix := refKey([]byte(c.KeyString()), nil)
	k, _ := t.bucket(blobRefsBucket).Cursor().Seek(prefix)
	return k != nil && bytes.HasPrefix(k, prefix)
}

// BlobRefs calls fn for every (blob, record path) reference in blob
// order, starting after blob after, until fn returns false.
func (t *AccountTx) BlobRefs(after cid.Cid, fn func(blob cid.Cid, path string) bool) error {
	c := t.bucket(blobRefsBucket).Cursor()
	var k []byte
	if after.Defined() {
		// Every key of blob `after` starts with its bytes then 0; 1 sorts
		// after all of them.
		k, _ = c.Seek(append([]byte(after.KeyString()), 1))
	} else {
		k, _ = c.First()
	}
	for ; k != nil; k, _ = c.Next() {
		// CID bytes may contain 0, so split where the CID ends.
		n, bc, err := cid.CidFromBytes(k)
		if err != nil || n >= len(k) || k[n] != 0 {
			return fmt.Errorf("%w: blob reference key %x", ErrCorrupt, k)
		}
		if !fn(bc, string(k[n+1:])) {
			return nil
		}
	}
	return nil
}

// DeleteAllBlobRefs clears every blob reference, for replacing a whole
// repository.
func (t *AccountTx) DeleteAllBlobRefs() error {
	if err := t.resetBucket(blobRefsBucket); err != nil {
		return err
	}
	return t.resetBucket(recordBlobsBucket)
}
