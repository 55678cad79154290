package httpapi_test

import (
	"testing"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/kv"
)

func TestUpdateHandle(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	n.mustAccount(t, "bob.test")
	update := func(handle, token string) response {
		return n.procedure(t, "com.atproto.identity.updateHandle", map[string]any{"handle": handle}, token)
	}
	// Warm the directory's cache so that the update must purge it.
	expect(t, n.query(t, "com.atproto.identity.resolveIdentity", "identifier="+alice.DID.String(), ""), 200, "")
	logLen := len(n.PLC.AuditLog(alice.DID))

	r := update("Alice2.TEST", alice.Access)
	expect(t, r, 200, "")
	if len(r.Body) != 0 {
		t.Fatalf("body %q, want none", r.Body)
	}
	log := n.PLC.AuditLog(alice.DID)
	if len(log) != logLen+1 {
		t.Fatalf("PLC log has %d entries, want %d", len(log), logLen+1)
	}
	op := log[len(log)-1].Operation
	if len(op.AlsoKnownAs) != 1 || op.AlsoKnownAs[0] != "at://alice2.test" {
		t.Fatalf("alsoKnownAs %v", op.AlsoKnownAs)
	}
	if i, err := op.VerifySignature([]string{n.RotationKey.Public().DIDKey()}); err != nil || i != 0 {
		t.Fatalf("operation not signed by the rotation key: %d %v", i, err)
	}
	identWaitIdentity(t, n, alice.DID, "alice2.test")

	// The index, the state and the directory caches follow.
	r = n.query(t, "com.atproto.identity.resolveHandle", "handle=alice2.test", "")
	expect(t, r, 200, "")
	if r.JSON(t)["did"] != alice.DID.String() {
		t.Fatalf("alice2.test resolves to %v", r.JSON(t)["did"])
	}
	expect(t, n.query(t, "com.atproto.identity.resolveHandle", "handle=alice.test", ""), 400, "HandleNotFound")
	r = n.query(t, "com.atproto.identity.resolveIdentity", "identifier="+alice.DID.String(), "")
	expect(t, r, 200, "")
	if got := r.JSON(t)["handle"]; got != "alice2.test" {
		t.Fatalf("resolveIdentity handle %v", got)
	}
	var st kv.AccountState
	n.Registry.View(t.Context(), alice.DID, func(tx *kv.AccountTx) error {
		var err error
		st, err = tx.AccountState()
		return err
	})
	if st.Handle.String() != "alice2.test" {
		t.Fatalf("stored handle %s", st.Handle)
	}
	// The old handle is free again.
	carol := n.mustAccount(t, "carol.test")
	expect(t, update("alice.test", carol.Access), 200, "")

	// Setting the same handle again is accepted and announced again.
	before := identIdentityCount(t, n, alice.DID)
	expect(t, update("alice2.test", alice.Access), 200, "")
	if identWaitIdentity(t, n, alice.DID, "alice2.test") != before+1 {
		t.Fatal("no new #identity for an unchanged handle")
	}

	// App passwords may change the handle, as in the reference.
	expect(t, update("alice3.test", identAppPasswordSession(t, n, alice)), 200, "")
}

func TestUpdateHandleRefusals(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	n.mustAccount(t, "bob.test")
	update := func(handle, token string) response {
		return n.procedure(t, "com.atproto.identity.updateHandle", map[string]any{"handle": handle}, token)
	}
	logLen := len(n.PLC.AuditLog(alice.DID))
	for _, tc := range []struct {
		handle, name, msg string
	}{
		{"bob.test", "HandleNotAvailable", "Handle already taken: bob.test"},
		{"BOB.test", "HandleNotAvailable", "Handle already taken: bob.test"},
		{"ab.test", "InvalidHandle", "Handle too short"},
		{"abcdefghijklmnopqrs.test", "InvalidHandle", "Handle too long"},
		{"a.b.test", "InvalidHandle", "Invalid characters in handle"},
		{"admin.test", "HandleNotAvailable", "Reserved handle"},
		{"alice.local", "InvalidHandle", "Handle TLD is invalid or disallowed"},
		{"not a handle", "InvalidRequest", ""},
	} {
		identExpectError(t, update(tc.handle, alice.Access), 400, tc.name, tc.msg)
	}
	expect(t, update("alice2.test", ""), 401, "AuthMissing")
	expect(t, n.procedure(t, "com.atproto.identity.updateHandle", map[string]any{}, alice.Access), 400, "InvalidRequest")

	// Taken-down accounts may not change their handle.
	identSetState(t, n, alice.DID, func(st *kv.AccountState) { st.TakedownRef = "mod-1" })
	expect(t, update("alice2.test", alice.Access), 401, "AccountTakedown")
	identSetState(t, n, alice.DID, func(st *kv.AccountState) { st.TakedownRef = "" })

	if got := len(n.PLC.AuditLog(alice.DID)); got != logLen {
		t.Fatalf("refused updates wrote %d PLC operations", got-logLen)
	}
}

func TestUpdateHandleExternal(t *testing.T) {
	// With ".pds.test" as the user domain, other .test names are
	// external handles. .test is reserved (RFC 6761): lookups of it get
	// no answer.
	n := mustNode(t, nodeOptions{handleDomains: []string{".pds.test"}})
	alice := n.mustAccount(t, "alice.pds.test")
	logLen := len(n.PLC.AuditLog(alice.DID))
	r := n.procedure(t, "com.atproto.identity.updateHandle", map[string]any{"handle": "alice.elsewhere.test"}, alice.Access)
	identExpectError(t, r, 400, "InvalidRequest", "External handle did not resolve to DID")
	if got := len(n.PLC.AuditLog(alice.DID)); got != logLen {
		t.Fatalf("a refused update wrote %d PLC operations", got-logLen)
	}
	h, _ := atp.ParseHandle("alice.pds.test")
	if did, err := n.Index.HandleDID(h); err != nil || did != alice.DID {
		t.Fatalf("index lost the old handle: %v %v", did, err)
	}
}

func TestUpdateHandleDIDWeb(t *testing.T) {
	// A did:web under a user domain is served by this server from the
	// account's state, so its handle changes without a PLC operation.
	n := mustNode(t, nodeOptions{didMethod: "web"})
	did, err := atp.ParseDID("did:web:carol.test")
	if err != nil {
		t.Fatal(err)
	}
	carol := identIncomingAccount(t, n, did, "carol.test", "carol@example.com")
	identSetState(t, n, did, func(st *kv.AccountState) { st.Status = kv.StatusActive })

	expect(t, n.procedure(t, "com.atproto.identity.updateHandle", map[string]any{"handle": "carol2.test"}, carol.Access), 200, "")
	identWaitIdentity(t, n, did, "carol2.test")
	r := n.query(t, "com.atproto.identity.resolveIdentity", "identifier=carol2.test", "")
	expect(t, r, 200, "")
	if m := r.JSON(t); m["did"] != did.String() || m["handle"] != "carol2.test" {
		t.Fatalf("resolveIdentity: %s", r.Body)
	}
	r = n.query(t, "com.atproto.identity.resolveDid", "did="+did.String(), "")
	expect(t, r, 200, "")
	if aka := r.JSON(t)["didDoc"].(map[string]any)["alsoKnownAs"].([]any); len(aka) != 1 || aka[0] != "at://carol2.test" {
		t.Fatalf("alsoKnownAs %v", aka)
	}
	// PLC operations are for did:plc accounts only.
	identExpectError(t, n.procedure(t, "com.atproto.identity.requestPlcOperationSignature", nil, carol.Access),
		400, "InvalidRequest", "did:plc")
}
