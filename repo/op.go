package repo

import (
	"fmt"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/mst"
)

// Action is what an op does to a record.
type Action string

// Actions, named as on the firehose.
const (
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
)

// Op is one record change of a commit, as a #commit event carries it.
type Op struct {
	Action Action
	// Path is "collection/rkey".
	Path string
	// CID is the record's new CID; cid.Undef for a delete.
	CID cid.Cid
	// Prev is the record's previous CID; cid.Undef for a create.
	Prev cid.Cid
}

// Check reports whether the op's CIDs agree with its action.
func (op Op) Check() error {
	ok := false
	switch op.Action {
	case Create:
		ok = op.CID.Defined() && !op.Prev.Defined()
	case Update:
		ok = op.CID.Defined() && op.Prev.Defined()
	case Delete:
		ok = !op.CID.Defined() && op.Prev.Defined()
	default:
		return fmt.Errorf("%w: unknown action %q on %s", ErrInvalidWrite, op.Action, op.Path)
	}
	if !ok {
		return fmt.Errorf("%w: %s of %s with cid %v and prev %v", ErrInvalidWrite, op.Action, op.Path, op.CID, op.Prev)
	}
	return nil
}

// mstOps converts ops to the MST's form, for inversion.
func mstOps(ops []Op) []mst.Op {
	out := make([]mst.Op, len(ops))
	for i, op := range ops {
		out[i] = mst.Op{Key: op.Path, Old: op.Prev, New: op.CID}
	}
	return out
}
