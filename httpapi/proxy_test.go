package httpapi_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boltsky/boltsky/httpapi"
)

// fakeAppView records the calls it gets and answers each with a fixed
// JSON body.
type fakeAppView struct {
	mu    sync.Mutex
	calls []*http.Request
}

func (f *fakeAppView) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.calls = append(f.calls, r.Clone(r.Context()))
	f.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Language", "en")
	w.Header().Set("X-Internal", "secret")
	json.NewEncoder(w).Encode(map[string]any{"feed": []any{}, "path": r.URL.Path, "query": r.URL.RawQuery})
}

func TestProxyToAppView(t *testing.T) {
	upstream := &fakeAppView{}
	srv := httptest.NewServer(upstream)
	defer srv.Close()
	const aud = "did:web:appview.test#bsky_appview"
	n := mustNode(t, nodeOptions{appView: httpapi.ServiceRef{DID: aud, URL: srv.URL}})
	a := n.mustAccount(t, "alice.test")

	r := n.query(t, "app.bsky.feed.getTimeline", "limit=5", a.Access)
	expect(t, r, 200, "")
	if body := r.JSON(t); body["path"] != "/xrpc/app.bsky.feed.getTimeline" || body["query"] != "limit=5" {
		t.Fatalf("upstream saw %v", body)
	}
	if r.Header.Get("Content-Language") != "en" || r.Header.Get("X-Internal") != "" {
		t.Fatalf("response headers %v", r.Header)
	}
	call := upstream.calls[len(upstream.calls)-1]
	tok, ok := strings.CutPrefix(call.Header.Get("Authorization"), "Bearer ")
	if !ok {
		t.Fatal("no service token upstream")
	}
	claims := jwt.MapClaims{}
	parsed, err := jwt.NewParser(jwt.WithoutClaimsValidation()).ParseWithClaims(tok, claims, func(*jwt.Token) (any, error) { return nil, nil })
	if parsed == nil || claims["iss"] != a.DID.String() || claims["aud"] != aud || claims["lxm"] != "app.bsky.feed.getTimeline" {
		t.Fatalf("service token claims %v (%v)", claims, err)
	}
	if alg := parsed.Header["alg"]; alg != "ES256K" {
		t.Fatalf("alg %v", alg)
	}

	// Without a session the call goes upstream without a token.
	r = n.query(t, "app.bsky.actor.getProfile", "actor=alice.test", "")
	expect(t, r, 200, "")
	if upstream.calls[len(upstream.calls)-1].Header.Get("Authorization") != "" {
		t.Fatal("anonymous call carried a token")
	}
	// Preferences stay local unless another app view is named.
	r = n.query(t, "app.bsky.actor.getPreferences", "", a.Access)
	expect(t, r, 200, "")
	if _, ok := r.JSON(t)["preferences"]; !ok {
		t.Fatalf("getPreferences was not served locally: %s", r.Body)
	}
	// com.atproto methods are never proxied.
	before := len(upstream.calls)
	h := map[string]string{"atproto-proxy": aud}
	expect(t, n.request(t, "GET", "/xrpc/com.atproto.server.describeServer", h, nil), 200, "")
	if len(upstream.calls) != before {
		t.Fatal("a com.atproto method went upstream")
	}
	// A malformed proxy header is refused.
	expect(t, n.request(t, "GET", "/xrpc/app.bsky.feed.getTimeline", map[string]string{"atproto-proxy": "did:web:x"}, nil), 400, "InvalidRequest")
}

func TestNoAppViewConfigured(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	expect(t, n.query(t, "app.bsky.feed.getTimeline", "", ""), 501, "MethodNotImplemented")
}
