package crypto_test

// Differential tests against indigo's atproto/atcrypto, used here only as a
// test oracle.

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atcrypto"

	"github.com/boltsky/boltsky/atp/crypto"
)

const oracleMessages = 200

// indigoPrivate returns indigo's key for the same scalar as k.
func indigoPrivate(tb testing.TB, k *crypto.PrivateKey) atcrypto.PrivateKeyExportable {
	tb.Helper()
	var ik atcrypto.PrivateKeyExportable
	var err error
	switch k.Curve() {
	case crypto.K256:
		ik, err = atcrypto.ParsePrivateBytesK256(k.ExportBytes())
	case crypto.P256:
		ik, err = atcrypto.ParsePrivateBytesP256(k.ExportBytes())
	}
	if err != nil {
		tb.Fatalf("indigo cannot parse our %v scalar: %v", k.Curve(), err)
	}
	return ik
}

func TestOracleSignatures(t *testing.T) {
	rng := rand.New(rand.NewPCG(42, 1))
	for _, curve := range curves {
		var ourInIndigo, indigoInOurs, highSRejected int
		for i := range oracleMessages {
			// A fresh key every ten messages.
			k := MustGenerate(t, curve, uint64(i/10)+100)
			ik := indigoPrivate(t, k)
			ipub, err := ik.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			msg := make([]byte, rng.IntN(2048))
			for j := range msg {
				msg[j] = byte(rng.Uint32())
			}

			ours := MustSign(t, k, msg)
			if err := ipub.HashAndVerify(msg, ours); err != nil {
				t.Fatalf("%v: indigo rejects our signature: %v", curve, err)
			}
			ourInIndigo++

			theirs, err := ik.HashAndSign(msg)
			if err != nil {
				t.Fatal(err)
			}
			if err := k.Public().Verify(msg, theirs); err != nil {
				t.Fatalf("%v: we reject indigo's signature: %v", curve, err)
			}
			indigoInOurs++

			for _, sig := range [][]byte{ours, theirs} {
				hi := highS(curve, sig)
				if err := k.Public().Verify(msg, hi); !errors.Is(err, crypto.ErrInvalidSignature) {
					t.Fatalf("%v: we accept a high-S signature: %v", curve, err)
				}
				if err := ipub.HashAndVerify(msg, hi); err == nil {
					t.Fatalf("%v: indigo accepts a high-S signature", curve)
				}
				// Both lenient checks agree the twin is otherwise valid.
				if err := k.Public().VerifyAllowHighS(msg, hi); err != nil {
					t.Fatalf("%v: our lenient check rejects the high-S twin: %v", curve, err)
				}
				if err := ipub.HashAndVerifyLenient(msg, hi); err != nil {
					t.Fatalf("%v: indigo's lenient check rejects the high-S twin: %v", curve, err)
				}
				highSRejected++
			}
		}
		t.Logf("%v: %d messages: ours verified by indigo %d, indigo's verified by ours %d, high-S rejected by both %d",
			curve, oracleMessages, ourInIndigo, indigoInOurs, highSRejected)
	}
}

func TestOracleEncodings(t *testing.T) {
	const keys = 200
	for _, curve := range curves {
		for seed := range uint64(keys) {
			k := MustGenerate(t, curve, seed+7000)
			ik := indigoPrivate(t, k)
			ipub, err := ik.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			pub := k.Public()
			if pub.DIDKey() != ipub.DIDKey() || pub.Multibase() != ipub.Multibase() {
				t.Fatalf("%v: did:key %q, indigo %q", curve, pub.DIDKey(), ipub.DIDKey())
			}
			if string(pub.Bytes()) != string(ipub.Bytes()) || string(pub.UncompressedBytes()) != string(ipub.UncompressedBytes()) {
				t.Fatalf("%v: point bytes differ from indigo's", curve)
			}
			if k.ExportMultibase() != ik.Multibase() {
				t.Fatalf("%v: private multibase differs from indigo's", curve)
			}
			// Each side parses the other's strings to the same key.
			back, err := crypto.ParseDIDKey(ipub.DIDKey())
			if err != nil || !back.Equal(pub) {
				t.Fatalf("%v: ParseDIDKey(indigo) = %v, %v", curve, back, err)
			}
			iback, err := atcrypto.ParsePublicDIDKey(pub.DIDKey())
			if err != nil || !iback.Equal(ipub) {
				t.Fatalf("%v: indigo ParsePublicDIDKey(ours) = %v, %v", curve, iback, err)
			}
			ipriv, err := atcrypto.ParsePrivateMultibase(k.ExportMultibase())
			if err != nil || !ipriv.Equal(ik) {
				t.Fatalf("%v: indigo cannot read our private multibase: %v", curve, err)
			}
			kback, err := crypto.ParsePrivateKeyMultibase(ik.Multibase())
			if err != nil || !kback.Equal(k) {
				t.Fatalf("%v: we cannot read indigo's private multibase: %v", curve, err)
			}
		}
		t.Logf("%v: %d random keys: did:key, multikey, point bytes and private multibase equal indigo's", curve, keys)
	}
}
