package httpapi_test

import (
	"context"
	"net/url"
	"testing"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

func TestResolveHandle(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	bob := n.mustAccount(t, "bob.test")
	resolve := func(h string) response {
		return n.query(t, "com.atproto.identity.resolveHandle", "handle="+url.QueryEscape(h), "")
	}
	for _, tc := range []struct {
		handle string
		did    atp.DID
	}{
		{"alice.test", alice.DID},
		{"ALICE.Test", alice.DID},
		{"bob.test", bob.DID},
	} {
		r := resolve(tc.handle)
		expect(t, r, 200, "")
		if got := r.JSON(t)["did"]; got != tc.did.String() {
			t.Errorf("%s resolved to %v, want %s", tc.handle, got, tc.did)
		}
	}

	// A handle under our domains that nobody holds is ours to deny.
	identExpectError(t, resolve("nobody.test"), 400, "HandleNotFound", "Unable to resolve handle")
	// Others go to the directory; failures there are plain
	// InvalidRequest, as in the reference (.example never resolves, so no
	// lookup leaves the machine).
	identExpectError(t, resolve("someone.example"), 400, "InvalidRequest", "Unable to resolve handle")
	expect(t, resolve("not a handle"), 400, "InvalidRequest")
	expect(t, n.query(t, "com.atproto.identity.resolveHandle", "", ""), 400, "InvalidRequest")

	// Deactivated and taken-down accounts are left out, as the
	// reference's default account lookup leaves them out.
	identSetState(t, n, bob.DID, func(st *kv.AccountState) { st.Status = kv.StatusDeactivated })
	identExpectError(t, resolve("bob.test"), 400, "HandleNotFound", "Unable to resolve handle")
	identSetState(t, n, bob.DID, func(st *kv.AccountState) { st.Status = kv.StatusActive; st.TakedownRef = "mod-1" })
	expect(t, resolve("bob.test"), 400, "HandleNotFound")
	identSetState(t, n, bob.DID, func(st *kv.AccountState) { st.TakedownRef = "" })
	expect(t, resolve("bob.test"), 200, "")
}

func TestResolveDid(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	r := n.query(t, "com.atproto.identity.resolveDid", "did="+alice.DID.String(), "")
	expect(t, r, 200, "")
	doc := r.JSON(t)["didDoc"].(map[string]any)
	if doc["id"] != alice.DID.String() {
		t.Fatalf("didDoc id %v", doc["id"])
	}
	if aka := doc["alsoKnownAs"].([]any); len(aka) != 1 || aka[0] != "at://alice.test" {
		t.Fatalf("alsoKnownAs %v", aka)
	}
	svc := doc["service"].([]any)[0].(map[string]any)
	if svc["serviceEndpoint"] != n.URL || svc["type"] != identity.TypePDS {
		t.Fatalf("service %v", svc)
	}
	vm := doc["verificationMethod"].([]any)[0].(map[string]any)
	if vm["publicKeyMultibase"] != alice.Key.Public().DIDKey()[len("did:key:"):] {
		t.Fatalf("verification method %v", vm)
	}

	identExpectError(t, n.query(t, "com.atproto.identity.resolveDid", "did=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", ""),
		400, "DidNotFound", "DID not found")
	expect(t, n.query(t, "com.atproto.identity.resolveDid", "did=did:example:123", ""), 400, "InvalidRequest")
	expect(t, n.query(t, "com.atproto.identity.resolveDid", "did=nope", ""), 400, "InvalidRequest")

	// A tombstoned DID has been deactivated.
	op, err := identity.TombstoneOp(identLastOp(t, n, alice.DID))
	if err != nil {
		t.Fatal(err)
	}
	if op, err = identity.Sign(op, n.RotationKey); err != nil {
		t.Fatal(err)
	}
	if err := n.PLCClient.Submit(context.Background(), alice.DID, op); err != nil {
		t.Fatal(err)
	}
	expect(t, n.procedure(t, "com.atproto.identity.refreshIdentity", map[string]any{"identifier": alice.DID.String()}, ""),
		400, "DidDeactivated")
	expect(t, n.query(t, "com.atproto.identity.resolveDid", "did="+alice.DID.String(), ""), 400, "DidDeactivated")
}

func TestResolveIdentity(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	info := func(r response) (did, handle string) {
		t.Helper()
		expect(t, r, 200, "")
		m := r.JSON(t)
		doc, _ := m["didDoc"].(map[string]any)
		if doc["id"] != m["did"] {
			t.Fatalf("didDoc id %v for did %v", doc["id"], m["did"])
		}
		return m["did"].(string), m["handle"].(string)
	}
	resolve := func(id string) response {
		return n.query(t, "com.atproto.identity.resolveIdentity", "identifier="+url.QueryEscape(id), "")
	}
	refresh := func(id string) response {
		return n.procedure(t, "com.atproto.identity.refreshIdentity", map[string]any{"identifier": id}, "")
	}

	for _, id := range []string{alice.DID.String(), "alice.test", "Alice.TEST"} {
		did, handle := info(resolve(id))
		if did != alice.DID.String() || handle != "alice.test" {
			t.Fatalf("%s: did %s handle %s", id, did, handle)
		}
	}
	did, handle := info(refresh("alice.test"))
	if did != alice.DID.String() || handle != "alice.test" {
		t.Fatalf("refresh: did %s handle %s", did, handle)
	}
	identExpectError(t, resolve("nobody.test"), 400, "HandleNotFound", "Unable to resolve handle")
	expect(t, resolve("did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"), 400, "DidNotFound")
	expect(t, resolve("not_an_identifier"), 400, "InvalidRequest")
	expect(t, refresh("not_an_identifier"), 400, "InvalidRequest")

	// A DID whose document claims a handle nobody here holds has no
	// valid handle.
	key, err := crypto.GeneratePrivateKey(crypto.K256, nil)
	if err != nil {
		t.Fatal(err)
	}
	mallory, _ := atp.ParseHandle("mallory.test")
	op, err := identity.GenesisOp(key.Public(), []string{key.Public().DIDKey()}, mallory, "https://elsewhere.example.com")
	if err != nil {
		t.Fatal(err)
	}
	if op, err = identity.Sign(op, key); err != nil {
		t.Fatal(err)
	}
	malloryDID, err := identity.DIDForGenesis(op)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.PLCClient.Submit(context.Background(), malloryDID, op); err != nil {
		t.Fatal(err)
	}
	if _, handle := info(resolve(malloryDID.String())); handle != atp.HandleInvalid.String() {
		t.Fatalf("mallory's handle %s, want handle.invalid", handle)
	}

	// Alice's document changes behind the server's back: the cached
	// answer lasts until a refresh.
	other, _ := atp.ParseHandle("other.test")
	identSubmitPLC(t, n, alice.DID, n.RotationKey, identity.OpChanges{Handle: other})
	if _, handle := info(resolve(alice.DID.String())); handle != "alice.test" {
		t.Fatalf("cached handle %s, want alice.test", handle)
	}
	if _, handle := info(refresh(alice.DID.String())); handle != atp.HandleInvalid.String() {
		t.Fatalf("refreshed handle %s, want handle.invalid", handle)
	}
	// By handle, the document no longer claims it.
	expect(t, resolve("alice.test"), 400, "HandleMismatch")
}
