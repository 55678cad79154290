package httpapi

import (
	"strings"
	"time"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
)

// Preferences live in the account file as one JSON document: an array of
// preference objects in the atproto JSON form, each with its "$type", in
// the order they were put.
const (
	prefsNamespace      = "app.bsky"
	prefPersonalDetails = "app.bsky.actor.defs#personalDetailsPref"
	prefDeclaredAge     = "app.bsky.actor.defs#declaredAgePref"
)

// prefType returns a preference's $type.
func prefType(p map[string]any) string {
	t, _ := p["$type"].(string)
	return t
}

// prefInNamespace reports whether the preference type typ belongs to
// the namespace ns ("app.bsky" holds "app.bsky.actor.defs#…").
func prefInNamespace(ns, typ string) bool {
	return typ == ns || strings.HasPrefix(typ, ns+".")
}

// prefAllowed reports whether a caller may see or set preferences of
// type typ: personal details need a full (account password) session.
func prefAllowed(typ string, full bool) bool {
	return full || typ != prefPersonalDetails
}

// loadPrefs parses the stored preferences document.
func loadPrefs(doc []byte) ([]map[string]any, error) {
	if len(doc) == 0 {
		return nil, nil
	}
	v, err := dagcbor.DecodeOptions{MaxSize: -1}.FromJSON(doc)
	if err != nil {
		return nil, err
	}
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// storePrefs encodes preferences as the stored document.
func storePrefs(prefs []map[string]any) ([]byte, error) {
	items := make([]any, len(prefs))
	for i, p := range prefs {
		items[i] = p
	}
	return dagcbor.ToJSON(items)
}

// prefsFullAccess reports whether the caller signed in with the account
// password (not an app password).
func (c *call) prefsFullAccess() bool {
	return c.auth.kind == accessToken && c.auth.claims.Scope.IsAccessFull()
}

// prefsGet serves app.bsky.actor.getPreferences from the account file.
// As in the reference, a stored birth date yields a computed
// declaredAgePref, and personal details are shown to full sessions only.
func (s *Server) prefsGet(c *call) error {
	var doc []byte
	err := s.d.Registry.View(c.ctx, c.auth.did, func(tx *kv.AccountTx) error {
		doc = tx.Preferences()
		return nil
	})
	if isAccountMissing(err) {
		return account.ErrAccountNotFound
	}
	if err != nil {
		return err
	}
	stored, err := loadPrefs(doc)
	if err != nil {
		return err
	}
	var prefs []map[string]any
	var birth string
	for _, p := range stored {
		t := prefType(p)
		if !prefInNamespace(prefsNamespace, t) {
			continue
		}
		if t == prefPersonalDetails && birth == "" {
			birth, _ = p["birthDate"].(string)
		}
		prefs = append(prefs, p)
	}
	if birth != "" {
		age, ok := ageAt(birth, s.d.Now())
		kept := prefs[:0]
		for _, p := range prefs {
			if prefType(p) != prefDeclaredAge {
				kept = append(kept, p)
			}
		}
		prefs = append(kept, map[string]any{"$type": prefDeclaredAge,
			"isOverAge13": ok && age >= 13, "isOverAge16": ok && age >= 16, "isOverAge18": ok && age >= 18})
	}
	full := c.prefsFullAccess()
	items := make([]any, 0, len(prefs))
	for _, p := range prefs {
		if prefAllowed(prefType(p), full) {
			items = append(items, p)
		}
	}
	return c.writeJSON(struct {
		Preferences dataJSON `json:"preferences"`
	}{dataJSON{items}})
}

// ageAt returns the age in whole years at now of someone born at the
// datetime (or date) birth; ok is false when birth does not parse.
func ageAt(birth string, now time.Time) (age int, ok bool) {
	var t time.Time
	if d, err := atp.ParseDatetime(birth); err == nil {
		t = d.Time()
	} else if t, err = time.Parse(time.DateOnly, birth); err != nil {
		if t, err = time.Parse(time.RFC3339Nano, birth); err != nil {
			return 0, false
		}
	}
	t, now = t.UTC(), now.UTC()
	age = now.Year() - t.Year()
	if now.Month() < t.Month() || now.Month() == t.Month() && now.Day() < t.Day() {
		age--
	}
	return age, true
}

// prefsPut serves app.bsky.actor.putPreferences: the given preferences
// replace every app.bsky preference the caller may set. A
// declaredAgePref is read-only: one sent is ignored and a stored one is
// kept; personal details need a full session, and a session without it
// keeps the stored ones.
func (s *Server) prefsPut(c *call) error {
	raw, _ := c.input["preferences"].([]any)
	put := make([]map[string]any, 0, len(raw))
	for _, it := range raw {
		p, _ := it.(map[string]any)
		if _, ok := p["$type"].(string); !ok {
			return invalidRequest("Preference is missing a $type")
		}
		put = append(put, p)
	}
	for _, p := range put {
		if !prefInNamespace(prefsNamespace, prefType(p)) {
			return invalidRequest("Some preferences are not in the %s namespace", prefsNamespace)
		}
	}
	full := c.prefsFullAccess()
	var forbidden []string
	for _, p := range put {
		if t := prefType(p); !prefAllowed(t, full) {
			forbidden = append(forbidden, t)
		}
	}
	if len(forbidden) > 0 {
		return invalidRequest("Do not have authorization to set preferences: %s", strings.Join(forbidden, ", "))
	}
	err := s.d.Registry.UpdateState(c.ctx, c.auth.did, func(st *kv.AccountState, tx *kv.AccountTx) ([]actor.StateEvent, error) {
		if err := account.CheckStatus(*st, account.StatusCheck{Takedown: true}); err != nil {
			return nil, err
		}
		old, err := loadPrefs(tx.Preferences())
		if err != nil {
			return nil, err
		}
		next := make([]map[string]any, 0, len(old)+len(put))
		for _, p := range old {
			t := prefType(p)
			if !prefInNamespace(prefsNamespace, t) || !prefAllowed(t, full) || t == prefDeclaredAge {
				next = append(next, p)
			}
		}
		for _, p := range put {
			if prefType(p) != prefDeclaredAge {
				next = append(next, p)
			}
		}
		doc, err := storePrefs(next)
		if err != nil {
			return nil, err
		}
		return nil, tx.SetPreferences(doc)
	})
	if isAccountMissing(err) {
		return account.ErrAccountNotFound
	}
	if err != nil {
		return err
	}
	return c.writeEmpty()
}
