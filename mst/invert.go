package mst

import (
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
)

// Invert undoes ops on the tree whose root node is root and returns the
// root CID of the tree before them, which a verifier of a sync 1.1 #commit
// compares with the event's prevData. bg needs to hold only the blocks of
// the commit's CAR slice. The ops are undone last to first: a create is
// deleted, an update and a delete put back Old. Each op must match the
// tree (the key's current value is New), keys must be valid and distinct;
// otherwise the error wraps ErrInvalidOp. A block the inversion needs but
// bg lacks gives an error wrapping ErrBlockNotFound. Blocks read are
// checked against their CIDs and the key depths of their node.
func Invert(bg BlockGetter, root cid.Cid, ops []Op) (cid.Cid, error) {
	if err := checkOps(ops); err != nil {
		return cid.Undef, err
	}
	t := Load(bg, root)
	t.strict = true
	t.lenient = true
	if err := t.invert(ops); err != nil {
		return cid.Undef, err
	}
	return t.Root()
}

// checkOps checks that ops are well formed and name distinct keys.
func checkOps(ops []Op) error {
	seen := make(map[string]struct{}, len(ops))
	for _, op := range ops {
		if err := ValidateKey(op.Key); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidOp, err)
		}
		if !op.Old.Defined() && !op.New.Defined() {
			return fmt.Errorf("%w: %q has neither an old nor a new value", ErrInvalidOp, op.Key)
		}
		if _, dup := seen[op.Key]; dup {
			return fmt.Errorf("%w: %q appears twice", ErrInvalidOp, op.Key)
		}
		seen[op.Key] = struct{}{}
	}
	return nil
}

// invert undoes ops on t, last to first.
func (t *Tree) invert(ops []Op) error {
	for i := len(ops) - 1; i >= 0; i-- {
		if err := t.undo(ops[i]); err != nil {
			return err
		}
	}
	return nil
}

// undo applies the inverse of one op.
func (t *Tree) undo(op Op) error {
	if op.IsCreate() {
		prev, err := t.Delete(op.Key)
		switch {
		case errors.Is(err, ErrKeyNotFound):
			return fmt.Errorf("%w: created key %q is not in the tree", ErrInvalidOp, op.Key)
		case err != nil:
			return fmt.Errorf("cannot undo create of %q: %w", op.Key, err)
		case prev != op.New:
			return fmt.Errorf("%w: created key %q has value %s, not %s", ErrInvalidOp, op.Key, prev, op.New)
		}
		return nil
	}
	prev, err := t.Put(op.Key, op.Old)
	switch {
	case err != nil:
		return fmt.Errorf("cannot undo change of %q: %w", op.Key, err)
	case prev != op.New:
		if !op.New.Defined() {
			return fmt.Errorf("%w: deleted key %q is still in the tree", ErrInvalidOp, op.Key)
		}
		return fmt.Errorf("%w: updated key %q has value %v, not %s", ErrInvalidOp, op.Key, prev, op.New)
	}
	return nil
}
