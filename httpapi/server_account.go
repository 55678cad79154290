package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

// srvNewAccount is a checked createAccount request.
type srvNewAccount struct {
	did        atp.DID
	handle     atp.Handle
	email      string
	password   string
	inviteCode string
	key        *crypto.PrivateKey
	// reserved is set when key was reserved with reserveSigningKey.
	reserved bool
	// genesis is the did:plc genesis operation to submit, when this
	// server creates the DID.
	genesis *identity.Operation
	// migrating marks an existing DID brought here: the account starts
	// deactivated and announces nothing.
	migrating bool
}

// srvCreateAccount signs up a new account (a new did:plc or did:web), or
// one moving here with its existing DID, proven by a service token the
// DID signed for this server.
func (s *Server) srvCreateAccount(c *call) error {
	na, err := s.srvCheckNewAccount(c)
	if err != nil {
		return err
	}
	now := s.d.Now().UTC()
	st := kv.AccountState{DID: na.did, Handle: na.handle, Email: na.email, InviteCode: na.inviteCode, CreatedAt: now}
	if na.migrating {
		st.Status, st.DeactivatedAt = kv.StatusDeactivated, now
	}
	if na.password != "" {
		err = s.kdf.run(c.ctx, func() (err error) {
			st.PasswordHash, err = account.HashPassword(na.password)
			return err
		})
		if err != nil {
			return err
		}
	}
	if st.SigningKey, err = s.d.Sealer.Seal(na.key); err != nil {
		return err
	}
	var doc *identity.Document
	switch {
	case na.genesis != nil:
		if err := s.d.PLC.Submit(c.ctx, na.did, *na.genesis); err != nil {
			return err
		}
		if doc, err = na.genesis.Document(na.did); err != nil {
			s.srvTombstone(na.did, *na.genesis)
			return err
		}
	case na.migrating:
		if doc, err = s.d.Directory.RefreshDID(c.ctx, na.did); err != nil {
			s.log.Warn("cannot resolve DID document", "did", na.did.String(), "err", err)
			doc = nil
		}
	default:
		doc = identity.NewAccountDocument(na.did, na.handle, na.key.Public(), s.cfg.PublicURL)
	}
	// Claim the handle, the email and an invite use at once; nothing was
	// announced yet, so losing a race here leaves no trace but a
	// tombstoned DID.
	err = s.d.ServerDB.Update(func(tx *kv.ServerTx) error {
		if err := s.d.Invites.UseTx(tx, na.inviteCode, na.did); err != nil {
			return err
		}
		if err := s.d.Index.ClaimTx(tx, na.did, na.handle, na.email); err != nil {
			return err
		}
		return tx.Put(kv.TableAccounts, na.did.String(), nil)
	})
	if err != nil {
		if na.genesis != nil {
			s.srvTombstone(na.did, *na.genesis)
		}
		return err
	}
	_, err = s.d.Registry.Create(c.ctx, actor.NewAccount{State: st, Key: na.key, Announce: !na.migrating})
	if err != nil {
		s.srvReleaseClaims(na.did, na.handle, na.email)
		if na.genesis != nil {
			s.srvTombstone(na.did, *na.genesis)
		}
		if errors.Is(err, actor.ErrAccountExists) {
			return xerr(http.StatusBadRequest, "AlreadyExists", "Repo already exists")
		}
		return err
	}
	if na.reserved {
		s.srvClearReservedKey(na.key.Public(), na.did)
	}
	tokens, err := s.d.Sessions.Create(na.did, account.SessionOptions{})
	if err != nil {
		return err
	}
	return c.writeJSON(struct {
		Handle     string             `json:"handle"`
		DID        string             `json:"did"`
		DIDDoc     *identity.Document `json:"didDoc,omitempty"`
		AccessJWT  string             `json:"accessJwt"`
		RefreshJWT string             `json:"refreshJwt"`
	}{na.handle.String(), na.did.String(), doc, tokens.AccessJWT, tokens.RefreshJWT})
}

// srvCheckNewAccount checks a createAccount input in the reference's
// order and settles the DID and the signing key.
func (s *Server) srvCheckNewAccount(c *call) (*srvNewAccount, error) {
	var in struct {
		Email       string          `json:"email"`
		Handle      string          `json:"handle"`
		DID         string          `json:"did"`
		InviteCode  string          `json:"inviteCode"`
		Password    string          `json:"password"`
		RecoveryKey string          `json:"recoveryKey"`
		PLCOp       json.RawMessage `json:"plcOp"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if len(in.PLCOp) > 0 && string(in.PLCOp) != "null" {
		return nil, invalidRequest(`Unsupported input: "plcOp"`)
	}
	if err := account.CheckNewPassword(in.Password); err != nil {
		return nil, err
	}
	if s.d.Invites.Required() && in.InviteCode == "" {
		return nil, account.ErrInviteCodeRequired
	}
	if in.Email == "" {
		return nil, invalidRequest("Email is required")
	}
	email, err := account.NormalizeEmail(in.Email)
	if err != nil {
		return nil, err
	}
	na := &srvNewAccount{email: email, password: in.Password, inviteCode: in.InviteCode}
	if in.DID != "" {
		if na.did, err = atp.ParseDID(in.DID); err != nil {
			return nil, invalidRequest("Input/did must be a valid did")
		}
	}
	h, external, err := s.d.Handles.Check(in.Handle, account.HandleCheck{AllowExternal: !na.did.IsZero()})
	if err != nil {
		return nil, err
	}
	if external {
		if got, err := s.d.Directory.ResolveHandle(c.ctx, h); err != nil || got != na.did {
			return nil, invalidRequest("External handle did not resolve to DID")
		}
	}
	na.handle = h
	// A code is checked, and used, whenever one is given, as the
	// reference's account transaction does, required or not.
	if in.InviteCode != "" {
		if err := s.d.Invites.EnsureAvailable(in.InviteCode); err != nil {
			return nil, err
		}
	}
	if _, err := s.d.Index.HandleDID(h); err == nil {
		return nil, invalidRequest("Handle already taken: %s", h)
	} else if !errors.Is(err, kv.ErrNotFound) {
		return nil, err
	}
	if _, err := s.d.Index.EmailDID(email); err == nil {
		return nil, invalidRequest("Email already taken: %s", in.Email)
	} else if !errors.Is(err, kv.ErrNotFound) {
		return nil, err
	}
	if !na.did.IsZero() {
		return na, s.srvCheckMigration(c, na)
	}
	if na.key, err = crypto.GeneratePrivateKey(crypto.K256, s.d.Rand); err != nil {
		return nil, err
	}
	if s.cfg.AccountDIDMethod == "web" {
		na.did, err = atp.ParseDID("did:web:" + h.String())
		return na, err
	}
	rotation := []string{s.d.RotationKey.Public().DIDKey()}
	if in.RecoveryKey != "" {
		if _, err := crypto.ParseDIDKey(in.RecoveryKey); err != nil {
			return nil, invalidRequest("Invalid recovery key: must be a did:key")
		}
		rotation = append([]string{in.RecoveryKey}, rotation...)
	}
	op, err := identity.GenesisOp(na.key.Public(), rotation, h, s.cfg.PublicURL)
	if errors.Is(err, identity.ErrInvalidOperation) {
		return nil, invalidRequest("Invalid PLC operation: %s", trimPrefix(err))
	}
	if err != nil {
		return nil, err
	}
	if op, err = identity.Sign(op, s.d.RotationKey); err != nil {
		return nil, err
	}
	if na.did, err = identity.DIDForGenesis(op); err != nil {
		return nil, err
	}
	na.genesis = &op
	return na, nil
}

// srvCheckMigration checks an account brought here with its DID: the
// caller must have proven control of the DID with a service token, and
// the DID must not be hosted here already. The account gets the key
// reserved for the DID, if any, or a new one.
func (s *Server) srvCheckMigration(c *call, na *srvNewAccount) error {
	if c.auth.kind != serviceToken || c.auth.did != na.did {
		return srvAuthRequired("Missing auth to create account with did: %s", na.did)
	}
	err := s.d.Registry.View(c.ctx, na.did, func(*kv.AccountTx) error { return nil })
	if err == nil {
		return xerr(http.StatusBadRequest, "AlreadyExists", "Repo already exists")
	}
	if !errors.Is(err, actor.ErrAccountNotFound) {
		return err
	}
	na.migrating = true
	key, err := s.srvReservedKey(na.did.String())
	switch {
	case err == nil:
		na.key, na.reserved = key, true
		return nil
	case !errors.Is(err, kv.ErrNotFound):
		return err
	}
	na.key, err = crypto.GeneratePrivateKey(crypto.K256, s.d.Rand)
	return err
}

// srvReleaseClaims undoes a sign-up's claims on the handle and email
// index after a later step failed. An invite use stays spent.
func (s *Server) srvReleaseClaims(did atp.DID, h atp.Handle, email string) {
	err := s.d.ServerDB.Update(func(tx *kv.ServerTx) error {
		if err := s.d.Index.ReleaseTx(tx, did, h, email); err != nil {
			return err
		}
		return tx.Delete(kv.TableAccounts, did.String())
	})
	if err != nil {
		s.log.Error("cannot release sign-up claims", "did", did.String(), "err", err)
	}
}

// srvTombstone retires a did:plc this server just created for a sign-up
// that then failed, so that the DID does not linger pointing here.
func (s *Server) srvTombstone(did atp.DID, genesis identity.Operation) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	op, err := identity.TombstoneOp(genesis)
	if err == nil {
		op, err = identity.Sign(op, s.d.RotationKey)
	}
	if err == nil {
		err = s.d.PLC.Submit(ctx, did, op)
	}
	if err != nil {
		s.log.Error("cannot tombstone DID of failed sign-up", "did", did.String(), "err", err)
	}
}

// serveAccountDIDDoc serves /.well-known/did.json for a did:web account
// this server created: host (the request's Host, port ignored) is the
// DID's host, a name under one of the user domains. It reports false,
// writing nothing, when host names no such account.
func (s *Server) serveAccountDIDDoc(rc *fasthttp.RequestCtx, host string) bool {
	host = strings.ToLower(host)
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.Contains(host[i:], "]") {
		host = host[:i]
	}
	h, err := atp.ParseHandle(host)
	if err != nil || !s.d.Handles.IsUserDomain(h) {
		return false
	}
	did, err := atp.ParseDID("did:web:" + h.String())
	if err != nil {
		return false
	}
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.RequestTimeout)
	defer cancel()
	st, err := s.srvState(ctx, did)
	if errors.Is(err, errSrvNoAccount) {
		return false
	}
	var key *crypto.PrivateKey
	if err == nil {
		key, err = s.srvSigningKey(st)
	}
	var body []byte
	if err == nil {
		body, err = json.Marshal(identity.NewAccountDocument(did, st.Handle, key.Public(), s.cfg.PublicURL))
	}
	if err != nil {
		s.log.Error("cannot serve account DID document", "did", did.String(), "err", err)
		writeError(rc, xerr(http.StatusInternalServerError, "InternalServerError", "Internal Server Error"))
		return true
	}
	rc.SetContentType("application/json; charset=utf-8")
	rc.SetBody(body)
	return true
}
