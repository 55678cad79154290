package repo

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
)

// Version is the repository format version of every commit.
const Version = 3

// Sentinel errors.
var (
	// ErrInvalidCommit reports a commit block that does not decode or
	// breaks a rule of the commit format.
	ErrInvalidCommit = errors.New("repo: invalid commit")
	// ErrBadSignature reports a commit whose signature does not verify.
	ErrBadSignature = errors.New("repo: commit signature does not verify")
	// ErrInvalidRepo reports a repository CAR that is incomplete or
	// malformed.
	ErrInvalidRepo = errors.New("repo: invalid repository")
	// ErrInvalidWrite reports a write that cannot be applied.
	ErrInvalidWrite = errors.New("repo: invalid write")
	// ErrInversion reports a commit whose ops do not lead back from its
	// data to the previous data.
	ErrInversion = errors.New("repo: ops do not invert to the previous data")
)

// Commit is a repository commit.
type Commit struct {
	DID atp.DID
	// Data is the MST root.
	Data cid.Cid
	Rev  atp.TID
	// Prev is the previous commit; cid.Undef encodes as null, as in every
	// v3 commit this package makes.
	Prev cid.Cid
	// Sig is the 64-byte compact signature; empty while unsigned.
	Sig []byte
}

// appendCommit encodes c canonically, with or without its sig field.
// Canonical key order is: did, rev, sig, data, prev, version.
func appendCommit(dst []byte, c *Commit, withSig bool) []byte {
	n := 5
	if withSig {
		n = 6
	}
	dst = dagcbor.AppendMapHeader(dst, n)
	dst = dagcbor.AppendText(dst, "did")
	dst = dagcbor.AppendText(dst, c.DID.String())
	dst = dagcbor.AppendText(dst, "rev")
	dst = dagcbor.AppendText(dst, c.Rev.String())
	if withSig {
		dst = dagcbor.AppendText(dst, "sig")
		dst = dagcbor.AppendBytes(dst, c.Sig)
	}
	dst = dagcbor.AppendText(dst, "data")
	dst = dagcbor.AppendLink(dst, c.Data)
	dst = dagcbor.AppendText(dst, "prev")
	dst = dagcbor.AppendNullableLink(dst, c.Prev)
	dst = dagcbor.AppendText(dst, "version")
	return dagcbor.AppendInt(dst, Version)
}

// UnsignedBytes returns the canonical encoding of c without sig: the bytes
// whose SHA-256 the signature covers.
func (c *Commit) UnsignedBytes() []byte {
	return appendCommit(make([]byte, 0, 160), c, false)
}

// Bytes returns the canonical encoding of the signed commit, the block
// stored under the commit's CID.
func (c *Commit) Bytes() []byte {
	return appendCommit(make([]byte, 0, 240), c, true)
}

// Sign signs c with key, setting Sig, and returns the signed block and its
// CID.
func (c *Commit) Sign(key *crypto.PrivateKey) ([]byte, cid.Cid, error) {
	sig, err := key.SignMessage(c.UnsignedBytes())
	if err != nil {
		return nil, cid.Undef, fmt.Errorf("cannot sign commit: %w", err)
	}
	c.Sig = sig
	b := c.Bytes()
	return b, dagcbor.SumCBOR(b), nil
}

// Verify checks c's signature against pub.
func (c *Commit) Verify(pub *crypto.PublicKey) error {
	if len(c.Sig) == 0 {
		return fmt.Errorf("%w: commit is unsigned", ErrBadSignature)
	}
	if err := pub.Verify(c.UnsignedBytes(), c.Sig); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSignature, err)
	}
	return nil
}

// DecodeCommit decodes a signed commit block strictly: canonical DAG-CBOR,
// exactly the six fields of a v3 commit, version 3, a DID and a TID rev.
func DecodeCommit(data []byte) (*Commit, error) {
	r := dagcbor.NewReader(data)
	n, err := r.MapHeader()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCommit, err)
	}
	if n != 6 {
		return nil, fmt.Errorf("%w: %d fields, want 6", ErrInvalidCommit, n)
	}
	var c Commit
	var version int64
	for _, want := range [...]string{"did", "rev", "sig", "data", "prev", "version"} {
		key, err := r.MapKey()
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInvalidCommit, err)
		}
		if string(key) != want {
			return nil, fmt.Errorf("%w: field %q where %q belongs", ErrInvalidCommit, key, want)
		}
		switch want {
		case "did":
			var s string
			if s, err = r.Text(); err == nil {
				c.DID, err = atp.ParseDID(s)
			}
		case "rev":
			var s string
			if s, err = r.Text(); err == nil {
				c.Rev, err = atp.ParseTID(s)
			}
		case "sig":
			var sig []byte
			if sig, err = r.Bytes(); err == nil {
				c.Sig = append([]byte(nil), sig...)
			}
		case "data":
			c.Data, err = r.Link()
		case "prev":
			c.Prev, err = r.NullableLink()
		case "version":
			version, err = r.Int()
		}
		if err != nil {
			return nil, fmt.Errorf("%w: field %s: %v", ErrInvalidCommit, want, err)
		}
	}
	if err := r.End(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidCommit, err)
	}
	if version != Version {
		return nil, fmt.Errorf("%w: version %d, want %d", ErrInvalidCommit, version, Version)
	}
	if !dagcbor.IsBlessed(c.Data, dagcbor.CodecDagCBOR) {
		return nil, fmt.Errorf("%w: data %s is not a dag-cbor sha-256 CIDv1", ErrInvalidCommit, c.Data)
	}
	return &c, nil
}
