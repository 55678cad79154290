package httpapi

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/repo"
)

// srvCheckIdentity reports whether did's identity puts the account under
// this server: for did:plc, the directory's current data names our
// rotation key, our endpoint and the account's key; for did:web, the
// document names our endpoint and the account's key. Refusals are
// *identity.ValidationError, worded as the reference words them.
func (s *Server) srvCheckIdentity(ctx context.Context, st kv.AccountState) error {
	key, err := s.srvSigningKey(st)
	if err != nil {
		return err
	}
	sc := identity.ServiceControl{
		RotationKey: s.d.RotationKey.Public().DIDKey(),
		PDSEndpoint: s.cfg.PublicURL,
		SigningKey:  key.Public(),
	}
	if st.DID.IsPLC() {
		data, err := s.d.PLC.Data(ctx, st.DID)
		if err != nil {
			return err
		}
		if err := sc.CheckData(data); err != nil {
			return err
		}
		// The cached document may predate the change that pointed the
		// DID here (an account moving in): sessions hand it to clients
		// to find their PDS.
		if s.d.Directory != nil {
			if _, err := s.d.Directory.RefreshDID(ctx, st.DID); err != nil {
				s.log.Warn("cannot refresh the DID document", "did", st.DID.String(), "err", err)
			}
		}
		return nil
	}
	doc, err := s.srvDIDDocument(ctx, st, key.Public(), true)
	if errors.Is(err, identity.ErrDIDNotFound) {
		return invalidRequest("Could not resolve DID")
	}
	if err != nil {
		return err
	}
	return sc.CheckDocument(doc)
}

// srvDIDDocument returns the DID document of a hosted account: built here
// for a did:web this server serves itself (the host is under a user
// domain), resolved otherwise, bypassing the cache when refresh is set.
func (s *Server) srvDIDDocument(ctx context.Context, st kv.AccountState, pub *crypto.PublicKey, refresh bool) (*identity.Document, error) {
	if s.srvServesDIDWeb(st.DID) {
		return identity.NewAccountDocument(st.DID, st.Handle, pub, s.cfg.PublicURL), nil
	}
	if refresh {
		return s.d.Directory.RefreshDID(ctx, st.DID)
	}
	return s.d.Directory.ResolveDID(ctx, st.DID)
}

// srvServesDIDWeb reports whether did is a did:web whose document this
// server serves: its host is a name under one of the user domains.
func (s *Server) srvServesDIDWeb(did atp.DID) bool {
	if !did.IsWeb() || strings.Contains(did.Identifier(), ":") {
		return false
	}
	h, err := atp.ParseHandle(did.Identifier())
	return err == nil && s.d.Handles.IsUserDomain(h)
}

// srvActivateAccount makes the caller's account active again
// (srvActivate).
func (s *Server) srvActivateAccount(c *call) error {
	if err := s.srvActivate(c.ctx, c.auth.did); err != nil {
		return err
	}
	return c.writeEmpty()
}

// srvActivate makes a deactivated account active again, once its
// identity points here, and announces it: #account, #identity, then
// #sync with the current commit, as the reference does. A taken-down
// account, or none, is 400 AccountNotFound.
func (s *Server) srvActivate(ctx context.Context, did atp.DID) error {
	notFound := xerr(400, "AccountNotFound", "user not found")
	st, err := s.srvStateOr(ctx, did, notFound)
	if err != nil {
		return err
	}
	if err := s.srvCheckIdentity(ctx, st); err != nil {
		return err
	}
	// A head signed with another key than the account's (a key change
	// since the last commit) is re-signed, so that the #sync names a
	// commit relays can verify.
	last := actor.EmitSync
	if resign, err := s.srvHeadNeedsResign(ctx, st); err != nil {
		return err
	} else if resign {
		last = actor.EmitResign
	}
	return s.d.Registry.UpdateState(ctx, did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		if st.Status == kv.StatusDeleted || account.SoftDeleted(*st) {
			return nil, notFound
		}
		if st.Status == kv.StatusDeactivated {
			st.Status = kv.StatusActive
		}
		st.DeactivatedAt, st.DeleteAfter = time.Time{}, time.Time{}
		return []actor.StateEvent{actor.EmitAccount, actor.EmitIdentity, last}, nil
	})
}

// srvHeadNeedsResign reports whether the account's head commit does not
// verify with its current signing key.
func (s *Server) srvHeadNeedsResign(ctx context.Context, st kv.AccountState) (bool, error) {
	key, err := s.srvSigningKey(st)
	if err != nil {
		return false, err
	}
	var block []byte
	err = s.d.Registry.View(ctx, st.DID, func(tx *kv.AccountTx) error {
		head, err := tx.Head()
		if err != nil {
			return err
		}
		block, err = tx.Block(head.Commit)
		return err
	})
	if errors.Is(err, kv.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	commit, err := repo.DecodeCommit(block)
	if err != nil {
		return true, nil
	}
	return commit.Verify(key.Public()) != nil, nil
}

// srvDeactivateAccount deactivates the caller's account
// (srvDeactivate).
func (s *Server) srvDeactivateAccount(c *call) error {
	var in struct {
		DeleteAfter string `json:"deleteAfter"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	var deleteAfter time.Time
	if in.DeleteAfter != "" {
		dt, err := atp.ParseDatetime(in.DeleteAfter)
		if err != nil {
			return invalidRequest("Input/deleteAfter must be an valid atproto datetime (both RFC-3339 and ISO-8601)")
		}
		deleteAfter = dt.Time()
	}
	if err := s.srvDeactivate(c.ctx, c.auth.did, deleteAfter); err != nil {
		return err
	}
	return c.writeEmpty()
}

// srvDeactivate stops hosting the account's data until it is activated
// again, and announces it with #account; a taken-down account stays
// taken down, and is deactivated once the takedown is reversed. No
// account is 400 "Account not found", as on the reference.
func (s *Server) srvDeactivate(ctx context.Context, did atp.DID, deleteAfter time.Time) error {
	now := s.d.Now()
	notFound := invalidRequest("Account not found")
	err := s.d.Registry.UpdateState(ctx, did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		if st.Status == kv.StatusDeleted {
			return nil, notFound
		}
		st.DeactivatedAt, st.DeleteAfter = now.UTC(), deleteAfter
		if st.Status.Active() {
			st.Status = kv.StatusDeactivated
		}
		return []actor.StateEvent{actor.EmitAccount}, nil
	})
	if errors.Is(err, actor.ErrAccountNotFound) {
		return notFound
	}
	return err
}

// srvCheckAccountStatus reports how far an account's migration to this
// server has come.
func (s *Server) srvCheckAccountStatus(c *call) error {
	did := c.auth.did
	st, err := s.srvStateOr(c.ctx, did, account.ErrAccountNotFound)
	if err != nil {
		return err
	}
	var (
		head                        kv.Head
		blocks, records             int
		importedBlobs, expectedBlob int
	)
	err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		var err error
		if head, err = tx.Head(); err != nil {
			return err
		}
		blocks, records = tx.BlockCount(), tx.RecordCount()
		if err := tx.ForEachBlob(cid.Undef, func(m kv.BlobMeta) bool {
			if !m.Missing {
				importedBlobs++
			}
			return true
		}); err != nil {
			return err
		}
		// References are ordered by blob, so distinct blobs are runs.
		var prev cid.Cid
		return tx.BlobRefs(cid.Undef, func(b cid.Cid, _ string) bool {
			if !b.Equals(prev) {
				expectedBlob++
				prev = b
			}
			return true
		})
	})
	if err != nil {
		return err
	}
	validDid := s.srvCheckIdentity(c.ctx, st) == nil
	return c.writeJSON(struct {
		Activated          bool   `json:"activated"`
		ValidDID           bool   `json:"validDid"`
		RepoCommit         string `json:"repoCommit"`
		RepoRev            string `json:"repoRev"`
		RepoBlocks         int    `json:"repoBlocks"`
		IndexedRecords     int    `json:"indexedRecords"`
		PrivateStateValues int    `json:"privateStateValues"`
		ExpectedBlobs      int    `json:"expectedBlobs"`
		ImportedBlobs      int    `json:"importedBlobs"`
	}{
		Activated:  st.Status != kv.StatusDeactivated && st.DeactivatedAt.IsZero(),
		ValidDID:   validDid,
		RepoCommit: head.Commit.String(), RepoRev: head.Rev.String(),
		RepoBlocks: blocks, IndexedRecords: records,
		ExpectedBlobs: expectedBlob, ImportedBlobs: importedBlobs,
	})
}
