package actor

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/mst"
	"github.com/boltsky/boltsky/repo"
)

// ErrInactive reports a write to an account that is not active.
var ErrInactive = errors.New("actor: account is not active")

// Write makes one commit of req on did's repository and returns once the
// commit is durable in the account file and its event in the event log.
func (r *Registry) Write(ctx context.Context, did atp.DID, req WriteRequest) (*WriteResult, error) {
	v, err := r.do(ctx, did, func(a *Actor, tx *kv.AccountTx) ([]*Event, any, error) {
		return a.applyWrite(tx, &req)
	})
	if err != nil {
		return nil, err
	}
	return v.(*WriteResult), nil
}

// applyWrite checks req against the current state, makes its commit and
// stores it in tx. Errors before the first store leave everything as it
// was; later ones are fatal.
func (a *Actor) applyWrite(tx *kv.AccountTx, req *WriteRequest) ([]*Event, any, error) {
	if !a.state.Status.Active() {
		return nil, nil, fmt.Errorf("%w: %s is %s", ErrInactive, a.did, a.state.Status)
	}
	if !a.hasHead || a.key == nil {
		return nil, nil, fmt.Errorf("%w: %s has no repository", ErrAccountNotFound, a.did)
	}
	if req.SwapCommit.Defined() && !req.SwapCommit.Equals(a.head.Commit) {
		return nil, nil, fmt.Errorf("%w: commit is %s, not %s", ErrInvalidSwap, a.head.Commit, req.SwapCommit)
	}
	writes := make([]repo.Write, len(req.Writes))
	uris := make([]atp.ATURI, len(req.Writes))
	for i, w := range req.Writes {
		rkey := w.RKey
		if rkey.IsZero() {
			if w.Action != Create {
				return nil, nil, fmt.Errorf("%w: %s needs a record key", ErrInvalidWrite, w.Action)
			}
			var err error
			if rkey, err = atp.ParseRecordKey(a.clock.Next().String()); err != nil {
				return nil, nil, fatal(err)
			}
		}
		path := w.Collection.String() + "/" + rkey.String()
		uris[i] = atp.NewATURI(a.did, w.Collection, rkey)
		cur, found, err := a.tree.Get(path)
		if err != nil {
			return nil, nil, fatal(fmt.Errorf("cannot read %s: %w", path, err))
		}
		if w.SwapRecord != nil && !w.SwapRecord.Equals(cur) {
			if w.SwapRecord.Defined() {
				return nil, nil, fmt.Errorf("%w: record %s is %v, not %s", ErrInvalidSwap, path, cur, w.SwapRecord)
			}
			return nil, nil, fmt.Errorf("%w: record %s exists", ErrInvalidSwap, path)
		}
		action := w.Action
		switch action {
		case Put:
			action = Create
			if found {
				action = Update
			}
		case Create:
			if found {
				return nil, nil, fmt.Errorf("%w: %s", ErrRecordExists, path)
			}
		case Update, Delete:
			if !found {
				return nil, nil, fmt.Errorf("%w: %s", ErrRecordNotFound, path)
			}
		default:
			return nil, nil, fmt.Errorf("%w: unknown action %q", ErrInvalidWrite, w.Action)
		}
		for _, b := range w.Blobs {
			meta, err := tx.Blob(b.Ref)
			if errors.Is(err, kv.ErrNotFound) || err == nil && meta.Missing {
				return nil, nil, fmt.Errorf("%w: %s", ErrBlobNotFound, b.Ref)
			}
			if err != nil {
				return nil, nil, fatal(err)
			}
		}
		writes[i] = repo.Write{Action: repo.Action(action), Path: path, Record: w.Record}
	}
	res, err := a.commit(tx, writes)
	if err != nil {
		return nil, nil, err
	}
	// Blob references follow the record changes: the references of
	// updated and deleted records go, those of the new versions come,
	// and only then is a blob nothing references any more dropped (an
	// update keeping its image, or a write moving an image from one
	// record to another, keeps the blob).
	var unreferenced []cid.Cid
	for i := range req.Writes {
		if res.Ops[i].Action == repo.Create {
			continue
		}
		orphans, err := tx.RemoveBlobRefs(res.Ops[i].Path)
		if err != nil {
			return nil, nil, fatal(err)
		}
		unreferenced = append(unreferenced, orphans...)
	}
	for i, w := range req.Writes {
		for _, b := range w.Blobs {
			if err := a.useBlob(tx, b.Ref, res.Ops[i].Path, res.Commit.Rev); err != nil {
				return nil, nil, fatal(err)
			}
		}
	}
	seen := make(map[cid.Cid]bool, len(unreferenced))
	unreferenced = slices.DeleteFunc(unreferenced, func(c cid.Cid) bool {
		drop := seen[c] || tx.BlobReferenced(c)
		seen[c] = true
		return drop
	})
	if err := a.dropBlobs(tx, unreferenced); err != nil {
		return nil, nil, fatal(err)
	}
	since := a.head.Rev
	ev := commitEvent(a.did, res, since, res.PrevData)
	a.head = kv.Head{Commit: res.CID, Rev: res.Commit.Rev, Data: res.Commit.Data}
	return []*Event{ev}, &WriteResult{Commit: res.CID, Rev: res.Commit.Rev, Ops: res.Ops, URIs: uris}, nil
}

// commit applies writes to the tree as one signed commit and stores its
// blocks, record index changes and head in tx. A write the repository
// refuses fails with ErrInvalidWrite and nothing changed; any later error
// is fatal.
func (a *Actor) commit(tx *kv.AccountTx, writes []repo.Write) (*repo.Result, error) {
	rev := a.clock.Next()
	res, err := repo.Apply(a.tree, a.did, rev, writes, a.key)
	if errors.Is(err, repo.ErrInvalidWrite) {
		return nil, fmt.Errorf("%w: %w", ErrInvalidWrite, err)
	}
	if err != nil {
		return nil, fatal(err)
	}
	for _, b := range res.Blocks {
		if err := tx.PutBlock(b.CID, b.Data, rev); err != nil {
			return nil, fatal(err)
		}
	}
	for _, c := range res.RemovedNodes {
		if err := tx.DeleteBlock(c); err != nil {
			return nil, fatal(err)
		}
	}
	for _, op := range res.Ops {
		if op.Action == repo.Delete {
			err = tx.DeleteRecord(op.Path)
		} else {
			err = tx.PutRecord(op.Path, op.CID)
		}
		if err != nil {
			return nil, fatal(err)
		}
	}
	for _, c := range res.RemovedRecords {
		if !tx.RecordCIDUsed(c) {
			if err := tx.DeleteBlock(c); err != nil {
				return nil, fatal(err)
			}
		}
	}
	if err := tx.SetHead(kv.Head{Commit: res.CID, Rev: rev, Data: res.Commit.Data}); err != nil {
		return nil, fatal(err)
	}
	return res, nil
}

// useBlob makes an uploaded blob permanent and records that path
// references it.
func (a *Actor) useBlob(tx *kv.AccountTx, c cid.Cid, path string, rev atp.TID) error {
	meta, err := tx.Blob(c)
	if err != nil {
		return err
	}
	if meta.Temp || meta.Rev.IsZero() {
		meta.Temp = false
		if meta.Rev.IsZero() {
			meta.Rev = rev
		}
		if err := tx.PutBlob(meta); err != nil {
			return err
		}
	}
	return tx.AddBlobRef(c, path)
}

// dropBlobs deletes the metadata of blobs no record references any more.
// Their bytes are removed by the blob store's sweep, which only keeps
// blobs some account still lists.
func (a *Actor) dropBlobs(tx *kv.AccountTx, blobs []cid.Cid) error {
	for _, c := range blobs {
		if err := tx.DeleteBlob(c); err != nil {
			return err
		}
	}
	return nil
}

// NewAccount describes an account to create.
type NewAccount struct {
	State kv.AccountState
	// Key is the repository signing key; State.SigningKey must hold it
	// sealed.
	Key *crypto.PrivateKey
	// Announce emits #identity, #account, the genesis #commit and #sync.
	// Accounts created for migration (deactivated) announce nothing.
	Announce bool
}

// Create creates did's account file with its state and a genesis commit
// of an empty repository.
func (r *Registry) Create(ctx context.Context, acct NewAccount) (*WriteResult, error) {
	did := acct.State.DID
	h, err := r.acquire(ctx, did, true)
	if err != nil {
		return nil, err
	}
	err = h.acct.Update(func(tx *kv.AccountTx) error { return tx.PutAccountState(acct.State) })
	r.release(h)
	if err != nil {
		return nil, fmt.Errorf("cannot store state of %s: %w", did, err)
	}
	v, err := r.do(ctx, did, func(a *Actor, tx *kv.AccountTx) ([]*Event, any, error) {
		if a.hasHead {
			return nil, nil, fmt.Errorf("%w: %s", ErrAccountExists, did)
		}
		a.key = acct.Key
		res, err := a.commit(tx, nil)
		if err != nil {
			return nil, nil, err
		}
		a.head, a.hasHead = kv.Head{Commit: res.CID, Rev: res.Commit.Rev, Data: res.Commit.Data}, true
		out := &WriteResult{Commit: res.CID, Rev: res.Commit.Rev}
		if !acct.Announce {
			return nil, out, nil
		}
		return []*Event{
			identityEvent(did, acct.State.Handle),
			accountEvent(did, acct.State.Status),
			commitEvent(did, res, atp.TID{}, cid.Undef),
			syncEvent(did, res.CID, res.Block, res.Commit.Rev),
		}, out, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*WriteResult), nil
}

// Head returns did's repository head.
func (r *Registry) Head(ctx context.Context, did atp.DID) (kv.Head, error) {
	var head kv.Head
	err := r.View(ctx, did, func(tx *kv.AccountTx) error {
		var err error
		head, err = tx.Head()
		return err
	})
	return head, err
}

// UpdateState changes did's stored state with fn, in the actor's order
// with writes. The events fn returns are emitted when the change is
// durable; fn may read and write tx.
func (r *Registry) UpdateState(ctx context.Context, did atp.DID, fn func(st *kv.AccountState, tx *kv.AccountTx) ([]StateEvent, error)) error {
	_, err := r.do(ctx, did, func(a *Actor, tx *kv.AccountTx) ([]*Event, any, error) {
		st := a.state
		wants, err := fn(&st, tx)
		if err != nil {
			return nil, nil, err
		}
		if err := tx.PutAccountState(st); err != nil {
			return nil, nil, fatal(err)
		}
		if len(st.SigningKey) > 0 && string(st.SigningKey) != string(a.state.SigningKey) {
			key, err := a.reg.cfg.OpenKey(st.SigningKey)
			if err != nil {
				return nil, nil, fatal(err)
			}
			a.key = key
		}
		a.state = st
		var events []*Event
		for _, w := range wants {
			ev, err := a.stateEvent(tx, w)
			if err != nil {
				return nil, nil, err
			}
			if ev != nil {
				events = append(events, ev)
			}
		}
		return events, nil, nil
	})
	return err
}

// StateEvent names an event to emit after a state change.
type StateEvent int

// Events UpdateState can emit.
const (
	// EmitIdentity emits #identity with the account's handle.
	EmitIdentity StateEvent = iota + 1
	// EmitAccount emits #account with the account's status.
	EmitAccount
	// EmitSync emits #sync with the current commit, when the account is
	// active.
	EmitSync
	// EmitResign makes a new commit of the same data signed with the
	// account's current key and emits it as #sync, when the account is
	// active; used after an import or a key change.
	EmitResign
)

func (a *Actor) stateEvent(tx *kv.AccountTx, w StateEvent) (*Event, error) {
	switch w {
	case EmitIdentity:
		return identityEvent(a.did, a.state.Handle), nil
	case EmitAccount:
		return accountEvent(a.did, a.state.Status), nil
	case EmitSync, EmitResign:
		if !a.hasHead || !a.state.Status.Active() {
			return nil, nil
		}
		if w == EmitResign {
			res, err := a.commit(tx, nil)
			if err != nil {
				return nil, err
			}
			a.head = kv.Head{Commit: res.CID, Rev: res.Commit.Rev, Data: res.Commit.Data}
			return syncEvent(a.did, res.CID, res.Block, res.Commit.Rev), nil
		}
		block, err := tx.Block(a.head.Commit)
		if err != nil {
			return nil, fatal(err)
		}
		return syncEvent(a.did, a.head.Commit, block, a.head.Rev), nil
	}
	return nil, fmt.Errorf("actor: unknown state event %d", w)
}

// Import replaces did's repository with loaded (verified by the caller),
// signs a new commit of the same data with the account's key and, when the
// account is active, emits it as #sync. Records' blob references are
// rebuilt; blobs not yet uploaded are listed as missing.
func (r *Registry) Import(ctx context.Context, did atp.DID, loaded *repo.Loaded, blobs func(path string, data []byte) ([]cid.Cid, error)) (*WriteResult, error) {
	v, err := r.do(ctx, did, func(a *Actor, tx *kv.AccountTx) ([]*Event, any, error) {
		if a.key == nil {
			return nil, nil, fmt.Errorf("%w: %s has no signing key", ErrAccountNotFound, did)
		}
		if loaded.Commit.DID != did {
			return nil, nil, fmt.Errorf("%w: repository is for %s", ErrInvalidWrite, loaded.Commit.DID)
		}
		// Find blob references before touching anything.
		refs := make(map[string][]cid.Cid)
		for _, rec := range loaded.Records {
			data, _ := loaded.Blocks.Get(rec.CID)
			bs, err := blobs(rec.Path, data)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: record %s: %w", ErrInvalidWrite, rec.Path, err)
			}
			if len(bs) > 0 {
				refs[rec.Path] = bs
			}
		}
		rev := a.clock.Next()
		if err := replaceRepo(tx, loaded, refs, rev); err != nil {
			return nil, nil, fatal(err)
		}
		a.tree = nil
		c := repo.Commit{DID: did, Data: loaded.Commit.Data, Rev: rev}
		block, id, err := c.Sign(a.key)
		if err != nil {
			return nil, nil, fatal(err)
		}
		if err := tx.PutBlock(id, block, rev); err != nil {
			return nil, nil, fatal(err)
		}
		head := kv.Head{Commit: id, Rev: rev, Data: c.Data}
		if err := tx.SetHead(head); err != nil {
			return nil, nil, fatal(err)
		}
		a.head, a.hasHead = head, true
		a.tree = mst.Load(&a.getter, c.Data)
		out := &WriteResult{Commit: id, Rev: rev}
		if !a.state.Status.Active() {
			return nil, out, nil
		}
		return []*Event{syncEvent(did, id, block, rev)}, out, nil
	})
	if err != nil {
		return nil, err
	}
	return v.(*WriteResult), nil
}

// replaceRepo swaps the stored repository for loaded's blocks and records;
// takedowns of records that are gone end.
func replaceRepo(tx *kv.AccountTx, loaded *repo.Loaded, refs map[string][]cid.Cid, rev atp.TID) error {
	if err := tx.DeleteAllBlocks(); err != nil {
		return err
	}
	if err := tx.DeleteAllRecords(); err != nil {
		return err
	}
	if err := tx.DeleteAllBlobRefs(); err != nil {
		return err
	}
	err := mst.WalkNodes(loaded, loaded.Commit.Data, func(c cid.Cid, data []byte, _ []cid.Cid) error {
		return tx.PutBlock(c, append([]byte(nil), data...), rev)
	})
	if err != nil {
		return err
	}
	for _, rec := range loaded.Records {
		data, _ := loaded.Blocks.Get(rec.CID)
		if err := tx.PutBlock(rec.CID, data, rev); err != nil {
			return err
		}
		if err := tx.PutRecord(rec.Path, rec.CID); err != nil {
			return err
		}
		for _, b := range refs[rec.Path] {
			if _, err := tx.Blob(b); errors.Is(err, kv.ErrNotFound) {
				if err := tx.PutBlob(kv.BlobMeta{CID: b, Missing: true, Rev: rev}); err != nil {
					return err
				}
			} else if err != nil {
				return err
			}
			if err := tx.AddBlobRef(b, rec.Path); err != nil {
				return err
			}
		}
	}
	return tx.PruneRecordTakedowns()
}
