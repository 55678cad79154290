package repo

import (
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/mst"
)

// Limits of one commit, from the firehose's limits on a #commit event.
const (
	// MaxOps is the most record changes one commit may hold.
	MaxOps = 200
	// MaxSliceSize bounds the CAR slice of a #commit event.
	MaxSliceSize = 2_000_000
	// MaxRecordSize bounds one record's encoding.
	MaxRecordSize = 1 << 20
)

// Write is one record change requested of a repository.
type Write struct {
	Action Action
	// Path is "collection/rkey".
	Path string
	// Record is the record's canonical DAG-CBOR encoding, for create and
	// update.
	Record []byte
}

// Result is a commit made by Apply.
type Result struct {
	Commit Commit
	// CID and Block are the signed commit's CID and encoding.
	CID   cid.Cid
	Block []byte
	// PrevData is the MST root before the commit.
	PrevData cid.Cid
	// Ops are the record changes, in the order of the writes.
	Ops []Op
	// Blocks are the blocks new in this commit, each once: the records
	// written, the new MST nodes and the commit itself (last).
	Blocks []mst.Block
	// RemovedNodes are the MST nodes that left the tree.
	RemovedNodes []cid.Cid
	// RemovedRecords are the previous CIDs of records updated or deleted.
	// Another path may still hold the same record CID, so the caller
	// checks its own index before dropping a block.
	RemovedRecords []cid.Cid
	// Slice is the CAR of the #commit event: the commit, the new records,
	// the new MST nodes and the unchanged nodes needed to invert the ops.
	Slice []byte
}

// Apply applies writes to tree as one commit of did at rev, signed by key.
// It checks every write before changing anything: creates need an absent
// path, updates and deletes a present one, and a path appears once. When
// a check fails, the error wraps ErrInvalidWrite and tree is unchanged.
// Any other error (from the tree's block store) leaves tree in an unknown
// state: the caller must discard it (so does an oversize slice, which the
// checks up front make all but impossible). An empty writes list makes a commit
// with no ops and a new rev.
func Apply(tree *mst.Tree, did atp.DID, rev atp.TID, writes []Write, key *crypto.PrivateKey) (*Result, error) {
	if len(writes) > MaxOps {
		return nil, fmt.Errorf("%w: %d writes in one commit, at most %d", ErrInvalidWrite, len(writes), MaxOps)
	}
	size := 0
	for _, w := range writes {
		if len(w.Record) > MaxRecordSize {
			return nil, fmt.Errorf("%w: record %s is %d bytes, at most %d", ErrInvalidWrite, w.Path, len(w.Record), MaxRecordSize)
		}
		size += len(w.Record)
	}
	// The slice also carries the commit and MST nodes; keep room for them.
	if size > MaxSliceSize-sliceOverhead(len(writes)) {
		return nil, fmt.Errorf("%w: records of one commit total %d bytes, over the firehose limit", ErrInvalidWrite, size)
	}
	prevData, err := tree.Root()
	if err != nil {
		return nil, fmt.Errorf("cannot read previous root: %w", err)
	}
	res := &Result{PrevData: prevData, Ops: make([]Op, len(writes))}
	seen := make(map[string]struct{}, len(writes))
	for i, w := range writes {
		if _, dup := seen[w.Path]; dup {
			return nil, fmt.Errorf("%w: %s is written twice in one commit", ErrInvalidWrite, w.Path)
		}
		seen[w.Path] = struct{}{}
		if err := mst.ValidateKey(w.Path); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalidWrite, err)
		}
		prev, found, err := tree.Get(w.Path)
		if err != nil {
			return nil, fmt.Errorf("cannot look up %s: %w", w.Path, err)
		}
		op := Op{Action: w.Action, Path: w.Path, Prev: prev}
		switch w.Action {
		case Create, Update:
			if found != (w.Action == Update) {
				if found {
					return nil, fmt.Errorf("%w: %s already exists", ErrInvalidWrite, w.Path)
				}
				return nil, fmt.Errorf("%w: %s does not exist", ErrInvalidWrite, w.Path)
			}
			if len(w.Record) == 0 {
				return nil, fmt.Errorf("%w: %s of %s has no record", ErrInvalidWrite, w.Action, w.Path)
			}
			op.CID = dagcbor.SumCBOR(w.Record)
		case Delete:
			if !found {
				return nil, fmt.Errorf("%w: %s does not exist", ErrInvalidWrite, w.Path)
			}
		default:
			return nil, fmt.Errorf("%w: unknown action %q", ErrInvalidWrite, w.Action)
		}
		res.Ops[i] = op
	}

	records := make(map[cid.Cid]struct{}, len(writes))
	for i, w := range writes {
		op := res.Ops[i]
		if op.Prev.Defined() {
			res.RemovedRecords = append(res.RemovedRecords, op.Prev)
		}
		if w.Action == Delete {
			if _, err := tree.Delete(w.Path); err != nil {
				return nil, fmt.Errorf("cannot delete %s: %w", w.Path, err)
			}
			continue
		}
		if _, err := tree.Put(w.Path, op.CID); err != nil {
			return nil, fmt.Errorf("cannot put %s: %w", w.Path, err)
		}
		if _, dup := records[op.CID]; !dup {
			records[op.CID] = struct{}{}
			res.Blocks = append(res.Blocks, mst.Block{CID: op.CID, Data: w.Record})
		}
	}
	ch, err := tree.Commit()
	if err != nil {
		return nil, fmt.Errorf("cannot commit tree: %w", err)
	}
	res.RemovedNodes = ch.Orphans

	res.Commit = Commit{DID: did, Data: ch.Root, Rev: rev}
	if res.Block, res.CID, err = res.Commit.Sign(key); err != nil {
		return nil, err
	}
	nodes, err := tree.SliceBlocks(ch, mstOps(res.Ops))
	if err != nil {
		return nil, fmt.Errorf("cannot build commit slice: %w", err)
	}
	res.Blocks = append(res.Blocks, ch.Blocks...)
	res.Blocks = append(res.Blocks, mst.Block{CID: res.CID, Data: res.Block})
	res.Slice = buildSlice(res, nodes)
	if err := checkSlice(res.Slice); err != nil {
		return nil, err
	}
	return res, nil
}

// sliceOverhead is room kept in a commit slice for the commit and MST
// nodes: a few nodes per op, each well under a kilobyte.
func sliceOverhead(ops int) int { return 8<<10 + ops*(2<<10) }

// checkSlice guards that no commit leaves this package with a slice over
// the firehose limit, should the overhead estimate ever fall short.
func checkSlice(slice []byte) error {
	if len(slice) > MaxSliceSize {
		return fmt.Errorf("%w: commit slice of %d bytes exceeds %d", ErrInvalidWrite, len(slice), MaxSliceSize)
	}
	return nil
}

// buildSlice encodes the #commit CAR: commit first, then the new records,
// then the MST nodes.
func buildSlice(res *Result, nodes []mst.Block) []byte {
	size := car.HeaderLen(res.CID) + car.BlockLen(res.CID, len(res.Block))
	for _, b := range res.Blocks {
		size += car.BlockLen(b.CID, len(b.Data))
	}
	for _, b := range nodes {
		size += car.BlockLen(b.CID, len(b.Data))
	}
	out := make([]byte, 0, size)
	out = car.AppendHeader(out, res.CID)
	out = car.AppendBlock(out, res.CID, res.Block)
	seen := make(map[cid.Cid]struct{}, len(res.Blocks)+len(nodes))
	seen[res.CID] = struct{}{}
	for _, b := range res.Blocks {
		if _, dup := seen[b.CID]; !dup {
			seen[b.CID] = struct{}{}
			out = car.AppendBlock(out, b.CID, b.Data)
		}
	}
	for _, b := range nodes {
		if _, dup := seen[b.CID]; !dup {
			seen[b.CID] = struct{}{}
			out = car.AppendBlock(out, b.CID, b.Data)
		}
	}
	return out
}
