package identity_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/identity"
)

const (
	didAlice = "did:plc:alicealicealicealicealic"
	didBob   = "did:plc:bobbobbobbobbobbobbobbobb"
)

// wellKnown serves /.well-known/atproto-did per host from a table of
// bodies; "404" answers 404, "500" a 500, "redirect:<url>" a 302.
func wellKnown(bodies map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/atproto-did" {
			http.NotFound(w, r)
			return
		}
		body, ok := bodies[r.Host]
		switch {
		case !ok || body == "404":
			http.Error(w, "User not found", http.StatusNotFound)
		case body == "500":
			http.Error(w, "oops", http.StatusInternalServerError)
		case strings.HasPrefix(body, "redirect:"):
			http.Redirect(w, r, strings.TrimPrefix(body, "redirect:"), http.StatusFound)
		case body == "slow":
			<-r.Context().Done()
		default:
			w.Header().Set("Content-Type", "text/html") // the type does not matter
			fmt.Fprint(w, body)
		}
	})
}

func TestResolveHandle(t *testing.T) {
	dns := newFakeDNS(t)
	dns.set("_atproto.dns.test", "did="+didAlice)
	dns.set("_atproto.both.test", "did="+didAlice)
	dns.set("_atproto.noise.test", "v=spf1 -all", "did="+didBob, "did="+didBob)
	dns.set("_atproto.conflict.test", "did="+didAlice, "did="+didBob)
	dns.set("_atproto.baddid.test", "did=not-a-did")
	dns.set("_atproto.empty.test")
	dns.set("_atproto.other.test", "hello")
	dns.setFail("_atproto.servfail.test")
	dns.setFail("_atproto.servfail404.test")
	dns.set("_atproto.mixed.test", "did="+didAlice)
	_, client := newTLSServer(t, wellKnown(map[string]string{
		"both.test":        didBob, // DNS wins over HTTPS
		"https.test":       "  " + didBob + "  \n",
		"multiline.test":   didBob + "\nsomething else",
		"redirect.test":    "redirect:https://https.test/.well-known/atproto-did",
		"loop.test":        "redirect:https://loop.test/.well-known/atproto-did",
		"garbage.test":     "<html>hello</html>",
		"big.test":         strings.Repeat("d", 3000),
		"servfail.test":    didBob,
		"servfail404.test": "404",
		"error.test":       "500",
		"empty.test":       "404",
	}))
	r := &identity.Resolver{DNS: dns.resolver(), HTTP: client}
	tests := []struct {
		handle string
		want   string
		err    error
	}{
		{"dns.test", didAlice, nil},
		{"DNS.Test", didAlice, nil},
		{"both.test", didAlice, nil},
		{"noise.test", didBob, nil},
		{"https.test", didBob, nil},
		{"multiline.test", didBob, nil},
		{"redirect.test", didBob, nil},
		{"servfail.test", didBob, nil},
		{"mixed.test", didAlice, nil},
		{"conflict.test", "", identity.ErrResolution},
		{"baddid.test", "", identity.ErrResolution},
		{"loop.test", "", identity.ErrResolution},
		{"garbage.test", "", identity.ErrResolution},
		{"big.test", "", identity.ErrResolution},
		{"error.test", "", identity.ErrResolution},
		{"servfail404.test", "", identity.ErrResolution},
		{"empty.test", "", identity.ErrHandleNotFound},
		{"other.test", "", identity.ErrHandleNotFound},
		{"nobody.test", "", identity.ErrHandleNotFound},
		{"alice.local", "", identity.ErrHandleNotAllowed},
		{"alice.onion", "", identity.ErrHandleNotAllowed},
		{"handle.invalid", "", identity.ErrHandleNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.handle, func(t *testing.T) {
			got, err := r.ResolveHandle(context.Background(), MustHandle(t, tt.handle))
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("ResolveHandle = %s, %v; want %v", got, err, tt.err)
				}
				return
			}
			if err != nil || got.String() != tt.want {
				t.Fatalf("ResolveHandle = %s, %v; want %s", got, err, tt.want)
			}
		})
	}
	if _, err := r.ResolveHandle(context.Background(), atp.Handle{}); !errors.Is(err, identity.ErrHandleNotAllowed) {
		t.Errorf("zero handle: %v", err)
	}
	// The disallowed TLD was refused without a question.
	if n := dns.count("_atproto.alice.local"); n != 0 {
		t.Errorf("asked DNS %d times about a .local handle", n)
	}
}

func TestResolveHandleMethods(t *testing.T) {
	dns := newFakeDNS(t)
	dns.set("_atproto.alice.test", "did="+didAlice)
	_, client := newTLSServer(t, wellKnown(map[string]string{"alice.test": didBob, "slow.test": "slow"}))
	r := &identity.Resolver{DNS: dns.resolver(), HTTP: client}
	ctx := context.Background()
	if got, err := r.ResolveHandleDNS(ctx, MustHandle(t, "alice.test")); err != nil || got.String() != didAlice {
		t.Errorf("ResolveHandleDNS = %s, %v", got, err)
	}
	if got, err := r.ResolveHandleHTTPS(ctx, MustHandle(t, "alice.test")); err != nil || got.String() != didBob {
		t.Errorf("ResolveHandleHTTPS = %s, %v", got, err)
	}
	if _, err := r.ResolveHandleHTTPS(ctx, MustHandle(t, "bob.test")); !errors.Is(err, identity.ErrHandleNotFound) {
		t.Errorf("ResolveHandleHTTPS 404 = %v", err)
	}
	// A deadline ends a hanging well-known request.
	ctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := r.ResolveHandle(ctx, MustHandle(t, "slow.test")); !errors.Is(err, identity.ErrResolution) {
		t.Errorf("slow handle: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("slow handle took %s", d)
	}
}
