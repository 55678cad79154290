package httpapi

import (
	"encoding/json"
	"errors"
	"strings"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

// getRecommendedDidCredentials answers
// com.atproto.identity.getRecommendedDidCredentials: the did:plc fields
// that put the caller's identity in this server's hands, for an account
// migrating here. Keys come in the reference's order, and alsoKnownAs is
// left out when the account has no handle.
func (s *Server) getRecommendedDidCredentials(c *call) error {
	st, err := s.identityCaller(c)
	if err != nil {
		return err
	}
	key, err := s.identitySigningKey(st)
	if err != nil {
		return err
	}
	rotation := []string{}
	if s.d.RotationKey != nil {
		rotation = append(rotation, s.d.RotationKey.Public().DIDKey())
	}
	cred := identity.RecommendedCredentials(key, st.Handle, rotation, s.cfg.PublicURL)
	return c.writeJSON(struct {
		AlsoKnownAs         []string                      `json:"alsoKnownAs,omitempty"`
		VerificationMethods map[string]string             `json:"verificationMethods"`
		RotationKeys        []string                      `json:"rotationKeys"`
		Services            map[string]identity.OpService `json:"services"`
	}{cred.AlsoKnownAs, cred.VerificationMethods, rotation, cred.Services})
}

// requestPlcOperationSignature answers
// com.atproto.identity.requestPlcOperationSignature: it mails the account
// a one-time token that signPlcOperation requires.
func (s *Server) requestPlcOperationSignature(c *call) error {
	st, err := s.srvState(c.ctx, c.auth.did)
	if errors.Is(err, errSrvNoAccount) {
		return invalidRequest("account not found")
	}
	if err != nil {
		return err
	}
	if st.Email == "" {
		return invalidRequest("account does not have an email address")
	}
	if !st.DID.IsPLC() {
		return invalidRequest("PLC operations are only for did:plc accounts")
	}
	token, err := s.d.EmailTokens.Create(account.PurposePLCOperation, st.DID)
	if err != nil {
		return err
	}
	msg, err := account.TokenEmail{Purpose: account.PurposePLCOperation, To: st.Email, Token: token}.Compose()
	if err != nil {
		return err
	}
	if err := s.d.Mailer.Send(c.ctx, msg); err != nil {
		return err
	}
	return c.writeEmpty()
}

// signPlcInput is the body of com.atproto.identity.signPlcOperation; the
// "unknown" fields are decoded into their did:plc shapes here.
type signPlcInput struct {
	Token               string          `json:"token"`
	RotationKeys        []string        `json:"rotationKeys"`
	AlsoKnownAs         []string        `json:"alsoKnownAs"`
	VerificationMethods json.RawMessage `json:"verificationMethods"`
	Services            json.RawMessage `json:"services"`
}

// changes turns the input into the whole-field replacements of an update
// operation; absent fields keep the last operation's values.
func (in signPlcInput) changes() (identity.OpChanges, error) {
	ch := identity.OpChanges{RotationKeys: in.RotationKeys, AlsoKnownAs: in.AlsoKnownAs}
	if len(in.VerificationMethods) > 0 && string(in.VerificationMethods) != "null" {
		if err := json.Unmarshal(in.VerificationMethods, &ch.VerificationMethods); err != nil {
			return ch, invalidRequest("verificationMethods must map ids to did:keys")
		}
	}
	if len(in.Services) > 0 && string(in.Services) != "null" {
		var raw map[string]struct {
			Type     *string `json:"type"`
			Endpoint *string `json:"endpoint"`
		}
		if err := json.Unmarshal(in.Services, &raw); err != nil {
			return ch, invalidRequest("services must map ids to {type, endpoint}")
		}
		ch.Services = make(map[string]identity.OpService, len(raw))
		for id, sv := range raw {
			if sv.Type == nil || sv.Endpoint == nil {
				return ch, invalidRequest("services must map ids to {type, endpoint}")
			}
			ch.Services[id] = identity.OpService{Type: *sv.Type, Endpoint: *sv.Endpoint}
		}
	}
	return ch, nil
}

// signPlcOperation answers com.atproto.identity.signPlcOperation: with the
// emailed token (used up here), it builds the operation that follows the
// DID's last one with the requested fields replaced, signs it with the
// server's rotation key and returns it without submitting it.
func (s *Server) signPlcOperation(c *call) error {
	var in signPlcInput
	if err := c.decode(&in); err != nil {
		return err
	}
	did := c.auth.did
	if in.Token == "" {
		return invalidRequest("email confirmation token required to sign PLC operations")
	}
	if err := s.d.EmailTokens.Consume(account.PurposePLCOperation, did, in.Token); err != nil {
		return err
	}
	if !did.IsPLC() {
		return invalidRequest("PLC operations are only for did:plc accounts")
	}
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
	ch, err := in.changes()
	if err != nil {
		return err
	}
	op, err := identity.UpdateOp(last, ch)
	if err != nil {
		return identityOpError(err)
	}
	if op, err = identity.Sign(op, s.d.RotationKey); err != nil {
		return err
	}
	return c.writeJSON(struct {
		Operation identity.Operation `json:"operation"`
	}{op})
}

// submitPlcOperation answers com.atproto.identity.submitPlcOperation: it
// checks that the signed operation keeps the account in this server's
// hands (our rotation key, our endpoint, the account's signing key and
// handle), posts it to the PLC directory, emits #identity and refreshes
// the cached document.
func (s *Server) submitPlcOperation(c *call) error {
	var in struct {
		Operation json.RawMessage `json:"operation"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	op, err := identity.ParseOperation(in.Operation)
	if err != nil {
		e := invalidRequest("Invalid operation")
		e.cause = err
		return e
	}
	did := c.auth.did
	rotation, err := s.identityRotationKey()
	if err != nil {
		return err
	}
	st, err := s.identityCaller(c)
	if err != nil {
		return err
	}
	key, err := s.identitySigningKey(st)
	if err != nil {
		return err
	}
	sc := identity.ServiceControl{RotationKey: rotation, PDSEndpoint: s.cfg.PublicURL, SigningKey: key, Handle: st.Handle}
	if err := sc.CheckOperation(op); err != nil {
		return err
	}
	if !did.IsPLC() {
		return invalidRequest("PLC operations are only for did:plc accounts")
	}
	if err := s.d.PLC.Submit(c.ctx, did, op); err != nil {
		return err
	}
	err = s.d.Registry.UpdateState(c.ctx, did, func(*kv.AccountState, *kv.AccountTx) ([]actor.StateEvent, error) {
		return []actor.StateEvent{actor.EmitIdentity}, nil
	})
	if err != nil {
		return err
	}
	if _, err := s.d.Directory.RefreshDID(c.ctx, did); err != nil {
		s.log.Error("cannot refresh DID document after PLC update", "did", did.String(), "err", err)
	}
	return c.writeEmpty()
}

// identityOpError answers an operation the did:plc rules refuse as
// InvalidRequest; other errors pass through.
func identityOpError(err error) error {
	if errors.Is(err, identity.ErrInvalidOperation) {
		detail := strings.TrimPrefix(err.Error(), identity.ErrInvalidOperation.Error()+": ")
		e := invalidRequest("Invalid operation: %s", detail)
		e.cause = err
		return e
	}
	return err
}
