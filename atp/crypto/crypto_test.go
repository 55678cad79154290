package crypto_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/boltsky/boltsky/atp/crypto"
)

var curves = []crypto.Curve{crypto.K256, crypto.P256}

// seededReader returns a deterministic byte stream for key generation in
// tests.
func seededReader(seed uint64) *rand.ChaCha8 {
	var s [32]byte
	s[0], s[1] = byte(seed), byte(seed>>8)
	return rand.NewChaCha8(s)
}

// MustGenerate returns a key on curve derived from seed.
func MustGenerate(tb testing.TB, curve crypto.Curve, seed uint64) *crypto.PrivateKey {
	tb.Helper()
	k, err := crypto.GeneratePrivateKey(curve, seededReader(seed))
	if err != nil {
		tb.Fatalf("GeneratePrivateKey(%v): %v", curve, err)
	}
	return k
}

// MustSign signs msg with k.
func MustSign(tb testing.TB, k *crypto.PrivateKey, msg []byte) []byte {
	tb.Helper()
	sig, err := k.SignMessage(msg)
	if err != nil {
		tb.Fatalf("SignMessage: %v", err)
	}
	return sig
}

// curveOrder returns n of curve.
func curveOrder(curve crypto.Curve) *big.Int {
	hex := map[crypto.Curve]string{
		crypto.K256: "fffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141",
		crypto.P256: "ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551",
	}[curve]
	n, _ := new(big.Int).SetString(hex, 16)
	return n
}

// highS returns sig with s replaced by n − s.
func highS(curve crypto.Curve, sig []byte) []byte {
	s := new(big.Int).SetBytes(sig[32:])
	s.Sub(curveOrder(curve), s)
	out := bytes.Clone(sig)
	s.FillBytes(out[32:])
	return out
}

func isLowS(curve crypto.Curve, sig []byte) bool {
	half := new(big.Int).Rsh(curveOrder(curve), 1)
	return new(big.Int).SetBytes(sig[32:]).Cmp(half) <= 0
}

func TestCurve(t *testing.T) {
	for _, tc := range []struct {
		curve      crypto.Curve
		name, alg  string
		didKeyHead string
	}{
		{crypto.K256, "K-256", "ES256K", "did:key:zQ3s"},
		{crypto.P256, "P-256", "ES256", "did:key:zDna"},
	} {
		if tc.curve.String() != tc.name || tc.curve.JWTAlg() != tc.alg {
			t.Errorf("%d: String, JWTAlg = %q, %q", tc.curve, tc.curve.String(), tc.curve.JWTAlg())
		}
		c, err := crypto.CurveForJWTAlg(tc.alg)
		if err != nil || c != tc.curve {
			t.Errorf("CurveForJWTAlg(%q) = %v, %v", tc.alg, c, err)
		}
		for seed := range uint64(20) {
			k := MustGenerate(t, tc.curve, seed)
			if !strings.HasPrefix(k.Public().DIDKey(), tc.didKeyHead) {
				t.Errorf("%v did:key %q lacks prefix %q", tc.curve, k.Public().DIDKey(), tc.didKeyHead)
			}
			if k.JWTAlg() != tc.alg || k.Public().JWTAlg() != tc.alg {
				t.Errorf("key JWTAlg = %q", k.JWTAlg())
			}
		}
	}
	for _, alg := range []string{"", "none", "ES384", "EdDSA", "es256k", "HS256"} {
		if _, err := crypto.CurveForJWTAlg(alg); !errors.Is(err, crypto.ErrUnsupportedCurve) {
			t.Errorf("CurveForJWTAlg(%q): err = %v", alg, err)
		}
	}
	if s := crypto.Curve(9).String(); s != "Curve(9)" {
		t.Errorf("unknown curve String = %q", s)
	}
}

func TestSignVerifyRoundTrip(t *testing.T) {
	msgs := [][]byte{nil, {}, []byte("hello"), bytes.Repeat([]byte{0xab}, 13*1024)}
	for _, curve := range curves {
		for seed := range uint64(10) {
			k := MustGenerate(t, curve, seed)
			pub := k.Public()
			for _, msg := range msgs {
				sig := MustSign(t, k, msg)
				if len(sig) != crypto.SignatureSize {
					t.Fatalf("%v: signature is %d bytes", curve, len(sig))
				}
				if !isLowS(curve, sig) {
					t.Fatalf("%v: signature is high-S", curve)
				}
				if err := pub.Verify(msg, sig); err != nil {
					t.Fatalf("%v: own signature does not verify: %v", curve, err)
				}
				again := MustSign(t, k, msg)
				if !bytes.Equal(sig, again) {
					t.Errorf("%v: signing is not deterministic", curve)
				}
				hi := highS(curve, sig)
				if err := pub.Verify(msg, hi); !errors.Is(err, crypto.ErrInvalidSignature) {
					t.Errorf("%v: high-S twin accepted: %v", curve, err)
				}
				if err := pub.VerifyAllowHighS(msg, hi); err != nil {
					t.Errorf("%v: high-S twin rejected by the lenient check: %v", curve, err)
				}
				// Flip each byte in turn: never verifies. (Once per key:
				// the message does not change what this exercises.)
				if len(msg) != 5 {
					continue
				}
				for i := range sig {
					bad := bytes.Clone(sig)
					bad[i] ^= 0x01
					if err := pub.Verify(msg, bad); !errors.Is(err, crypto.ErrInvalidSignature) {
						t.Fatalf("%v: corrupted byte %d verified: %v", curve, i, err)
					}
				}
			}
			other := MustGenerate(t, curve, seed+1000)
			if err := other.Public().Verify(msgs[2], MustSign(t, k, msgs[2])); !errors.Is(err, crypto.ErrInvalidSignature) {
				t.Errorf("%v: signature verified under another key: %v", curve, err)
			}
		}
	}
}

func TestSignDigest(t *testing.T) {
	for _, curve := range curves {
		k := MustGenerate(t, curve, 1)
		msg := []byte("commit bytes")
		digest := sha256Sum(msg)
		a, err := k.SignDigest(digest)
		if err != nil {
			t.Fatal(err)
		}
		if b := MustSign(t, k, msg); !bytes.Equal(a, b) {
			t.Errorf("%v: SignDigest(sha256(m)) != SignMessage(m)", curve)
		}
		if err := k.Public().VerifyDigest(digest, a); err != nil {
			t.Errorf("%v: VerifyDigest: %v", curve, err)
		}
		digest[0] ^= 1
		if err := k.Public().VerifyDigest(digest, a); !errors.Is(err, crypto.ErrInvalidSignature) {
			t.Errorf("%v: VerifyDigest of another digest: %v", curve, err)
		}
	}
}

func TestVerifyRejectsMalformed(t *testing.T) {
	for _, curve := range curves {
		k := MustGenerate(t, curve, 2)
		msg := []byte("m")
		sig := MustSign(t, k, msg)
		n := curveOrder(curve).FillBytes(make([]byte, 32))
		cases := map[string][]byte{
			"nil":      nil,
			"empty":    {},
			"63 bytes": sig[:63],
			"65 bytes": append(bytes.Clone(sig), 0),
			"zero r":   append(make([]byte, 32), sig[32:]...),
			"zero s":   append(bytes.Clone(sig[:32]), make([]byte, 32)...),
			"r = n":    append(bytes.Clone(n), sig[32:]...),
			"s = n":    append(bytes.Clone(sig[:32]), n...),
			"all ff":   bytes.Repeat([]byte{0xff}, 64),
		}
		for name, bad := range cases {
			for _, lenient := range []bool{false, true} {
				verify := k.Public().Verify
				if lenient {
					verify = k.Public().VerifyAllowHighS
				}
				if err := verify(msg, bad); !errors.Is(err, crypto.ErrInvalidSignature) {
					t.Errorf("%v %s (lenient %v): err = %v", curve, name, lenient, err)
				}
			}
		}
	}
}

func TestPrivateKeyEncoding(t *testing.T) {
	for _, curve := range curves {
		for seed := range uint64(20) {
			k := MustGenerate(t, curve, seed)
			raw := k.ExportBytes()
			if len(raw) != 32 {
				t.Fatalf("ExportBytes is %d bytes", len(raw))
			}
			k2, err := crypto.ParsePrivateKey(curve, raw)
			if err != nil || !k.Equal(k2) || !k2.Public().Equal(k.Public()) {
				t.Fatalf("%v: ParsePrivateKey(ExportBytes) = %v, %v", curve, k2, err)
			}
			mb := k.ExportMultibase()
			k3, err := crypto.ParsePrivateKeyMultibase(mb)
			if err != nil || !k.Equal(k3) || k3.Curve() != curve {
				t.Fatalf("%v: ParsePrivateKeyMultibase(ExportMultibase) = %v, %v", curve, k3, err)
			}
			if k3.ExportMultibase() != mb {
				t.Errorf("%v: private multibase does not round-trip", curve)
			}
			// A private multikey is not a public one, and the reverse.
			if _, err := crypto.ParsePublicKeyMultibase(mb); err == nil {
				t.Errorf("%v: private multikey parsed as a public key", curve)
			}
			if _, err := crypto.ParsePrivateKeyMultibase(k.Public().Multibase()); err == nil {
				t.Errorf("%v: public multikey parsed as a private key", curve)
			}
			// Clearing an export, as callers should, leaves the key intact.
			clear(raw)
			if !bytes.Equal(k.ExportBytes(), k2.ExportBytes()) || !k.Equal(k2) {
				t.Fatalf("%v: clearing an exported scalar changed the key", curve)
			}
			if err := k.Public().Verify([]byte("x"), MustSign(t, k, []byte("x"))); err != nil {
				t.Fatalf("%v: key signs wrongly after an export was cleared: %v", curve, err)
			}
			other := MustGenerate(t, curve, seed+500)
			if k.Equal(other) || k.Equal(nil) {
				t.Errorf("%v: distinct keys Equal", curve)
			}
		}
	}
	// The same scalar on the two curves gives different keys.
	raw := MustGenerate(t, crypto.K256, 7).ExportBytes()
	kk, _ := crypto.ParsePrivateKey(crypto.K256, raw)
	kp, err := crypto.ParsePrivateKey(crypto.P256, raw)
	if err != nil {
		t.Fatal(err)
	}
	if kk.Equal(kp) || kk.Public().Equal(kp.Public()) {
		t.Error("keys on different curves compare equal")
	}
}

func TestParsePrivateKeyRejects(t *testing.T) {
	for _, curve := range curves {
		n := curveOrder(curve)
		nMinus1 := new(big.Int).Sub(n, big.NewInt(1)).FillBytes(make([]byte, 32))
		if _, err := crypto.ParsePrivateKey(curve, nMinus1); err != nil {
			t.Errorf("%v: n-1 rejected: %v", curve, err)
		}
		one := big.NewInt(1).FillBytes(make([]byte, 32))
		if _, err := crypto.ParsePrivateKey(curve, one); err != nil {
			t.Errorf("%v: 1 rejected: %v", curve, err)
		}
		for name, raw := range map[string][]byte{
			"nil":      nil,
			"31 bytes": make([]byte, 31),
			"33 bytes": append([]byte{0}, one...),
			"zero":     make([]byte, 32),
			"n":        n.FillBytes(make([]byte, 32)),
			"all ff":   bytes.Repeat([]byte{0xff}, 32),
		} {
			if _, err := crypto.ParsePrivateKey(curve, raw); !errors.Is(err, crypto.ErrInvalidKey) {
				t.Errorf("%v %s: err = %v, want ErrInvalidKey", curve, name, err)
			}
		}
	}
	if _, err := crypto.ParsePrivateKey(0, make([]byte, 32)); !errors.Is(err, crypto.ErrUnsupportedCurve) {
		t.Errorf("curve 0: err = %v", err)
	}
	for _, s := range []string{"", "z", "zzz", "f00", "z111", "z" + base58.Encode([]byte{0x81, 0x26, 1, 2})} {
		if _, err := crypto.ParsePrivateKeyMultibase(s); err == nil {
			t.Errorf("ParsePrivateKeyMultibase(%q) accepted", s)
		}
	}
}

func TestGeneratePrivateKey(t *testing.T) {
	for _, curve := range curves {
		a := MustGenerate(t, curve, 3)
		b := MustGenerate(t, curve, 3)
		c := MustGenerate(t, curve, 4)
		if !a.Equal(b) || a.Equal(c) {
			t.Errorf("%v: generation is not a function of the random stream", curve)
		}
		k, err := crypto.GeneratePrivateKey(curve, nil)
		if err != nil || k.Curve() != curve {
			t.Errorf("%v: GeneratePrivateKey(nil rand) = %v, %v", curve, k, err)
		}
		// Candidates ≥ n are skipped: a stream of 0xff… then a valid scalar.
		want := MustGenerate(t, curve, 5).ExportBytes()
		stream := concatReader(bytes.Repeat([]byte{0xff}, 64), want)
		got, err := crypto.GeneratePrivateKey(curve, stream)
		if err != nil || !bytes.Equal(got.ExportBytes(), want) {
			t.Errorf("%v: rejection sampling: %v", curve, err)
		}
		if _, err := crypto.GeneratePrivateKey(curve, bytes.NewReader(make([]byte, 16))); err == nil {
			t.Errorf("%v: short random source accepted", curve)
		}
		if _, err := crypto.GeneratePrivateKey(curve, bytes.NewReader(make([]byte, 32*100))); err == nil {
			t.Errorf("%v: all-zero random source accepted", curve)
		}
	}
	if _, err := crypto.GeneratePrivateKey(3, nil); !errors.Is(err, crypto.ErrUnsupportedCurve) {
		t.Errorf("curve 3: %v", err)
	}
}

func concatReader(parts ...[]byte) *bytes.Reader { return bytes.NewReader(bytes.Join(parts, nil)) }

func TestPrivateKeyNeverPrinted(t *testing.T) {
	for _, curve := range curves {
		k := MustGenerate(t, curve, 6)
		raw := k.ExportBytes()
		secrets := []string{
			fmt.Sprintf("%x", raw), fmt.Sprintf("%X", raw), fmt.Sprint(raw),
			k.ExportMultibase(), new(big.Int).SetBytes(raw).String(),
		}
		var logged bytes.Buffer
		slog.New(slog.NewJSONHandler(&logged, nil)).Info("key", "k", k, "v", *k)
		outputs := []string{logged.String()}
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%x", "%X", "%q", "%d", "%10.3v"} {
			outputs = append(outputs, fmt.Sprintf(verb, k), fmt.Sprintf(verb, *k))
		}
		outputs = append(outputs, fmt.Sprint(k), fmt.Sprintln(*k), k.String(), k.GoString(),
			fmt.Sprintf("%v", []*crypto.PrivateKey{k}), fmt.Sprintf("%+v", struct{ K *crypto.PrivateKey }{k}),
			fmt.Sprintf("%+v", struct{ K crypto.PrivateKey }{*k}))
		for _, out := range outputs {
			if !strings.Contains(out, "redacted") && !strings.HasPrefix(out, "[") && !strings.HasPrefix(out, "{") {
				t.Errorf("%v: output %q is not the redacted form", curve, out)
			}
			for _, s := range secrets {
				if strings.Contains(out, s) {
					t.Fatalf("%v: output %q leaks the key (%q)", curve, out, s)
				}
			}
		}
		if got := fmt.Sprintf("%v", k); got != "crypto.PrivateKey("+curve.String()+", redacted)" {
			t.Errorf("%%v = %q", got)
		}
	}
}

func TestPublicKeyEncodings(t *testing.T) {
	for _, curve := range curves {
		for seed := range uint64(20) {
			pub := MustGenerate(t, curve, seed).Public()
			if pub.Curve() != curve {
				t.Fatalf("Curve() = %v", pub.Curve())
			}
			comp, uncomp := pub.Bytes(), pub.UncompressedBytes()
			if len(comp) != 33 || len(uncomp) != 65 || uncomp[0] != 4 || !bytes.Equal(comp[1:], uncomp[1:33]) {
				t.Fatalf("%v: point encodings %x / %x", curve, comp, uncomp)
			}
			comp[0] ^= 0xff // Bytes returns a copy.
			if pub.Bytes()[0] == comp[0] {
				t.Fatal("Bytes aliases the key")
			}
			comp[0] ^= 0xff
			for name, parse := range map[string]func() (*crypto.PublicKey, error){
				"compressed":   func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyBytes(curve, comp) },
				"uncompressed": func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyBytes(curve, uncomp) },
				"multibase":    func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyMultibase(pub.Multibase()) },
				"did:key":      func() (*crypto.PublicKey, error) { return crypto.ParseDIDKey(pub.DIDKey()) },
				"legacy uncompressed": func() (*crypto.PublicKey, error) {
					return crypto.ParsePublicKeyLegacyMultibase(legacySuite(curve), "z"+base58.Encode(uncomp))
				},
				"legacy compressed": func() (*crypto.PublicKey, error) {
					return crypto.ParsePublicKeyLegacyMultibase(legacySuite(curve), "z"+base58.Encode(comp))
				},
				"Multikey suite": func() (*crypto.PublicKey, error) {
					return crypto.ParsePublicKeyLegacyMultibase(crypto.SuiteMultikey, pub.Multibase())
				},
			} {
				got, err := parse()
				if err != nil || !got.Equal(pub) || got.DIDKey() != pub.DIDKey() {
					t.Fatalf("%v %s: got %v, %v; want %v", curve, name, got, err, pub)
				}
			}
			if pub.String() != pub.DIDKey() || pub.DIDKey() != "did:key:"+pub.Multibase() {
				t.Errorf("String/DIDKey/Multibase disagree: %q %q %q", pub.String(), pub.DIDKey(), pub.Multibase())
			}
			// The wrong curve's legacy suite does not yield the same key.
			wrong := legacySuite(otherCurve(curve))
			if got, err := crypto.ParsePublicKeyLegacyMultibase(wrong, "z"+base58.Encode(uncomp)); err == nil && got.Equal(pub) {
				t.Errorf("%v: key parsed under the other curve's suite", curve)
			}
		}
	}
}

func TestParsePublicKeyRejects(t *testing.T) {
	k := MustGenerate(t, crypto.K256, 1).Public()
	p := MustGenerate(t, crypto.P256, 1).Public()
	kRaw := mustDecodeMB(t, k.Multibase())
	uncompressedMultikey := "z" + base58.Encode(append([]byte{0xe7, 0x01}, k.UncompressedBytes()...))
	ed25519 := "z" + base58.Encode(append([]byte{0xed, 0x01}, make([]byte, 32)...))
	nonMinimal := "z" + base58.Encode(append([]byte{0xe7, 0x81, 0x00}, kRaw[2:]...))
	offCurve := bytes.Clone(kRaw)
	for { // about half of all x have no point; find one
		offCurve[len(offCurve)-1]++
		if _, err := crypto.ParsePublicKeyBytes(crypto.K256, offCurve[2:]); err != nil {
			break
		}
	}
	truncated := "z" + base58.Encode(kRaw[:len(kRaw)-1])
	hybrid := bytes.Clone(k.UncompressedBytes())
	hybrid[0] = 0x06 | hybrid[64]&1

	for _, tc := range []struct {
		name string
		err  error
		fn   func() (*crypto.PublicKey, error)
	}{
		{"empty did", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParseDIDKey("") }},
		{"did:plc", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParseDIDKey("did:plc:abc") }},
		{"DID URL", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParseDIDKey(k.DIDKey() + "#atproto") }},
		{"upper prefix", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParseDIDKey("DID:KEY:" + k.Multibase()) }},
		{"bare multikey as did", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParseDIDKey(k.Multibase()) }},
		{"did:key as multikey", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyMultibase(k.DIDKey()) }},
		{"base32 multibase", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyMultibase("b" + k.Multibase()[1:]) }},
		{"bad base58", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyMultibase("zQ3s0OIl") }},
		{"too long", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) {
			return crypto.ParsePublicKeyMultibase("z" + strings.Repeat("2", 300))
		}},
		{"truncated", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyMultibase(truncated) }},
		{"uncompressed multikey", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyMultibase(uncompressedMultikey) }},
		{"non-minimal varint", crypto.ErrUnsupportedCurve, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyMultibase(nonMinimal) }},
		{"ed25519", crypto.ErrUnsupportedCurve, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyMultibase(ed25519) }},
		{"off curve", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) {
			return crypto.ParsePublicKeyMultibase("z" + base58.Encode(offCurve))
		}},
		{"P-256 bytes as K-256", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) {
			return crypto.ParsePublicKeyBytes(crypto.K256, p.UncompressedBytes())
		}},
		{"hybrid", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyBytes(crypto.K256, hybrid) }},
		{"identity", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyBytes(crypto.P256, []byte{0}) }},
		{"curve 0", crypto.ErrUnsupportedCurve, func() (*crypto.PublicKey, error) { return crypto.ParsePublicKeyBytes(0, k.Bytes()) }},
		{"unknown suite", crypto.ErrUnsupportedCurve, func() (*crypto.PublicKey, error) {
			return crypto.ParsePublicKeyLegacyMultibase("Ed25519VerificationKey2020", k.Multibase())
		}},
		{"legacy with codec", crypto.ErrInvalidKey, func() (*crypto.PublicKey, error) {
			return crypto.ParsePublicKeyLegacyMultibase(crypto.SuiteK256Legacy, k.Multibase())
		}},
	} {
		got, err := tc.fn()
		if !errors.Is(err, tc.err) || got != nil {
			t.Errorf("%s: got %v, %v; want %v", tc.name, got, err, tc.err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "crypto: ") {
			t.Errorf("%s: error %q lacks the package prefix", tc.name, err)
		}
	}
}

func TestZeroValues(t *testing.T) {
	var pub crypto.PublicKey
	if err := pub.Verify([]byte("m"), make([]byte, 64)); !errors.Is(err, crypto.ErrInvalidKey) {
		t.Errorf("zero PublicKey Verify: %v", err)
	}
	if pub.DIDKey() != "" || pub.Multibase() != "" || pub.Bytes() != nil || pub.UncompressedBytes() != nil || pub.Equal(&pub) {
		t.Error("zero PublicKey encodes or equals")
	}
	var priv crypto.PrivateKey
	if _, err := priv.SignMessage([]byte("m")); !errors.Is(err, crypto.ErrInvalidKey) {
		t.Errorf("zero PrivateKey SignMessage: %v", err)
	}
	if priv.ExportBytes() != nil || priv.ExportMultibase() != "" || priv.Equal(&priv) || priv.Public().Curve() != 0 {
		t.Error("zero PrivateKey exports or equals")
	}
}

func legacySuite(c crypto.Curve) string {
	if c == crypto.K256 {
		return crypto.SuiteK256Legacy
	}
	return crypto.SuiteP256Legacy
}

func otherCurve(c crypto.Curve) crypto.Curve {
	if c == crypto.K256 {
		return crypto.P256
	}
	return crypto.K256
}

func mustDecodeMB(tb testing.TB, mb string) []byte {
	tb.Helper()
	b, err := base58.Decode(strings.TrimPrefix(mb, "z"))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func TestConcurrentUse(t *testing.T) {
	for _, curve := range curves {
		k := MustGenerate(t, curve, 9)
		pub := k.Public()
		done := make(chan error)
		for g := range 8 {
			go func() {
				var err error
				for i := range 20 {
					msg := []byte(fmt.Sprint(g, i))
					sig, serr := k.SignMessage(msg)
					if serr != nil {
						err = serr
						break
					}
					if err = pub.Verify(msg, sig); err != nil {
						break
					}
					_ = k.ExportBytes()
				}
				done <- err
			}()
		}
		for range 8 {
			if err := <-done; err != nil {
				t.Errorf("%v: %v", curve, err)
			}
		}
	}
}
