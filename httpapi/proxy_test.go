package httpapi_test

import (
	"encoding/json"
	"fmt"
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

	// Without a session the call is refused here, as on the reference,
	// and so is an admin's Basic auth.
	before := len(upstream.calls)
	expect(t, n.query(t, "app.bsky.actor.getProfile", "actor=alice.test", ""), 401, "AuthMissing")
	expect(t, n.request(t, "GET", "/xrpc/app.bsky.actor.getProfile?actor=alice.test", n.adminHeader(), nil), 400, "InvalidToken")
	if len(upstream.calls) != before {
		t.Fatal("a call without a session went upstream")
	}
	// Preferences stay local unless another app view is named.
	r = n.query(t, "app.bsky.actor.getPreferences", "", a.Access)
	expect(t, r, 200, "")
	if _, ok := r.JSON(t)["preferences"]; !ok {
		t.Fatalf("getPreferences was not served locally: %s", r.Body)
	}
	// com.atproto methods are never proxied.
	before = len(upstream.calls)
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

// TestProxyChatNeedsPrivilege: as on the reference, chat.bsky calls are
// forwarded only for a full login or a privileged app password.
func TestProxyChatNeedsPrivilege(t *testing.T) {
	upstream := &fakeAppView{}
	srv := httptest.NewServer(upstream)
	defer srv.Close()
	const aud = "did:web:chat.test#bsky_chat"
	n := mustNode(t, nodeOptions{appView: httpapi.ServiceRef{DID: aud, URL: srv.URL}})
	u := srvNewUser(t, n, "amy.test")
	login := func(privileged bool) string {
		t.Helper()
		r := n.procedure(t, "com.atproto.server.createAppPassword", map[string]any{"name": fmt.Sprint(privileged), "privileged": privileged}, u.Access)
		expect(t, r, 200, "")
		return srvLogin(t, n, u.Email, r.JSON(t)["password"].(string))["accessJwt"].(string)
	}
	chat := func(token string) response {
		return n.request(t, "GET", "/xrpc/chat.bsky.convo.listConvos", map[string]string{
			"Authorization": "Bearer " + token, "atproto-proxy": aud}, nil)
	}
	expect(t, chat(login(false)), 400, "InvalidToken")
	if len(upstream.calls) != 0 {
		t.Fatal("a chat call with a plain app password went upstream")
	}
	expect(t, chat(login(true)), 200, "")
	expect(t, chat(u.Access), 200, "")
}

// TestProxyGetRecordOfOtherRepos: getRecord of a repository not served
// here (unknown DID or handle, deactivated, taken down) is asked of the
// app view without a service token, as the reference does; missing
// records of served repositories and the other repo reads stay here.
func TestProxyGetRecordOfOtherRepos(t *testing.T) {
	upstream := &fakeAppView{}
	srv := httptest.NewServer(upstream)
	defer srv.Close()
	const aud = "did:web:appview.test#bsky_appview"
	n := mustNode(t, nodeOptions{appView: httpapi.ServiceRef{DID: aud, URL: srv.URL}})
	a := n.mustAccount(t, "alice.test")
	gone := n.mustAccount(t, "gone.test")
	n.rpDeactivate(t, gone)
	down := n.mustAccount(t, "down.test")
	expect(t, n.adminCall(t, "POST", "com.atproto.admin.updateSubjectStatus", "", map[string]any{
		"subject":  map[string]any{"$type": "com.atproto.admin.defs#repoRef", "did": down.DID.String()},
		"takedown": map[string]any{"applied": true}}), 200, "")

	for _, repo := range []string{"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", "nobody.test", gone.DID.String(), gone.Handle.String(), down.DID.String()} {
		q := "repo=" + repo + "&collection=app.bsky.feed.post&rkey=3kaaaaaaaaaa2"
		before := len(upstream.calls)
		r := n.query(t, "com.atproto.repo.getRecord", q, a.Access)
		expect(t, r, 200, "")
		if len(upstream.calls) != before+1 {
			t.Fatalf("%s: not forwarded", repo)
		}
		call := upstream.calls[len(upstream.calls)-1]
		if call.URL.Path != "/xrpc/com.atproto.repo.getRecord" || call.URL.RawQuery != q || call.Header.Get("Authorization") != "" {
			t.Fatalf("%s: upstream saw %s?%s with %q", repo, call.URL.Path, call.URL.RawQuery, call.Header.Get("Authorization"))
		}
	}
	before := len(upstream.calls)
	expect(t, n.query(t, "com.atproto.repo.getRecord", "repo="+a.DID.String()+"&collection=app.bsky.feed.post&rkey=3kaaaaaaaaaa2", ""), 400, "RecordNotFound")
	expect(t, n.query(t, "com.atproto.repo.listRecords", "repo=nobody.test&collection=app.bsky.feed.post", ""), 400, "InvalidRequest")
	expect(t, n.query(t, "com.atproto.repo.describeRepo", "repo=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa", ""), 400, "RepoNotFound")
	if len(upstream.calls) != before {
		t.Fatal("a read of a served repository went upstream")
	}

	// With no app view the record cannot be found.
	bare := mustNode(t, nodeOptions{})
	expect(t, bare.query(t, "com.atproto.repo.getRecord", "repo=did:plc:aaaaaaaaaaaaaaaaaaaaaaaa&collection=app.bsky.feed.post&rkey=3kaaaaaaaaaa2", ""), 400, "InvalidRequest")
}
