package httpapi

import (
	"errors"
	"net/http"
	"strings"
	"unicode"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

// listRepos pages through the repositories hosted here, in DID order,
// from the event log's per-account state. See reposCursor for cursors.
func (s *Server) listRepos(c *call) error {
	limit, _ := c.params.Int("limit")
	after, bound, err := reposCursor(c.params.String("cursor"))
	if err != nil {
		return err
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
	err = s.d.EventLog.ForEachDID(after, func(did atp.DID, st kv.DIDState) bool {
		if bound != "" && did.String() <= bound {
			return true
		}
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

// reposCursor reads a listRepos cursor: the accounts listed are those
// after the DID after, or, when bound is set, those whose DID sorts after
// bound as text.
//
// This server's cursors are the last DID of the page before. The
// reference pages by account creation time and DID, with cursors
// "<unix ms>::<did>", and refuses with "Malformed cursor" one that is not
// two non-empty parts around "::" or whose first part does not read as a
// time (JavaScript's parseInt, then a valid Date); its DID part bounds
// the page whatever it holds. Such a cursor is taken here too, and pages
// on from its DID part: the time is not kept per account.
func reposCursor(cur string) (after atp.DID, bound string, err error) {
	if cur == "" {
		return atp.DID{}, "", nil
	}
	if did, err := atp.ParseDID(cur); err == nil {
		return did, "", nil
	}
	parts := strings.Split(cur, "::")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" || !jsDateMillis(parts[0]) {
		return atp.DID{}, "", invalidRequest("Malformed cursor")
	}
	if did, err := atp.ParseDID(parts[1]); err == nil {
		return did, "", nil
	}
	return atp.DID{}, parts[1], nil
}

// jsDateMillis reports whether new Date(parseInt(s, 10)) is a valid date
// in JavaScript: leading white space, an optional sign and at least one
// digit (what follows the digits is ignored), at most 8.64e15 ms either
// side of 1970.
func jsDateMillis(s string) bool {
	s = strings.TrimLeftFunc(s, func(r rune) bool {
		return r == '\uFEFF' || r != '\u0085' && unicode.IsSpace(r)
	})
	if s != "" && (s[0] == '+' || s[0] == '-') {
		s = s[1:]
	}
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	if n == 0 {
		return false
	}
	const maxMillis = "8640000000000000"
	digits := strings.TrimLeft(s[:n], "0")
	return len(digits) < len(maxMillis) || len(digits) == len(maxMillis) && digits <= maxMillis
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
