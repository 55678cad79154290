package identity_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/identity"
)

// A PDS creating an account: build the genesis operation, sign it with the
// PDS rotation key, derive the DID; then PLCClient.Submit sends it.
func ExampleGenesisOp() {
	seed := func(b byte) *rand.ChaCha8 { return rand.NewChaCha8([32]byte{b}) }
	rotation, _ := crypto.GeneratePrivateKey(crypto.K256, seed(1)) // the PDS's PLC rotation key
	signing, _ := crypto.GeneratePrivateKey(crypto.K256, seed(2))  // the account's repo signing key
	handle, _ := atp.ParseHandle("alice.example.com")

	op, err := identity.GenesisOp(signing.Public(), []string{rotation.Public().DIDKey()}, handle, "https://pds.example.com")
	if err != nil {
		panic(err)
	}
	op, err = identity.Sign(op, rotation)
	if err != nil {
		panic(err)
	}
	did, err := identity.DIDForGenesis(op)
	if err != nil {
		panic(err)
	}
	doc, _ := op.Document(did)
	endpoint, _ := doc.PDSEndpoint()
	claimed, _ := doc.Handle()
	fmt.Println(did.IsPLC(), len(did.String()))
	fmt.Println(claimed, endpoint)
	// Output:
	// true 32
	// alice.example.com https://pds.example.com
}
