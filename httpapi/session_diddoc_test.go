package httpapi_test

import "testing"

func TestSessionCarriesDIDDoc(t *testing.T) {
	n := mustNode(t, nodeOptions{})
	a := n.mustAccount(t, "alice.test")
	check := func(what string, r response) {
		t.Helper()
		expect(t, r, 200, "")
		doc, ok := r.JSON(t)["didDoc"].(map[string]any)
		if !ok || doc["id"] != a.DID.String() {
			t.Fatalf("%s: didDoc %v", what, r.JSON(t)["didDoc"])
		}
		svc := doc["service"].([]any)[0].(map[string]any)
		if svc["serviceEndpoint"] != n.URL {
			t.Fatalf("%s: endpoint %v, want %s", what, svc["serviceEndpoint"], n.URL)
		}
	}
	check("createSession", n.procedure(t, "com.atproto.server.createSession",
		map[string]any{"identifier": "alice.test", "password": a.Password}, ""))
	check("getSession", n.query(t, "com.atproto.server.getSession", "", a.Access))
	check("refreshSession", n.procedure(t, "com.atproto.server.refreshSession", nil, a.Refresh))
}
