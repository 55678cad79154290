package httpapi

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// srvRequestEmailConfirmation mails a code that confirms the account's
// address.
func (s *Server) srvRequestEmailConfirmation(c *call) error {
	return s.srvMailToken(c, account.PurposeConfirmEmail)
}

// srvRequestEmailUpdate mails a code that allows changing a confirmed
// address; an unconfirmed one can be changed without.
func (s *Server) srvRequestEmailUpdate(c *call) error {
	st, err := s.srvStateOr(c.ctx, c.auth.did, invalidRequest("account not found"))
	if err != nil {
		return err
	}
	if st.Email == "" {
		return srvNoEmail()
	}
	required := !st.EmailConfirmedAt.IsZero()
	if required {
		if err := s.srvMailTokenTo(c, st, account.PurposeUpdateEmail); err != nil {
			return err
		}
	}
	return c.writeJSON(struct {
		TokenRequired bool `json:"tokenRequired"`
	}{required})
}

// srvRequestAccountDelete mails the code deleteAccount needs.
func (s *Server) srvRequestAccountDelete(c *call) error {
	return s.srvMailToken(c, account.PurposeDeleteAccount)
}

// srvMailToken mails the caller a new code for purpose.
func (s *Server) srvMailToken(c *call, purpose account.TokenPurpose) error {
	st, err := s.srvStateOr(c.ctx, c.auth.did, invalidRequest("account not found"))
	if err != nil {
		return err
	}
	if st.Email == "" {
		return srvNoEmail()
	}
	if err := s.srvMailTokenTo(c, st, purpose); err != nil {
		return err
	}
	return c.writeEmpty()
}

func (s *Server) srvMailTokenTo(c *call, st kv.AccountState, purpose account.TokenPurpose) error {
	token, err := s.d.EmailTokens.Create(purpose, st.DID)
	if err != nil {
		return err
	}
	return s.srvSendToken(c.ctx, purpose, st.Email, token, "")
}

// srvConfirmEmail confirms the account's address with the mailed code.
func (s *Server) srvConfirmEmail(c *call) error {
	var in struct {
		Email string `json:"email"`
		Token string `json:"token"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	did := c.auth.did
	st, err := s.srvStateOr(c.ctx, did, xerr(400, "AccountNotFound", "user not found"))
	if err != nil {
		return err
	}
	if st.Email != strings.ToLower(in.Email) {
		return xerr(400, "InvalidEmail", "invalid email")
	}
	if err := s.d.EmailTokens.Check(account.PurposeConfirmEmail, did, in.Token); err != nil {
		return err
	}
	now := s.d.Now().UTC()
	err = s.d.Registry.UpdateState(c.ctx, did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		st.EmailConfirmedAt = now
		return nil, nil
	})
	if err != nil {
		return err
	}
	if err := s.d.EmailTokens.Delete(account.PurposeConfirmEmail, did); err != nil {
		return err
	}
	return c.writeEmpty()
}

// srvUpdateEmail changes the account's address; a confirmed address needs
// the code mailed by requestEmailUpdate. The new address is unconfirmed.
func (s *Server) srvUpdateEmail(c *call) error {
	var in struct {
		Email string `json:"email"`
		Token string `json:"token"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	email, err := account.NormalizeEmail(in.Email)
	if err != nil {
		return err
	}
	did := c.auth.did
	st, err := s.srvStateOr(c.ctx, did, invalidRequest("account not found"))
	if err != nil {
		return err
	}
	if in.Token == "" && !st.EmailConfirmedAt.IsZero() {
		return xerr(400, "TokenRequired", "confirmation token required")
	}
	if in.Token != "" {
		if err := s.d.EmailTokens.Check(account.PurposeUpdateEmail, did, in.Token); err != nil {
			return err
		}
	}
	if err := s.d.Index.MoveEmail(did, st.Email, email); err != nil {
		if errors.Is(err, account.ErrEmailTaken) {
			return invalidRequest("This email address is already in use, please use a different email.")
		}
		return err
	}
	err = s.d.Registry.UpdateState(c.ctx, did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		st.Email, st.EmailConfirmedAt = email, time.Time{}
		return nil, nil
	})
	if err != nil {
		if st.Email != "" && st.Email != email {
			if merr := s.d.Index.MoveEmail(did, email, st.Email); merr != nil {
				s.log.Error("cannot restore email index", "did", did.String(), "err", merr)
			}
		}
		return err
	}
	if err := s.d.EmailTokens.DeleteAll(did); err != nil {
		return err
	}
	return c.writeEmpty()
}

// srvRequestPasswordReset mails a reset code to the account with the
// given address.
func (s *Server) srvRequestPasswordReset(c *call) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	did, err := s.d.Index.EmailDID(strings.ToLower(in.Email))
	if errors.Is(err, kv.ErrNotFound) {
		return srvNoEmail()
	}
	if err != nil {
		return err
	}
	st, err := s.srvStateOr(c.ctx, did, srvNoEmail())
	if err != nil {
		return err
	}
	if st.Email == "" {
		return srvNoEmail()
	}
	token, err := s.d.EmailTokens.Create(account.PurposeResetPassword, did)
	if err != nil {
		return err
	}
	handle := ""
	if !st.Handle.IsZero() {
		handle = st.Handle.String()
	}
	if err := s.srvSendToken(c.ctx, account.PurposeResetPassword, st.Email, token, handle); err != nil {
		return err
	}
	return c.writeEmpty()
}

// srvResetPassword sets a new password with a mailed reset code and ends
// every session of the account.
func (s *Server) srvResetPassword(c *call) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	if account.CheckNewPassword(in.Password) != nil {
		return invalidRequest("Invalid password length.")
	}
	if _, err := s.d.EmailTokens.FindDID(account.PurposeResetPassword, in.Token); err != nil {
		return err
	}
	var hash string
	err := s.kdf.run(c.ctx, func() (err error) {
		hash, err = account.HashPassword(in.Password)
		return err
	})
	if err != nil {
		return err
	}
	did, err := s.d.EmailTokens.ConsumeByToken(account.PurposeResetPassword, in.Token)
	if err != nil {
		return err
	}
	err = s.d.Registry.UpdateState(c.ctx, did, func(st *kv.AccountState, _ *kv.AccountTx) ([]actor.StateEvent, error) {
		if st.Status == kv.StatusDeleted {
			return nil, account.ErrInvalidEmailToken
		}
		st.PasswordHash = hash
		return nil, nil
	})
	if err != nil {
		return err
	}
	if err := s.d.Sessions.RevokeAll(did); err != nil {
		return err
	}
	return c.writeEmpty()
}

// srvDeleteAccount deletes an account with its password and the mailed
// code: the handle and email are released, sessions and codes revoked,
// and #account {status: deleted} announced. The account file stays,
// marked deleted and without credentials, until it is purged.
func (s *Server) srvDeleteAccount(c *call) error {
	var in struct {
		DID      string `json:"did"`
		Password string `json:"password"`
		Token    string `json:"token"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	// Only the length counts here: no stored hash, no app passwords.
	if _, err := account.CheckLogin(kv.AccountState{}, nil, in.Password); errors.Is(err, account.ErrLoginPasswordTooLong) {
		return err
	}
	notFound := invalidRequest("account not found")
	did, err := atp.ParseDID(in.DID)
	if err != nil {
		return notFound
	}
	st, err := s.srvStateOr(c.ctx, did, notFound)
	if err != nil {
		return err
	}
	var ok bool
	err = s.kdf.run(c.ctx, func() (err error) {
		ok, err = account.VerifyPassword(in.Password, st.PasswordHash)
		return err
	})
	if st.PasswordHash == "" || err != nil || !ok {
		if err != nil && !errors.Is(err, account.ErrInvalidPasswordHash) {
			return err
		}
		return srvAuthRequired("Invalid did or password")
	}
	if err := s.d.EmailTokens.Check(account.PurposeDeleteAccount, did, in.Token); err != nil {
		return err
	}
	if err := s.deleteAccount(c.ctx, did, st); err != nil {
		return err
	}
	return c.writeEmpty()
}

// deleteAccount removes an account from service: its handle and email
// are released, sessions, codes and app passwords revoked, and
// #account {status: deleted} announced. The account file stays, marked
// deleted and without credentials, until it is purged.
func (s *Server) deleteAccount(ctx context.Context, did atp.DID, st kv.AccountState) error {
	err := s.d.ServerDB.Update(func(tx *kv.ServerTx) error {
		if err := s.d.Index.ReleaseTx(tx, did, st.Handle, st.Email); err != nil {
			return err
		}
		if err := s.d.Sessions.RevokeAllTx(tx, did); err != nil {
			return err
		}
		return tx.Delete(kv.TableAccounts, did.String())
	})
	if err != nil {
		return err
	}
	if err := s.d.EmailTokens.DeleteAll(did); err != nil {
		return err
	}
	return s.d.Registry.UpdateState(ctx, did, func(st *kv.AccountState, tx *kv.AccountTx) ([]actor.StateEvent, error) {
		apps, err := tx.AppPasswords()
		if err != nil {
			return nil, err
		}
		for _, p := range apps {
			if err := tx.DeleteAppPassword(p.Name); err != nil {
				return nil, err
			}
		}
		st.Status, st.PasswordHash = kv.StatusDeleted, ""
		return []actor.StateEvent{actor.EmitAccount}, nil
	})
}
