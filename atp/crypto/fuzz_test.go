package crypto_test

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bluesky-social/indigo/atproto/atcrypto"
	"github.com/mr-tron/base58"

	"github.com/boltsky/boltsky/atp/crypto"
)

var update = flag.Bool("update", false, "rewrite the fuzz seed corpora under testdata/fuzz")

// FuzzParsePublicKey feeds arbitrary strings to every public-key parser.
// None may panic; an accepted did:key or multikey must re-encode to the
// input and parse the same in indigo; a legacy key must re-encode to a
// multikey that parses back to it.
func FuzzParsePublicKey(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		if k, err := crypto.ParseDIDKey(s); err == nil {
			if k.DIDKey() != s {
				t.Fatalf("ParseDIDKey(%q) re-encodes to %q", s, k.DIDKey())
			}
			ik, ierr := atcrypto.ParsePublicDIDKey(s)
			if ierr != nil || ik.DIDKey() != s {
				t.Fatalf("we accept did:key %q, indigo: %v", s, ierr)
			}
		} else {
			checkParseError(t, err)
			if ik, ierr := atcrypto.ParsePublicDIDKey(s); ierr == nil {
				t.Fatalf("indigo accepts did:key %q (%v), we do not: %v", s, ik, err)
			}
		}
		if k, err := crypto.ParsePublicKeyMultibase(s); err == nil {
			if k.Multibase() != s {
				t.Fatalf("ParsePublicKeyMultibase(%q) re-encodes to %q", s, k.Multibase())
			}
			if _, ierr := atcrypto.ParsePublicMultibase(s); ierr != nil {
				t.Fatalf("we accept multikey %q, indigo does not: %v", s, ierr)
			}
		} else {
			checkParseError(t, err)
			if _, ierr := atcrypto.ParsePublicMultibase(s); ierr == nil {
				t.Fatalf("indigo accepts multikey %q, we do not: %v", s, err)
			}
		}
		for _, suite := range []string{crypto.SuiteK256Legacy, crypto.SuiteP256Legacy} {
			k, err := crypto.ParsePublicKeyLegacyMultibase(suite, s)
			if err != nil {
				checkParseError(t, err)
				continue
			}
			back, err := crypto.ParsePublicKeyMultibase(k.Multibase())
			if err != nil || !back.Equal(k) {
				t.Fatalf("legacy %s key %q does not round-trip through its multikey: %v", suite, s, err)
			}
		}
	})
}

// FuzzVerify feeds arbitrary messages and signature bytes to a fixed key of
// each curve. Verification may not panic; whatever Verify accepts is a
// 64-byte low-S signature that the lenient check and indigo accept too, and
// indigo accepts nothing that Verify rejects.
func FuzzVerify(f *testing.F) {
	keys := fuzzKeys(f)
	f.Fuzz(func(t *testing.T, k256 bool, msg, sig []byte) {
		k := keys[crypto.P256]
		if k256 {
			k = keys[crypto.K256]
		}
		ik := indigoPrivate(t, k)
		ipub, _ := ik.PublicKey()
		pub := k.Public()

		err := pub.Verify(msg, sig)
		lenientErr := pub.VerifyAllowHighS(msg, sig)
		ierr := ipub.HashAndVerify(msg, sig)
		if (err == nil) != (ierr == nil) {
			t.Fatalf("%v: ours %v, indigo %v", k.Curve(), err, ierr)
		}
		if err != nil {
			if !errors.Is(err, crypto.ErrInvalidSignature) {
				t.Fatalf("Verify error %v does not wrap ErrInvalidSignature", err)
			}
		} else if len(sig) != crypto.SignatureSize || !isLowS(k.Curve(), sig) || lenientErr != nil {
			t.Fatalf("Verify accepted %x (lenient: %v)", sig, lenientErr)
		}
		if ilErr := ipub.HashAndVerifyLenient(msg, sig); (lenientErr == nil) != (ilErr == nil) {
			t.Fatalf("%v lenient: ours %v, indigo %v", k.Curve(), lenientErr, ilErr)
		}
		if lenientErr != nil && !errors.Is(lenientErr, crypto.ErrInvalidSignature) {
			t.Fatalf("VerifyAllowHighS error %v does not wrap ErrInvalidSignature", lenientErr)
		}
		if err := pub.VerifyDigest(sha256Sum(msg), sig); (err == nil) != (ierr == nil) {
			t.Fatalf("VerifyDigest disagrees with Verify: %v", err)
		}
	})
}

func checkParseError(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, crypto.ErrInvalidKey) && !errors.Is(err, crypto.ErrUnsupportedCurve) {
		t.Fatalf("parse error %v wraps no sentinel", err)
	}
}

// fuzzKeys returns the fixed keys FuzzVerify uses; the seed corpus holds
// signatures by them.
func fuzzKeys(tb testing.TB) map[crypto.Curve]*crypto.PrivateKey {
	return map[crypto.Curve]*crypto.PrivateKey{
		crypto.K256: MustGenerate(tb, crypto.K256, 4242),
		crypto.P256: MustGenerate(tb, crypto.P256, 4242),
	}
}

// TestFuzzSeedCorpus keeps testdata/fuzz in step with the seeds below; run
// with -update to rewrite it.
func TestFuzzSeedCorpus(t *testing.T) {
	corpora := map[string][][]any{
		"FuzzParsePublicKey": parseSeeds(t),
		"FuzzVerify":         verifySeeds(t),
	}
	for name, seeds := range corpora {
		dir := filepath.Join("testdata", "fuzz", name)
		if *update {
			if err := os.RemoveAll(dir); err != nil {
				t.Fatal(err)
			}
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for i, seed := range seeds {
			path := filepath.Join(dir, fmt.Sprintf("seed-%03d", i))
			want := corpusFile(seed...)
			if *update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(path)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("%s is missing or stale (%v); run go test -run TestFuzzSeedCorpus -update", path, err)
			}
		}
		t.Logf("%s: %d seeds", name, len(seeds))
	}
}

func parseSeeds(tb testing.TB) [][]any {
	var out []string
	for _, curve := range curves {
		pub := MustGenerate(tb, curve, 1).Public()
		raw := mustDecodeMB(tb, pub.Multibase())
		out = append(out,
			pub.DIDKey(), pub.Multibase(),
			"z"+base58.Encode(pub.UncompressedBytes()), "z"+base58.Encode(pub.Bytes()),
			pub.DIDKey()+"#atproto", pub.Multibase()[:20],
			"z"+base58.Encode(append([]byte{raw[0], raw[1] | 0x80, 0x00}, raw[2:]...)),
			"z"+base58.Encode(append(bytes.Clone(raw[:2]), pub.UncompressedBytes()...)),
			MustGenerate(tb, curve, 1).ExportMultibase(),
		)
	}
	out = append(out,
		// From crypto/signature-fixtures.json and w3c_didkey_*.json.
		"did:key:zDnaembgSGUhZULN2Caob4HLJPaxBh92N7rtH21TErzqf8HQo",
		"did:key:zQ3shqwJEJyMBsBXCWyCBpUBMqxcon9oHB7mCvx4sSpMdLJwc",
		"zxdM8dSstjrpZaRUwBmDvjGXweKuEMVN95A9oJBFjkWMh",
		"z25z9DTpsiYYJKGsWmSPJK2NFN8PcJtZig12K59UgW7q5t",
		"did:key:zDnaeTiq1PdzvZXUaMdezchcMJQpBdH2VN4pgrrEhMCCbmwSb",
		// An Ed25519 did:key, a multibase of another base, and junk.
		"did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
		"bafkreigh2akiscaildc", "", "z", "did:key:", "did:key:z", "z111111",
		"did:key:z"+strings.Repeat("Q3s", 60),
	)
	seeds := make([][]any, len(out))
	for i, s := range out {
		seeds[i] = []any{s}
	}
	return seeds
}

func verifySeeds(tb testing.TB) [][]any {
	var seeds [][]any
	for curve, k := range fuzzKeys(tb) {
		isK := curve == crypto.K256
		for _, msg := range []string{"", "hello", "oWVoZWxsb2V3b3JsZA"} {
			sig := MustSign(tb, k, []byte(msg))
			seeds = append(seeds,
				[]any{isK, []byte(msg), sig},
				[]any{isK, []byte(msg), highS(curve, sig)},
			)
		}
		seeds = append(seeds,
			[]any{isK, []byte("m"), []byte{}},
			[]any{isK, []byte("m"), make([]byte, 64)},
			[]any{isK, []byte("m"), bytes.Repeat([]byte{0xff}, 64)},
			[]any{isK, []byte("m"), append(curveOrder(curve).FillBytes(make([]byte, 32)), make([]byte, 32)...)},
			[]any{isK, []byte("m"), derSignature(MustSign(tb, k, []byte("m")))},
		)
	}
	// Deterministic order: K-256 first.
	return sortByCurve(seeds)
}

func sortByCurve(seeds [][]any) [][]any {
	var k, p [][]any
	for _, s := range seeds {
		if s[0].(bool) {
			k = append(k, s)
		} else {
			p = append(p, s)
		}
	}
	return append(k, p...)
}

// derSignature re-encodes a compact signature as DER, the encoding atproto
// forbids.
func derSignature(sig []byte) []byte {
	integer := func(b []byte) []byte {
		b = bytes.TrimLeft(b, "\x00")
		if b[0]&0x80 != 0 {
			b = append([]byte{0}, b...)
		}
		return append([]byte{0x02, byte(len(b))}, b...)
	}
	body := append(integer(sig[:32]), integer(sig[32:])...)
	return append([]byte{0x30, byte(len(body))}, body...)
}

// corpusFile encodes values in the "go test fuzz v1" corpus format.
func corpusFile(vals ...any) []byte {
	var b bytes.Buffer
	b.WriteString("go test fuzz v1\n")
	for _, v := range vals {
		switch v := v.(type) {
		case string:
			fmt.Fprintf(&b, "string(%q)\n", v)
		case []byte:
			fmt.Fprintf(&b, "[]byte(%q)\n", v)
		case bool:
			fmt.Fprintf(&b, "bool(%v)\n", v)
		default:
			panic(fmt.Sprintf("corpusFile: unsupported %T", v))
		}
	}
	return b.Bytes()
}
