package httpapi

import (
	"context"
	"errors"
	"fmt"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

// errNoRotationKey reports a PLC operation asked of a server configured
// without a rotation key.
var errNoRotationKey = errors.New("httpapi: server has no PLC rotation key")

// identityCaller reads the calling account's state, refusing a caller
// whose account is gone the way the reference does (403 AccountNotFound).
func (s *Server) identityCaller(c *call) (kv.AccountState, error) {
	st, err := s.srvState(c.ctx, c.auth.did)
	if errors.Is(err, errSrvNoAccount) {
		return st, account.ErrAccountNotFound
	}
	return st, err
}

// identitySigningKey opens the account's sealed repository signing key
// and returns its public half.
func (s *Server) identitySigningKey(st kv.AccountState) (*crypto.PublicKey, error) {
	if len(st.SigningKey) == 0 || s.d.Sealer == nil {
		return nil, fmt.Errorf("httpapi: %s has no signing key", st.DID)
	}
	k, err := s.d.Sealer.Open(st.SigningKey)
	if err != nil {
		return nil, fmt.Errorf("cannot open signing key of %s: %w", st.DID, err)
	}
	return k.Public(), nil
}

// identityRotationKey returns the server's PLC rotation key as a did:key.
func (s *Server) identityRotationKey() (string, error) {
	if s.d.RotationKey == nil {
		return "", errNoRotationKey
	}
	return s.d.RotationKey.Public().DIDKey(), nil
}

// identityHidden reports whether the reference would leave the account out
// of a default account lookup (by handle): taken down, suspended,
// deactivated or deleted.
func identityHidden(st kv.AccountState) bool {
	return account.SoftDeleted(st) || st.Status == kv.StatusDeactivated || st.Status == kv.StatusDeleted
}

// identityLocalDocument builds the document of a did:web this server
// serves (see srvServesDIDWeb) from the account's state, as
// /.well-known/did.json serves it; ok is false for other DIDs.
func (s *Server) identityLocalDocument(ctx context.Context, did atp.DID) (doc *identity.Document, ok bool, err error) {
	if !s.srvServesDIDWeb(did) {
		return nil, false, nil
	}
	st, err := s.srvState(ctx, did)
	if errors.Is(err, errSrvNoAccount) {
		return nil, true, fmt.Errorf("%w: %s is not hosted here", identity.ErrDIDNotFound, did)
	}
	if err != nil {
		return nil, true, err
	}
	key, err := s.identitySigningKey(st)
	if err != nil {
		return nil, true, err
	}
	return identity.NewAccountDocument(did, st.Handle, key, s.cfg.PublicURL), true, nil
}
