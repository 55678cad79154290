package httpapi_test

import (
	"errors"
	"testing"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

func TestServerConfirmEmail(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "ella.test")
	expect(t, n.procedure(t, "com.atproto.server.requestEmailConfirmation", nil, u.Access), 200, "")
	token := srvMailedToken(t, n, u.Email)
	msgs := srvMailCount(t, n, u.Email)
	if msgs != 1 {
		t.Fatalf("%d messages", msgs)
	}
	expect(t, n.procedure(t, "com.atproto.server.confirmEmail", map[string]any{"email": "other@mail.example", "token": token}, u.Access), 400, "InvalidEmail")
	expect(t, n.procedure(t, "com.atproto.server.confirmEmail", map[string]any{"email": u.Email, "token": "AAAAA-BBBBB"}, u.Access), 400, "InvalidToken")
	expect(t, n.procedure(t, "com.atproto.server.confirmEmail", map[string]any{"email": u.Email, "token": token}, u.Access), 200, "")
	if s := n.query(t, "com.atproto.server.getSession", "", u.Access).JSON(t); s["emailConfirmed"] != true {
		t.Fatalf("getSession: %v", s)
	}
	// The code works once.
	expect(t, n.procedure(t, "com.atproto.server.confirmEmail", map[string]any{"email": u.Email, "token": token}, u.Access), 400, "InvalidToken")
}

func TestServerUpdateEmail(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "fred.test")
	other := srvNewUser(t, n, "gwen.test")
	// Unconfirmed: no code needed.
	r := n.procedure(t, "com.atproto.server.requestEmailUpdate", nil, u.Access)
	expect(t, r, 200, "")
	if r.JSON(t)["tokenRequired"] != false || srvMailCount(t, n, u.Email) != 0 {
		t.Fatalf("requestEmailUpdate: %s", r.Body)
	}
	expect(t, n.procedure(t, "com.atproto.server.updateEmail", map[string]any{"email": "bad address"}, u.Access), 400, "InvalidRequest")
	r = n.procedure(t, "com.atproto.server.updateEmail", map[string]any{"email": other.Email}, u.Access)
	expect(t, r, 400, "InvalidRequest")
	if r.JSON(t)["message"] != "This email address is already in use, please use a different email." {
		t.Fatalf("taken email: %s", r.Body)
	}
	expect(t, n.procedure(t, "com.atproto.server.updateEmail", map[string]any{"email": "Fred2@Mail.Example"}, u.Access), 200, "")
	srvLogin(t, n, "fred2@mail.example", u.Password)
	expect(t, n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": u.Email, "password": u.Password}, ""), 401, "")
	// The old address is free again.
	if _, err := n.Index.EmailDID(u.Email); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("old address still indexed: %v", err)
	}

	// Confirm the new address; from then on a code is required.
	expect(t, n.procedure(t, "com.atproto.server.requestEmailConfirmation", nil, u.Access), 200, "")
	confirm := srvMailedToken(t, n, "fred2@mail.example")
	expect(t, n.procedure(t, "com.atproto.server.confirmEmail", map[string]any{"email": "FRED2@mail.example", "token": confirm}, u.Access), 200, "")
	r = n.procedure(t, "com.atproto.server.requestEmailUpdate", nil, u.Access)
	if r.JSON(t)["tokenRequired"] != true {
		t.Fatalf("requestEmailUpdate: %s", r.Body)
	}
	token := srvMailedToken(t, n, "fred2@mail.example")
	expect(t, n.procedure(t, "com.atproto.server.updateEmail", map[string]any{"email": "fred3@mail.example"}, u.Access), 400, "TokenRequired")
	expect(t, n.procedure(t, "com.atproto.server.updateEmail", map[string]any{"email": "fred3@mail.example", "token": "AAAAA-BBBBB"}, u.Access), 400, "InvalidToken")
	expect(t, n.procedure(t, "com.atproto.server.updateEmail", map[string]any{"email": "fred3@mail.example", "token": token}, u.Access), 200, "")
	s := n.query(t, "com.atproto.server.getSession", "", u.Access).JSON(t)
	if s["email"] != "fred3@mail.example" || s["emailConfirmed"] != false {
		t.Fatalf("getSession: %v", s)
	}
}

func TestServerResetPassword(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "hank.test")
	second := srvLogin(t, n, "hank.test", u.Password)
	r := n.procedure(t, "com.atproto.server.requestPasswordReset", map[string]any{"email": "nobody@mail.example"}, "")
	expect(t, r, 400, "InvalidRequest")
	expect(t, n.procedure(t, "com.atproto.server.requestPasswordReset", map[string]any{"email": "HANK-test@mail.example"}, ""), 200, "")
	token := srvMailedToken(t, n, u.Email)

	expect(t, n.procedure(t, "com.atproto.server.resetPassword", map[string]any{"token": "AAAAA-BBBBB", "password": "new-pw"}, ""), 400, "InvalidToken")
	r = n.procedure(t, "com.atproto.server.resetPassword", map[string]any{"token": token, "password": string(make([]byte, 300))}, "")
	expect(t, r, 400, "InvalidRequest")
	expect(t, n.procedure(t, "com.atproto.server.resetPassword", map[string]any{"token": token, "password": "new-pw"}, ""), 200, "")
	// The new password works, the old does not, and every session ended.
	srvLogin(t, n, "hank.test", "new-pw")
	expect(t, n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": "hank.test", "password": u.Password}, ""), 401, "")
	expect(t, n.procedure(t, "com.atproto.server.refreshSession", nil, u.Refresh), 400, "ExpiredToken")
	expect(t, n.procedure(t, "com.atproto.server.refreshSession", nil, second["refreshJwt"].(string)), 400, "ExpiredToken")
	// The code was used up.
	expect(t, n.procedure(t, "com.atproto.server.resetPassword", map[string]any{"token": token, "password": "third"}, ""), 400, "InvalidToken")
}

func TestServerDeleteAccount(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "ida.test")
	app := n.procedure(t, "com.atproto.server.createAppPassword", map[string]any{"name": "x"}, u.Access).JSON(t)["password"].(string)
	expect(t, n.procedure(t, "com.atproto.server.requestAccountDelete", nil, u.Access), 200, "")
	token := srvMailedToken(t, n, u.Email)

	del := func(did, password, token string) response {
		return n.procedure(t, "com.atproto.server.deleteAccount", map[string]any{"did": did, "password": password, "token": token}, "")
	}
	expect(t, del("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", u.Password, token), 400, "InvalidRequest")
	r := del(u.DID.String(), "wrong", token)
	expect(t, r, 401, "AuthenticationRequired")
	if r.JSON(t)["message"] != "Invalid did or password" {
		t.Fatalf("wrong password: %s", r.Body)
	}
	// An app password is not the account password.
	expect(t, del(u.DID.String(), app, token), 401, "AuthenticationRequired")
	expect(t, del(u.DID.String(), u.Password, "AAAAA-BBBBB"), 400, "InvalidToken")

	before := srvHighWater(n)
	expect(t, del(u.DID.String(), u.Password, token), 200, "")
	frames := srvExpectKinds(t, n, before, u.DID, "#account")
	if frames[0].body["active"] != false || frames[0].body["status"] != "deleted" {
		t.Fatalf("#account: %v", frames[0].body)
	}
	if st := srvState(t, n, u.DID); st.Status != kv.StatusDeleted || st.PasswordHash != "" {
		t.Fatalf("state %+v", st)
	}
	h, _ := atp.ParseHandle("ida.test")
	if _, err := n.Index.HandleDID(h); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("handle still indexed: %v", err)
	}
	// Nothing works for it any more.
	for _, id := range []string{"ida.test", u.Email, u.DID.String()} {
		expect(t, n.procedure(t, "com.atproto.server.createSession", map[string]any{"identifier": id, "password": u.Password}, ""), 401, "AuthenticationRequired")
	}
	expect(t, n.procedure(t, "com.atproto.server.refreshSession", nil, u.Refresh), 400, "")
	expect(t, n.query(t, "com.atproto.server.getSession", "", u.Access), 400, "InvalidRequest")
	expect(t, n.procedure(t, "com.atproto.server.requestAccountDelete", nil, u.Access), 403, "AccountNotFound")
	expect(t, del(u.DID.String(), u.Password, token), 400, "InvalidRequest")
	// The handle and address can be taken again.
	again := srvNewUser(t, n, "ida.test")
	if again.DID == u.DID {
		t.Fatal("same DID")
	}
}
