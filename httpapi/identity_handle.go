package httpapi

import (
	"errors"
	"net/http"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

// updateHandle answers com.atproto.identity.updateHandle, in the
// reference's order: the caller's account must exist and not be taken
// down; the handle must pass this server's rules, and a handle outside its
// user domains must already resolve to the caller's DID; no other account
// may hold it. A did:plc then gets a PLC operation, signed with the
// server's rotation key, that puts the handle first in alsoKnownAs; a
// did:web's document must already claim the handle, unless this server
// serves that document itself. Last the index and
// the account state move to the new handle, #identity is emitted and the
// directory's cached answers are dropped.
func (s *Server) updateHandle(c *call) error {
	var in struct {
		Handle string `json:"handle"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	did := c.auth.did
	st, err := s.identityCaller(c)
	if err != nil {
		return err
	}
	if err := account.CheckStatus(st, account.StatusCheck{Takedown: true}); err != nil {
		return err
	}
	h, external, err := s.d.Handles.Check(in.Handle, account.HandleCheck{AllowExternal: true})
	if err != nil {
		return err
	}
	if external {
		got, err := s.d.Directory.Resolver.ResolveHandle(c.ctx, h)
		if err != nil && c.ctx.Err() != nil {
			return c.ctx.Err()
		}
		if err != nil || got != did {
			e := invalidRequest("External handle did not resolve to DID")
			e.cause = err
			return e
		}
	}
	if err := s.changeHandle(c, did, h); err != nil {
		return err
	}
	return c.writeEmpty()
}

// changeHandle makes h the handle of did: it must be free, the DID
// document is updated (a PLC operation for did:plc; a did:web this server
// does not serve must already claim it), the index and stored state move,
// and #identity is announced.
func (s *Server) changeHandle(c *call, did atp.DID, h atp.Handle) error {
	switch owner, err := s.d.Index.HandleDID(h); {
	case err == nil && owner != did:
		return xerr(http.StatusBadRequest, "HandleNotAvailable", "Handle already taken: %s", h)
	case err != nil && !errors.Is(err, kv.ErrNotFound):
		return err
	}

	if did.IsPLC() {
		if err := s.identityPLCHandle(c, did, h); err != nil {
			return err
		}
	} else if !s.srvServesDIDWeb(did) {
		// A did:web this server serves claims whatever handle the
		// account's state holds; others must claim the new one already.
		doc, err := s.d.Directory.RefreshDID(c.ctx, did)
		if err != nil {
			return err
		}
		if claimed, ok := doc.Handle(); !ok || claimed != h {
			return invalidRequest("DID is not properly configured for handle")
		}
	}

	var old atp.Handle
	err := s.d.Registry.UpdateState(c.ctx, did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		old = st.Handle
		if err := s.d.Index.MoveHandle(did, old, h); err != nil {
			return nil, err
		}
		st.Handle = h
		return []actor.StateEvent{actor.EmitIdentity}, nil
	})
	if err != nil {
		return err
	}
	s.d.Directory.Purge(did)
	s.d.Directory.PurgeHandle(h)
	if !old.IsZero() && old != h {
		s.d.Directory.PurgeHandle(old)
	}
	return nil
}

// identityPLCHandle submits the PLC operation that makes h the handle of
// did, signed with the server's rotation key.
func (s *Server) identityPLCHandle(c *call, did atp.DID, h atp.Handle) error {
	if s.d.RotationKey == nil {
		return errNoRotationKey
	}
	last, err := s.d.PLC.LastOp(c.ctx, did)
	if err != nil {
		return err
	}
	if last.IsTombstone() {
		return invalidRequest("Did is tombstoned")
	}
	op, err := identity.UpdateOp(last, identity.OpChanges{Handle: h})
	if err != nil {
		return err
	}
	if op, err = identity.Sign(op, s.d.RotationKey); err != nil {
		return err
	}
	return s.d.PLC.Submit(c.ctx, did, op)
}
