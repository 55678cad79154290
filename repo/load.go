package repo

import (
	"bytes"
	"fmt"
	"io"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/mst"
)

// LoadOptions tell LoadCAR what to check.
type LoadOptions struct {
	// DID, when set, must be the commit's DID.
	DID atp.DID
	// Key, when set, must verify the commit's signature.
	Key *crypto.PublicKey
	// CAR limits the input; the zero value uses car's defaults.
	CAR car.Options
	// MaxRecordSize bounds each record block; zero means 1 MiB.
	MaxRecordSize int
}

// Record is a record path and CID.
type Record struct {
	Path string
	CID  cid.Cid
}

// Loaded is a verified repository read from a CAR.
type Loaded struct {
	Commit *Commit
	// CID is the commit's CID, the CAR's root.
	CID cid.Cid
	// Blocks holds exactly the blocks the repository reaches: the commit,
	// every MST node and every record. Unrelated blocks in the CAR are
	// dropped.
	Blocks *car.Blocks
	// Records lists the records in path order.
	Records []Record
}

// GetBlock implements BlockSource over the loaded blocks.
func (l *Loaded) GetBlock(c cid.Cid) ([]byte, error) {
	return carSource{l.Blocks}.GetBlock(c)
}

type carSource struct{ b *car.Blocks }

func (s carSource) GetBlock(c cid.Cid) ([]byte, error) {
	if data, ok := s.b.Get(c); ok {
		return data, nil
	}
	return nil, fmt.Errorf("%w: %s", mst.ErrBlockNotFound, c)
}

// LoadCAR reads a whole repository CAR and verifies it: exactly one root,
// a valid commit block under it, the DID and signature when opts ask, a
// well-formed MST with every node present, and every record present,
// canonical and within the size limit.
func LoadCAR(r io.Reader, opts LoadOptions) (*Loaded, error) {
	roots, blocks, err := car.ReadAll(r, opts.CAR)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRepo, err)
	}
	if len(roots) != 1 {
		return nil, fmt.Errorf("%w: CAR has %d roots, want 1", ErrInvalidRepo, len(roots))
	}
	return verifyLoaded(roots[0], blocks, opts)
}

func verifyLoaded(root cid.Cid, blocks *car.Blocks, opts LoadOptions) (*Loaded, error) {
	src := carSource{blocks}
	block, ok := blocks.Get(root)
	if !ok {
		return nil, fmt.Errorf("%w: commit block %s is missing", ErrInvalidRepo, root)
	}
	commit, err := DecodeCommit(block)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRepo, err)
	}
	if !opts.DID.IsZero() && commit.DID != opts.DID {
		return nil, fmt.Errorf("%w: commit is for %s, not %s", ErrInvalidRepo, commit.DID, opts.DID)
	}
	if opts.Key != nil {
		if err := commit.Verify(opts.Key); err != nil {
			return nil, err
		}
	}
	if err := mst.Verify(src, commit.Data); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRepo, err)
	}
	maxRecord := opts.MaxRecordSize
	if maxRecord == 0 {
		maxRecord = 1 << 20
	}
	out := &Loaded{Commit: commit, CID: root, Blocks: &car.Blocks{}}
	out.Blocks.Put(root, block)
	err = mst.WalkNodes(src, commit.Data, func(c cid.Cid, data []byte, _ []cid.Cid) error {
		stored, _ := blocks.Get(c)
		out.Blocks.Put(c, stored)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRepo, err)
	}
	err = mst.Load(src, commit.Data).Walk(func(path string, c cid.Cid) error {
		data, ok := blocks.Get(c)
		if !ok {
			return fmt.Errorf("record %s (%s) is missing", path, c)
		}
		if len(data) > maxRecord {
			return fmt.Errorf("record %s is %d bytes, over the %d limit", path, len(data), maxRecord)
		}
		if _, seen := out.Blocks.Get(c); !seen {
			if err := dagcbor.Validate(data); err != nil {
				return fmt.Errorf("record %s: %w", path, err)
			}
			out.Blocks.Put(c, data)
		}
		out.Records = append(out.Records, Record{Path: path, CID: c})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidRepo, err)
	}
	return out, nil
}

// VerifySlice checks a #commit event as a relay does under sync 1.1:
// slice is the event's CAR, whose root must be the commit commitCID; the
// commit must be signed by key (when key is set) and carry rev; every
// created or updated record must be in the slice; and undoing ops on the
// slice's tree must give prevData. It returns the decoded commit.
func VerifySlice(slice []byte, commitCID cid.Cid, rev atp.TID, ops []Op, prevData cid.Cid, key *crypto.PublicKey) (*Commit, error) {
	roots, blocks, err := car.ReadAll(bytes.NewReader(slice), car.Options{MaxTotalSize: int64(len(slice))})
	if err != nil {
		return nil, fmt.Errorf("%w: slice: %w", ErrInversion, err)
	}
	if len(roots) == 0 || !roots[0].Equals(commitCID) {
		return nil, fmt.Errorf("%w: slice root is not the commit %s", ErrInversion, commitCID)
	}
	block, ok := blocks.Get(commitCID)
	if !ok {
		return nil, fmt.Errorf("%w: slice lacks the commit block", ErrInversion)
	}
	commit, err := DecodeCommit(block)
	if err != nil {
		return nil, err
	}
	if commit.Rev != rev {
		return nil, fmt.Errorf("%w: event rev %s, commit rev %s", ErrInversion, rev, commit.Rev)
	}
	if key != nil {
		if err := commit.Verify(key); err != nil {
			return nil, err
		}
	}
	for _, op := range ops {
		if err := op.Check(); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInversion, err)
		}
		if op.CID.Defined() {
			if _, ok := blocks.Get(op.CID); !ok {
				return nil, fmt.Errorf("%w: slice lacks record %s of %s", ErrInversion, op.CID, op.Path)
			}
		}
	}
	got, err := mst.Invert(carSource{blocks}, commit.Data, mstOps(ops))
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInversion, err)
	}
	if !got.Equals(prevData) {
		return nil, fmt.Errorf("%w: got %s, want %s", ErrInversion, got, prevData)
	}
	return commit, nil
}
