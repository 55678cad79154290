package httpapi

import (
	"context"
	"errors"
	"strings"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

// srvEqualizerHash is an Argon2id hash with the default parameters of a
// password no one is told. A login for an unknown identifier is checked
// against it, so that it costs the same key derivation as a wrong password
// for a real account and the answer time does not reveal which
// identifiers exist.
const srvEqualizerHash = "$argon2id$v=19$m=19456,t=2,p=1$QkrdKvHhZfcp8jLqTeJYMw$QmZlFK2H7DjfNPcpmtooXRPcp33sIYhU3iV15Wciu1M"

// srvSessionOut is the body of createSession, refreshSession and
// getSession (which has no tokens), keys in the reference's order.
type srvSessionOut struct {
	AccessJWT      string `json:"accessJwt,omitempty"`
	RefreshJWT     string `json:"refreshJwt,omitempty"`
	DID            string `json:"did"`
	Handle         string `json:"handle"`
	Email          string `json:"email,omitempty"`
	EmailConfirmed bool   `json:"emailConfirmed"`
	Active         bool   `json:"active"`
	Status         string `json:"status,omitempty"`
	// DIDDoc is sent when Config.DIDDocWithSession is set.
	DIDDoc *identity.Document `json:"didDoc,omitempty"`
}

// withDIDDoc adds the account's DID document to a session answer when
// configured to, as the reference's PDS_ENABLE_DID_DOC_WITH_SESSION does,
// so clients learn which PDS to talk to. A document that cannot be had is
// left out rather than failing the sign-in.
func (s *Server) withDIDDoc(ctx context.Context, out srvSessionOut, st kv.AccountState) srvSessionOut {
	if !s.cfg.DIDDocWithSession {
		return out
	}
	key, err := s.srvSigningKey(st)
	if err != nil {
		return out
	}
	doc, err := s.srvDIDDocument(ctx, st, key.Public(), false)
	if err != nil {
		s.log.Warn("cannot include the DID document in a session", "did", st.DID.String(), "err", err)
		return out
	}
	out.DIDDoc = doc
	return out
}

func srvSession(st kv.AccountState, tokens account.SessionTokens) srvSessionOut {
	h := st.Handle
	if h.IsZero() {
		h = atp.HandleInvalid
	}
	active, status := srvStatus(st)
	return srvSessionOut{
		AccessJWT: tokens.AccessJWT, RefreshJWT: tokens.RefreshJWT,
		DID: st.DID.String(), Handle: h.String(), Email: st.Email,
		EmailConfirmed: !st.EmailConfirmedAt.IsZero(), Active: active, Status: status,
	}
}

// srvCreateSession signs in with a handle, email or DID and the account
// password or an app password.
func (s *Server) srvCreateSession(c *call) error {
	var in struct {
		Identifier     string `json:"identifier"`
		Password       string `json:"password"`
		AllowTakendown bool   `json:"allowTakendown"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	st, opts, err := s.srvLogin(c.ctx, in.Identifier, in.Password)
	if err != nil {
		return err
	}
	if opts.Takendown && !in.AllowTakendown {
		return account.ErrAccountTakedown
	}
	tokens, err := s.d.Sessions.Create(st.DID, opts)
	if err != nil {
		return err
	}
	return c.writeJSON(s.withDIDDoc(c.ctx, srvSession(st, tokens), st))
}

// srvLogin finds the account an identifier names and checks the password
// against it. Unknown identifiers and wrong passwords fail alike, in about
// the same time.
func (s *Server) srvLogin(ctx context.Context, identifier, password string) (kv.AccountState, account.SessionOptions, error) {
	did, found := s.srvLookupIdentifier(strings.ToLower(identifier))
	var (
		st    kv.AccountState
		apps  []kv.AppPassword
		known bool
	)
	if found {
		err := s.d.Registry.View(ctx, did, func(tx *kv.AccountTx) error {
			var err error
			if st, err = tx.AccountState(); err != nil {
				return err
			}
			apps, err = tx.AppPasswords()
			return err
		})
		if err != nil && !errors.Is(err, actor.ErrAccountNotFound) {
			return st, account.SessionOptions{}, err
		}
		known = err == nil && st.Status != kv.StatusDeleted
	}
	var opts account.SessionOptions
	err := s.kdf.run(ctx, func() error {
		if known {
			var err error
			opts, err = account.CheckLogin(st, apps, password)
			return err
		}
		_, err := account.CheckLogin(kv.AccountState{PasswordHash: srvEqualizerHash}, nil, password)
		if errors.Is(err, account.ErrLoginPasswordTooLong) {
			return err
		}
		if account.IsAppPasswordFormat(password) {
			_, _ = account.VerifyPassword(password, srvEqualizerHash)
		}
		return account.ErrInvalidLogin
	})
	return st, opts, err
}

// srvLookupIdentifier returns the DID a lower-cased login identifier
// names: an email address (it holds '@'), a handle or a DID.
func (s *Server) srvLookupIdentifier(id string) (atp.DID, bool) {
	if strings.Contains(id, "@") {
		did, err := s.d.Index.EmailDID(id)
		return did, err == nil
	}
	ident, err := atp.ParseAtIdentifier(id)
	if err != nil {
		return atp.DID{}, false
	}
	if ident.IsDID() {
		return ident.DID(), true
	}
	did, err := s.d.Index.HandleDID(ident.Handle())
	return did, err == nil
}

// srvGetSession describes the caller's session.
func (s *Server) srvGetSession(c *call) error {
	did := c.auth.did
	st, err := s.srvState(c.ctx, did)
	if errors.Is(err, errSrvNoAccount) || err == nil && account.SoftDeleted(st) {
		return invalidRequest("Could not find user info for account: %s", did)
	}
	if err != nil {
		return err
	}
	return c.writeJSON(s.withDIDDoc(c.ctx, srvSession(st, account.SessionTokens{}), st))
}

// srvRefreshSession rotates the caller's refresh token.
func (s *Server) srvRefreshSession(c *call) error {
	did := c.auth.did
	st, err := s.srvStateOr(c.ctx, did, invalidRequest("Could not find user info for account: %s", did))
	if err != nil {
		return err
	}
	if account.SoftDeleted(st) {
		return account.ErrAccountTakedown
	}
	tokens, err := s.d.Sessions.Refresh(c.auth.claims)
	if err != nil {
		return err
	}
	return c.writeJSON(s.withDIDDoc(c.ctx, srvSession(st, tokens), st))
}

// srvDeleteSession revokes the caller's refresh token.
func (s *Server) srvDeleteSession(c *call) error {
	if err := s.d.Sessions.Revoke(c.auth.claims.TokenID); err != nil {
		return err
	}
	return c.writeEmpty()
}
