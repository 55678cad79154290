package httpapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/car"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/mst"
	"github.com/boltsky/boltsky/repo"
)

// carType is the media type of CAR responses.
const carType = "application/vnd.ipld.car"

// syncDID reads the "did" parameter.
func (c *call) syncDID() (atp.DID, error) {
	did, err := atp.ParseDID(c.params.String("did"))
	if err != nil {
		return atp.DID{}, invalidRequest("invalid did: %s", c.params.String("did"))
	}
	return did, nil
}

// availableRepo checks that did's repository may be served to the caller,
// as the reference does: its own session and the admin see it in every
// state, others only while it is active. It returns the account state.
func (s *Server) availableRepo(c *call, did atp.DID) (kv.AccountState, error) {
	st, err := s.srvStateOr(c.ctx, did, xerr(http.StatusBadRequest, "RepoNotFound", "Could not find repo for DID: %s", did))
	if err != nil {
		return st, err
	}
	if c.auth.is(did) {
		return st, nil
	}
	switch st.Status {
	case kv.StatusTakendown:
		return st, xerr(http.StatusBadRequest, "RepoTakendown", "Repo has been takendown: %s", did)
	case kv.StatusSuspended:
		return st, xerr(http.StatusBadRequest, "RepoSuspended", "Repo has been suspended: %s", did)
	case kv.StatusDeactivated:
		return st, xerr(http.StatusBadRequest, "RepoDeactivated", "Repo has been deactivated: %s", did)
	}
	return st, nil
}

// txSource reads repository blocks in place from an account
// transaction: the bytes are valid only while the transaction is open,
// and every reader (exports, proofs, checks) is done with them by then.
type txSource struct{ tx *kv.AccountTx }

func (t txSource) GetBlock(c cid.Cid) ([]byte, error) {
	b, err := t.tx.BlockInPlace(c)
	if errors.Is(err, kv.ErrNotFound) {
		return nil, fmt.Errorf("%w: %s", mst.ErrBlockNotFound, c)
	}
	return b, err
}

// streamCAR answers with a CAR written by fn inside a read transaction
// of did's account file, streamed as it is produced.
func (s *Server) streamCAR(c *call, did atp.DID, fn func(w *bufio.Writer, tx *kv.AccountTx) error) {
	c.rc.SetStatusCode(http.StatusOK)
	c.rc.SetContentType(carType)
	reg, log, timeout := s.d.Registry, s.log, s.cfg.RequestTimeout
	c.rc.SetBodyStream(&writerBody{write: func(w *bufio.Writer) error {
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		defer cancel()
		err := reg.View(ctx, did, func(tx *kv.AccountTx) error { return fn(w, tx) })
		if err != nil {
			// The status line is gone; cutting the stream short is all
			// that is left, and clients detect a truncated CAR.
			log.Warn("repository stream failed", "did", did.String(), "err", err)
		}
		return err
	}}, -1)
}

// getRepo streams a repository as a CAR; with since, only the blocks
// added after that revision (and the current commit).
func (s *Server) getRepo(c *call) error {
	did, err := c.syncDID()
	if err != nil {
		return err
	}
	if _, err := s.availableRepo(c, did); err != nil {
		return err
	}
	var since atp.TID
	if raw := c.params.String("since"); raw != "" {
		if since, err = atp.ParseTID(raw); err != nil {
			return invalidRequest("invalid since: %s", raw)
		}
	}
	s.streamCAR(c, did, func(w *bufio.Writer, tx *kv.AccountTx) error {
		head, err := tx.Head()
		if err != nil {
			return err
		}
		if since.IsZero() {
			return repo.WriteCAR(w, txSource{tx}, head.Commit)
		}
		return writeSinceCAR(w, tx, head, since)
	})
	return nil
}

// writeSinceCAR writes the current commit and every block added by a
// revision after since.
func writeSinceCAR(w *bufio.Writer, tx *kv.AccountTx, head kv.Head, since atp.TID) error {
	cw, err := car.NewWriter(w, head.Commit)
	if err != nil {
		return err
	}
	commit, err := tx.Block(head.Commit)
	if err != nil {
		return err
	}
	if err := cw.WriteBlock(head.Commit, commit); err != nil {
		return err
	}
	err = tx.ForEachBlockSince(since, func(c cid.Cid, data []byte) error {
		if c.Equals(head.Commit) {
			return nil
		}
		return cw.WriteBlock(c, data)
	})
	if err != nil {
		return err
	}
	return cw.Flush()
}

// getCheckout is the deprecated whole-repository export.
func (s *Server) getCheckout(c *call) error {
	did, err := c.syncDID()
	if err != nil {
		return err
	}
	if _, err := s.availableRepo(c, did); err != nil {
		return err
	}
	s.streamCAR(c, did, func(w *bufio.Writer, tx *kv.AccountTx) error {
		head, err := tx.Head()
		if err != nil {
			return err
		}
		return repo.WriteCAR(w, txSource{tx}, head.Commit)
	})
	return nil
}

// head returns did's repository head after the availability check.
func (s *Server) head(c *call, did atp.DID) (kv.Head, error) {
	if _, err := s.availableRepo(c, did); err != nil {
		return kv.Head{}, err
	}
	head, err := s.d.Registry.Head(c.ctx, did)
	if errors.Is(err, kv.ErrNotFound) {
		return head, xerr(http.StatusBadRequest, "RepoNotFound", "Could not find root for DID: %s", did)
	}
	return head, err
}

func (s *Server) getLatestCommit(c *call) error {
	did, err := c.syncDID()
	if err != nil {
		return err
	}
	head, err := s.head(c, did)
	if err != nil {
		return err
	}
	return c.writeJSON(map[string]string{"cid": head.Commit.String(), "rev": head.Rev.String()})
}

func (s *Server) getHead(c *call) error {
	did, err := c.syncDID()
	if err != nil {
		return err
	}
	head, err := s.head(c, did)
	if err != nil {
		if xe := (*Error)(nil); errors.As(err, &xe) && xe.Name == "RepoNotFound" {
			return xerr(http.StatusBadRequest, "HeadNotFound", "Could not find root for DID: %s", did)
		}
		return err
	}
	return c.writeJSON(map[string]string{"root": head.Commit.String()})
}

// getSyncRecord answers with a CAR proving a record's presence (with the
// record) or absence: the commit, the MST path to the key and the record.
func (s *Server) getSyncRecord(c *call) error {
	did, err := c.syncDID()
	if err != nil {
		return err
	}
	if _, err := s.availableRepo(c, did); err != nil {
		return err
	}
	coll, err := atp.ParseNSID(c.params.String("collection"))
	if err != nil {
		return invalidRequest("invalid collection: %s", c.params.String("collection"))
	}
	rkey, err := atp.ParseRecordKey(c.params.String("rkey"))
	if err != nil {
		return invalidRequest("invalid rkey: %s", c.params.String("rkey"))
	}
	path := coll.String() + "/" + rkey.String()
	var out []byte
	err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		head, err := tx.Head()
		if err != nil {
			return err
		}
		commit, err := tx.Block(head.Commit)
		if err != nil {
			return err
		}
		src := txSource{tx}
		tree := mst.Load(src, head.Data)
		proof, err := tree.Proof(path)
		if err != nil {
			return err
		}
		out = car.AppendHeader(out, head.Commit)
		out = car.AppendBlock(out, head.Commit, commit)
		for _, b := range proof {
			out = car.AppendBlock(out, b.CID, b.Data)
		}
		val, ok, err := tree.Get(path)
		if err != nil || !ok {
			return err
		}
		rec, err := tx.Block(val)
		if err != nil {
			return err
		}
		out = car.AppendBlock(out, val, rec)
		return nil
	})
	if err != nil {
		return err
	}
	c.rc.SetStatusCode(http.StatusOK)
	c.rc.SetContentType(carType)
	c.rc.SetBody(out)
	return nil
}

// getBlocks answers with a CAR of the requested blocks.
func (s *Server) getBlocks(c *call) error {
	did, err := c.syncDID()
	if err != nil {
		return err
	}
	if _, err := s.availableRepo(c, did); err != nil {
		return err
	}
	raw := c.params.Strings("cids")
	cids := make([]cid.Cid, 0, len(raw))
	for _, r := range raw {
		id, err := dagcbor.ParseCIDString(r)
		if err != nil {
			return invalidRequest("invalid cid: %s", r)
		}
		cids = append(cids, id)
	}
	var out []byte
	var missing []string
	err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		head, err := tx.Head()
		if err != nil {
			return err
		}
		out = car.AppendHeader(out, head.Commit)
		for _, id := range cids {
			b, err := tx.Block(id)
			if errors.Is(err, kv.ErrNotFound) {
				missing = append(missing, id.String())
				continue
			}
			if err != nil {
				return err
			}
			out = car.AppendBlock(out, id, b)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if len(missing) > 0 {
		return invalidRequest("Could not find cids: %v", missing)
	}
	c.rc.SetStatusCode(http.StatusOK)
	c.rc.SetContentType(carType)
	c.rc.SetBody(out)
	return nil
}
