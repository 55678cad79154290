package httpapi

import (
	"errors"
	"slices"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/kv"
)

// srvCreateAppPassword makes a named app password and shows it once.
func (s *Server) srvCreateAppPassword(c *call) error {
	var in struct {
		Name       string `json:"name"`
		Privileged bool   `json:"privileged"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	did := c.auth.did
	rec, password, err := account.NewAppPassword(did, in.Name, in.Privileged, s.d.Now(),
		account.PasswordParams{Rand: s.d.Rand})
	if err != nil {
		return err
	}
	err = s.d.Registry.UpdateState(c.ctx, did, func(_ *kv.AccountState, tx *kv.AccountTx) ([]actor.StateEvent, error) {
		if _, err := tx.AppPassword(rec.Name); err == nil {
			return nil, account.ErrAppPasswordExists
		} else if !errors.Is(err, kv.ErrNotFound) {
			return nil, err
		}
		return nil, tx.PutAppPassword(rec)
	})
	if err != nil {
		return err
	}
	return c.writeJSON(struct {
		Name       string `json:"name"`
		Password   string `json:"password"`
		CreatedAt  string `json:"createdAt"`
		Privileged bool   `json:"privileged"`
	}{rec.Name, password, srvTime(rec.CreatedAt), rec.Privileged})
}

// srvListAppPasswords lists the caller's app passwords, newest first.
func (s *Server) srvListAppPasswords(c *call) error {
	var list []kv.AppPassword
	err := s.d.Registry.View(c.ctx, c.auth.did, func(tx *kv.AccountTx) error {
		var err error
		list, err = tx.AppPasswords()
		return err
	})
	if err != nil {
		return err
	}
	slices.SortStableFunc(list, func(a, b kv.AppPassword) int { return b.CreatedAt.Compare(a.CreatedAt) })
	type item struct {
		Name       string `json:"name"`
		CreatedAt  string `json:"createdAt"`
		Privileged bool   `json:"privileged"`
	}
	out := struct {
		Passwords []item `json:"passwords"`
	}{Passwords: make([]item, 0, len(list))}
	for _, p := range list {
		out.Passwords = append(out.Passwords, item{p.Name, srvTime(p.CreatedAt), p.Privileged})
	}
	return c.writeJSON(out)
}

// srvRevokeAppPassword deletes an app password and ends the sessions that
// signed in with it. An unknown name is not an error.
func (s *Server) srvRevokeAppPassword(c *call) error {
	var in struct {
		Name string `json:"name"`
	}
	if err := c.decode(&in); err != nil {
		return err
	}
	did := c.auth.did
	err := s.d.Registry.UpdateState(c.ctx, did, func(_ *kv.AccountState, tx *kv.AccountTx) ([]actor.StateEvent, error) {
		if err := tx.DeleteAppPassword(in.Name); err != nil && !errors.Is(err, kv.ErrNotFound) {
			return nil, err
		}
		return nil, nil
	})
	if err != nil {
		return err
	}
	if err := s.d.Sessions.RevokeAppPassword(did, in.Name); err != nil {
		return err
	}
	return c.writeEmpty()
}
