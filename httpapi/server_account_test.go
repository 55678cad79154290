package httpapi_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/kv"
)

func TestServerCreateAccount(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	before := srvHighWater(n)
	out := srvSignup(t, n, map[string]any{"handle": "Alice.Test", "email": "Alice@Mail.Example", "password": "hunter22"})
	if out["handle"] != "alice.test" || out["accessJwt"] == "" || out["refreshJwt"] == "" {
		t.Fatalf("createAccount: %v", out)
	}
	did, err := atp.ParseDID(out["did"].(string))
	if err != nil || !did.IsPLC() {
		t.Fatalf("did %v: %v", out["did"], err)
	}
	doc, _ := out["didDoc"].(map[string]any)
	if doc == nil || doc["id"] != did.String() {
		t.Fatalf("didDoc: %v", out["didDoc"])
	}
	// The directory holds the genesis: our rotation key, our endpoint,
	// the handle, and the key the account signs with.
	data, err := n.PLCClient.Data(t.Context(), did)
	if err != nil {
		t.Fatal(err)
	}
	if len(data.RotationKeys) != 1 || data.RotationKeys[0] != n.RotationKey.Public().DIDKey() ||
		data.Services["atproto_pds"].Endpoint != n.URL || data.AlsoKnownAs[0] != "at://alice.test" {
		t.Fatalf("PLC data: %+v", data)
	}
	st := srvState(t, n, did)
	key, err := n.Sealer.Open(st.SigningKey)
	if err != nil {
		t.Fatal(err)
	}
	if data.VerificationMethods["atproto"] != key.Public().DIDKey() {
		t.Fatalf("signing key %s, stored %s", data.VerificationMethods["atproto"], key.Public().DIDKey())
	}
	if st.Email != "alice@mail.example" || st.Status != kv.StatusActive || st.PasswordHash == "" {
		t.Fatalf("state: %+v", st)
	}
	if claims := srvClaims(t, out["accessJwt"].(string)); claims["scope"] != "com.atproto.access" || claims["sub"] != did.String() {
		t.Fatalf("access claims %v", claims)
	}
	// The reference announces a new account with #identity, #account, an
	// empty #commit and #sync.
	frames := srvExpectKinds(t, n, before, did, "#identity", "#account", "#commit", "#sync")
	if frames[0].body["handle"] != "alice.test" || frames[1].body["active"] != true {
		t.Fatalf("events: %v %v", frames[0].body, frames[1].body)
	}
	// The session works, and the handle and email resolve to the account.
	s := n.query(t, "com.atproto.server.getSession", "", out["accessJwt"].(string)).JSON(t)
	if s["did"] != did.String() || s["handle"] != "alice.test" || s["email"] != "alice@mail.example" ||
		s["emailConfirmed"] != false || s["active"] != true || s["status"] != nil {
		t.Fatalf("getSession: %v", s)
	}
	if got, err := n.Index.HandleDID(atp.Handle{}); err == nil {
		t.Fatalf("zero handle resolves to %s", got)
	}
	h, _ := atp.ParseHandle("alice.test")
	if got, err := n.Index.HandleDID(h); err != nil || got != did {
		t.Fatalf("handle index: %s %v", got, err)
	}
	srvLogin(t, n, "ALICE@mail.example", "hunter22")
}

func TestServerCreateAccountErrors(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	srvNewUser(t, n, "taken.test")
	long := strings.Repeat("x", 257)
	cases := []struct {
		name   string
		body   map[string]any
		status int
		err    string
		msg    string
	}{
		{"plcOp", map[string]any{"handle": "bob.test", "email": "b@mail.example", "password": "p", "plcOp": map[string]any{}}, 400, "InvalidRequest", `Unsupported input: "plcOp"`},
		{"password too long", map[string]any{"handle": "bob.test", "email": "b@mail.example", "password": long}, 400, "InvalidRequest", "Password too long. Maximum length is 256 characters."},
		{"no email", map[string]any{"handle": "bob.test", "password": "p"}, 400, "InvalidRequest", "Email is required"},
		{"bad email", map[string]any{"handle": "bob.test", "email": "not-an-email", "password": "p"}, 400, "InvalidRequest", "This email address is not supported, please use a different email."},
		{"handle syntax", map[string]any{"handle": "-bob.test", "email": "b@mail.example", "password": "p"}, 400, "InvalidRequest", ""},
		{"short handle", map[string]any{"handle": "bo.test", "email": "b@mail.example", "password": "p"}, 400, "InvalidHandle", ""},
		{"other domain", map[string]any{"handle": "bob.example.com", "email": "b@mail.example", "password": "p"}, 400, "UnsupportedDomain", "Not a supported handle domain"},
		{"reserved", map[string]any{"handle": "admin.test", "email": "b@mail.example", "password": "p"}, 400, "HandleNotAvailable", ""},
		{"taken handle", map[string]any{"handle": "Taken.test", "email": "b@mail.example", "password": "p"}, 400, "InvalidRequest", "Handle already taken: taken.test"},
		{"taken email", map[string]any{"handle": "bob.test", "email": "Taken-Test@mail.example", "password": "p"}, 400, "InvalidRequest", "Email already taken: Taken-Test@mail.example"},
		{"invite unknown", map[string]any{"handle": "bob.test", "email": "b@mail.example", "password": "p", "inviteCode": "localhost-aaaaa-bbbbb"}, 400, "InvalidInviteCode", ""},
		{"bad recovery key", map[string]any{"handle": "bob.test", "email": "b@mail.example", "password": "p", "recoveryKey": "nope"}, 400, "InvalidRequest", ""},
		{"did without auth", map[string]any{"handle": "bob.test", "email": "b@mail.example", "password": "p", "did": "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"}, 401, "AuthenticationRequired", "Missing auth to create account with did: did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := n.procedure(t, "com.atproto.server.createAccount", tc.body, "")
			expect(t, r, tc.status, tc.err)
			if tc.msg != "" && r.JSON(t)["message"] != tc.msg {
				t.Fatalf("message %q, want %q", r.JSON(t)["message"], tc.msg)
			}
		})
	}
	// Nothing was claimed by the failures.
	h, _ := atp.ParseHandle("bob.test")
	if _, err := n.Index.HandleDID(h); !errors.Is(err, kv.ErrNotFound) {
		t.Fatalf("bob.test claimed: %v", err)
	}
	// A recovery key goes first among the rotation keys.
	rec, _ := crypto.GeneratePrivateKey(crypto.K256, nil)
	out := srvSignup(t, n, map[string]any{"handle": "bob.test", "email": "b@mail.example", "password": "p", "recoveryKey": rec.Public().DIDKey()})
	did, _ := atp.ParseDID(out["did"].(string))
	data, err := n.PLCClient.Data(t.Context(), did)
	if err != nil {
		t.Fatal(err)
	}
	if len(data.RotationKeys) != 2 || data.RotationKeys[0] != rec.Public().DIDKey() || data.RotationKeys[1] != n.RotationKey.Public().DIDKey() {
		t.Fatalf("rotation keys %v", data.RotationKeys)
	}
}

func TestServerCreateAccountInvites(t *testing.T) {
	n := mustNode(t, nodeOptions{inviteRequired: true})
	if d := n.query(t, "com.atproto.server.describeServer", "", "").JSON(t); d["inviteCodeRequired"] != true {
		t.Fatalf("describeServer: %v", d)
	}
	body := func(handle, code string) map[string]any {
		m := map[string]any{"handle": handle, "email": strings.ReplaceAll(handle, ".", "-") + "@mail.example", "password": "p"}
		if code != "" {
			m["inviteCode"] = code
		}
		return m
	}
	r := n.procedure(t, "com.atproto.server.createAccount", body("carol.test", ""), "")
	expect(t, r, 400, "InvalidInviteCode")
	if r.JSON(t)["message"] != "No invite code provided" {
		t.Fatalf("message: %s", r.Body)
	}
	expect(t, n.procedure(t, "com.atproto.server.createAccount", body("carol.test", "localhost-zzzzz-zzzzz"), ""), 400, "InvalidInviteCode")

	// Only the admin makes codes.
	expect(t, n.procedure(t, "com.atproto.server.createInviteCode", map[string]any{"useCount": 1}, ""), 401, "")
	r = n.request(t, "POST", "/xrpc/com.atproto.server.createInviteCode", map[string]string{
		"Authorization": "Basic " + basic("admin", n.AdminPassword), "Content-Type": "application/json"},
		strings.NewReader(`{"useCount":1}`))
	expect(t, r, 200, "")
	code := r.JSON(t)["code"].(string)
	if !strings.HasPrefix(code, "localhost-") {
		t.Fatalf("code %q", code)
	}
	carol := srvSignup(t, n, body("carol.test", code))
	// A used-up code is refused.
	expect(t, n.procedure(t, "com.atproto.server.createAccount", body("dave.test", code), ""), 400, "InvalidInviteCode")
	carolDID, _ := atp.ParseDID(carol["did"].(string))
	if got := srvState(t, n, carolDID).InviteCode; got != code {
		t.Fatalf("invite code stored %q", got)
	}

	// createInviteCodes for accounts, then the account lists its own.
	r = n.request(t, "POST", "/xrpc/com.atproto.server.createInviteCodes", map[string]string{
		"Authorization": "Basic " + basic("admin", n.AdminPassword), "Content-Type": "application/json"},
		strings.NewReader(`{"useCount":2,"codeCount":2,"forAccounts":["`+carolDID.String()+`"]}`))
	expect(t, r, 200, "")
	var created struct {
		Codes []struct {
			Account string   `json:"account"`
			Codes   []string `json:"codes"`
		} `json:"codes"`
	}
	if err := json.Unmarshal(r.Body, &created); err != nil || len(created.Codes) != 1 ||
		created.Codes[0].Account != carolDID.String() || len(created.Codes[0].Codes) != 2 {
		t.Fatalf("createInviteCodes: %s", r.Body)
	}
	r = n.query(t, "com.atproto.server.getAccountInviteCodes", "", carol["accessJwt"].(string))
	expect(t, r, 200, "")
	var listed struct {
		Codes []struct {
			Code       string `json:"code"`
			Available  int    `json:"available"`
			ForAccount string `json:"forAccount"`
			CreatedBy  string `json:"createdBy"`
			CreatedAt  string `json:"createdAt"`
			Uses       []any  `json:"uses"`
		} `json:"codes"`
	}
	if err := json.Unmarshal(r.Body, &listed); err != nil || len(listed.Codes) != 2 {
		t.Fatalf("getAccountInviteCodes: %s", r.Body)
	}
	for _, c := range listed.Codes {
		if c.Available != 2 || c.ForAccount != carolDID.String() || c.CreatedBy != "admin" || c.Uses == nil {
			t.Fatalf("code %+v", c)
		}
		if _, err := atp.ParseDatetime(c.CreatedAt); err != nil || !strings.HasSuffix(c.CreatedAt, "Z") {
			t.Fatalf("createdAt %q", c.CreatedAt)
		}
	}
	// A code given for one account can sign up another; its use shows.
	srvSignup(t, n, body("erin.test", listed.Codes[0].Code))
	r = n.query(t, "com.atproto.server.getAccountInviteCodes", "includeUsed=true", carol["accessJwt"].(string))
	if !strings.Contains(string(r.Body), `"usedBy"`) {
		t.Fatalf("uses not listed: %s", r.Body)
	}
}

func TestServerCreateAccountDIDWeb(t *testing.T) {
	n := mustNode(t, nodeOptions{didMethod: "web"})
	before := srvHighWater(n)
	out := srvSignup(t, n, map[string]any{"handle": "webby.test", "email": "webby@mail.example", "password": "p"})
	if out["did"] != "did:web:webby.test" {
		t.Fatalf("did %v", out["did"])
	}
	did, _ := atp.ParseDID("did:web:webby.test")
	srvExpectKinds(t, n, before, did, "#identity", "#account", "#commit", "#sync")

	// The server serves the account's document for its host.
	r := n.request(t, "GET", "/.well-known/did.json", map[string]string{"Host": "WEBBY.test:2583"}, nil)
	expect(t, r, 200, "")
	doc, err := identity.ParseDocument(r.Body)
	if err != nil {
		t.Fatal(err)
	}
	key, err := doc.SigningKey()
	if err != nil {
		t.Fatal(err)
	}
	stored, _ := n.Sealer.Open(srvState(t, n, did).SigningKey)
	if !key.Equal(stored.Public()) || doc.ID != did {
		t.Fatalf("document %s", r.Body)
	}
	if ep, _ := doc.PDSEndpoint(); ep != n.URL {
		t.Fatalf("endpoint %q", ep)
	}
	if h, _ := doc.Handle(); h.String() != "webby.test" {
		t.Fatalf("handle %q", h)
	}
	for _, host := range []string{"nobody.test", "localhost", "example.com"} {
		r := n.request(t, "GET", "/.well-known/did.json", map[string]string{"Host": host}, nil)
		if doc, err := identity.ParseDocument(r.Body); err == nil && doc.ID == did {
			t.Fatalf("%s: served the account's document", host)
		}
	}
	// The identity is valid for this server, so checkAccountStatus says so.
	s := n.query(t, "com.atproto.server.checkAccountStatus", "", out["accessJwt"].(string)).JSON(t)
	if s["validDid"] != true || s["activated"] != true {
		t.Fatalf("checkAccountStatus: %v", s)
	}
}

func TestServerMigration(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	old := srvNewOldIdentity(t, n, "mover.test")
	// Reserve the key the account will sign with here; asking again
	// returns the same key.
	r := n.procedure(t, "com.atproto.server.reserveSigningKey", map[string]any{"did": old.DID.String()}, "")
	expect(t, r, 200, "")
	reserved := r.JSON(t)["signingKey"].(string)
	if _, err := crypto.ParseDIDKey(reserved); err != nil {
		t.Fatalf("signingKey %q: %v", reserved, err)
	}
	if again := n.procedure(t, "com.atproto.server.reserveSigningKey", map[string]any{"did": old.DID.String()}, "").JSON(t); again["signingKey"] != reserved {
		t.Fatalf("second reservation %v, want %s", again, reserved)
	}
	if other := n.procedure(t, "com.atproto.server.reserveSigningKey", map[string]any{}, "").JSON(t); other["signingKey"] == reserved {
		t.Fatal("a reservation without DID reused a key")
	}

	body := map[string]any{"handle": "mover.test", "email": "mover@mail.example", "password": "pw", "did": old.DID.String()}
	call := func(token string) response {
		return n.procedure(t, "com.atproto.server.createAccount", body, token)
	}
	// The DID must be proven with a service token for this server and
	// this method, signed by the DID's key.
	expect(t, call(""), 401, "AuthenticationRequired")
	expect(t, call(old.srvMint(t, "did:web:localhost", "com.atproto.server.createSession")), 401, "BadJwtLexiconMethod")
	expect(t, call(old.srvMint(t, "did:web:elsewhere.example", "com.atproto.server.createAccount")), 401, "BadJwtAudience")
	other := srvNewOldIdentity(t, n, "other.test")
	r = call(other.srvMint(t, "did:web:localhost", "com.atproto.server.createAccount"))
	expect(t, r, 401, "AuthenticationRequired")
	if !strings.Contains(string(r.Body), "Missing auth to create account with did") {
		t.Fatalf("wrong issuer: %s", r.Body)
	}

	before := srvHighWater(n)
	r = call(old.srvMint(t, "did:web:localhost", "com.atproto.server.createAccount"))
	expect(t, r, 200, "")
	out := r.JSON(t)
	if out["did"] != old.DID.String() || out["handle"] != "mover.test" {
		t.Fatalf("createAccount: %v", out)
	}
	access := out["accessJwt"].(string)
	// A migrated account starts deactivated and announces nothing.
	if got := srvKinds(srvEvents(t, n, before), old.DID); len(got) != 0 {
		t.Fatalf("migration announced %v", got)
	}
	st := srvState(t, n, old.DID)
	if st.Status != kv.StatusDeactivated {
		t.Fatalf("status %q", st.Status)
	}
	key, _ := n.Sealer.Open(st.SigningKey)
	if key.Public().DIDKey() != reserved {
		t.Fatalf("account key %s, reserved %s", key.Public().DIDKey(), reserved)
	}
	// Writes are refused while deactivated.
	if _, err := n.Registry.Write(t.Context(), old.DID, actor.WriteRequest{Writes: []actor.Write{{
		Action: actor.Create, Collection: srvPostColl, Record: srvPost(t)}}}); !errors.Is(err, actor.ErrInactive) {
		t.Fatalf("write to deactivated account: %v", err)
	}
	// Creating it again fails.
	expect(t, call(old.srvMint(t, "did:web:localhost", "com.atproto.server.createAccount")), 400, "")

	s := n.query(t, "com.atproto.server.getSession", "", access).JSON(t)
	if s["active"] != false || s["status"] != "deactivated" {
		t.Fatalf("getSession: %v", s)
	}
	cs := n.query(t, "com.atproto.server.checkAccountStatus", "", access).JSON(t)
	if cs["activated"] != false || cs["validDid"] != false || cs["repoBlocks"] == float64(0) || cs["repoRev"] == "" ||
		cs["indexedRecords"] != float64(0) || cs["privateStateValues"] != float64(0) {
		t.Fatalf("checkAccountStatus: %v", cs)
	}
	// Activation waits for the identity to point here.
	r = n.procedure(t, "com.atproto.server.activateAccount", nil, access)
	expect(t, r, 400, "InvalidRequest")
	if !strings.Contains(string(r.Body), "Server rotation key not included") {
		t.Fatalf("activate: %s", r.Body)
	}
	old.srvMoveTo(t, n, reserved)
	cs = n.query(t, "com.atproto.server.checkAccountStatus", "", access).JSON(t)
	if cs["validDid"] != true {
		t.Fatalf("checkAccountStatus after PLC update: %v", cs)
	}
	before = srvHighWater(n)
	expect(t, n.procedure(t, "com.atproto.server.activateAccount", nil, access), 200, "")
	frames := srvExpectKinds(t, n, before, old.DID, "#account", "#identity", "#sync")
	if frames[0].body["active"] != true || frames[1].body["handle"] != "mover.test" {
		t.Fatalf("activation events %v %v", frames[0].body, frames[1].body)
	}
	if st := srvState(t, n, old.DID); st.Status != kv.StatusActive || !st.DeactivatedAt.IsZero() {
		t.Fatalf("state after activation %+v", st)
	}
	if _, err := n.Registry.Write(t.Context(), old.DID, actor.WriteRequest{Writes: []actor.Write{{
		Action: actor.Create, Collection: srvPostColl, Record: srvPost(t)}}}); err != nil {
		t.Fatalf("write after activation: %v", err)
	}
	// The reservation was used up.
	if again := n.procedure(t, "com.atproto.server.reserveSigningKey", map[string]any{"did": old.DID.String()}, "").JSON(t); again["signingKey"] == reserved {
		t.Fatal("reservation survived account creation")
	}
}

func TestServerMigrationExternalHandle(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	old := srvNewOldIdentity(t, n, "mover.example.com")
	body := map[string]any{"handle": "mover.example.com", "email": "m@mail.example", "password": "pw", "did": old.DID.String()}
	r := n.procedure(t, "com.atproto.server.createAccount", body, old.srvMint(t, "did:web:localhost", "com.atproto.server.createAccount"))
	expect(t, r, 400, "InvalidRequest")
	if r.JSON(t)["message"] != "External handle did not resolve to DID" {
		t.Fatalf("external handle: %s", r.Body)
	}
}

// srvPost is a minimal post record in DAG-CBOR.
func srvPost(tb testing.TB) []byte {
	tb.Helper()
	b, err := dagcbor.Marshal(map[string]any{"$type": "app.bsky.feed.post", "text": "hi", "createdAt": "2024-01-01T00:00:00.000Z"})
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

var srvPostColl, _ = atp.ParseNSID("app.bsky.feed.post")
