package httpapi_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

func TestServerCreateSession(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "sam.test")
	for _, id := range []string{"sam.test", "SAM.TEST", u.Email, strings.ToUpper(u.Email), u.DID.String()} {
		out := srvLogin(t, n, id, u.Password)
		if out["did"] != u.DID.String() || out["handle"] != "sam.test" || out["email"] != u.Email ||
			out["emailConfirmed"] != false || out["active"] != true || out["status"] != nil {
			t.Fatalf("createSession %s: %v", id, out)
		}
		if c := srvClaims(t, out["refreshJwt"].(string)); c["scope"] != "com.atproto.refresh" || c["jti"] == nil {
			t.Fatalf("refresh claims %v", c)
		}
	}
	// A wrong password and an unknown identifier look the same.
	for _, tc := range []struct{ id, pw string }{
		{"sam.test", "wrong"}, {"nobody.test", "wrong"}, {"nobody@mail.example", u.Password},
		{"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "x"}, {"not an identifier", "x"}, {"sam.test", "abcd-efgh-ijkl-mnop"},
	} {
		r := n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": tc.id, "password": tc.pw}, "")
		expect(t, r, 401, "AuthenticationRequired")
		if r.JSON(t)["message"] != "Invalid identifier or password" {
			t.Fatalf("%s: %s", tc.id, r.Body)
		}
	}
	r := n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": "nobody.test", "password": strings.Repeat("p", 600)}, "")
	expect(t, r, 401, "AuthenticationRequired")
	if r.JSON(t)["message"] != "Password too long. Consider resetting your password." {
		t.Fatalf("long password: %s", r.Body)
	}
	expect(t, n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": "sam.test"}, ""), 400, "InvalidRequest")
}

func TestServerGetSession(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "gina.test")
	expect(t, n.query(t, "com.atproto.server.getSession", "", ""), 401, "AuthMissing")
	expect(t, n.query(t, "com.atproto.server.getSession", "", "garbage"), 400, "InvalidToken")
	// A refresh token is no access token.
	expect(t, n.query(t, "com.atproto.server.getSession", "", u.Refresh), 400, "InvalidToken")
	s := n.query(t, "com.atproto.server.getSession", "", u.Access).JSON(t)
	if s["did"] != u.DID.String() || s["accessJwt"] != nil {
		t.Fatalf("getSession: %v", s)
	}
	// A taken-down account has no session info.
	srvSetStatus(t, n, u.DID, kv.StatusTakendown)
	r := n.query(t, "com.atproto.server.getSession", "", u.Access)
	expect(t, r, 400, "InvalidRequest")
	if r.JSON(t)["message"] != "Could not find user info for account: "+u.DID.String() {
		t.Fatalf("getSession of taken-down account: %s", r.Body)
	}
}

func TestServerRefreshSession(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "rita.test")
	// An access token is no refresh token.
	expect(t, n.procedure(t, "com.atproto.server.refreshSession", nil, u.Access), 400, "InvalidToken")
	expect(t, n.procedure(t, "com.atproto.server.refreshSession", nil, ""), 401, "AuthMissing")

	r := n.procedure(t, "com.atproto.server.refreshSession", nil, u.Refresh)
	expect(t, r, 200, "")
	first := r.JSON(t)
	if first["did"] != u.DID.String() || first["handle"] != "rita.test" || first["active"] != true ||
		first["refreshJwt"] == u.Refresh || first["accessJwt"] == "" {
		t.Fatalf("refreshSession: %v", first)
	}
	next := srvClaims(t, first["refreshJwt"].(string))["jti"]
	// Reusing the old token within the grace period yields the same
	// successor id, so the session does not fork.
	again := n.procedure(t, "com.atproto.server.refreshSession", nil, u.Refresh).JSON(t)
	if got := srvClaims(t, again["refreshJwt"].(string))["jti"]; got != next {
		t.Fatalf("reuse gave jti %v, want %v", got, next)
	}
	// The new token works, and rotating it keeps the chain going.
	expect(t, n.query(t, "com.atproto.server.getSession", "", first["accessJwt"].(string)), 200, "")
	second := n.procedure(t, "com.atproto.server.refreshSession", nil, first["refreshJwt"].(string))
	expect(t, second, 200, "")

	// deleteSession revokes; expired refresh tokens are accepted there.
	expect(t, n.procedure(t, "com.atproto.server.deleteSession", nil, u.Access), 400, "InvalidToken")
	latest := second.JSON(t)["refreshJwt"].(string)
	expect(t, n.procedure(t, "com.atproto.server.deleteSession", nil, latest), 200, "")
	r = n.procedure(t, "com.atproto.server.refreshSession", nil, latest)
	expect(t, r, 400, "ExpiredToken")
	if r.JSON(t)["message"] != "Token has been revoked" {
		t.Fatalf("revoked: %s", r.Body)
	}

	// Taken-down accounts cannot refresh.
	fresh := srvLogin(t, n, "rita.test", u.Password)
	srvSetStatus(t, n, u.DID, kv.StatusTakendown)
	expect(t, n.procedure(t, "com.atproto.server.refreshSession", nil, fresh["refreshJwt"].(string)), 401, "AccountTakedown")
}

func TestServerTakedownLogin(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "tina.test")
	app := n.procedure(t, "com.atproto.server.createAppPassword", map[string]any{"name": "phone"}, u.Access).JSON(t)["password"].(string)
	srvSetStatus(t, n, u.DID, kv.StatusTakendown)

	r := n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": "tina.test", "password": u.Password}, "")
	expect(t, r, 401, "AccountTakedown")
	// App passwords do not sign in to a taken-down account at all.
	r = n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": "tina.test", "password": app, "allowTakendown": true}, "")
	expect(t, r, 401, "AuthenticationRequired")
	r = n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": "tina.test", "password": u.Password, "allowTakendown": true}, "")
	expect(t, r, 200, "")
	out := r.JSON(t)
	if out["active"] != false || out["status"] != "takendown" {
		t.Fatalf("takendown session: %v", out)
	}
	access := out["accessJwt"].(string)
	if c := srvClaims(t, access); c["scope"] != "com.atproto.takendown" {
		t.Fatalf("scope %v", c["scope"])
	}
	// The session may only leave: a createAccount service token, and
	// deactivation.
	expect(t, n.query(t, "com.atproto.server.getServiceAuth", "aud=did:web:new-pds.example&lxm=com.atproto.server.createAccount", access), 200, "")
	expect(t, n.query(t, "com.atproto.server.getServiceAuth", "aud=did:web:new-pds.example&lxm=app.bsky.feed.getTimeline", access), 400, "InvalidToken")
	expect(t, n.query(t, "com.atproto.server.listAppPasswords", "", access), 400, "InvalidToken")
	// Full sessions from before the takedown meet the status checks.
	expect(t, n.procedure(t, "com.atproto.server.createAppPassword", map[string]any{"name": "x"}, u.Access), 401, "AccountTakedown")
	expect(t, n.procedure(t, "com.atproto.server.requestAccountDelete", nil, u.Access), 401, "AccountTakedown")
	expect(t, n.procedure(t, "com.atproto.server.deactivateAccount", map[string]any{}, access), 200, "")
	// A taken-down account cannot activate itself.
	expect(t, n.procedure(t, "com.atproto.server.activateAccount", nil, u.Access), 400, "")
}

func TestServerExpiredTokens(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "otto.test")
	// Sessions and codes issued three hours ago by the node's own
	// secret and tables.
	past := func() time.Time { return time.Now().Add(-3 * time.Hour) }
	secret, _ := account.NewJWTSecret(bytes.Repeat([]byte{9}, 32))
	serviceDID, _ := atp.ParseDID("did:web:localhost")
	old, err := account.NewSessions(n.DB, account.SessionConfig{ServiceDID: serviceDID, Secret: secret, Now: past,
		AccessLifetime: time.Hour, RefreshLifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	tokens, err := old.Create(u.DID, account.SessionOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := n.query(t, "com.atproto.server.getSession", "", tokens.AccessJWT)
	expect(t, r, 400, "ExpiredToken")
	if r.JSON(t)["message"] != "Token has expired" {
		t.Fatalf("expired access: %s", r.Body)
	}
	expect(t, n.procedure(t, "com.atproto.server.refreshSession", nil, tokens.RefreshJWT), 400, "ExpiredToken")
	// deleteSession takes expired refresh tokens.
	expect(t, n.procedure(t, "com.atproto.server.deleteSession", nil, tokens.RefreshJWT), 200, "")

	codes := account.NewEmailTokens(n.DB, account.EmailTokenConfig{Now: past})
	code, err := codes.Create(account.PurposeConfirmEmail, u.DID)
	if err != nil {
		t.Fatal(err)
	}
	r = n.procedure(t, "com.atproto.server.confirmEmail", map[string]any{"email": u.Email, "token": code}, u.Access)
	expect(t, r, 400, "ExpiredToken")
	if r.JSON(t)["message"] != "Token is expired" {
		t.Fatalf("expired code: %s", r.Body)
	}
	code, err = codes.Create(account.PurposeResetPassword, u.DID)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, n.procedure(t, "com.atproto.server.resetPassword", map[string]any{"token": code, "password": "x"}, ""), 400, "ExpiredToken")
	code, err = codes.Create(account.PurposeDeleteAccount, u.DID)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, n.procedure(t, "com.atproto.server.deleteAccount", map[string]any{"did": u.DID.String(), "password": u.Password, "token": code}, ""), 400, "ExpiredToken")
}
