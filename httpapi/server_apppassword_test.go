package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/account"
)

func TestServerAppPasswords(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "amy.test")
	r := n.procedure(t, "com.atproto.server.createAppPassword", map[string]any{"name": "phone"}, u.Access)
	expect(t, r, 200, "")
	phone := r.JSON(t)
	pw, _ := phone["password"].(string)
	if phone["name"] != "phone" || !account.IsAppPasswordFormat(pw) || phone["privileged"] != false || phone["createdAt"] == "" {
		t.Fatalf("createAppPassword: %v", phone)
	}
	priv := n.procedure(t, "com.atproto.server.createAppPassword", map[string]any{"name": "chat", "privileged": true}, u.Access).JSON(t)
	if priv["privileged"] != true {
		t.Fatalf("privileged: %v", priv)
	}
	expect(t, n.procedure(t, "com.atproto.server.createAppPassword", map[string]any{"name": "phone"}, u.Access), 400, "InvalidRequest")
	expect(t, n.procedure(t, "com.atproto.server.createAppPassword", map[string]any{"name": " "}, u.Access), 400, "InvalidRequest")

	r = n.query(t, "com.atproto.server.listAppPasswords", "", u.Access)
	var list struct {
		Passwords []map[string]any `json:"passwords"`
	}
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Passwords) != 2 || list.Passwords[0]["password"] != nil {
		t.Fatalf("listAppPasswords: %s", r.Body)
	}

	// Sessions made with app passwords carry their scope and cannot
	// manage the account.
	appSession := srvLogin(t, n, "amy.test", pw)
	appAccess := appSession["accessJwt"].(string)
	if c := srvClaims(t, appAccess); c["scope"] != "com.atproto.appPass" {
		t.Fatalf("scope %v", c["scope"])
	}
	if c := srvClaims(t, srvLogin(t, n, u.Email, priv["password"].(string))["accessJwt"].(string)); c["scope"] != "com.atproto.appPassPrivileged" {
		t.Fatalf("privileged scope %v", c["scope"])
	}
	for _, nsid := range []string{"com.atproto.server.createAppPassword", "com.atproto.server.requestAccountDelete",
		"com.atproto.server.requestEmailUpdate", "com.atproto.server.activateAccount", "com.atproto.server.deactivateAccount"} {
		var body any
		if strings.HasSuffix(nsid, "createAppPassword") {
			body = map[string]any{"name": "sneaky"}
		} else if strings.HasSuffix(nsid, "deactivateAccount") {
			body = map[string]any{}
		}
		r := n.procedure(t, nsid, body, appAccess)
		expect(t, r, 400, "InvalidToken")
		if r.JSON(t)["message"] != "Bad token scope" {
			t.Fatalf("%s: %s", nsid, r.Body)
		}
	}
	expect(t, n.query(t, "com.atproto.server.getAccountInviteCodes", "", appAccess), 400, "InvalidToken")
	// ... but may read their own session and list app passwords.
	expect(t, n.query(t, "com.atproto.server.getSession", "", appAccess), 200, "")
	expect(t, n.query(t, "com.atproto.server.listAppPasswords", "", appAccess), 200, "")
	expect(t, n.query(t, "com.atproto.server.checkAccountStatus", "", appAccess), 200, "")
	// An ordinary app password may not mint createAccount tokens (a
	// privileged method).
	expect(t, n.query(t, "com.atproto.server.getServiceAuth", "aud=did:web:x.example&lxm=com.atproto.server.createAccount", appAccess), 400, "InvalidRequest")

	// Revoking ends the password and the sessions made with it.
	expect(t, n.procedure(t, "com.atproto.server.revokeAppPassword", map[string]any{"name": "phone"}, u.Access), 200, "")
	expect(t, n.procedure(t, "com.atproto.server.revokeAppPassword", map[string]any{"name": "never-existed"}, u.Access), 200, "")
	expect(t, n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": "amy.test", "password": pw}, ""), 401, "AuthenticationRequired")
	expect(t, n.procedure(t, "com.atproto.server.refreshSession", nil, appSession["refreshJwt"].(string)), 400, "ExpiredToken")
	// The account's own sessions are untouched.
	expect(t, n.procedure(t, "com.atproto.server.refreshSession", nil, u.Refresh), 200, "")
	r = n.query(t, "com.atproto.server.listAppPasswords", "", u.Access)
	if err := json.Unmarshal(r.Body, &list); err != nil || len(list.Passwords) != 1 || list.Passwords[0]["name"] != "chat" {
		t.Fatalf("after revoke: %s", r.Body)
	}
}
