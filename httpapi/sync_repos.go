package httpapi

import (
	"errors"
	"net/http"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// listRepos pages through the repositories hosted here, in DID order,
// from the event log's per-account state.
func (s *Server) listRepos(c *call) error {
	limit, _ := c.params.Int("limit")
	var after atp.DID
	if cur := c.params.String("cursor"); cur != "" {
		var err error
		if after, err = atp.ParseDID(cur); err != nil {
			return invalidRequest("Malformed cursor")
		}
	}
	type repoItem struct {
		DID    string `json:"did"`
		Head   string `json:"head"`
		Rev    string `json:"rev"`
		Active bool   `json:"active"`
		Status string `json:"status,omitempty"`
	}
	repos := make([]repoItem, 0, limit)
	var last atp.DID
	err := s.d.EventLog.ForEachDID(after, func(did atp.DID, st kv.DIDState) bool {
		last = did
		if !st.Commit.Defined() || st.Status == kv.StatusDeleted {
			return true
		}
		item := repoItem{DID: did.String(), Head: st.Commit.String(), Rev: st.Rev.String(), Active: st.Status.Active()}
		if !item.Active {
			item.Status = string(st.Status)
		}
		repos = append(repos, item)
		return int64(len(repos)) < limit
	})
	if err != nil {
		return err
	}
	out := struct {
		Cursor string     `json:"cursor,omitempty"`
		Repos  []repoItem `json:"repos"`
	}{Repos: repos}
	if int64(len(repos)) == limit && limit > 0 {
		out.Cursor = last.String()
	}
	return c.writeJSON(out)
}

// getRepoStatus reports an account's hosting status and revision.
func (s *Server) getRepoStatus(c *call) error {
	did, err := c.syncDID()
	if err != nil {
		return err
	}
	var st kv.AccountState
	var head kv.Head
	hasHead := false
	err = s.d.Registry.View(c.ctx, did, func(tx *kv.AccountTx) error {
		if st, err = tx.AccountState(); err != nil {
			return err
		}
		if head, err = tx.Head(); err == nil {
			hasHead = true
		} else if !errors.Is(err, kv.ErrNotFound) {
			return err
		}
		return nil
	})
	if errors.Is(err, actor.ErrAccountNotFound) || errors.Is(err, kv.ErrNotFound) || st.Status == kv.StatusDeleted {
		return xerr(http.StatusBadRequest, "RepoNotFound", "Could not find repo for DID: %s", did)
	}
	if err != nil {
		return err
	}
	out := struct {
		DID    string `json:"did"`
		Active bool   `json:"active"`
		Status string `json:"status,omitempty"`
		Rev    string `json:"rev,omitempty"`
	}{DID: did.String(), Active: st.Status.Active()}
	if !out.Active {
		out.Status = string(st.Status)
	}
	if hasHead && out.Active {
		out.Rev = head.Rev.String()
	}
	return c.writeJSON(out)
}
