package identity_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/internal/plctest"
)

// countingHandler counts requests per path prefix before passing them on.
type countingHandler struct {
	h     http.Handler
	total atomic.Int64
}

func (c *countingHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.total.Add(1)
	c.h.ServeHTTP(w, r)
}

// account creates a did:plc in the directory c and returns it with the
// key that controls it.
func account(t *testing.T, c *identity.PLCClient, seed uint64, handle, endpoint string) (atp.DID, identity.Operation, *crypto.PrivateKey) {
	t.Helper()
	rot := MustKey(t, crypto.K256, seed)
	op, did := MustGenesis(t, MustKey(t, crypto.K256, seed+1), handle, endpoint, rot)
	if err := c.Submit(context.Background(), did, op); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	return did, op, rot
}

// TestDirectoryCacheTTL checks the cache against a fake clock: synctest
// advances time while every request is served in memory.
func TestDirectoryCacheTTL(t *testing.T) {
	// The Go resolver loads its configuration once per process, with a
	// channel that would belong to the bubble if created inside it and
	// then break lookups in other tests: load it out here.
	noDNS().LookupTXT(context.Background(), "warm-up.test")
	synctest.Test(t, func(t *testing.T) {
		ctx := context.Background()
		plc := &countingHandler{h: plctest.NewFake()}
		plcClient := &identity.PLCClient{BaseURL: "http://plc.test", HTTP: &http.Client{Transport: memTransport{plc}}}
		did, genesis, rot := account(t, plcClient, 1, "alice.test", "https://pds.example.com")
		wk := &countingHandler{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(did.String()))
		})}
		d := &identity.Directory{
			Resolver: identity.Resolver{PLC: plcClient, DNS: noDNS(), HTTP: &http.Client{Transport: memTransport{wk}}},
			TTL:      time.Minute,
		}
		fetches := func() int64 { return plc.total.Load() - 1 } // minus the Submit

		for range 3 {
			if _, err := d.ResolveDID(ctx, did); err != nil {
				t.Fatal(err)
			}
		}
		if n := fetches(); n != 1 {
			t.Fatalf("3 lookups made %d fetches, want 1", n)
		}
		time.Sleep(59 * time.Second)
		d.ResolveDID(ctx, did)
		if n := fetches(); n != 1 {
			t.Fatalf("lookup within the TTL fetched again (%d)", n)
		}
		time.Sleep(2 * time.Second)
		d.ResolveDID(ctx, did)
		if n := fetches(); n != 2 {
			t.Fatalf("lookup after the TTL: %d fetches, want 2", n)
		}

		// The identity changes; the cache keeps the old one until refreshed.
		if err := plcClient.Submit(ctx, did, update(t, genesis, rot, identity.OpChanges{Handle: MustHandle(t, "bob.test")})); err != nil {
			t.Fatal(err)
		}
		before := plc.total.Load()
		doc, _ := d.ResolveDID(ctx, did)
		if h, _ := doc.Handle(); h.String() != "alice.test" {
			t.Errorf("cached handle = %s", h)
		}
		doc, err := d.RefreshDID(ctx, did)
		if err != nil {
			t.Fatal(err)
		}
		if h, _ := doc.Handle(); h.String() != "bob.test" {
			t.Errorf("refreshed handle = %s", h)
		}
		doc, _ = d.ResolveDID(ctx, did)
		if h, _ := doc.Handle(); h.String() != "bob.test" {
			t.Errorf("handle after refresh = %s", h)
		}
		if n := plc.total.Load() - before; n != 1 {
			t.Errorf("refresh and lookups made %d fetches, want 1", n)
		}
		d.Purge(did)
		d.ResolveDID(ctx, did)
		if n := plc.total.Load() - before; n != 2 {
			t.Errorf("lookup after Purge: %d fetches, want 2", n)
		}

		// Handles are cached the same way.
		h := MustHandle(t, "bob.test")
		for range 2 {
			if got, err := d.ResolveHandle(ctx, h); err != nil || got != did {
				t.Fatalf("ResolveHandle = %s, %v", got, err)
			}
		}
		if n := wk.total.Load(); n != 1 {
			t.Errorf("2 handle lookups made %d requests, want 1", n)
		}
		time.Sleep(time.Minute)
		d.ResolveHandle(ctx, h)
		d.PurgeHandle(h)
		d.ResolveHandle(ctx, h)
		if n := wk.total.Load(); n != 3 {
			t.Errorf("handle requests = %d, want 3", n)
		}

		// A negative TTL turns the cache off.
		off := &identity.Directory{Resolver: d.Resolver, TTL: -1}
		before = plc.total.Load()
		off.ResolveDID(ctx, did)
		off.ResolveDID(ctx, did)
		if n := plc.total.Load() - before; n != 2 {
			t.Errorf("uncached lookups made %d fetches, want 2", n)
		}
	})
}

// TestDirectoryClock checks the injected clock without synctest.
func TestDirectoryClock(t *testing.T) {
	fake := &countingHandler{h: plctest.NewFake()}
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c := &identity.PLCClient{BaseURL: srv.URL, HTTP: srv.Client()}
	did, _, _ := account(t, c, 10, "alice.test", "https://pds.example.com")
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	d := &identity.Directory{Resolver: identity.Resolver{PLC: c, DNS: noDNS()}, Now: func() time.Time { return now }}
	ctx := context.Background()
	d.ResolveDID(ctx, did)
	now = now.Add(identity.DefaultTTL - time.Second)
	d.ResolveDID(ctx, did)
	if n := fake.total.Load(); n != 2 { // Submit and one fetch
		t.Errorf("requests = %d, want 2", n)
	}
	now = now.Add(time.Second)
	d.ResolveDID(ctx, did)
	if n := fake.total.Load(); n != 3 {
		t.Errorf("requests after the default TTL = %d, want 3", n)
	}
}

// TestResolveIdentity runs the whole resolution over a fake PLC, a fake
// DNS server and an HTTPS server, all on 127.0.0.1.
func TestResolveIdentity(t *testing.T) {
	ctx := context.Background()
	plcSrv := httptest.NewServer(plctest.NewFake())
	t.Cleanup(plcSrv.Close)
	plc := &identity.PLCClient{BaseURL: plcSrv.URL, HTTP: plcSrv.Client()}
	dns := newFakeDNS(t)

	alice, _, _ := account(t, plc, 20, "alice.test", "https://pds.example.com")      // handle in DNS
	bob, _, _ := account(t, plc, 30, "bob.test", "https://pds.example.com")          // handle over HTTPS
	carol, _, _ := account(t, plc, 40, "carol.test", "https://pds.example.com")      // handle points elsewhere
	dave, _, _ := account(t, plc, 50, "dave.test", "https://pds.example.com")        // handle does not resolve
	eve, eveOp, eveKey := account(t, plc, 60, "eve.test", "https://pds.example.com") // no handle at all
	if err := plc.Submit(ctx, eve, update(t, eveOp, eveKey, identity.OpChanges{AlsoKnownAs: []string{}})); err != nil {
		t.Fatal(err)
	}
	dns.set("_atproto.alice.test", "did="+alice.String())
	dns.set("_atproto.carol.test", "did="+alice.String())
	dns.set("_atproto.impostor.test", "did="+alice.String())
	webKey := MustKey(t, crypto.P256, 70).Public()
	web := MustDID(t, "did:web:web.example.com")
	hosts := map[string]string{
		"bob.test/.well-known/atproto-did":        bob.String(),
		"web.example.com/.well-known/atproto-did": web.String(),
		"web.example.com/.well-known/did.json": string(MustJSON(t, identity.NewAccountDocument(web,
			MustHandle(t, "web.example.com"), webKey, "https://pds.example.com"))),
	}
	_, client := newTLSServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := hosts[r.Host+r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write([]byte(body))
	}))
	d := &identity.Directory{Resolver: identity.Resolver{PLC: plc, DNS: dns.resolver(), HTTP: client}}

	byDID := []struct {
		did    atp.DID
		handle string
	}{
		{alice, "alice.test"},
		{bob, "bob.test"},
		{carol, "handle.invalid"},
		{dave, "handle.invalid"},
		{eve, "handle.invalid"},
		{web, "web.example.com"},
	}
	for _, tt := range byDID {
		id, err := d.ResolveIdentity(ctx, tt.did.AtIdentifier())
		if err != nil {
			t.Errorf("ResolveIdentity(%s): %v", tt.did, err)
			continue
		}
		if id.DID != tt.did || id.Handle.String() != tt.handle || id.Document == nil || id.Document.ID != tt.did {
			t.Errorf("ResolveIdentity(%s) = %s %s", tt.did, id.DID, id.Handle)
		}
	}
	if id, _ := d.ResolveIdentity(ctx, web.AtIdentifier()); id != nil {
		if k, err := id.Document.SigningKey(); err != nil || !k.Equal(webKey) {
			t.Errorf("did:web signing key = %v, %v", k, err)
		}
	}

	byHandle := []struct {
		handle string
		did    atp.DID
		err    error
	}{
		{"alice.test", alice, nil},
		{"ALICE.test", alice, nil},
		{"bob.test", bob, nil},
		{"web.example.com", web, nil},
		{"carol.test", atp.DID{}, identity.ErrHandleMismatch},
		{"impostor.test", atp.DID{}, identity.ErrHandleMismatch},
		{"dave.test", atp.DID{}, identity.ErrHandleNotFound},
		{"alice.local", atp.DID{}, identity.ErrHandleNotAllowed},
	}
	for _, tt := range byHandle {
		id, err := d.ResolveIdentity(ctx, MustHandle(t, tt.handle).AtIdentifier())
		if tt.err != nil {
			if !errors.Is(err, tt.err) {
				t.Errorf("ResolveIdentity(%s) = %v, want %v", tt.handle, err, tt.err)
			}
			continue
		}
		if err != nil || id.DID != tt.did || id.Handle.String() != strings.ToLower(tt.handle) {
			t.Errorf("ResolveIdentity(%s) = %+v, %v", tt.handle, id, err)
		}
	}

	if err := d.VerifyHandle(ctx, MustHandle(t, "alice.test"), alice); err != nil {
		t.Errorf("VerifyHandle(alice): %v", err)
	}
	if err := d.VerifyHandle(ctx, MustHandle(t, "alice.test"), bob); !errors.Is(err, identity.ErrHandleMismatch) {
		t.Errorf("VerifyHandle(alice, bob) = %v", err)
	}
	if err := d.VerifyHandle(ctx, MustHandle(t, "impostor.test"), alice); !errors.Is(err, identity.ErrHandleMismatch) {
		t.Errorf("VerifyHandle(impostor) = %v", err)
	}

	// Dave's handle starts to resolve: the cached identity still says
	// handle.invalid until refreshed (failures are not cached, the DID
	// document is).
	dns.set("_atproto.dave.test", "did="+dave.String())
	id, err := d.RefreshIdentity(ctx, dave.AtIdentifier())
	if err != nil || id.Handle.String() != "dave.test" {
		t.Errorf("RefreshIdentity(dave) = %+v, %v", id, err)
	}

	for did, want := range map[string]error{
		"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa":                          identity.ErrDIDNotFound,
		"did:key:zQ3shXjHeiBuRCKmM36cuYnm7YEMzhGnCmCyW92sRJ9pribSF": identity.ErrUnsupportedMethod,
		"did:web:nobody.example.com":                                identity.ErrDIDNotFound,
	} {
		if _, err := d.ResolveIdentity(ctx, MustDID(t, did).AtIdentifier()); !errors.Is(err, want) {
			t.Errorf("ResolveIdentity(%s) = %v, want %v", did, err, want)
		}
	}
	if _, err := d.ResolveIdentity(ctx, atp.AtIdentifier{}); err == nil {
		t.Errorf("ResolveIdentity(zero) succeeded")
	}
	// A canceled context is an error, not handle.invalid.
	d.PurgeHandle(MustHandle(t, "alice.test"))
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	d2 := &identity.Directory{Resolver: d.Resolver}
	if _, err := d2.ResolveIdentity(cctx, alice.AtIdentifier()); err == nil {
		t.Errorf("ResolveIdentity with a canceled context succeeded")
	}
}
