package crypto_test

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/mr-tron/base58"

	"github.com/boltsky/boltsky/atp/crypto"
	"github.com/boltsky/boltsky/internal/testvectors"
)

// signatureFixture is one entry of crypto/signature-fixtures.json.
type signatureFixture struct {
	Comment            string   `json:"comment"`
	MessageBase64      string   `json:"messageBase64"`
	Algorithm          string   `json:"algorithm"`
	DIDDocSuite        string   `json:"didDocSuite"`
	PublicKeyDID       string   `json:"publicKeyDid"`
	PublicKeyMultibase string   `json:"publicKeyMultibase"`
	SignatureBase64    string   `json:"signatureBase64"`
	ValidSignature     bool     `json:"validSignature"`
	Tags               []string `json:"tags"`
}

func TestSignatureFixtures(t *testing.T) {
	var fixtures []signatureFixture
	mustUnmarshal(t, testvectors.Read(t, "crypto/signature-fixtures.json"), &fixtures)
	if len(fixtures) == 0 {
		t.Fatal("no fixtures")
	}
	var valid, invalid, highS, der int
	for _, fx := range fixtures {
		t.Run(fx.Comment, func(t *testing.T) {
			msg := mustBase64(t, fx.MessageBase64)
			sig := mustBase64(t, fx.SignatureBase64)

			fromDID, err := crypto.ParseDIDKey(fx.PublicKeyDID)
			if err != nil {
				t.Fatalf("ParseDIDKey(%q): %v", fx.PublicKeyDID, err)
			}
			fromMB, err := crypto.ParsePublicKeyLegacyMultibase(fx.DIDDocSuite, fx.PublicKeyMultibase)
			if err != nil {
				t.Fatalf("ParsePublicKeyLegacyMultibase(%q, %q): %v", fx.DIDDocSuite, fx.PublicKeyMultibase, err)
			}
			if !fromDID.Equal(fromMB) {
				t.Fatalf("did:key and multibase parse to different keys: %v, %v", fromDID, fromMB)
			}
			if got := fromDID.DIDKey(); got != fx.PublicKeyDID {
				t.Errorf("DIDKey() = %q, want %q", got, fx.PublicKeyDID)
			}
			if got := fromMB.JWTAlg(); got != fx.Algorithm {
				t.Errorf("JWTAlg() = %q, want %q", got, fx.Algorithm)
			}

			for name, key := range map[string]*crypto.PublicKey{"did:key": fromDID, "multibase": fromMB} {
				err := key.Verify(msg, sig)
				if fx.ValidSignature {
					if err != nil {
						t.Errorf("%s: valid signature rejected: %v", name, err)
					}
				} else if !errors.Is(err, crypto.ErrInvalidSignature) {
					t.Errorf("%s: invalid signature (%v): err = %v, want ErrInvalidSignature", name, fx.Tags, err)
				}
				// Wrong message and truncated signature never verify.
				if err := key.Verify(append(slices.Clone(msg), 0), sig); !errors.Is(err, crypto.ErrInvalidSignature) {
					t.Errorf("%s: signature verified for another message: %v", name, err)
				}
				if err := key.Verify(msg, sig[:len(sig)-1]); !errors.Is(err, crypto.ErrInvalidSignature) {
					t.Errorf("%s: truncated signature: %v", name, err)
				}
			}

			switch {
			case fx.ValidSignature:
				valid++
			case slices.Contains(fx.Tags, "high-s"):
				highS++
				invalid++
				// The rejection is for the high S alone: the same bytes pass
				// the lenient check.
				if err := fromDID.VerifyAllowHighS(msg, sig); err != nil {
					t.Errorf("high-S signature fails even the lenient check: %v", err)
				}
			case slices.Contains(fx.Tags, "der-encoded"):
				der++
				invalid++
				if len(sig) == crypto.SignatureSize {
					t.Errorf("DER fixture is %d bytes", len(sig))
				}
				if err := fromDID.VerifyAllowHighS(msg, sig); !errors.Is(err, crypto.ErrInvalidSignature) {
					t.Errorf("DER signature passed the lenient check: %v", err)
				}
			default:
				invalid++
			}
		})
	}
	t.Logf("signature fixtures: %d entries (%d valid, %d invalid: %d high-S, %d DER), each key parsed from did:key and multibase",
		len(fixtures), valid, invalid, highS, der)
	if highS == 0 || der == 0 || valid == 0 {
		t.Errorf("fixture file lacks a category: valid=%d high-S=%d DER=%d", valid, highS, der)
	}
}

// didKeyFixture is one entry of crypto/w3c_didkey_*.json; the private key
// is in hex (K-256 file) or base58 (P-256 file).
type didKeyFixture struct {
	PrivateKeyBytesHex    string `json:"privateKeyBytesHex"`
	PrivateKeyBytesBase58 string `json:"privateKeyBytesBase58"`
	PublicDIDKey          string `json:"publicDidKey"`
}

func TestW3CDIDKeyFixtures(t *testing.T) {
	for _, tc := range []struct {
		file  string
		curve crypto.Curve
	}{
		{"crypto/w3c_didkey_K256.json", crypto.K256},
		{"crypto/w3c_didkey_P256.json", crypto.P256},
	} {
		var fixtures []didKeyFixture
		mustUnmarshal(t, testvectors.Read(t, tc.file), &fixtures)
		if len(fixtures) == 0 {
			t.Fatalf("%s: no fixtures", tc.file)
		}
		for i, fx := range fixtures {
			var raw []byte
			var err error
			switch {
			case fx.PrivateKeyBytesHex != "":
				raw, err = hex.DecodeString(fx.PrivateKeyBytesHex)
			case fx.PrivateKeyBytesBase58 != "":
				raw, err = base58.Decode(fx.PrivateKeyBytesBase58)
			default:
				t.Fatalf("%s[%d]: no private key", tc.file, i)
			}
			if err != nil {
				t.Fatalf("%s[%d]: %v", tc.file, i, err)
			}
			priv, err := crypto.ParsePrivateKey(tc.curve, raw)
			if err != nil {
				t.Fatalf("%s[%d]: ParsePrivateKey: %v", tc.file, i, err)
			}
			if got := priv.Public().DIDKey(); got != fx.PublicDIDKey {
				t.Errorf("%s[%d]: did:key = %q, want %q", tc.file, i, got, fx.PublicDIDKey)
			}
			pub, err := crypto.ParseDIDKey(fx.PublicDIDKey)
			if err != nil {
				t.Fatalf("%s[%d]: ParseDIDKey: %v", tc.file, i, err)
			}
			if pub.Curve() != tc.curve || !pub.Equal(priv.Public()) || pub.DIDKey() != fx.PublicDIDKey {
				t.Errorf("%s[%d]: parsed did:key %v differs from the private key's %v", tc.file, i, pub, priv.Public())
			}
			sig, err := priv.SignMessage([]byte(fx.PublicDIDKey))
			if err != nil {
				t.Fatal(err)
			}
			if err := pub.Verify([]byte(fx.PublicDIDKey), sig); err != nil {
				t.Errorf("%s[%d]: signature by the fixture key does not verify: %v", tc.file, i, err)
			}
		}
		t.Logf("%s: %d keys, private → did:key and did:key → key checked", tc.file, len(fixtures))
	}
}

func mustUnmarshal(tb testing.TB, data []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(data, v); err != nil {
		tb.Fatalf("cannot decode fixture: %v", err)
	}
}

func mustBase64(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		tb.Fatalf("cannot decode base64 %q: %v", s, err)
	}
	return b
}
