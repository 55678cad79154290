package httpapi

import (
	"context"
	"errors"
	"net/http"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// repoLocalDID resolves the "repo" parameter of a com.atproto.repo call
// (a DID or a handle) to the DID of an account hosted here, as the
// reference's account lookup does: a handle through the local handle
// index only. ok is false when no local account has that name.
func (s *Server) repoLocalDID(raw string) (did atp.DID, ok bool, err error) {
	id, err := atp.ParseAtIdentifier(raw)
	if err != nil {
		return atp.DID{}, false, invalidRequest("invalid repo: %s", raw)
	}
	if id.IsDID() {
		return id.DID(), true, nil
	}
	if s.d.Index == nil {
		return atp.DID{}, false, nil
	}
	did, err = s.d.Index.HandleDID(id.Handle())
	if errors.Is(err, kv.ErrNotFound) {
		return atp.DID{}, false, nil
	}
	if err != nil {
		return atp.DID{}, false, err
	}
	return did, true, nil
}

// repoState reads the state of a local account; ok is false when this
// node holds no such account (or only a deleted one).
func (s *Server) repoState(ctx context.Context, did atp.DID) (st kv.AccountState, ok bool, err error) {
	st, err = s.srvState(ctx, did)
	if errors.Is(err, errSrvNoAccount) {
		return st, false, nil
	}
	return st, err == nil, err
}

// repoReadable reports whether an account's repository is served to
// anyone: the reference's default account lookup leaves out taken-down
// and deactivated accounts.
func repoReadable(st kv.AccountState) bool {
	return !account.SoftDeleted(st) && st.Status.Active()
}

// repoWriter checks that the caller may write the repository named by
// raw, in the reference's order: the account must exist here (403
// AccountNotFound), be neither taken down nor deactivated (401), and be
// the caller's own (401 AuthenticationRequired). It returns its DID.
func (s *Server) repoWriter(c *call, raw string) (atp.DID, error) {
	did, ok, err := s.repoLocalDID(raw)
	if err != nil {
		return atp.DID{}, err
	}
	var st kv.AccountState
	if ok {
		if st, ok, err = s.repoState(c.ctx, did); err != nil {
			return atp.DID{}, err
		}
	}
	if !ok {
		return atp.DID{}, account.ErrAccountNotFound
	}
	if err := repoStatusError(st, true); err != nil {
		return atp.DID{}, err
	}
	if c.auth.kind != accessToken || c.auth.did != did {
		return atp.DID{}, errAuthRequired("Authentication Required")
	}
	return did, nil
}

// repoStatusError is the reference's answer to a write to an account
// that is not in good standing; deactivated ones are refused only when
// deactivated is set.
func repoStatusError(st kv.AccountState, deactivated bool) error {
	if err := account.CheckStatus(st, account.StatusCheck{Takedown: true, Deactivated: deactivated}); err != nil {
		return err
	}
	if deactivated && !st.Status.Active() {
		// Other inactive states (desynchronized, throttled) refuse
		// writes too; the reference knows only deactivation.
		return account.ErrAccountDeactivated
	}
	return nil
}

// repoInactiveError turns the actor's refusal to write an inactive
// account into the reference's error for the account's current state.
func (s *Server) repoInactiveError(ctx context.Context, did atp.DID) error {
	st, ok, err := s.repoState(ctx, did)
	if err != nil {
		return err
	}
	if !ok {
		return account.ErrAccountNotFound
	}
	if err := repoStatusError(st, true); err != nil {
		return err
	}
	return xerr(http.StatusUnauthorized, "AccountDeactivated", "Account is deactivated")
}

// isAccountMissing reports an error saying this node holds no file for
// the account.
func isAccountMissing(err error) bool {
	return errors.Is(err, actor.ErrAccountNotFound)
}
