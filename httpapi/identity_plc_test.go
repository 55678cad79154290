package httpapi_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

// identSignOp requests a token for a on n, reads it from the outbox and
// signs an operation with the given fields; it returns the response.
func identSignOp(t *testing.T, n *testNode, a *testAccount, fields map[string]any) response {
	t.Helper()
	expect(t, n.procedure(t, "com.atproto.identity.requestPlcOperationSignature", nil, a.Access), 200, "")
	body := map[string]any{"token": identMailToken(t, n, a.Email)}
	for k, v := range fields {
		body[k] = v
	}
	return n.procedure(t, "com.atproto.identity.signPlcOperation", body, a.Access)
}

// identOperation decodes the operation of a signPlcOperation response.
func identOperation(t *testing.T, r response) identity.Operation {
	t.Helper()
	expect(t, r, 200, "")
	var out struct {
		Operation json.RawMessage `json:"operation"`
	}
	if err := json.Unmarshal(r.Body, &out); err != nil {
		t.Fatal(err)
	}
	op, err := identity.ParseOperation(out.Operation)
	if err != nil {
		t.Fatalf("%v: %s", err, out.Operation)
	}
	return op
}

func TestGetRecommendedDidCredentials(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	r := n.query(t, "com.atproto.identity.getRecommendedDidCredentials", "", alice.Access)
	expect(t, r, 200, "")
	var got identity.Credentials
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	want := identity.RecommendedCredentials(alice.Key.Public(), alice.Handle,
		[]string{n.RotationKey.Public().DIDKey()}, n.URL)
	wantJSON, _ := json.Marshal(want)
	gotJSON, _ := json.Marshal(got)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("credentials\n got %s\nwant %s", gotJSON, wantJSON)
	}
	// The reference's key order.
	if want := `{"alsoKnownAs":["at://alice.test"],"verificationMethods":`; string(r.Body[:len(want)]) != want {
		t.Fatalf("body %s", r.Body)
	}
	// App passwords may read them; anonymous callers may not.
	expect(t, n.query(t, "com.atproto.identity.getRecommendedDidCredentials", "", identAppPasswordSession(t, n, alice)), 200, "")
	expect(t, n.query(t, "com.atproto.identity.getRecommendedDidCredentials", "", ""), 401, "AuthMissing")
}

func TestPLCOperationRoundTrip(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	rotation := n.RotationKey.Public().DIDKey()
	logLen := len(n.PLC.AuditLog(alice.DID))

	// A user adding their own recovery key ahead of ours.
	recovery, err := crypto.GeneratePrivateKey(crypto.P256, nil)
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{recovery.Public().DIDKey(), rotation}
	op := identOperation(t, identSignOp(t, n, alice, map[string]any{"rotationKeys": keys}))
	last := identLastOp(t, n, alice.DID)
	lastCID, _ := last.CID()
	if op.Prev != lastCID.String() || !slices.Equal(op.RotationKeys, keys) ||
		!slices.Equal(op.AlsoKnownAs, last.AlsoKnownAs) || op.Services[identity.FragmentPDS] != last.Services[identity.FragmentPDS] ||
		op.VerificationMethods[identity.FragmentAtproto] != alice.Key.Public().DIDKey() {
		t.Fatalf("operation %+v after %+v", op, last)
	}
	if i, err := op.VerifySignature([]string{rotation}); err != nil || i != 0 {
		t.Fatalf("not signed by the rotation key: %v", err)
	}
	if got := len(n.PLC.AuditLog(alice.DID)); got != logLen {
		t.Fatal("signPlcOperation submitted the operation")
	}

	before := identIdentityCount(t, n, alice.DID)
	expect(t, n.procedure(t, "com.atproto.identity.submitPlcOperation", map[string]any{"operation": op}, alice.Access), 200, "")
	if got := n.PLC.AuditLog(alice.DID); len(got) != logLen+1 || !slices.Equal(got[len(got)-1].Operation.RotationKeys, keys) {
		t.Fatalf("PLC log after submit: %+v", got)
	}
	if identWaitIdentity(t, n, alice.DID, "alice.test") != before+1 {
		t.Fatal("no #identity after submitPlcOperation")
	}
}

func TestSignPlcOperationToken(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	sign := func(body map[string]any, token string) response {
		return n.procedure(t, "com.atproto.identity.signPlcOperation", body, token)
	}
	identExpectError(t, sign(map[string]any{}, alice.Access), 400, "InvalidRequest",
		"email confirmation token required to sign PLC operations")
	expect(t, sign(map[string]any{"token": "AAAAA-AAAAA"}, alice.Access), 400, "InvalidToken")

	expect(t, n.procedure(t, "com.atproto.identity.requestPlcOperationSignature", nil, alice.Access), 200, "")
	token := identMailToken(t, n, alice.Email)
	identOperation(t, sign(map[string]any{"token": token}, alice.Access))
	// Used once.
	identExpectError(t, sign(map[string]any{"token": token}, alice.Access), 400, "InvalidToken", "Token is invalid")

	// Malformed fields are refused before anything is signed.
	for _, fields := range []map[string]any{
		{"rotationKeys": []string{}},
		{"rotationKeys": []string{"did:key:nope"}},
		{"verificationMethods": map[string]any{"atproto": 7}},
		{"services": map[string]any{"atproto_pds": "https://x.example.com"}},
	} {
		expect(t, identSignOp(t, n, alice, fields), 400, "InvalidRequest")
	}

	// Full logins only: app passwords are refused.
	app := identAppPasswordSession(t, n, alice)
	expect(t, n.procedure(t, "com.atproto.identity.requestPlcOperationSignature", nil, app), 400, "InvalidToken")
	expect(t, sign(map[string]any{"token": token}, app), 400, "InvalidToken")
	expect(t, n.procedure(t, "com.atproto.identity.requestPlcOperationSignature", nil, ""), 401, "AuthMissing")

	// An account without an email cannot get a token.
	identSetState(t, n, alice.DID, func(st *kv.AccountState) { st.Email = "" })
	identExpectError(t, n.procedure(t, "com.atproto.identity.requestPlcOperationSignature", nil, alice.Access),
		400, "InvalidRequest", "account does not have an email address")
}

func TestSubmitPlcOperationKeepsControl(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	alice := n.mustAccount(t, "alice.test")
	other, err := crypto.GeneratePrivateKey(crypto.K256, nil)
	if err != nil {
		t.Fatal(err)
	}
	submit := func(op any) response {
		return n.procedure(t, "com.atproto.identity.submitPlcOperation", map[string]any{"operation": op}, alice.Access)
	}
	logLen := len(n.PLC.AuditLog(alice.DID))
	for _, tc := range []struct {
		name   string
		fields map[string]any
		msg    string
	}{
		{"drops our rotation key", map[string]any{"rotationKeys": []string{other.Public().DIDKey()}},
			"Rotation keys do not include server's rotation key"},
		{"moves the PDS", map[string]any{"services": map[string]any{
			"atproto_pds": map[string]any{"type": identity.TypePDS, "endpoint": "https://elsewhere.example.com"}}},
			"Incorrect endpoint on atproto_pds service"},
		{"changes the PDS type", map[string]any{"services": map[string]any{
			"atproto_pds": map[string]any{"type": "Other", "endpoint": n.URL}}},
			"Incorrect type on atproto_pds service"},
		{"changes the signing key", map[string]any{"verificationMethods": map[string]any{"atproto": other.Public().DIDKey()}},
			"Incorrect signing key"},
		{"changes the handle", map[string]any{"alsoKnownAs": []string{"at://someone.test"}},
			"Incorrect handle in alsoKnownAs"},
	} {
		op := identOperation(t, identSignOp(t, n, alice, tc.fields))
		r := submit(op)
		if r.Status != 400 || r.Error(t) != "InvalidRequest" || identMessage(t, r) != tc.msg {
			t.Errorf("%s: %d %s, want 400 InvalidRequest %q", tc.name, r.Status, r.Body, tc.msg)
		}
	}

	// Not operations at all.
	last := identLastOp(t, n, alice.DID)
	tomb, err := identity.TombstoneOp(last)
	if err != nil {
		t.Fatal(err)
	}
	if tomb, err = identity.Sign(tomb, n.RotationKey); err != nil {
		t.Fatal(err)
	}
	unsigned, err := identity.UpdateOp(last, identity.OpChanges{})
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range []any{tomb, unsigned, map[string]any{"type": "plc_operation"}, map[string]any{"hello": "world"}} {
		identExpectError(t, submit(op), 400, "InvalidRequest", "Invalid operation")
	}
	// Passes our checks but is signed by a key that may not sign: the
	// directory refuses it.
	forged, err := identity.Sign(unsigned, other)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, submit(forged), 400, "InvalidRequest")

	if got := len(n.PLC.AuditLog(alice.DID)); got != logLen {
		t.Fatalf("refused operations reached the directory: %d", got-logLen)
	}
	expect(t, n.procedure(t, "com.atproto.identity.submitPlcOperation", map[string]any{"operation": unsigned}, ""), 401, "AuthMissing")
}

// TestPLCMigration moves an identity from node A to node B as a
// cooperating migration does: B recommends credentials, A signs them with
// the emailed token, B checks and submits the operation. Each node has its
// own fake directory, so the DID's log is first copied from A's to B's,
// standing in for one shared directory.
func TestPLCMigration(t *testing.T) {
	nA := mustNode(t, nodeOptions{})
	nB := mustNode(t, nodeOptions{})
	old := nA.mustAccount(t, "alice.test")
	identCopyPLC(t, nA, nB, old.DID)
	moved := identIncomingAccount(t, nB, old.DID, "alice.test", old.Email)

	r := nB.query(t, "com.atproto.identity.getRecommendedDidCredentials", "", moved.Access)
	expect(t, r, 200, "")
	var cred map[string]any
	if err := json.Unmarshal(r.Body, &cred); err != nil {
		t.Fatal(err)
	}

	// Node A will not submit what hands the account to B...
	op := identOperation(t, identSignOp(t, nA, old, cred))
	identExpectError(t, nA.procedure(t, "com.atproto.identity.submitPlcOperation", map[string]any{"operation": op}, old.Access),
		400, "InvalidRequest", "Rotation keys do not include server's rotation key")
	// ...which B does.
	before := identIdentityCount(t, nB, moved.DID)
	expect(t, nB.procedure(t, "com.atproto.identity.submitPlcOperation", map[string]any{"operation": op}, moved.Access), 200, "")
	if identWaitIdentity(t, nB, moved.DID, "alice.test") != before+1 {
		t.Fatal("no #identity on node B")
	}

	last := identLastOp(t, nB, moved.DID)
	if !slices.Equal(last.RotationKeys, []string{nB.RotationKey.Public().DIDKey()}) ||
		last.Services[identity.FragmentPDS].Endpoint != nB.URL ||
		last.VerificationMethods[identity.FragmentAtproto] != moved.Key.Public().DIDKey() ||
		!slices.Equal(last.AlsoKnownAs, []string{"at://alice.test"}) {
		t.Fatalf("node B's directory holds %+v", last)
	}
	// B's cached document was refreshed.
	r = nB.query(t, "com.atproto.identity.resolveDid", "did="+moved.DID.String(), "")
	expect(t, r, 200, "")
	svc := r.JSON(t)["didDoc"].(map[string]any)["service"].([]any)[0].(map[string]any)
	if svc["serviceEndpoint"] != nB.URL {
		t.Fatalf("node B resolves the PDS as %v", svc["serviceEndpoint"])
	}
	// Node B now controls the identity: it can change the handle.
	expect(t, nB.procedure(t, "com.atproto.identity.updateHandle", map[string]any{"handle": "alice2.test"}, moved.Access), 200, "")
	if aka := identLastOp(t, nB, moved.DID).AlsoKnownAs; !slices.Equal(aka, []string{"at://alice2.test"}) {
		t.Fatalf("alsoKnownAs after the handle change: %v", aka)
	}
}
