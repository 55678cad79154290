package identity_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
)

func TestDIDWebURL(t *testing.T) {
	tests := []struct {
		did   string
		local bool
		want  string
		err   error
	}{
		{"did:web:example.com", false, "https://example.com/.well-known/did.json", nil},
		{"did:web:Sub.Example.COM", false, "https://sub.example.com/.well-known/did.json", nil},
		{"did:web:localhost%3A2583", true, "http://localhost:2583/.well-known/did.json", nil},
		{"did:web:localhost", true, "http://localhost/.well-known/did.json", nil},
		{"did:web:localhost%3A2583", false, "", identity.ErrResolution},
		{"did:web:example.com%3A8443", false, "", identity.ErrUnsupportedMethod},
		{"did:web:localhost%3Ax", true, "", identity.ErrUnsupportedMethod},
		{"did:web:localhost%3A99999", true, "", identity.ErrUnsupportedMethod},
		{"did:web:example.com:user:alice", false, "", identity.ErrUnsupportedMethod},
		{"did:web:127.0.0.1", false, "", identity.ErrUnsupportedMethod},
		{"did:web:example.com%2Fpath", false, "", identity.ErrUnsupportedMethod},
		{"did:web:user%40example.com", false, "", identity.ErrUnsupportedMethod},
		{"did:web:single", false, "", identity.ErrUnsupportedMethod},
		{"did:web:example.local", false, "", identity.ErrResolution},
		{"did:plc:ewvi7nxzyoun6zhxrhs64oiz", false, "", identity.ErrUnsupportedMethod},
	}
	for _, tt := range tests {
		got, err := identity.DIDWebURL(MustDID(t, tt.did), tt.local)
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("DIDWebURL(%s, %t) = %q, %v; want %v", tt.did, tt.local, got, err, tt.err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("DIDWebURL(%s, %t) = %q, %v; want %q", tt.did, tt.local, got, err, tt.want)
		}
	}
}

// didWebHost serves /.well-known/did.json per host from a table.
func didWebHost(docs map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := docs[r.Host]
		switch {
		case r.URL.Path != "/.well-known/did.json" || !ok:
			http.NotFound(w, r)
		case body == "410":
			http.Error(w, "gone", http.StatusGone)
		case body == "503":
			http.Error(w, "later", http.StatusServiceUnavailable)
		case strings.HasPrefix(body, "redirect:"):
			http.Redirect(w, r, strings.TrimPrefix(body, "redirect:"), http.StatusFound)
		default:
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, body)
		}
	})
}

func TestResolveDIDWeb(t *testing.T) {
	key := MustKey(t, crypto.K256, 1).Public()
	doc := func(did string) string {
		return string(MustJSON(t, identity.NewAccountDocument(MustDID(t, did), MustHandle(t, "alice.example.com"), key, "https://pds.example.com")))
	}
	docs := map[string]string{
		"alice.example.com": doc("did:web:alice.example.com"),
		"other.example.com": doc("did:web:alice.example.com"), // names another DID
		"gone.example.com":  "410",
		"down.example.com":  "503",
		"moved.example.com": "redirect:https://alice.example.com/.well-known/did.json",
		"junk.example.com":  `{"id":`,
		"big.example.com":   `{"id":"did:web:big.example.com","x":"` + strings.Repeat("x", identity.MaxDocumentSize) + `"}`,
	}
	_, client := newTLSServer(t, didWebHost(docs))
	r := &identity.Resolver{HTTP: client, DNS: noDNS()}
	ctx := context.Background()
	got, err := r.ResolveDIDWeb(ctx, MustDID(t, "did:web:alice.example.com"))
	if err != nil {
		t.Fatalf("ResolveDIDWeb: %v", err)
	}
	if k, err := got.SigningKey(); err != nil || !k.Equal(key) {
		t.Errorf("SigningKey = %v, %v", k, err)
	}
	// Through ResolveDID too.
	if _, err := r.ResolveDID(ctx, MustDID(t, "did:web:alice.example.com")); err != nil {
		t.Errorf("ResolveDID: %v", err)
	}
	for did, want := range map[string]error{
		"did:web:nobody.example.com":                                identity.ErrDIDNotFound,
		"did:web:gone.example.com":                                  identity.ErrDIDNotFound,
		"did:web:down.example.com":                                  identity.ErrResolution,
		"did:web:moved.example.com":                                 identity.ErrResolution,
		"did:web:other.example.com":                                 identity.ErrResolution,
		"did:web:junk.example.com":                                  identity.ErrResolution,
		"did:web:big.example.com":                                   identity.ErrResolution,
		"did:web:x.example.com:path":                                identity.ErrUnsupportedMethod,
		"did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF": identity.ErrUnsupportedMethod,
	} {
		if _, err := r.ResolveDID(ctx, MustDID(t, did)); !errors.Is(err, want) {
			t.Errorf("ResolveDID(%s) = %v, want %v", did, err, want)
		}
	}
}

// TestResolveDIDWebLocalhost resolves did:web:localhost%3A<port> over
// plain http from a server on 127.0.0.1 (the client dials 127.0.0.1 for
// "localhost", so the test does not depend on the machine's resolver).
func TestResolveDIDWebLocalhost(t *testing.T) {
	var did string
	srv, client := newHTTPServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/did.json" || !strings.HasPrefix(r.Host, "localhost:") {
			http.NotFound(w, r)
			return
		}
		w.Write(MustJSON(t, identity.NewServiceDocument(MustDID(t, did), "http://"+r.Host)))
	}))
	addr := srv.Listener.Addr().String()
	port := addr[strings.LastIndex(addr, ":")+1:]
	did = "did:web:localhost%3A" + port
	r := &identity.Resolver{HTTP: client, DNS: noDNS(), AllowLocalhost: true}
	doc, err := r.ResolveDID(context.Background(), MustDID(t, did))
	if err != nil {
		t.Fatalf("ResolveDID(%s): %v", did, err)
	}
	if ep, ok := doc.PDSEndpoint(); !ok || ep != "http://localhost:"+port {
		t.Errorf("PDSEndpoint = %q", ep)
	}
	r.AllowLocalhost = false
	if _, err := r.ResolveDID(context.Background(), MustDID(t, did)); !errors.Is(err, identity.ErrResolution) {
		t.Errorf("without AllowLocalhost: %v", err)
	}
}
