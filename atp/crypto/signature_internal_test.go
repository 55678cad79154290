package crypto

import (
	"bytes"
	gocrypto "crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"math/big"
	"math/rand/v2"
	"testing"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// TestOrderConstants checks the byte-string orders against the curve
// parameters of the libraries.
func TestOrderConstants(t *testing.T) {
	for _, tc := range []struct {
		curve Curve
		n     *big.Int
	}{
		{K256, secp256k1.S256().N},
		{P256, elliptic.P256().Params().N},
	} {
		n := tc.n.FillBytes(make([]byte, 32))
		half := new(big.Int).Rsh(tc.n, 1).FillBytes(make([]byte, 32))
		if string(n) != tc.curve.order() || string(half) != tc.curve.halfOrder() {
			t.Errorf("%v: order constants disagree with the library", tc.curve)
		}
	}
}

func TestNegateScalar(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []Curve{K256, P256} {
		n := new(big.Int).SetBytes([]byte(c.order()))
		for i := range 1000 {
			var buf [32]byte
			for j := range buf {
				buf[j] = byte(rng.Uint32())
			}
			v := new(big.Int).SetBytes(buf[:])
			v.Mod(v, n)
			if i == 0 {
				v.SetInt64(1)
			}
			if i == 1 {
				v.Sub(n, big.NewInt(1))
			}
			if v.Sign() == 0 {
				continue
			}
			b := v.FillBytes(make([]byte, 32))
			negateScalar(c, b)
			if want := new(big.Int).Sub(n, v); new(big.Int).SetBytes(b).Cmp(want) != 0 {
				t.Fatalf("%v: negate %x = %x, want %x", c, v, b, want)
			}
			// Exactly one of s and n − s is low.
			if isLowS(c, b) == isLowS(c, v.FillBytes(make([]byte, 32))) {
				t.Fatalf("%v: s and n-s on the same side of n/2: %x", c, v)
			}
		}
	}
}

func TestDERConversion(t *testing.T) {
	cases := [][]byte{
		append(bytes.Repeat([]byte{0}, 31), 1),
		append([]byte{0x80}, make([]byte, 31)...),
		append([]byte{0x00, 0x80}, bytes.Repeat([]byte{1}, 30)...),
		bytes.Repeat([]byte{0x7f}, 32),
		bytes.Repeat([]byte{0xff}, 32),
	}
	for _, r := range cases {
		for _, s := range cases {
			var der []byte
			der = append(der, 0x30, 0)
			der = appendDERInteger(der, r)
			der = appendDERInteger(der, s)
			der[1] = byte(len(der) - 2)
			out := make([]byte, 64)
			if !derToCompact(der, out) || !bytes.Equal(out[:32], r) || !bytes.Equal(out[32:], s) {
				t.Fatalf("DER round trip of %x %x: %x → %x", r, s, der, out)
			}
		}
	}
	for _, bad := range [][]byte{nil, {0x30}, {0x30, 0}, {0x31, 2, 2, 0}, {0x30, 4, 2, 1, 1, 2}, {0x30, 6, 2, 1, 1, 2, 1, 1, 0}} {
		if derToCompact(bad, make([]byte, 64)) {
			t.Errorf("derToCompact accepted %x", bad)
		}
	}
}

// TestP256SignNormalisesHighS signs until crypto/ecdsa yields a high S,
// which p256Sign must have negated.
func TestP256SignNormalisesHighS(t *testing.T) {
	k, err := GeneratePrivateKey(P256, rand.NewChaCha8([32]byte{7}))
	if err != nil {
		t.Fatal(err)
	}
	raised := 0
	for i := range 64 {
		digest := [32]byte{byte(i)}
		der, err := k.p256.Sign(nil, digest[:], gocrypto.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		raw := make([]byte, 64)
		derToCompact(der, raw)
		sig, err := k.SignDigest(digest)
		if err != nil {
			t.Fatal(err)
		}
		if !isLowS(P256, raw[32:]) {
			raised++
			negateScalar(P256, raw[32:])
		}
		if !bytes.Equal(sig, raw) {
			t.Fatalf("SignDigest differs from the normalised library signature")
		}
		if !ecdsa.VerifyASN1(&k.p256.PublicKey, digest[:], der) {
			t.Fatal("library signature does not verify")
		}
	}
	if raised == 0 {
		t.Error("no high-S signature seen in 64 tries")
	}
	t.Logf("%d of 64 library signatures were high-S and normalised", raised)
}
