package httpapi_test

import (
	"strings"
	"testing"
)

func TestStaticRoutes(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	r := n.request(t, "GET", "/xrpc/_health", nil, nil)
	expect(t, r, 200, "")
	if r.JSON(t)["version"] != "test" {
		t.Fatalf("health: %s", r.Body)
	}
	r = n.request(t, "GET", "/robots.txt", nil, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "User-agent") {
		t.Fatalf("robots.txt: %d %s", r.Status, r.Body)
	}
	r = n.request(t, "GET", "/.well-known/did.json", nil, nil)
	expect(t, r, 200, "")
	if doc := r.JSON(t); doc["id"] != "did:web:localhost" {
		t.Fatalf("did.json: %s", r.Body)
	}
	r = n.request(t, "GET", "/.well-known/atproto-did", map[string]string{"Host": "nobody.test"}, nil)
	expect(t, r, 404, "")
	r = n.request(t, "GET", "/", nil, nil)
	if r.Status != 200 || !strings.Contains(string(r.Body), "atproto") {
		t.Fatalf("/: %d", r.Status)
	}
}

func TestRouting(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	expect(t, n.query(t, "com.atproto.server.describeServer", "", ""), 200, "")
	expect(t, n.procedure(t, "com.atproto.server.describeServer", nil, ""), 400, "InvalidRequest")
	expect(t, n.query(t, "com.example.nothing.here", "", ""), 501, "MethodNotImplemented")
	expect(t, n.query(t, "not..valid", "", ""), 400, "InvalidRequest")
	r := n.request(t, "OPTIONS", "/xrpc/com.atproto.server.describeServer", map[string]string{
		"Origin": "https://app.example", "Access-Control-Request-Method": "POST",
		"Access-Control-Request-Headers": "authorization,content-type"}, nil)
	if r.Status != 204 || r.Header.Get("Access-Control-Allow-Origin") != "*" ||
		r.Header.Get("Access-Control-Allow-Headers") != "authorization,content-type" {
		t.Fatalf("preflight: %d %v", r.Status, r.Header)
	}
	d := n.query(t, "com.atproto.server.describeServer", "", "").JSON(t)
	if d["did"] != "did:web:localhost" || d["inviteCodeRequired"] != false {
		t.Fatalf("describeServer: %v", d)
	}
}

func TestMustAccount(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	if !a.DID.IsPLC() {
		t.Fatalf("DID %s", a.DID)
	}
	if doc, err := n.PLCClient.Document(t.Context(), a.DID); err != nil {
		t.Fatal(err)
	} else if h, _ := doc.Handle(); h != a.Handle {
		t.Fatalf("document handle %s", h)
	}
	r := n.request(t, "GET", "/.well-known/atproto-did", map[string]string{"Host": "alice.test"}, nil)
	expect(t, r, 200, "")
	if string(r.Body) != a.DID.String() {
		t.Fatalf("atproto-did: %s", r.Body)
	}
}

func TestTLSCheck(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	n.mustAccount(t, "alice.test")
	expect(t, n.request(t, "GET", "/tls-check?domain=alice.test", nil, nil), 200, "")
	expect(t, n.request(t, "GET", "/tls-check?domain=localhost", nil, nil), 200, "")
	expect(t, n.request(t, "GET", "/tls-check?domain=nobody.test", nil, nil), 404, "NotFound")
	expect(t, n.request(t, "GET", "/tls-check", nil, nil), 400, "InvalidRequest")
}

func TestRequestID(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	r := n.query(t, "com.atproto.server.describeServer", "", "")
	if id := r.Header.Get("X-Request-Id"); len(id) != 16 {
		t.Fatalf("X-Request-Id %q", id)
	}
	r = n.request(t, "GET", "/xrpc/com.atproto.server.describeServer", map[string]string{"X-Request-Id": "proxy-abc.1"}, nil)
	if id := r.Header.Get("X-Request-Id"); id != "proxy-abc.1" {
		t.Fatalf("X-Request-Id %q, want the proxy's", id)
	}
	r = n.request(t, "GET", "/xrpc/com.atproto.server.describeServer", map[string]string{"X-Request-Id": "bad id/with space"}, nil)
	if id := r.Header.Get("X-Request-Id"); id == "bad id/with space" || len(id) != 16 {
		t.Fatalf("X-Request-Id %q", id)
	}
}
