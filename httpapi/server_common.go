package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
)

// errSrvNoAccount reports a DID this server does not host: no account
// file, or an account that was deleted (its file waits for the purge).
var errSrvNoAccount = errors.New("httpapi: account not hosted")

// srvState returns did's stored state, or errSrvNoAccount.
func (s *Server) srvState(ctx context.Context, did atp.DID) (kv.AccountState, error) {
	var st kv.AccountState
	err := s.d.Registry.View(ctx, did, func(tx *kv.AccountTx) error {
		var err error
		st, err = tx.AccountState()
		return err
	})
	if errors.Is(err, actor.ErrAccountNotFound) || errors.Is(err, kv.ErrNotFound) {
		return st, fmt.Errorf("%w: %s", errSrvNoAccount, did)
	}
	if err != nil {
		return st, err
	}
	if st.Status == kv.StatusDeleted {
		return st, fmt.Errorf("%w: %s was deleted", errSrvNoAccount, did)
	}
	return st, nil
}

// srvStateOr is srvState with errSrvNoAccount turned into notFound.
func (s *Server) srvStateOr(ctx context.Context, did atp.DID, notFound error) (kv.AccountState, error) {
	st, err := s.srvState(ctx, did)
	if errors.Is(err, errSrvNoAccount) {
		return st, notFound
	}
	return st, err
}

// srvAuthChecked accepts session access tokens whose scope is in scopes
// and then refuses accounts in the states check names, as the reference's
// checkTakedown and checkDeactivated options do while authenticating.
func srvAuthChecked(scopes account.Scopes, check account.StatusCheck) authPolicy {
	access := authAccess(scopes)
	return func(c *call) error {
		if err := access(c); err != nil {
			return err
		}
		st, err := c.s.srvStateOr(c.ctx, c.auth.did, account.ErrAccountNotFound)
		if err != nil {
			return err
		}
		return account.CheckStatus(st, check)
	}
}

// srvAuthRefreshAllowExpired accepts refresh tokens, expired ones too
// (deleteSession).
func srvAuthRefreshAllowExpired(c *call) error {
	tok, err := c.bearerToken()
	if err != nil {
		return err
	}
	claims, err := c.s.d.Sessions.ParseRefreshAllowExpired(tok)
	if err != nil {
		return err
	}
	c.auth = principal{kind: refreshToken, did: claims.DID, claims: claims}
	return nil
}

// srvTime formats t as the reference formats datetimes it stores.
func srvTime(t time.Time) string {
	return t.UTC().Format(atp.DatetimeLayout)
}

// srvStatus returns the active flag and status an account reports in its
// sessions, as the reference's formatAccountStatus: takedowns first, then
// deactivation.
func srvStatus(st kv.AccountState) (active bool, status string) {
	switch {
	case st.Status == kv.StatusDeleted:
		return false, string(kv.StatusDeleted)
	case account.SoftDeleted(st):
		if st.Status == kv.StatusSuspended {
			return false, string(kv.StatusSuspended)
		}
		return false, string(kv.StatusTakendown)
	case st.Status == kv.StatusDeactivated:
		return false, string(kv.StatusDeactivated)
	}
	return true, ""
}

// srvSigningKey opens the account's sealed signing key.
func (s *Server) srvSigningKey(st kv.AccountState) (*crypto.PrivateKey, error) {
	if len(st.SigningKey) == 0 {
		return nil, fmt.Errorf("httpapi: account %s has no signing key", st.DID)
	}
	return s.d.Sealer.Open(st.SigningKey)
}

// srvSendToken mails an emailed token.
func (s *Server) srvSendToken(ctx context.Context, purpose account.TokenPurpose, to, token, handle string) error {
	msg, err := account.TokenEmail{Purpose: purpose, To: to, Token: token, Handle: handle,
		ServiceName: s.cfg.Hostname}.Compose()
	if err != nil {
		return err
	}
	return s.d.Mailer.Send(ctx, msg)
}

// srvNoEmail is the reference's answer when an account has no address to
// mail a token to.
func srvNoEmail() *Error { return invalidRequest("account does not have an email address") }

// srvAuthRequired is a 401 AuthenticationRequired with a message.
func srvAuthRequired(format string, args ...any) *Error {
	e := xerr(http.StatusUnauthorized, "AuthenticationRequired", format, args...)
	e.Header = map[string]string{"WWW-Authenticate": `Bearer realm="atproto"`}
	return e
}
