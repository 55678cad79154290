package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/kv"
)

// adminCall calls an XRPC method as the admin.
func (n *testNode) adminCall(t *testing.T, method, nsid, query string, body any) response {
	t.Helper()
	h := n.adminHeader()
	path := "/xrpc/" + nsid
	if query != "" {
		path += "?" + query
	}
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
		h["Content-Type"] = "application/json"
	}
	return n.request(t, method, path, h, r)
}

// lastEvent returns the body of the latest firehose event.
func (n *testNode) lastEvent(t *testing.T) (string, map[string]any) {
	t.Helper()
	evs, err := n.Events.Read(n.Seq.Head()-1, 1)
	if err != nil || len(evs) != 1 {
		t.Fatalf("read last event: %v", err)
	}
	r := dagcbor.NewReader(evs[0].Frame)
	r.Skip()
	hdr, _ := dagcbor.Unmarshal(evs[0].Frame[:r.Offset()])
	body, _ := dagcbor.Unmarshal(evs[0].Frame[r.Offset():])
	return hdr.(map[string]any)["t"].(string), body.(map[string]any)
}

func TestAdminTakedown(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	n.writePosts(t, a, 2)
	expect(t, n.procedure(t, "com.atproto.admin.updateSubjectStatus", map[string]any{
		"subject":  map[string]any{"$type": "com.atproto.admin.defs#repoRef", "did": a.DID.String()},
		"takedown": map[string]any{"applied": true, "ref": "mod-1"}}, a.Access), 401, "")

	r := n.adminCall(t, "POST", "com.atproto.admin.updateSubjectStatus", "", map[string]any{
		"subject":  map[string]any{"$type": "com.atproto.admin.defs#repoRef", "did": a.DID.String()},
		"takedown": map[string]any{"applied": true, "ref": "mod-1"}})
	expect(t, r, 200, "")
	kind, body := n.lastEvent(t)
	if kind != "#account" || body["active"] != false || body["status"] != "takendown" {
		t.Fatalf("event %s %v", kind, body)
	}
	expect(t, n.query(t, "com.atproto.sync.getRepo", "did="+a.DID.String(), ""), 400, "RepoTakendown")
	// As the reference: the account is hidden from its own old session.
	expect(t, n.query(t, "com.atproto.server.getSession", "", a.Access), 400, "InvalidRequest")
	st := n.adminCall(t, "GET", "com.atproto.admin.getSubjectStatus", "did="+a.DID.String(), nil).JSON(t)
	if td := st["takedown"].(map[string]any); td["applied"] != true || td["ref"] != "mod-1" {
		t.Fatalf("getSubjectStatus %v", st)
	}
	// Reversal brings the account back.
	expect(t, n.adminCall(t, "POST", "com.atproto.admin.updateSubjectStatus", "", map[string]any{
		"subject":  map[string]any{"$type": "com.atproto.admin.defs#repoRef", "did": a.DID.String()},
		"takedown": map[string]any{"applied": false}}), 200, "")
	kind, body = n.lastEvent(t)
	if kind != "#account" || body["active"] != true {
		t.Fatalf("event %s %v", kind, body)
	}
	expect(t, n.query(t, "com.atproto.sync.getRepo", "did="+a.DID.String(), ""), 200, "")

	// A record takedown is recorded and reported.
	uri := n.writePosts(t, a, 1)[0].URIs[0].String()
	expect(t, n.adminCall(t, "POST", "com.atproto.admin.updateSubjectStatus", "", map[string]any{
		"subject":  map[string]any{"$type": "com.atproto.repo.strongRef", "uri": uri, "cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"},
		"takedown": map[string]any{"applied": true, "ref": "rec-1"}}), 200, "")
	st = n.adminCall(t, "GET", "com.atproto.admin.getSubjectStatus", "uri="+uri, nil).JSON(t)
	if td := st["takedown"].(map[string]any); td["applied"] != true || td["ref"] != "rec-1" {
		t.Fatalf("record status %v", st)
	}
}

func TestAdminAccounts(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	b := n.mustAccount(t, "bob.test")
	info := n.adminCall(t, "GET", "com.atproto.admin.getAccountInfo", "did="+a.DID.String(), nil).JSON(t)
	if info["handle"] != "alice.test" || info["email"] != a.Email {
		t.Fatalf("getAccountInfo %v", info)
	}
	infos := n.adminCall(t, "GET", "com.atproto.admin.getAccountInfos", "dids="+a.DID.String()+"&dids="+b.DID.String(), nil).JSON(t)
	if len(infos["infos"].([]any)) != 2 {
		t.Fatalf("getAccountInfos %v", infos)
	}
	found := n.adminCall(t, "GET", "com.atproto.admin.searchAccounts", "email=bob", nil).JSON(t)
	if accts := found["accounts"].([]any); len(accts) != 1 || accts[0].(map[string]any)["did"] != b.DID.String() {
		t.Fatalf("searchAccounts %v", found)
	}

	expect(t, n.adminCall(t, "POST", "com.atproto.admin.updateAccountPassword", "", map[string]any{
		"did": a.DID.String(), "password": "brand-new-password"}), 200, "")
	expect(t, n.procedure(t, "com.atproto.server.createSession", map[string]any{
		"identifier": "alice.test", "password": a.Password}, ""), 401, "")
	expect(t, n.procedure(t, "com.atproto.server.createSession", map[string]any{
		"identifier": "alice.test", "password": "brand-new-password"}, ""), 200, "")

	expect(t, n.adminCall(t, "POST", "com.atproto.admin.updateAccountEmail", "", map[string]any{
		"account": a.DID.String(), "email": "Alice.New@Example.com"}), 200, "")
	info = n.adminCall(t, "GET", "com.atproto.admin.getAccountInfo", "did="+a.DID.String(), nil).JSON(t)
	if info["email"] != "alice.new@example.com" {
		t.Fatalf("email %v", info["email"])
	}

	expect(t, n.adminCall(t, "POST", "com.atproto.admin.updateAccountHandle", "", map[string]any{
		"did": a.DID.String(), "handle": "alice2.test"}), 200, "")
	if did, err := n.Index.HandleDID(mustHandle(t, "alice2.test")); err != nil || did != a.DID {
		t.Fatalf("handle index %v %v", did, err)
	}

	expect(t, n.adminCall(t, "POST", "com.atproto.admin.sendEmail", "", map[string]any{
		"recipientDid": b.DID.String(), "content": "hello from the admin", "senderDid": "did:example:admin"}), 200, "")
	mail, err := account.ReadOutbox(n.MailPath)
	if err != nil || len(mail) == 0 || mail[len(mail)-1].Text != "hello from the admin" {
		t.Fatalf("outbox %v %v", mail, err)
	}

	expect(t, n.adminCall(t, "POST", "com.atproto.admin.disableAccountInvites", "", map[string]any{"account": b.DID.String()}), 200, "")
	info = n.adminCall(t, "GET", "com.atproto.admin.getAccountInfo", "did="+b.DID.String(), nil).JSON(t)
	if info["invitesDisabled"] != true {
		t.Fatalf("invitesDisabled %v", info)
	}
	codes := n.adminCall(t, "POST", "com.atproto.server.createInviteCodes", "", map[string]any{"codeCount": 2, "useCount": 1})
	expect(t, codes, 200, "")
	list := n.adminCall(t, "GET", "com.atproto.admin.getInviteCodes", "", nil).JSON(t)
	if len(list["codes"].([]any)) < 2 {
		t.Fatalf("getInviteCodes %v", list)
	}

	expect(t, n.adminCall(t, "POST", "com.atproto.admin.deleteAccount", "", map[string]any{"did": b.DID.String()}), 200, "")
	kind, body := n.lastEvent(t)
	if kind != "#account" || body["status"] != "deleted" {
		t.Fatalf("event %s %v", kind, body)
	}
	expect(t, n.adminCall(t, "GET", "com.atproto.admin.getAccountInfo", "did="+b.DID.String(), nil), 400, "NotFound")
	err = n.Registry.View(context.Background(), b.DID, func(tx *kv.AccountTx) error {
		st, err := tx.AccountState()
		if err == nil && st.Status != kv.StatusDeleted {
			t.Errorf("status %q", st.Status)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestAdminRecordTakedown: as on the reference, a record taken down is not
// served by getRecord (with or without its cid) nor listed by listRecords,
// where it does not count against the limit; sync.getRecord still proves
// it, its takedown ends with the reversal or with the record.
func TestAdminRecordTakedown(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	repoQ := "repo=" + a.DID.String() + "&collection=app.bsky.feed.post"
	put := func(rkey, text string) string {
		t.Helper()
		r := n.procedure(t, "com.atproto.repo.putRecord", map[string]any{"repo": a.DID.String(),
			"collection": "app.bsky.feed.post", "rkey": rkey, "record": rpPost(text)}, a.Access)
		expect(t, r, 200, "")
		return rpStr(t, r.JSON(t), "cid")
	}
	put("3kaaaaaaaaaa2", "first")
	cid := put("3kaaaaaaaaab2", "taken")
	put("3kaaaaaaaaac2", "third")
	uri := "at://" + a.DID.String() + "/app.bsky.feed.post/3kaaaaaaaaab2"
	setTakedown := func(applied bool) {
		t.Helper()
		expect(t, n.adminCall(t, "POST", "com.atproto.admin.updateSubjectStatus", "", map[string]any{
			"subject":  map[string]any{"$type": "com.atproto.repo.strongRef", "uri": uri, "cid": cid},
			"takedown": map[string]any{"applied": applied}}), 200, "")
	}
	listed := func(query string) (rkeys []string, cursor any) {
		t.Helper()
		r := n.query(t, "com.atproto.repo.listRecords", repoQ+query, "")
		expect(t, r, 200, "")
		body := r.JSON(t)
		for _, rec := range body["records"].([]any) {
			u := rec.(map[string]any)["uri"].(string)
			rkeys = append(rkeys, u[strings.LastIndexByte(u, '/')+1:])
		}
		return rkeys, body["cursor"]
	}

	setTakedown(true)
	expect(t, n.query(t, "com.atproto.repo.getRecord", repoQ+"&rkey=3kaaaaaaaaab2", ""), 400, "RecordNotFound")
	expect(t, n.query(t, "com.atproto.repo.getRecord", repoQ+"&rkey=3kaaaaaaaaab2&cid="+cid, ""), 400, "RecordNotFound")
	expect(t, n.query(t, "com.atproto.repo.getRecord", repoQ+"&rkey=3kaaaaaaaaaa2", ""), 200, "")
	if got, cur := listed("&limit=2"); strings.Join(got, " ") != "3kaaaaaaaaac2 3kaaaaaaaaaa2" || cur != "3kaaaaaaaaaa2" {
		t.Fatalf("listRecords limit 2: %v, cursor %v", got, cur)
	}
	if got, _ := listed("&reverse=true"); strings.Join(got, " ") != "3kaaaaaaaaaa2 3kaaaaaaaaac2" {
		t.Fatalf("listRecords reverse: %v", got)
	}
	expect(t, n.query(t, "com.atproto.sync.getRecord", "did="+a.DID.String()+"&collection=app.bsky.feed.post&rkey=3kaaaaaaaaab2", ""), 200, "")
	// Without a ref, the takedown is recorded with the time, as the
	// reference records it.
	st := n.adminCall(t, "GET", "com.atproto.admin.getSubjectStatus", "uri="+uri, nil).JSON(t)
	if td := st["takedown"].(map[string]any); td["applied"] != true || td["ref"] == nil || td["ref"] == "" {
		t.Fatalf("getSubjectStatus %v", st)
	}

	// An update keeps the takedown; reversal ends it.
	cid = put("3kaaaaaaaaab2", "taken, edited")
	expect(t, n.query(t, "com.atproto.repo.getRecord", repoQ+"&rkey=3kaaaaaaaaab2", ""), 400, "RecordNotFound")
	setTakedown(false)
	expect(t, n.query(t, "com.atproto.repo.getRecord", repoQ+"&rkey=3kaaaaaaaaab2", ""), 200, "")
	if got, _ := listed(""); len(got) != 3 {
		t.Fatalf("listRecords after reversal: %v", got)
	}

	// Deleting the record ends its takedown: one made again at the same
	// path is served.
	setTakedown(true)
	expect(t, n.procedure(t, "com.atproto.repo.deleteRecord", map[string]any{"repo": a.DID.String(),
		"collection": "app.bsky.feed.post", "rkey": "3kaaaaaaaaab2"}, a.Access), 200, "")
	put("3kaaaaaaaaab2", "again")
	expect(t, n.query(t, "com.atproto.repo.getRecord", repoQ+"&rkey=3kaaaaaaaaab2", ""), 200, "")
}

// TestAdminSubjectStatusAccounts: account subjects answer as on the
// reference: getSubjectStatus always reports deactivated; a takedown of
// an account not hosted here is acknowledged, its (de)activation refused
// with the reference's errors; deactivation and takedown are independent.
func TestAdminSubjectStatusAccounts(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	subject := map[string]any{"$type": "com.atproto.admin.defs#repoRef", "did": a.DID.String()}
	set := func(body map[string]any) response {
		t.Helper()
		return n.adminCall(t, "POST", "com.atproto.admin.updateSubjectStatus", "", body)
	}
	status := func() (takedown, deactivated bool) {
		t.Helper()
		st := n.adminCall(t, "GET", "com.atproto.admin.getSubjectStatus", "did="+a.DID.String(), nil).JSON(t)
		td, _ := st["takedown"].(map[string]any)
		de, ok := st["deactivated"].(map[string]any)
		if !ok {
			t.Fatalf("getSubjectStatus has no deactivated: %v", st)
		}
		return td["applied"] == true, de["applied"] == true
	}
	if td, de := status(); td || de {
		t.Fatalf("fresh account: takedown %v, deactivated %v", td, de)
	}

	unknown := map[string]any{"$type": "com.atproto.admin.defs#repoRef", "did": "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"}
	before := n.Seq.Head()
	r := set(map[string]any{"subject": unknown, "takedown": map[string]any{"applied": true, "ref": "x"}})
	expect(t, r, 200, "")
	if body := r.JSON(t); body["subject"].(map[string]any)["did"] != "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa" || body["takedown"].(map[string]any)["ref"] != "x" {
		t.Fatalf("unknown account: %s", r.Body)
	}
	if n.Seq.Head() != before {
		t.Fatal("an event for an account not hosted here")
	}
	expect(t, set(map[string]any{"subject": unknown, "deactivated": map[string]any{"applied": true}}), 400, "InvalidRequest")
	expect(t, set(map[string]any{"subject": unknown, "deactivated": map[string]any{"applied": false}}), 400, "AccountNotFound")
	expect(t, set(map[string]any{"subject": subject, "takedown": map[string]any{"applied": true},
		"deactivated": map[string]any{"applied": false}}), 400, "InvalidRequest")

	// Without a change the status is announced again.
	expect(t, set(map[string]any{"subject": subject}), 200, "")
	if kind, body := n.lastEvent(t); kind != "#account" || body["active"] != true {
		t.Fatalf("event %s %v", kind, body)
	}

	expect(t, set(map[string]any{"subject": subject, "deactivated": map[string]any{"applied": true}}), 200, "")
	if kind, body := n.lastEvent(t); kind != "#account" || body["status"] != "deactivated" {
		t.Fatalf("event %s %v", kind, body)
	}
	expect(t, set(map[string]any{"subject": subject, "takedown": map[string]any{"applied": true}}), 200, "")
	if td, de := status(); !td || !de {
		t.Fatalf("taken down while deactivated: takedown %v, deactivated %v", td, de)
	}
	// A taken-down account cannot be activated; after the reversal it is
	// still deactivated, and then it can.
	expect(t, set(map[string]any{"subject": subject, "deactivated": map[string]any{"applied": false}}), 400, "AccountNotFound")
	expect(t, set(map[string]any{"subject": subject, "takedown": map[string]any{"applied": false}}), 200, "")
	if td, de := status(); td || !de {
		t.Fatalf("after reversal: takedown %v, deactivated %v", td, de)
	}
	expect(t, set(map[string]any{"subject": subject, "deactivated": map[string]any{"applied": false}}), 200, "")
	if td, de := status(); td || de {
		t.Fatalf("after activation: takedown %v, deactivated %v", td, de)
	}
	if info := n.adminCall(t, "GET", "com.atproto.admin.getAccountInfo", "did="+a.DID.String(), nil).JSON(t); info["deactivatedAt"] != nil {
		t.Fatalf("deactivatedAt after activation: %v", info)
	}
}

// TestAdminAccountsAsReference: the account view lists the account's
// invite codes (none is []), unknown accounts are NotFound, the admin's
// email change leaves the address unconfirmed, and a code given to
// createAccount where none is required is used.
func TestAdminAccountsAsReference(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := srvNewUser(t, n, "amy.test")
	info := func() map[string]any {
		t.Helper()
		r := n.adminCall(t, "GET", "com.atproto.admin.getAccountInfo", "did="+a.DID.String(), nil)
		expect(t, r, 200, "")
		return r.JSON(t)
	}
	if inv, ok := info()["invites"].([]any); !ok || len(inv) != 0 {
		t.Fatalf("invites of an account with none: %v", info())
	}
	r := n.adminCall(t, "POST", "com.atproto.server.createInviteCodes", "", map[string]any{"codeCount": 2, "useCount": 1, "forAccounts": []string{a.DID.String()}})
	expect(t, r, 200, "")
	codes := r.JSON(t)["codes"].([]any)[0].(map[string]any)["codes"].([]any)
	expect(t, n.adminCall(t, "POST", "com.atproto.admin.disableInviteCodes", "", map[string]any{"codes": []any{codes[0]}}), 200, "")
	if inv := info()["invites"].([]any); len(inv) != 2 {
		t.Fatalf("invites: %v", inv)
	}
	infos := n.adminCall(t, "GET", "com.atproto.admin.getAccountInfos", "dids="+a.DID.String(), nil).JSON(t)["infos"].([]any)
	if inv := infos[0].(map[string]any)["invites"].([]any); len(inv) != 2 {
		t.Fatalf("getAccountInfos invites: %v", inv)
	}
	expect(t, n.adminCall(t, "GET", "com.atproto.admin.getAccountInfo", "did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", nil), 400, "NotFound")

	// The new address is not confirmed, and tokens mailed before are void.
	expect(t, n.procedure(t, "com.atproto.server.requestEmailConfirmation", nil, a.Access), 200, "")
	token := srvMailedToken(t, n, a.Email)
	expect(t, n.procedure(t, "com.atproto.server.confirmEmail", map[string]any{"email": a.Email, "token": token}, a.Access), 200, "")
	expect(t, n.procedure(t, "com.atproto.server.requestEmailUpdate", nil, a.Access), 200, "")
	if info()["emailConfirmedAt"] == nil {
		t.Fatal("email not confirmed")
	}
	expect(t, n.adminCall(t, "POST", "com.atproto.admin.updateAccountEmail", "", map[string]any{"account": a.Handle, "email": "amy.new@mail.example"}), 200, "")
	if got := info(); got["email"] != "amy.new@mail.example" || got["emailConfirmedAt"] != nil {
		t.Fatalf("after updateAccountEmail: %v", got)
	}
	if s := srvLogin(t, n, "amy.new@mail.example", a.Password); s["emailConfirmed"] != false {
		t.Fatalf("session after updateAccountEmail: %v", s)
	}
	expect(t, n.procedure(t, "com.atproto.server.updateEmail", map[string]any{"email": "amy.other@mail.example", "token": srvMailedToken(t, n, a.Email)}, a.Access), 400, "")
	expect(t, n.adminCall(t, "POST", "com.atproto.admin.updateAccountEmail", "", map[string]any{"account": "nobody.test", "email": "x@mail.example"}), 400, "InvalidRequest")
	expect(t, n.adminCall(t, "POST", "com.atproto.admin.sendEmail", "", map[string]any{"recipientDid": "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "content": "hi", "senderDid": "did:example:admin"}), 400, "InvalidRequest")

	// Invites are not required here; the code given is used all the same.
	out := srvSignup(t, n, map[string]any{"handle": "ben.test", "email": "ben@mail.example", "password": "pw-ben.test", "inviteCode": codes[1]})
	list := n.adminCall(t, "GET", "com.atproto.admin.getInviteCodes", "", nil).JSON(t)["codes"].([]any)
	for _, c := range list {
		c := c.(map[string]any)
		if c["code"] != codes[1] {
			continue
		}
		if uses := c["uses"].([]any); len(uses) != 1 || uses[0].(map[string]any)["usedBy"] != out["did"] {
			t.Fatalf("uses of the code: %v", c["uses"])
		}
		return
	}
	t.Fatalf("code %v not listed: %v", codes[1], list)
}
