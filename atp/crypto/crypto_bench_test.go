package crypto_test

// Micro-benchmarks, each with indigo's atcrypto equivalent as a sub-benchmark
// beside ours so one run gives the ratio:
//
//	go test -run '^$' -bench . -benchmem ./atp/crypto/

import (
	"testing"

	"github.com/bluesky-social/indigo/atproto/atcrypto"

	"github.com/boltsky/boltsky/atp/crypto"
)

// benchMessage is the size of a typical signed commit.
var benchMessage = make([]byte, 160)

func benchSign(b *testing.B, curve crypto.Curve) {
	k := MustGenerate(b, curve, 1)
	ik := indigoPrivate(b, k)
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := k.SignMessage(benchMessage); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := ik.HashAndSign(benchMessage); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchVerify(b *testing.B, curve crypto.Curve) {
	k := MustGenerate(b, curve, 1)
	sig := MustSign(b, k, benchMessage)
	pub := k.Public()
	ipub, err := atcrypto.ParsePublicDIDKey(pub.DIDKey())
	if err != nil {
		b.Fatal(err)
	}
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := pub.Verify(benchMessage, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := ipub.HashAndVerify(benchMessage, sig); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func benchParseDIDKey(b *testing.B, curve crypto.Curve) {
	did := MustGenerate(b, curve, 1).Public().DIDKey()
	b.Run("ours", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := crypto.ParseDIDKey(did); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("indigo", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := atcrypto.ParsePublicDIDKey(did); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkK256Sign(b *testing.B)        { benchSign(b, crypto.K256) }
func BenchmarkK256Verify(b *testing.B)      { benchVerify(b, crypto.K256) }
func BenchmarkP256Sign(b *testing.B)        { benchSign(b, crypto.P256) }
func BenchmarkP256Verify(b *testing.B)      { benchVerify(b, crypto.P256) }
func BenchmarkK256ParseDIDKey(b *testing.B) { benchParseDIDKey(b, crypto.K256) }
func BenchmarkP256ParseDIDKey(b *testing.B) { benchParseDIDKey(b, crypto.P256) }
