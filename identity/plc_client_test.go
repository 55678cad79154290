package identity_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/internal/plctest"
)

// TestPLCClientFake runs the client against the in-process fake
// directory: create, read in every form, update, recover, tombstone.
func TestPLCClientFake(t *testing.T) {
	fake := plctest.NewFake()
	srv := httptest.NewServer(fake)
	t.Cleanup(srv.Close)
	c := &identity.PLCClient{BaseURL: srv.URL + "/", HTTP: srv.Client()}
	exercisePLC(t, c, true)
}

// exercisePLC drives a directory through an account's life and checks
// every answer; the end-to-end test runs it against @did-plc/server.
// With exact set, the directory's documents must equal Operation.Document
// byte for byte.
func exercisePLC(t *testing.T, c *identity.PLCClient, exact bool) {
	t.Helper()
	ctx := context.Background()
	rec := MustKey(t, crypto.K256, 100)  // a user's recovery key, highest priority
	pds := MustKey(t, crypto.K256, 101)  // the PDS's rotation key
	pds2 := MustKey(t, crypto.P256, 102) // the PDS's next rotation key
	signing := MustKey(t, crypto.K256, 103)
	signing2 := MustKey(t, crypto.P256, 104)
	// Random keys make the DID unique, so the test can run twice against
	// the same directory.
	rnd, err := crypto.GeneratePrivateKey(crypto.K256, nil)
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := identity.GenesisOp(signing.Public(), []string{rec.Public().DIDKey(), pds.Public().DIDKey(), rnd.Public().DIDKey()},
		MustHandle(t, "alice.test"), "https://pds.example.com")
	if err != nil {
		t.Fatal(err)
	}
	genesis := MustSign(t, unsigned, pds)
	did, err := identity.DIDForGenesis(genesis)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Submit(ctx, did, genesis); err != nil {
		t.Fatalf("Submit genesis: %v", err)
	}
	t.Logf("created %s", did)

	doc, err := c.Document(ctx, did)
	if err != nil {
		t.Fatalf("Document: %v", err)
	}
	want, err := genesis.Document(did)
	if err != nil {
		t.Fatal(err)
	}
	// Directories differ in form (@did-plc/server 0.0.1 writes the legacy
	// EcdsaSecp256k1VerificationKey2019 keys, plc.directory Multikeys);
	// the atproto reading must agree.
	if exact {
		if a, b := string(MustJSON(t, doc)), string(MustJSON(t, want)); a != b {
			t.Errorf("directory document differs from Operation.Document:\n%s\n%s", a, b)
		}
	}
	sameReading(t, doc, want)
	if k, err := doc.SigningKey(); err != nil || !k.Equal(signing.Public()) {
		t.Errorf("SigningKey = %v, %v", k, err)
	}
	if h, _ := doc.Handle(); h.String() != "alice.test" {
		t.Errorf("Handle = %s", h)
	}
	data, err := c.Data(ctx, did)
	if err != nil {
		t.Fatalf("Data: %v", err)
	}
	if len(data.RotationKeys) != 3 || data.RotationKeys[1] != pds.Public().DIDKey() || data.Services["atproto_pds"].Endpoint != "https://pds.example.com" {
		t.Errorf("Data = %+v", data)
	}
	last, err := c.LastOp(ctx, did)
	if err != nil {
		t.Fatalf("LastOp: %v", err)
	}
	if MustCID(t, last) != MustCID(t, genesis) {
		t.Errorf("LastOp is not the genesis")
	}

	// Handle change and key rotation, signed by the PDS key.
	u1 := update(t, last, pds, identity.OpChanges{
		Handle:       MustHandle(t, "bob.test"),
		SigningKey:   signing2.Public(),
		RotationKeys: []string{rec.Public().DIDKey(), pds2.Public().DIDKey()},
	})
	if err := c.Submit(ctx, did, u1); err != nil {
		t.Fatalf("Submit update: %v", err)
	}
	// The old PDS key no longer controls the DID.
	stale := update(t, u1, pds, identity.OpChanges{Handle: MustHandle(t, "mallory.test")})
	err = c.Submit(ctx, did, stale)
	var pe *identity.PLCError
	if !errors.As(err, &pe) || pe.Status != http.StatusBadRequest || !errors.Is(err, identity.ErrInvalidOperation) || pe.Message == "" {
		t.Errorf("Submit with a removed key = %v, want a 400 PLCError", err)
	} else {
		t.Logf("directory refused the removed key: %s", pe.Message)
	}
	// The new PDS key moves the PDS.
	u2 := update(t, u1, pds2, identity.OpChanges{PDSEndpoint: "https://pds2.example.com"})
	if err := c.Submit(ctx, did, u2); err != nil {
		t.Fatalf("Submit second update: %v", err)
	}
	doc, err = c.Document(ctx, did)
	if err != nil {
		t.Fatal(err)
	}
	if h, _ := doc.Handle(); h.String() != "bob.test" {
		t.Errorf("Handle after update = %s", h)
	}
	if k, err := doc.SigningKey(); err != nil || !k.Equal(signing2.Public()) {
		t.Errorf("SigningKey after rotation = %v, %v", k, err)
	}
	if ep, _ := doc.PDSEndpoint(); ep != "https://pds2.example.com" {
		t.Errorf("PDSEndpoint after update = %s", ep)
	}

	// The recovery key rewrites history from u1: u2 is nullified.
	time.Sleep(5 * time.Millisecond) // the recovery must be stamped after u2
	recovery := update(t, u1, rec, identity.OpChanges{PDSEndpoint: "https://recovered.example.com"})
	if err := c.Submit(ctx, did, recovery); err != nil {
		t.Fatalf("Submit recovery: %v", err)
	}

	log, err := c.AuditLog(ctx, did)
	if err != nil {
		t.Fatalf("AuditLog: %v", err)
	}
	if len(log) != 4 {
		t.Fatalf("audit log has %d entries, want 4", len(log))
	}
	if err := identity.VerifyAuditLog(log); err != nil {
		t.Fatalf("VerifyAuditLog: %v", err)
	}
	for i, op := range []identity.Operation{genesis, u1, u2, recovery} {
		if log[i].CID != MustCID(t, op) {
			t.Errorf("entry %d: CID %s, want %s", i, log[i].CID, MustCID(t, op))
		}
		if wantNull := i == 2; log[i].Nullified != wantNull {
			t.Errorf("entry %d: nullified %t", i, log[i].Nullified)
		}
	}
	if active, _ := identity.LastActive(log); active.CID != MustCID(t, recovery) {
		t.Errorf("LastActive = %s", active.CID)
	}

	// Tombstone: the document is gone, the log stays.
	lastOp, err := c.LastOp(ctx, did)
	if err != nil {
		t.Fatal(err)
	}
	tomb := MustSign(t, must(identity.TombstoneOp(lastOp)), rec)
	if err := c.Submit(ctx, did, tomb); err != nil {
		t.Fatalf("Submit tombstone: %v", err)
	}
	if _, err := c.Document(ctx, did); !errors.Is(err, identity.ErrDIDNotFound) {
		t.Errorf("Document of a tombstoned DID: %v", err)
	}
	if op, err := c.LastOp(ctx, did); err != nil || !op.IsTombstone() {
		t.Errorf("LastOp after tombstone = %v, %v", op.Type, err)
	}
	log, err = c.AuditLog(ctx, did)
	if err != nil {
		t.Fatal(err)
	}
	if err := identity.VerifyAuditLog(log); err != nil || len(log) != 5 {
		t.Errorf("VerifyAuditLog after tombstone: %d entries, %v", len(log), err)
	}

	// Unknown DIDs.
	unknown := MustDID(t, "did:plc:aaaaaaaaaaaaaaaaaaaaaaaa")
	if _, err := c.Document(ctx, unknown); !errors.Is(err, identity.ErrDIDNotFound) || !errors.As(err, &pe) || pe.Status != 404 {
		t.Errorf("Document(unknown) = %v", err)
	}
	if _, err := c.AuditLog(ctx, unknown); !errors.Is(err, identity.ErrDIDNotFound) {
		t.Errorf("AuditLog(unknown) = %v", err)
	}
}

// sameReading checks that two documents say the same to atproto.
func sameReading(t *testing.T, got, want *identity.Document) {
	t.Helper()
	if got.ID != want.ID {
		t.Errorf("ID %s, want %s", got.ID, want.ID)
	}
	gk, err1 := got.SigningKey()
	wk, err2 := want.SigningKey()
	if err1 != nil || err2 != nil || !gk.Equal(wk) {
		t.Errorf("SigningKey %v (%v), want %v (%v)", gk, err1, wk, err2)
	}
	gh, _ := got.Handle()
	wh, _ := want.Handle()
	if gh != wh {
		t.Errorf("Handle %s, want %s", gh, wh)
	}
	ge, _ := got.PDSEndpoint()
	we, _ := want.PDSEndpoint()
	if ge != we {
		t.Errorf("PDSEndpoint %s, want %s", ge, we)
	}
}

func TestPLCClientErrors(t *testing.T) {
	did := MustDID(t, "did:plc:ewvi7nxzyoun6zhxrhs64oiz")
	var gotUA string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA = r.UserAgent()
		switch mode := r.Header.Get("X-Mode"); mode {
		case "500-text":
			http.Error(w, "database on fire", http.StatusInternalServerError)
		case "400":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"message":"Invalid signature on op"}`)
		case "big":
			fmt.Fprint(w, `{"id":"`+did.String()+`","x":"`+strings.Repeat("x", 2000)+`"}`)
		case "other-did":
			fmt.Fprint(w, `{"id":"did:plc:aaaaaaaaaaaaaaaaaaaaaaaa"}`)
		case "junk":
			fmt.Fprint(w, `{"id":`)
		case "slow":
			<-r.Context().Done()
		}
	}))
	t.Cleanup(srv.Close)
	client := func(mode string) *identity.PLCClient {
		return &identity.PLCClient{
			BaseURL:         srv.URL,
			UserAgent:       "boltsky-test",
			MaxResponseSize: 1024,
			HTTP:            &http.Client{Transport: headerTransport{mode}},
		}
	}
	ctx := context.Background()
	var pe *identity.PLCError

	_, err := client("500-text").Document(ctx, did)
	if !errors.As(err, &pe) || pe.Status != 500 || pe.Message != "database on fire" || !errors.Is(err, identity.ErrResolution) {
		t.Errorf("500: %v", err)
	}
	if gotUA != "boltsky-test" {
		t.Errorf("User-Agent = %q", gotUA)
	}
	op := MustSign(t, identity.Operation{Type: identity.OpTypeTombstone, Prev: "bafyreigcxay6ucqlwowfpu35alyxqtv3c4vsj7gmdtmnidsnqs6nblyarq"}, MustKey(t, crypto.K256, 1))
	err = client("400").Submit(ctx, did, op)
	if !errors.As(err, &pe) || pe.Message != "Invalid signature on op" || !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("400 on submit: %v", err)
	}
	// A 400 on a read is not about an operation.
	if _, err := client("400").Data(ctx, did); errors.Is(err, identity.ErrInvalidOperation) || !errors.Is(err, identity.ErrResolution) {
		t.Errorf("400 on read: %v", err)
	}
	for mode, call := range map[string]func(*identity.PLCClient) error{
		"big":       func(c *identity.PLCClient) error { _, err := c.Document(ctx, did); return err },
		"other-did": func(c *identity.PLCClient) error { _, err := c.Document(ctx, did); return err },
		"junk":      func(c *identity.PLCClient) error { _, err := c.AuditLog(ctx, did); return err },
	} {
		if err := call(client(mode)); !errors.Is(err, identity.ErrResolution) {
			t.Errorf("%s: %v", mode, err)
		}
	}
	tctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if _, err := client("slow").LastOp(tctx, did); !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, identity.ErrResolution) {
		t.Errorf("slow: %v", err)
	}
	if err := client("").Submit(ctx, did, identity.Operation{Type: identity.OpTypeTombstone, Prev: "b"}); !errors.Is(err, identity.ErrInvalidOperation) {
		t.Errorf("unsigned submit: %v", err)
	}
	for _, bad := range []string{"did:plc:short", "did:plc:ewvi7nxzyoun6zhxrhs64oiZ", "did:plc:ewvi7nxzyoun6zhxrhs64oi1", "did:plc:ewvi7nxzyoun6zhxrhs64oizz"} {
		if _, err := client("").Document(ctx, MustDID(t, bad)); !errors.Is(err, identity.ErrDIDNotFound) || errors.As(err, &pe) {
			t.Errorf("Document(%s) = %v, want ErrDIDNotFound without a request", bad, err)
		}
	}
	web := MustDID(t, "did:web:example.com")
	if _, err := client("").Document(ctx, web); !errors.Is(err, identity.ErrUnsupportedMethod) {
		t.Errorf("did:web: %v", err)
	}
	// Without a BaseURL the client asks the public directory; a transport
	// that records instead of sending shows the URL.
	var asked string
	rec := &identity.PLCClient{HTTP: &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
		asked = r.URL.String()
		return nil, errors.New("not sent")
	})}}
	if _, err := rec.Document(ctx, did); !errors.Is(err, identity.ErrResolution) || asked != identity.DefaultPLCURL+"/"+did.String() {
		t.Errorf("default URL: asked %q, %v", asked, err)
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// headerTransport sets X-Mode on every request.
type headerTransport struct{ mode string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Mode", h.mode)
	return http.DefaultTransport.RoundTrip(r)
}

// resettingDirectory is a stand-in PLC directory on 127.0.0.1 that reads
// each request and answers it 200, except that it resets the connection
// (RST, no answer) at the requests reset names: connection number (from
// 0) → request number on that connection (from 0).
type resettingDirectory struct {
	addr  string
	reset map[int]int
	// requests counts the requests read, answered or not.
	requests atomic.Int32
}

func newResettingDirectory(t *testing.T, reset map[int]int) *resettingDirectory {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	d := &resettingDirectory{addr: ln.Addr().String(), reset: reset}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Go(func() {
		for n := 0; ; n++ {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { d.serve(conn.(*net.TCPConn), n) })
		}
	})
	return d
}

func (d *resettingDirectory) serve(conn *net.TCPConn, n int) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	for i := 0; ; i++ {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		d.requests.Add(1)
		if at, ok := d.reset[n]; ok && at == i {
			conn.SetLinger(0)
			return
		}
		io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
	}
}

// TestPLCClientSubmitRetriesStaleConn: a POST reset on a connection reused
// from the idle pool is sent once more, on a new connection; a reset on a
// new connection, or on the second try, is an error.
func TestPLCClientSubmitRetriesStaleConn(t *testing.T) {
	op, did := MustGenesis(t, MustKey(t, crypto.K256, 1), "alice.test", "https://pds.example.com", MustKey(t, crypto.K256, 2))
	client := func(t *testing.T, d *resettingDirectory) *identity.PLCClient {
		tr := &http.Transport{}
		t.Cleanup(tr.CloseIdleConnections)
		return &identity.PLCClient{BaseURL: "http://" + d.addr, HTTP: &http.Client{Transport: tr}}
	}
	ctx := context.Background()
	for _, tc := range []struct {
		name     string
		reset    map[int]int
		ok       bool
		requests int32
	}{
		// The first connection is reset when reused: sent again.
		{"reused connection reset", map[int]int{0: 1}, true, 3},
		// The retry is reset as well: no third try.
		{"retry reset too", map[int]int{0: 1, 1: 0}, false, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := newResettingDirectory(t, tc.reset)
			c := client(t, d)
			if err := c.Submit(ctx, did, op); err != nil {
				t.Fatalf("first submit: %v", err)
			}
			err := c.Submit(ctx, did, op)
			if (err == nil) != tc.ok || !tc.ok && !errors.Is(err, identity.ErrResolution) {
				t.Fatalf("second submit: %v", err)
			}
			if got := d.requests.Load(); got != tc.requests {
				t.Fatalf("%d requests reached the directory, want %d", got, tc.requests)
			}
		})
	}
	// A new connection reset is not retried.
	d := newResettingDirectory(t, map[int]int{0: 0})
	if err := client(t, d).Submit(ctx, did, op); err == nil {
		t.Fatal("submit over a reset new connection succeeded")
	}
	if got := d.requests.Load(); got != 1 {
		t.Fatalf("%d requests reached the directory, want 1", got)
	}
}
