package httpapi_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/kv"
)

// rpPrefTypes returns the $types of a getPreferences answer, with the
// objects by type.
func (n *testNode) rpPrefs(tb testing.TB, token string) ([]string, map[string]map[string]any) {
	tb.Helper()
	r := n.query(tb, "app.bsky.actor.getPreferences", "", token)
	expect(tb, r, http.StatusOK, "")
	var types []string
	byType := map[string]map[string]any{}
	for _, p := range r.JSON(tb)["preferences"].([]any) {
		p := p.(map[string]any)
		t, _ := p["$type"].(string)
		types = append(types, t)
		byType[t] = p
	}
	return types, byType
}

func TestPrefsRoundTrip(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	app, err := n.Sessions.Create(a.DID, account.SessionOptions{AppPassword: &kv.AppPassword{Name: "app"}})
	if err != nil {
		t.Fatal(err)
	}
	const (
		adult    = "app.bsky.actor.defs#adultContentPref"
		label    = "app.bsky.actor.defs#contentLabelPref"
		personal = "app.bsky.actor.defs#personalDetailsPref"
		age      = "app.bsky.actor.defs#declaredAgePref"
	)
	if r := n.query(t, "app.bsky.actor.getPreferences", "", a.Access); r.Status != http.StatusOK || string(r.Body) != `{"preferences":[]}` {
		t.Fatalf("empty preferences: %d %s", r.Status, r.Body)
	}
	put := func(token string, prefs ...map[string]any) response {
		items := make([]any, len(prefs))
		for i, p := range prefs {
			items[i] = p
		}
		return n.procedure(t, "app.bsky.actor.putPreferences", map[string]any{"preferences": items}, token)
	}
	birth := time.Now().UTC().AddDate(-17, 0, -1).Format("2006-01-02T00:00:00.000Z")
	r := put(a.Access,
		map[string]any{"$type": adult, "enabled": true},
		map[string]any{"$type": label, "label": "gore", "visibility": "hide"},
		map[string]any{"$type": personal, "birthDate": birth},
		map[string]any{"$type": age, "isOverAge13": false}, // read-only: ignored
	)
	expect(t, r, http.StatusOK, "")
	types, got := n.rpPrefs(t, a.Access)
	if len(types) != 4 || types[0] != adult || types[1] != label || types[2] != personal || types[3] != age {
		t.Fatalf("full session sees %v", types)
	}
	if got[adult]["enabled"] != true || got[label]["visibility"] != "hide" || got[personal]["birthDate"] != birth {
		t.Errorf("values %v", got)
	}
	if a := got[age]; a["isOverAge13"] != true || a["isOverAge16"] != true || a["isOverAge18"] != false {
		t.Errorf("declared age %v", a)
	}
	// An app password sees no personal details, but the derived age.
	types, _ = n.rpPrefs(t, app.AccessJWT)
	if len(types) != 3 || types[2] != age {
		t.Errorf("app password sees %v", types)
	}
	// It may not set personal details, and keeps the stored ones when
	// replacing the rest.
	r = put(app.AccessJWT, map[string]any{"$type": personal, "birthDate": birth})
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	if m := r.JSON(t); m["message"] != "Do not have authorization to set preferences: "+personal {
		t.Errorf("message %v", m["message"])
	}
	expect(t, put(app.AccessJWT, map[string]any{"$type": adult, "enabled": false}), http.StatusOK, "")
	types, got = n.rpPrefs(t, a.Access)
	if len(types) != 3 || types[0] != personal || types[1] != adult || got[adult]["enabled"] != false {
		t.Errorf("after app-password put: %v %v", types, got)
	}
	// Other namespaces are refused; lexicon checks apply.
	r = put(a.Access, map[string]any{"$type": "com.example.pref", "x": 1})
	expect(t, r, http.StatusBadRequest, "InvalidRequest")
	if m := r.JSON(t); m["message"] != "Some preferences are not in the app.bsky namespace" {
		t.Errorf("message %v", m["message"])
	}
	expect(t, put(a.Access, map[string]any{"$type": adult, "enabled": "yes"}), http.StatusBadRequest, "InvalidRequest")
	expect(t, n.procedure(t, "app.bsky.actor.putPreferences", map[string]any{}, a.Access), http.StatusBadRequest, "InvalidRequest")
	// A full put replaces everything.
	expect(t, put(a.Access), http.StatusOK, "")
	if types, _ := n.rpPrefs(t, a.Access); len(types) != 0 {
		t.Errorf("after an empty put: %v", types)
	}
	expect(t, n.query(t, "app.bsky.actor.getPreferences", "", ""), http.StatusUnauthorized, "")
}
