package identity_test

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
)

// MustKey returns a key on curve derived from seed.
func MustKey(tb testing.TB, curve crypto.Curve, seed uint64) *crypto.PrivateKey {
	tb.Helper()
	var s [32]byte
	s[0], s[1], s[31] = byte(seed), byte(seed>>8), 0x1d
	k, err := crypto.GeneratePrivateKey(curve, rand.NewChaCha8(s))
	if err != nil {
		tb.Fatalf("GeneratePrivateKey: %v", err)
	}
	return k
}

// MustSign signs op with key.
func MustSign(tb testing.TB, op identity.Operation, key *crypto.PrivateKey) identity.Operation {
	tb.Helper()
	signed, err := identity.Sign(op, key)
	if err != nil {
		tb.Fatalf("Sign: %v", err)
	}
	return signed
}

// MustDID parses a DID.
func MustDID(tb testing.TB, s string) atp.DID {
	tb.Helper()
	d, err := atp.ParseDID(s)
	if err != nil {
		tb.Fatal(err)
	}
	return d
}

// MustHandle parses a handle.
func MustHandle(tb testing.TB, s string) atp.Handle {
	tb.Helper()
	h, err := atp.ParseHandle(s)
	if err != nil {
		tb.Fatal(err)
	}
	return h
}

// MustGenesis builds and signs a genesis operation with rotation keys
// rot (the first signs) and returns it with its DID.
func MustGenesis(tb testing.TB, signing *crypto.PrivateKey, handle string, endpoint string, rot ...*crypto.PrivateKey) (identity.Operation, atp.DID) {
	tb.Helper()
	keys := make([]string, len(rot))
	for i, k := range rot {
		keys[i] = k.Public().DIDKey()
	}
	op, err := identity.GenesisOp(signing.Public(), keys, MustHandle(tb, handle), endpoint)
	if err != nil {
		tb.Fatalf("GenesisOp: %v", err)
	}
	op = MustSign(tb, op, rot[0])
	did, err := identity.DIDForGenesis(op)
	if err != nil {
		tb.Fatalf("DIDForGenesis: %v", err)
	}
	return op, did
}

// MustCID returns the CID text of a signed op.
func MustCID(tb testing.TB, op identity.Operation) string {
	tb.Helper()
	c, err := op.CID()
	if err != nil {
		tb.Fatalf("CID: %v", err)
	}
	return c.String()
}

// MustJSON marshals v.
func MustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatalf("json.Marshal: %v", err)
	}
	return b
}
