package httpapi

import (
	"strings"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/repo"
)

// applyWritesNSID prefixes the $type of applyWrites operations and
// results.
const applyWritesNSID = "com.atproto.repo.applyWrites"

// applyWriteResult is one item of applyWrites' results: #createResult,
// #updateResult (uri, cid, validationStatus) or #deleteResult (only its
// $type).
type applyWriteResult struct {
	Type             string `json:"$type"`
	URI              string `json:"uri,omitempty"`
	CID              string `json:"cid,omitempty"`
	ValidationStatus string `json:"validationStatus,omitempty"`
}

// repoApplyWrites serves com.atproto.repo.applyWrites: up to 200 creates,
// updates and deletes made as one commit.
func (s *Server) repoApplyWrites(c *call) error {
	in := repoInput(c.input)
	did, err := s.repoWriter(c, in.str("repo"))
	if err != nil {
		return err
	}
	ops, _ := in["writes"].([]any)
	if len(ops) > repo.MaxOps {
		return invalidRequest("Too many writes. Max: 200")
	}
	validate := in.flag("validate")
	req := actor.WriteRequest{Writes: make([]actor.Write, len(ops))}
	prepared := make([]*preparedRecord, len(ops))
	for i, raw := range ops {
		op := repoInput(applyOpMap(raw))
		coll, err := op.nsid("collection")
		if err != nil {
			return err
		}
		rkey, err := op.rkey("rkey")
		if err != nil {
			return err
		}
		w := actor.Write{Collection: coll, RKey: rkey}
		switch kind := strings.TrimPrefix(op.str("$type"), applyWritesNSID); kind {
		case "#create", "#update":
			w.Action = actor.Create
			if kind == "#update" {
				w.Action = actor.Update
				if rkey.IsZero() {
					return invalidRequest("Input/writes/%d must have the property \"rkey\"", i)
				}
			}
			p, err := s.prepareRecord(coll, rkey, op["value"], validate)
			if err != nil {
				return err
			}
			w.Record, w.Blobs = p.cbor, p.blobs
			prepared[i] = p
		case "#delete":
			if rkey.IsZero() {
				return invalidRequest("Input/writes/%d must have the property \"rkey\"", i)
			}
			w.Action = actor.Delete
		default:
			return invalidRequest("Action not supported: %s", op.str("$type"))
		}
		req.Writes[i] = w
	}
	if req.SwapCommit, err = in.cid("swapCommit"); err != nil {
		return err
	}
	var oldBlobs []cid.Cid
	err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		for _, w := range req.Writes {
			if w.Action == actor.Create {
				continue
			}
			bs, err := tx.RecordBlobs(w.Collection.String() + "/" + w.RKey.String())
			if err != nil {
				return err
			}
			oldBlobs = append(oldBlobs, bs...)
		}
		return s.checkStoredBlobs(tx, prepared)
	})
	if err != nil {
		return err
	}
	if err := s.consumeWritePoints(c, writePoints(req.Writes)); err != nil {
		return err
	}
	res, err := s.d.Registry.Write(c.ctx, did, req)
	if err != nil {
		return s.repoWriteError(c.ctx, did, &req, err)
	}
	s.dropOrphanBlobs(c.ctx, did, oldBlobs)
	results := make([]applyWriteResult, len(req.Writes))
	for i, w := range req.Writes {
		switch w.Action {
		case actor.Delete:
			results[i] = applyWriteResult{Type: applyWritesNSID + "#deleteResult"}
		default:
			kind := "#createResult"
			if w.Action == actor.Update {
				kind = "#updateResult"
			}
			p := prepared[i]
			results[i] = applyWriteResult{Type: applyWritesNSID + kind, URI: res.URIs[i].String(),
				CID: p.cid.String(), ValidationStatus: string(p.status)}
		}
	}
	return c.writeJSON(struct {
		Commit  *repoCommitMeta    `json:"commit"`
		Results []applyWriteResult `json:"results"`
	}{commitMetaOf(res), results})
}

// applyOpMap returns an operation of applyWrites as a map, or an empty one.
func applyOpMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}
