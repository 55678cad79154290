package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/VictoriaMetrics/metrics"

	"github.com/boltsky/boltsky/account"
	"github.com/boltsky/boltsky/actor"
	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/atp/lexicon"
	"github.com/boltsky/boltsky/blobstore"
	"github.com/boltsky/boltsky/httpapi"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/internal/plctest"
	"github.com/boltsky/boltsky/kv"
	"github.com/boltsky/boltsky/lexicons"
	pdssync "github.com/boltsky/boltsky/sync"
)

// testNode is a complete server in this process: real storage under a
// temporary directory, a fake PLC directory and HTTP on 127.0.0.1.
type testNode struct {
	URL      string
	Dir      string
	PLC      *plctest.Fake
	Server   *httpapi.Server
	Registry *actor.Registry
	Seq      *pdssync.Sequencer
	Events   *kv.EventLog
	DB       *kv.Server
	// MailPath is the outbox file email goes to.
	MailPath string
	// AdminPassword is the admin Basic-auth password.
	AdminPassword string
	// RotationKey is the server's PLC rotation key.
	RotationKey *crypto.PrivateKey
	Sessions    *account.Sessions
	Sealer      *account.KeySealer
	Index       *account.Index
	PLCClient   *identity.PLCClient
	client      *http.Client
}

// nodeOptions tweak a testNode.
type nodeOptions struct {
	inviteRequired bool
	didMethod      string
	blobLimit      int64
	handleDomains  []string
	metricsToken   string
	rateLimits     bool
	appView        httpapi.ServiceRef
}

// mustNode starts a testNode; it stops when the test ends.
func mustNode(tb testing.TB, o nodeOptions) *testNode {
	tb.Helper()
	dir := tb.TempDir()
	ctx := context.Background()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	fake := plctest.NewFake()
	plcSrv := httptest.NewServer(fake)
	tb.Cleanup(plcSrv.Close)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	hostname := "localhost"
	publicURL := fmt.Sprintf("http://localhost:%d", port)

	opts := kv.Options{NoSync: true}
	db, err := kv.OpenServer(filepath.Join(dir, "server.db"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	events, err := kv.OpenEventLog(filepath.Join(dir, "events.db"), opts)
	if err != nil {
		tb.Fatal(err)
	}
	seq, err := pdssync.New(pdssync.Config{Log: events, Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	seq.Start()
	sealer, err := account.NewKeySealer(bytes.Repeat([]byte{7}, 32), nil)
	if err != nil {
		tb.Fatal(err)
	}
	reg, err := actor.NewRegistry(actor.Config{DataDir: dir, Storage: opts, OpenKey: sealer.Open, Sequencer: seq, Logger: logger})
	if err != nil {
		tb.Fatal(err)
	}
	reg.Start()
	blobs, err := blobstore.NewDisk(filepath.Join(dir, "blobs"))
	if err != nil {
		tb.Fatal(err)
	}
	catalog, err := lexicon.LoadCatalog(lexicons.FS)
	if err != nil {
		tb.Fatal(err)
	}
	plc := &identity.PLCClient{BaseURL: plcSrv.URL, HTTP: plcSrv.Client()}
	dir2 := &identity.Directory{Resolver: identity.Resolver{PLC: plc, HTTP: &http.Client{Timeout: 5 * time.Second}, AllowLocalhost: true}}
	serviceDID, _ := atp.ParseDID("did:web:localhost")
	secret, _ := account.NewJWTSecret(bytes.Repeat([]byte{9}, 32))
	sessions, err := account.NewSessions(db, account.SessionConfig{ServiceDID: serviceDID, Secret: secret})
	if err != nil {
		tb.Fatal(err)
	}
	svcAuth, err := account.NewServiceAuth(account.ServiceAuthConfig{ServiceDID: serviceDID, Resolver: keyResolver{dir2}})
	if err != nil {
		tb.Fatal(err)
	}
	invites, err := account.NewInvites(db, account.InviteConfig{Hostname: hostname, Required: o.inviteRequired})
	if err != nil {
		tb.Fatal(err)
	}
	domains := o.handleDomains
	if domains == nil {
		domains = []string{".test"}
	}
	handles, err := account.NewHandleRules(account.HandleConfig{Domains: domains})
	if err != nil {
		tb.Fatal(err)
	}
	rotation, err := crypto.GeneratePrivateKey(crypto.K256, nil)
	if err != nil {
		tb.Fatal(err)
	}
	mailPath := filepath.Join(dir, "mail.jsonl")
	method := o.didMethod
	if method == "" {
		method = "plc"
	}
	const adminPassword = "admin-secret"
	srv, err := httpapi.New(httpapi.Config{
		Hostname: hostname, PublicURL: publicURL, ServiceDID: serviceDID, Version: "test",
		AdminPassword: adminPassword, InviteRequired: o.inviteRequired, DevMode: true,
		BlobUploadLimit: o.blobLimit, AccountDIDMethod: method, MetricsToken: o.metricsToken,
		RateLimits: o.rateLimits, AppView: o.appView, DIDDocWithSession: true,
	}, httpapi.Deps{
		Logger: logger, Catalog: catalog, Registry: reg, Sequencer: seq, EventLog: events,
		ServerDB: db, Blobs: blobs, Directory: dir2, PLC: plc, RotationKey: rotation,
		Sessions: sessions, ServiceAuth: svcAuth, Invites: invites,
		EmailTokens: account.NewEmailTokens(db, account.EmailTokenConfig{}),
		Mailer:      account.NewOutboxMailer(mailPath, "noreply@localhost", nil),
		Index:       account.NewIndex(db), Handles: handles, Sealer: sealer,
		MetricSets: []*metrics.Set{reg.Metrics(), seq.Metrics()},
	})
	if err != nil {
		tb.Fatal(err)
	}
	go srv.Serve(ln)
	tb.Cleanup(func() {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		srv.Shutdown(c)
		reg.Close(c)
		seq.Close(c)
		events.Close()
		db.Close()
	})
	return &testNode{URL: publicURL, Dir: dir, PLC: fake, Server: srv, Registry: reg, Seq: seq, Events: events,
		DB: db, MailPath: mailPath, AdminPassword: adminPassword, RotationKey: rotation, Sessions: sessions,
		Sealer: sealer, Index: account.NewIndex(db), PLCClient: plc, client: &http.Client{Timeout: 30 * time.Second}}
}

type keyResolver struct{ dir *identity.Directory }

func (k keyResolver) SigningKey(ctx context.Context, did atp.DID, refresh bool) (*crypto.PublicKey, error) {
	resolve := k.dir.ResolveDID
	if refresh {
		resolve = k.dir.RefreshDID
	}
	doc, err := resolve(ctx, did)
	if err != nil {
		return nil, err
	}
	return doc.SigningKey()
}

// response is an HTTP answer with its body read.
type response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r response) JSON(tb testing.TB) map[string]any {
	tb.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		tb.Fatalf("response is not JSON (%d): %s", r.Status, r.Body)
	}
	return m
}

// Error returns the XRPC error name of an error response.
func (r response) Error(tb testing.TB) string {
	tb.Helper()
	name, _ := r.JSON(tb)["error"].(string)
	return name
}

// request sends an HTTP request to the node.
func (n *testNode) request(tb testing.TB, method, path string, header map[string]string, body io.Reader) response {
	tb.Helper()
	req, err := http.NewRequest(method, n.URL+path, body)
	if err != nil {
		tb.Fatal(err)
	}
	for k, v := range header {
		if strings.EqualFold(k, "Host") {
			req.Host = v
			continue
		}
		req.Header.Set(k, v)
	}
	res, err := n.client.Do(req)
	if err != nil {
		tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		tb.Fatal(err)
	}
	return response{Status: res.StatusCode, Header: res.Header, Body: b}
}

// query calls an XRPC query with a raw query string and optional bearer
// token.
func (n *testNode) query(tb testing.TB, nsid, query, token string) response {
	tb.Helper()
	path := "/xrpc/" + nsid
	if query != "" {
		path += "?" + query
	}
	h := map[string]string{}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return n.request(tb, "GET", path, h, nil)
}

// procedure calls an XRPC procedure with a JSON body (nil for none) and
// optional bearer token.
func (n *testNode) procedure(tb testing.TB, nsid string, body any, token string) response {
	tb.Helper()
	h := map[string]string{}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			tb.Fatal(err)
		}
		r = bytes.NewReader(b)
		h["Content-Type"] = "application/json"
	}
	if token != "" {
		h["Authorization"] = "Bearer " + token
	}
	return n.request(tb, "POST", "/xrpc/"+nsid, h, r)
}

// adminHeader is the Basic auth header of the admin.
func (n *testNode) adminHeader() map[string]string {
	return map[string]string{"Authorization": "Basic " + basic("admin", n.AdminPassword)}
}

func basic(user, pass string) string {
	return base64Std(user + ":" + pass)
}

// expect fails unless r has the status and, when name is set, the XRPC
// error name.
func expect(tb testing.TB, r response, status int, name string) {
	tb.Helper()
	if r.Status != status {
		tb.Fatalf("status %d, want %d: %s", r.Status, status, r.Body)
	}
	if name != "" {
		if got := r.Error(tb); got != name {
			tb.Fatalf("error %q, want %q: %s", got, name, r.Body)
		}
	}
}

// testAccount is an account made by mustAccount.
type testAccount struct {
	DID      atp.DID
	Handle   atp.Handle
	Email    string
	Password string
	Key      *crypto.PrivateKey
	// Access and Refresh are a session's tokens.
	Access  string
	Refresh string
}

// mustAccount creates an active did:plc account directly through the
// node's parts, bypassing the HTTP sign-up: a genesis operation signed
// with the server's rotation key at the fake PLC directory, the account
// file with its genesis commit, the handle and email index, and a session.
// Tests of other namespaces use it so they do not depend on
// createAccount.
func (n *testNode) mustAccount(tb testing.TB, handle string) *testAccount {
	tb.Helper()
	ctx := context.Background()
	h, err := atp.ParseHandle(handle)
	if err != nil {
		tb.Fatal(err)
	}
	key, err := crypto.GeneratePrivateKey(crypto.K256, nil)
	if err != nil {
		tb.Fatal(err)
	}
	op, err := identity.GenesisOp(key.Public(), []string{n.RotationKey.Public().DIDKey()}, h, n.URL)
	if err != nil {
		tb.Fatal(err)
	}
	if op, err = identity.Sign(op, n.RotationKey); err != nil {
		tb.Fatal(err)
	}
	did, err := identity.DIDForGenesis(op)
	if err != nil {
		tb.Fatal(err)
	}
	if err := n.PLCClient.Submit(ctx, did, op); err != nil {
		tb.Fatal(err)
	}
	sealed, err := n.Sealer.Seal(key)
	if err != nil {
		tb.Fatal(err)
	}
	password := "password-" + handle
	hash, err := account.HashPassword(password)
	if err != nil {
		tb.Fatal(err)
	}
	email := strings.ReplaceAll(handle, ".", "-") + "@example.com"
	if err := n.Index.Claim(did, h, email); err != nil {
		tb.Fatal(err)
	}
	_, err = n.Registry.Create(ctx, actor.NewAccount{
		State: kv.AccountState{DID: did, Handle: h, Email: email, PasswordHash: hash, SigningKey: sealed,
			CreatedAt: time.Now().UTC()},
		Key:      key,
		Announce: true,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tokens, err := n.Sessions.Create(did, account.SessionOptions{})
	if err != nil {
		tb.Fatal(err)
	}
	return &testAccount{DID: did, Handle: h, Email: email, Password: password, Key: key,
		Access: tokens.AccessJWT, Refresh: tokens.RefreshJWT}
}
