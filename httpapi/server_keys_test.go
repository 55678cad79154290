package httpapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
)

func TestServerGetServiceAuth(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	u := srvNewUser(t, n, "sid.test")
	r := n.query(t, "com.atproto.server.getServiceAuth", "aud=did:web:api.example%23atproto_pds&lxm=app.bsky.feed.getTimeline", u.Access)
	expect(t, r, 200, "")
	tok := r.JSON(t)["token"].(string)
	c := srvClaims(t, tok)
	if c["iss"] != u.DID.String() || c["aud"] != "did:web:api.example#atproto_pds" || c["lxm"] != "app.bsky.feed.getTimeline" || c["jti"] == nil {
		t.Fatalf("claims %v", c)
	}
	// The token verifies against the account's DID document.
	lxm, _ := atp.ParseNSID("app.bsky.feed.getTimeline")
	claims, err := srvVerifier(t, n, "did:web:api.example").Verify(t.Context(), tok, lxm)
	if err != nil || claims.Iss != u.DID {
		t.Fatalf("verify: %+v %v", claims, err)
	}
	exp := time.Now().Add(30 * time.Minute).Unix()
	r = n.query(t, "com.atproto.server.getServiceAuth", fmt.Sprintf("aud=did:web:api.example&lxm=com.atproto.repo.createRecord&exp=%d", exp), u.Access)
	expect(t, r, 200, "")
	if got := srvClaims(t, r.JSON(t)["token"].(string))["exp"]; got != float64(exp) {
		t.Fatalf("exp %v, want %d", got, exp)
	}

	cases := []struct {
		name, query, err string
	}{
		{"bad aud", "aud=https://api.example", "InvalidRequest"},
		{"exp past", fmt.Sprintf("aud=did:web:api.example&exp=%d", time.Now().Add(-time.Minute).Unix()), "BadExpiration"},
		{"exp far", fmt.Sprintf("aud=did:web:api.example&lxm=app.bsky.feed.getTimeline&exp=%d", time.Now().Add(2*time.Hour).Unix()), "BadExpiration"},
		{"no lxm long", fmt.Sprintf("aud=did:web:api.example&exp=%d", time.Now().Add(10*time.Minute).Unix()), "BadExpiration"},
		{"protected", "aud=did:web:api.example&lxm=com.atproto.server.activateAccount", "InvalidRequest"},
		{"bad lxm", "aud=did:web:api.example&lxm=not-an-nsid", "InvalidRequest"},
		{"no aud", "", "InvalidRequest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			expect(t, n.query(t, "com.atproto.server.getServiceAuth", tc.query, u.Access), 400, tc.err)
		})
	}
	expect(t, n.query(t, "com.atproto.server.getServiceAuth", "aud=did:web:api.example", ""), 401, "AuthMissing")
}

func TestServerReserveSigningKeyDistinct(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	seen := map[string]bool{}
	for range 3 {
		r := n.procedure(t, "com.atproto.server.reserveSigningKey", map[string]any{}, "")
		expect(t, r, 200, "")
		k := r.JSON(t)["signingKey"].(string)
		if seen[k] {
			t.Fatalf("key %s reserved twice", k)
		}
		seen[k] = true
	}
	expect(t, n.procedure(t, "com.atproto.server.reserveSigningKey", map[string]any{"did": "not-a-did"}, ""), 400, "InvalidRequest")
}
