package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/repo"
)

// repoCommitMeta is com.atproto.repo.defs#commitMeta.
type repoCommitMeta struct {
	CID string `json:"cid"`
	Rev string `json:"rev"`
}

// recordWriteOutput is the output of createRecord and putRecord.
type recordWriteOutput struct {
	URI              string          `json:"uri"`
	CID              string          `json:"cid"`
	Commit           *repoCommitMeta `json:"commit,omitempty"`
	ValidationStatus string          `json:"validationStatus,omitempty"`
}

func commitMetaOf(res *actor.WriteResult) *repoCommitMeta {
	return &repoCommitMeta{CID: res.Commit.String(), Rev: res.Rev.String()}
}

// repoCreateRecord serves com.atproto.repo.createRecord.
func (s *Server) repoCreateRecord(c *call) error {
	in := repoInput(c.input)
	did, err := s.repoWriter(c, in.str("repo"))
	if err != nil {
		return err
	}
	coll, err := in.nsid("collection")
	if err != nil {
		return err
	}
	rkey, err := in.rkey("rkey")
	if err != nil {
		return err
	}
	swapCommit, err := in.cid("swapCommit")
	if err != nil {
		return err
	}
	p, err := s.prepareRecord(coll, rkey, in["record"], in.flag("validate"))
	if err != nil {
		return err
	}
	if len(p.blobs) > 0 {
		err := s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
			return s.checkStoredBlobs(tx, []*preparedRecord{p})
		})
		if err != nil {
			return err
		}
	}
	req := actor.WriteRequest{SwapCommit: swapCommit, Writes: []actor.Write{{
		Action: actor.Create, Collection: coll, RKey: rkey, Record: p.cbor, Blobs: p.blobs,
	}}}
	if err := s.consumeWritePoints(c, createPoints); err != nil {
		return err
	}
	res, err := s.d.Registry.Write(c.ctx, did, req)
	if err != nil {
		return s.repoWriteError(c.ctx, did, &req, err)
	}
	return c.writeJSON(recordWriteOutput{URI: res.URIs[0].String(), CID: p.cid.String(),
		Commit: commitMetaOf(res), ValidationStatus: string(p.status)})
}

// recordTarget is what putRecord and deleteRecord name: the repository,
// the record's collection and key, and the commit to swap from.
type recordTarget struct {
	did        atp.DID
	coll       atp.NSID
	rkey       atp.RecordKey
	swapCommit cid.Cid
}

// recordTarget reads the target of a putRecord or deleteRecord call, in
// the order the reference checks its fields.
func (s *Server) recordTarget(c *call, in repoInput) (recordTarget, error) {
	var t recordTarget
	var err error
	if t.did, err = s.repoWriter(c, in.str("repo")); err != nil {
		return t, err
	}
	if t.coll, err = in.nsid("collection"); err != nil {
		return t, err
	}
	if t.rkey, err = in.rkey("rkey"); err != nil {
		return t, err
	}
	if t.rkey.IsZero() {
		return t, invalidRequest("Input must have the property \"rkey\"")
	}
	if t.swapCommit, err = in.cid("swapCommit"); err != nil {
		return t, err
	}
	return t, nil
}

// repoPutRecord serves com.atproto.repo.putRecord: create or replace a
// record; writing the record it already holds changes nothing and
// answers without a commit, as the reference does.
func (s *Server) repoPutRecord(c *call) error {
	in := repoInput(c.input)
	t, err := s.recordTarget(c, in)
	if err != nil {
		return err
	}
	did, coll, rkey, swapCommit := t.did, t.coll, t.rkey, t.swapCommit
	swapRecord, err := in.swap("swapRecord")
	if err != nil {
		return err
	}
	path := coll.String() + "/" + rkey.String()
	var p *preparedRecord
	var cur cid.Cid
	var oldBlobs []cid.Cid
	err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		var err error
		cur, err = tx.RecordCID(path)
		switch {
		case errors.Is(err, kv.ErrNotFound):
			cur = cid.Undef
		case err != nil:
			return err
		default:
			if oldBlobs, err = tx.RecordBlobs(path); err != nil {
				return err
			}
			if coll.String() == profileNSID {
				if err := upgradeProfileBlobs(tx, in["record"]); err != nil {
					return err
				}
			}
		}
		if p, err = s.prepareRecord(coll, rkey, in["record"], in.flag("validate")); err != nil {
			return err
		}
		return s.checkStoredBlobs(tx, []*preparedRecord{p})
	})
	if err != nil {
		return err
	}
	uri := atp.NewATURI(did, coll, rkey).String()
	if cur.Defined() && cur.Equals(p.cid) {
		return c.writeJSON(recordWriteOutput{URI: uri, CID: p.cid.String(), ValidationStatus: string(p.status)})
	}
	req := actor.WriteRequest{SwapCommit: swapCommit, Writes: []actor.Write{{
		Action: actor.Put, Collection: coll, RKey: rkey, Record: p.cbor, Blobs: p.blobs, SwapRecord: swapRecord,
	}}}
	points := createPoints
	if cur.Defined() {
		points = updatePoints
	}
	if err := s.consumeWritePoints(c, points); err != nil {
		return err
	}
	res, err := s.d.Registry.Write(c.ctx, did, req)
	if err != nil {
		return s.repoWriteError(c.ctx, did, &req, err)
	}
	s.dropOrphanBlobs(c.ctx, did, oldBlobs)
	return c.writeJSON(recordWriteOutput{URI: uri, CID: p.cid.String(),
		Commit: commitMetaOf(res), ValidationStatus: string(p.status)})
}

// profileNSID is the collection of profiles, whose old records may hold
// legacy blob references.
const profileNSID = "app.bsky.actor.profile"

// upgradeProfileBlobs rewrites legacy blob references in a profile's
// avatar and banner as blob objects sized from the stored blob, as the
// reference does when a profile is updated, so that old profiles can
// still be edited.
func upgradeProfileBlobs(tx *kv.AccountTx, v any) error {
	rec, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	for _, key := range []string{"avatar", "banner"} {
		b, ok := dagcbor.AsBlob(rec[key])
		if !ok || !b.IsLegacy() {
			continue
		}
		meta, err := tx.Blob(b.Ref)
		if errors.Is(err, kv.ErrNotFound) {
			return invalidRequest("Blob not found")
		}
		if err != nil {
			return err
		}
		rec[key] = dagcbor.Blob{Ref: b.Ref, MimeType: b.MimeType, Size: meta.Size}.Value()
	}
	return nil
}

// repoDeleteRecord serves com.atproto.repo.deleteRecord. Deleting a
// record that does not exist changes nothing and answers without a
// commit, whatever the swaps say, as the reference does.
func (s *Server) repoDeleteRecord(c *call) error {
	in := repoInput(c.input)
	t, err := s.recordTarget(c, in)
	if err != nil {
		return err
	}
	did, coll, rkey, swapCommit := t.did, t.coll, t.rkey, t.swapCommit
	swapRecord, err := in.cid("swapRecord")
	if err != nil {
		return err
	}
	path := coll.String() + "/" + rkey.String()
	found := false
	var oldBlobs []cid.Cid
	err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		_, err := tx.RecordCID(path)
		if errors.Is(err, kv.ErrNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		oldBlobs, err = tx.RecordBlobs(path)
		return err
	})
	if err != nil {
		return err
	}
	if !found {
		return c.writeJSON(struct{}{})
	}
	w := actor.Write{Action: actor.Delete, Collection: coll, RKey: rkey}
	if swapRecord.Defined() {
		w.SwapRecord = &swapRecord
	}
	req := actor.WriteRequest{SwapCommit: swapCommit, Writes: []actor.Write{w}}
	if err := s.consumeWritePoints(c, deletePoints); err != nil {
		return err
	}
	res, err := s.d.Registry.Write(c.ctx, did, req)
	if errors.Is(err, actor.ErrRecordNotFound) {
		// Deleted meanwhile by another request.
		return c.writeJSON(struct{}{})
	}
	if err != nil {
		return s.repoWriteError(c.ctx, did, &req, err)
	}
	s.dropOrphanBlobs(c.ctx, did, oldBlobs)
	return c.writeJSON(struct {
		Commit *repoCommitMeta `json:"commit"`
	}{commitMetaOf(res)})
}

// repoWriteError maps the actor's refusal of req to the reference's
// error for it.
func (s *Server) repoWriteError(ctx context.Context, did atp.DID, req *actor.WriteRequest, err error) error {
	var xe *Error
	if errors.As(err, &xe) {
		return xe
	}
	switch {
	case errors.Is(err, actor.ErrInvalidSwap):
		return s.swapError(ctx, did, req, err)
	case errors.Is(err, actor.ErrRecordExists):
		return invalidRequest("Record already exists: at://%s/%s", did, actorDetail(err, actor.ErrRecordExists))
	case errors.Is(err, actor.ErrRecordNotFound):
		return invalidRequest("Could not find record: at://%s/%s", did, actorDetail(err, actor.ErrRecordNotFound))
	case errors.Is(err, actor.ErrBlobNotFound):
		return xerr(http.StatusBadRequest, "BlobNotFound", "Could not find blob: %s", actorDetail(err, actor.ErrBlobNotFound))
	case errors.Is(err, actor.ErrInactive):
		return s.repoInactiveError(ctx, did)
	case errors.Is(err, actor.ErrAccountNotFound):
		return account.ErrAccountNotFound
	case errors.Is(err, repo.ErrInvalidWrite), errors.Is(err, actor.ErrInvalidWrite):
		return invalidRequest("%s", trimPrefix(err))
	}
	return err
}

// actorDetail returns what the actor's error err says after its
// sentinel's text: the record path or blob CID it names.
func actorDetail(err, sentinel error) string {
	msg, prefix := err.Error(), sentinel.Error()+": "
	if i := strings.Index(msg, prefix); i >= 0 {
		return msg[i+len(prefix):]
	}
	return msg
}

// swapError words a failed swap as the reference does, naming the
// commit or record the repository is actually at.
func (s *Server) swapError(ctx context.Context, did atp.DID, req *actor.WriteRequest, cause error) error {
	if req == nil {
		return xerr(http.StatusBadRequest, "InvalidSwap", "%s", trimPrefix(cause))
	}
	msg := ""
	err := s.d.Registry.View(ctx, did, func(tx *kv.AccountTx) error {
		head, err := tx.Head()
		if err != nil {
			return err
		}
		if req.SwapCommit.Defined() && !req.SwapCommit.Equals(head.Commit) {
			msg = "Commit was at " + head.Commit.String()
			return nil
		}
		for _, w := range req.Writes {
			if w.SwapRecord == nil || w.RKey.IsZero() {
				continue
			}
			cur, err := tx.RecordCID(w.Collection.String() + "/" + w.RKey.String())
			if errors.Is(err, kv.ErrNotFound) {
				cur = cid.Undef
			} else if err != nil {
				return err
			}
			if !w.SwapRecord.Equals(cur) {
				msg = "Record was at null"
				if cur.Defined() {
					msg = "Record was at " + cur.String()
				}
				return nil
			}
		}
		return nil
	})
	if err != nil || msg == "" {
		msg = trimPrefix(cause)
	}
	return xerr(http.StatusBadRequest, "InvalidSwap", "%s", msg)
}

// dropOrphanBlobs deletes the bytes of blobs that records referenced
// before a write and that no record references any more (the actor
// already dropped their metadata), as the reference does after a commit.
// It runs in the account actor's order, so an upload of the same bytes
// racing with it either keeps them (its metadata came first) or sees
// them gone.
func (s *Server) dropOrphanBlobs(ctx context.Context, did atp.DID, blobs []cid.Cid) {
	if len(blobs) == 0 || s.d.Blobs == nil {
		return
	}
	err := s.d.Registry.UpdateState(ctx, did, func(_ *kv.AccountState, tx *kv.AccountTx) ([]actor.StateEvent, error) {
		for _, b := range blobs {
			if _, err := tx.Blob(b); !errors.Is(err, kv.ErrNotFound) {
				continue
			}
			if err := s.d.Blobs.Delete(ctx, did, b); err != nil {
				return nil, err
			}
		}
		return nil, nil
	})
	if err != nil {
		s.log.Warn("cannot delete unreferenced blobs", "did", did.String(), "err", err)
	}
}
