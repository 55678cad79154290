package repo

import (
	"fmt"
	"io"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/mst"
)

// BlockSource reads the blocks of a repository. It returns an error
// wrapping mst.ErrBlockNotFound when a block is absent.
type BlockSource = mst.BlockGetter

// WriteCAR streams the whole repository whose head is the commit commitCID
// to w as a CAR: the commit first, then a pre-order walk of the MST in
// which each node is followed by the records of its entries (each record
// once) and then its subtrees. Every block must be present in bs.
func WriteCAR(w io.Writer, bs BlockSource, commitCID cid.Cid) error {
	cw, err := car.NewWriter(w, commitCID)
	if err != nil {
		return fmt.Errorf("cannot start CAR: %w", err)
	}
	commit, err := writeCommit(cw, bs, commitCID)
	if err != nil {
		return err
	}
	seen := make(map[cid.Cid]struct{})
	err = mst.WalkNodes(bs, commit.Data, func(c cid.Cid, data []byte, vals []cid.Cid) error {
		if err := cw.WriteBlock(c, data); err != nil {
			return err
		}
		for _, v := range vals {
			if _, dup := seen[v]; dup {
				continue
			}
			seen[v] = struct{}{}
			rec, err := bs.GetBlock(v)
			if err != nil {
				return fmt.Errorf("cannot read record %s: %w", v, err)
			}
			if err := cw.WriteBlock(v, rec); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("cannot export repository: %w", err)
	}
	return cw.Flush()
}

func writeCommit(cw *car.Writer, bs BlockSource, commitCID cid.Cid) (*Commit, error) {
	block, err := bs.GetBlock(commitCID)
	if err != nil {
		return nil, fmt.Errorf("cannot read commit %s: %w", commitCID, err)
	}
	commit, err := DecodeCommit(block)
	if err != nil {
		return nil, err
	}
	if err := cw.WriteBlock(commitCID, block); err != nil {
		return nil, err
	}
	return commit, nil
}

// WriteDiffCAR streams to w the blocks a holder of the repository as of
// the MST root oldData needs to reach the commit commitCID: the commit, the
// MST nodes new since oldData and the records created or updated since.
// bs must hold both versions' nodes.
func WriteDiffCAR(w io.Writer, bs BlockSource, commitCID, oldData cid.Cid) error {
	cw, err := car.NewWriter(w, commitCID)
	if err != nil {
		return fmt.Errorf("cannot start CAR: %w", err)
	}
	commit, err := writeCommit(cw, bs, commitCID)
	if err != nil {
		return err
	}
	added, _, err := mst.DiffNodes(bs, oldData, commit.Data)
	if err != nil {
		return fmt.Errorf("cannot diff trees: %w", err)
	}
	for _, c := range added {
		data, err := bs.GetBlock(c)
		if err != nil {
			return fmt.Errorf("cannot read node %s: %w", c, err)
		}
		if err := cw.WriteBlock(c, data); err != nil {
			return err
		}
	}
	ops, err := mst.Diff(bs, oldData, commit.Data)
	if err != nil {
		return fmt.Errorf("cannot diff trees: %w", err)
	}
	seen := make(map[cid.Cid]struct{}, len(ops))
	for _, op := range ops {
		if !op.New.Defined() {
			continue
		}
		if _, dup := seen[op.New]; dup {
			continue
		}
		seen[op.New] = struct{}{}
		data, err := bs.GetBlock(op.New)
		if err != nil {
			return fmt.Errorf("cannot read record %s: %w", op.New, err)
		}
		if err := cw.WriteBlock(op.New, data); err != nil {
			return err
		}
	}
	return cw.Flush()
}
