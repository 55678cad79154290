package httpapi_test

import (
	"fmt"
	"strconv"
	"testing"
)

func TestRateLimits(t *testing.T) {
	n := mustNode(t, nodeOptions{rateLimits: true})
	a := n.mustAccount(t, "alice.test")

	// createSession: 30 per 5 minutes per identifier.
	var r response
	for i := range 31 {
		r = n.procedure(t, "com.atproto.server.createSession", map[string]any{
			"identifier": "alice.test", "password": "wrong-password"}, "")
		if i < 30 && r.Status == 429 {
			t.Fatalf("attempt %d limited", i)
		}
	}
	expect(t, r, 429, "RateLimitExceeded")
	if r.Header.Get("RateLimit-Limit") != "30" || r.Header.Get("RateLimit-Remaining") != "0" ||
		r.Header.Get("Retry-After") == "" || r.Header.Get("RateLimit-Policy") != "30;w=300" {
		t.Fatalf("headers %v", r.Header)
	}
	// Another identifier is not affected.
	r = n.procedure(t, "com.atproto.server.createSession", map[string]any{
		"identifier": "bob.test", "password": "wrong-password"}, "")
	if r.Status == 429 {
		t.Fatal("another identifier was limited")
	}

	// Record writes: 5,000 points per hour per account, 3 per create. Eight
	// batches of 200 creates cost 4,800; a ninth would pass 5,000.
	for b := range 9 {
		writes := make([]any, 200)
		for i := range writes {
			writes[i] = map[string]any{"$type": "com.atproto.repo.applyWrites#create", "collection": "app.bsky.feed.like",
				"value": map[string]any{"$type": "app.bsky.feed.like", "createdAt": "2024-01-01T00:00:00.000Z",
					"subject": map[string]any{"uri": fmt.Sprintf("at://did:plc:aaaaaaaaaaaaaaaaaaaaaaaa/app.bsky.feed.post/3k%011d", b*200+i),
						"cid": "bafyreie5737gdxlw5i64vzichcalba3z2v5n6icifvx5xytvske7mr3hpm"}}}
		}
		r = n.procedure(t, "com.atproto.repo.applyWrites", map[string]any{"repo": a.DID.String(), "writes": writes}, a.Access)
		if b < 8 {
			expect(t, r, 200, "")
			rem, _ := strconv.Atoi(r.Header.Get("RateLimit-Remaining"))
			if want := 5000 - 600*(b+1); rem != want && b > 0 {
				// The per-IP and per-day limits report too; the tightest wins.
				if rem > want {
					t.Fatalf("batch %d: remaining %d, want at most %d", b, rem, want)
				}
			}
		}
	}
	expect(t, r, 429, "RateLimitExceeded")
	// The refused batch cost nothing: 200 points are left, and a single
	// create (3 points) still fits.
	r = n.procedure(t, "com.atproto.repo.createRecord", map[string]any{"repo": a.DID.String(),
		"collection": "app.bsky.feed.post", "record": map[string]any{"$type": "app.bsky.feed.post", "text": "x",
			"createdAt": "2024-01-01T00:00:00.000Z"}}, a.Access)
	expect(t, r, 200, "")
}
