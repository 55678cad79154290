package httpapi

import (
	"errors"
	"time"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/kv"
)

// srvGetServiceAuth mints an inter-service token signed with the caller's
// repository key.
func (s *Server) srvGetServiceAuth(c *call) error {
	req := account.ServiceAuthRequest{Scope: c.auth.claims.Scope, Aud: c.params.String("aud")}
	if lxm := c.params.String("lxm"); lxm != "" {
		nsid, err := atp.ParseNSID(lxm)
		if err != nil {
			return invalidRequest("lxm must be a valid nsid")
		}
		req.Lxm = nsid
	}
	// exp is in seconds since the epoch; 0 counts as absent, as in the
	// reference.
	if exp, ok := c.params.Int("exp"); ok && exp != 0 {
		req.Exp = time.Unix(exp, 0)
	}
	if err := account.CheckServiceAuthRequest(req, s.d.Now()); err != nil {
		return err
	}
	st, err := s.srvStateOr(c.ctx, c.auth.did, account.ErrAccountNotFound)
	if err != nil {
		return err
	}
	key, err := s.srvSigningKey(st)
	if err != nil {
		return err
	}
	token, err := s.d.ServiceAuth.Mint(key, account.ServiceJWTParams{Iss: c.auth.did, Aud: req.Aud, Lxm: req.Lxm, Exp: req.Exp})
	if err != nil {
		return err
	}
	return c.writeJSON(struct {
		Token string `json:"token"`
	}{token})
}

// Reserved signing keys live in kv.TableReserved of server.db, sealed
// like account keys, under the DID they were reserved for or, when none
// was named, under their own did:key.

// srvReserveSigningKey reserves a signing key for an account about to be
// created here (by migration), and returns its did:key. Asking again for
// the same DID returns the same key.
func (s *Server) srvReserveSigningKey(c *call) error {
	var in struct {
		DID string `json:"did"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	var did atp.DID
	if in.DID != "" {
		var err error
		if did, err = atp.ParseDID(in.DID); err != nil {
			return invalidRequest("Input/did must be a valid did")
		}
		key, err := s.srvReservedKey(did.String())
		if err == nil {
			return srvWriteSigningKey(c, key)
		}
		if !errors.Is(err, kv.ErrNotFound) {
			return err
		}
	}
	key, err := crypto.GeneratePrivateKey(crypto.K256, s.d.Rand)
	if err != nil {
		return err
	}
	sealed, err := s.d.Sealer.Seal(key)
	if err != nil {
		return err
	}
	name := key.Public().DIDKey()
	if !did.IsZero() {
		name = did.String()
	}
	err = s.d.ServerDB.Update(func(tx *kv.ServerTx) error {
		if !did.IsZero() {
			// Two concurrent reservations for one DID keep the first.
			if raw, err := tx.Get(kv.TableReserved, name); err == nil {
				if key, err = s.d.Sealer.Open(raw); err != nil {
					return err
				}
				return nil
			}
		}
		return tx.Put(kv.TableReserved, name, sealed)
	})
	if err != nil {
		return err
	}
	return srvWriteSigningKey(c, key)
}

func srvWriteSigningKey(c *call, key *crypto.PrivateKey) error {
	return c.writeJSON(struct {
		SigningKey string `json:"signingKey"`
	}{key.Public().DIDKey()})
}

// srvReservedKey opens the key reserved under name (a DID or a did:key),
// or fails with kv.ErrNotFound.
func (s *Server) srvReservedKey(name string) (*crypto.PrivateKey, error) {
	var sealed []byte
	err := s.d.ServerDB.View(func(tx *kv.ServerTx) error {
		var err error
		sealed, err = tx.Get(kv.TableReserved, name)
		return err
	})
	if err != nil {
		return nil, err
	}
	return s.d.Sealer.Open(sealed)
}

// srvClearReservedKey forgets the reservations of key and did, once an
// account uses the key.
func (s *Server) srvClearReservedKey(key *crypto.PublicKey, did atp.DID) {
	err := s.d.ServerDB.Update(func(tx *kv.ServerTx) error {
		if err := tx.Delete(kv.TableReserved, key.DIDKey()); err != nil && !errors.Is(err, kv.ErrNotFound) {
			return err
		}
		if err := tx.Delete(kv.TableReserved, did.String()); err != nil && !errors.Is(err, kv.ErrNotFound) {
			return err
		}
		return nil
	})
	if err != nil {
		s.log.Error("cannot clear reserved signing key", "did", did.String(), "err", err)
	}
}
