package identity_test

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
	"github.com/boltsky/boltsky/internal/plctest"
)

// TestPLCEndToEnd runs the client against a real did:plc directory, the
// reference @did-plc/server with an in-memory database: it creates a DID
// (so the directory checks our genesis hash and DID derivation), reads it
// back in every form, updates the handle and rotates the signing and
// rotation keys, recovers with a higher-priority key, tombstones it, and
// verifies the directory's audit log with VerifyAuditLog.
//
// The directory comes from BOLTSKY_PLC_URL, which CI sets after starting
// one. Locally, install the packages once (bash internal/plctest/install.sh)
// and set BOLTSKY_PLC_NODE_MODULES=/work/.cache/plc/node_modules: the test
// then starts the directory itself with node. With neither variable set the
// test is skipped, saying so.
func TestPLCEndToEnd(t *testing.T) {
	url := plctest.URL(t)
	t.Logf("PLC directory at %s", url)
	c := &identity.PLCClient{BaseURL: url}
	exercisePLC(t, c, false)

	// The Directory resolves through the same directory. Handles are not
	// resolvable here: DNS and HTTPS fail at once, so the handle is
	// handle.invalid.
	ctx := context.Background()
	rot, err := crypto.GeneratePrivateKey(crypto.K256, nil) // a new DID on every run
	if err != nil {
		t.Fatal(err)
	}
	genesis, did := MustGenesis(t, MustKey(t, crypto.K256, 201), "zed.test", "https://pds.example.com", rot)
	if err := c.Submit(ctx, did, genesis); err != nil {
		t.Fatalf("Submit: %v", err)
	}
	offline := &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		return nil, errors.New("offline")
	})}
	d := &identity.Directory{Resolver: identity.Resolver{PLC: c, DNS: noDNS(), HTTP: offline}}
	id, err := d.ResolveIdentity(ctx, did.AtIdentifier())
	if err != nil {
		t.Fatalf("ResolveIdentity: %v", err)
	}
	if !id.Handle.IsInvalid() {
		t.Errorf("Handle = %s, want handle.invalid", id.Handle)
	}
	if k, err := id.Document.SigningKey(); err != nil || !k.Equal(MustKey(t, crypto.K256, 201).Public()) {
		t.Errorf("SigningKey = %v, %v", k, err)
	}
	if ep, _ := id.Document.PDSEndpoint(); ep != "https://pds.example.com" {
		t.Errorf("PDSEndpoint = %s", ep)
	}
}
