package crypto

import (
	"crypto/ecdsa"
	"crypto/sha256"
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// compressedSize and uncompressedSize are the lengths of the SEC 1 point
// encodings: 0x02/0x03 ‖ x, and 0x04 ‖ x ‖ y.
const (
	compressedSize   = 1 + 32
	uncompressedSize = 1 + 2*32
)

// PublicKey is a K-256 or P-256 public key. It holds the decoded curve
// point, so verifying does not decode it again. Build one with a ParseX
// function or [PrivateKey.Public]; the zero value is no key and fails every
// verification with [ErrInvalidKey]. A PublicKey is immutable and safe for
// concurrent use. Compare keys with [PublicKey.Equal], not ==.
type PublicKey struct {
	curve      Curve
	compressed [compressedSize]byte
	// Exactly one of these is set, matching curve.
	k256 *secp256k1.PublicKey
	p256 *ecdsa.PublicKey
}

// ParsePublicKeyBytes decodes a point on curve from its SEC 1 encoding:
// compressed (33 bytes, 0x02 or 0x03 first) or uncompressed (65 bytes,
// 0x04 first). The point must be on the curve.
func ParsePublicKeyBytes(curve Curve, b []byte) (*PublicKey, error) {
	switch curve {
	case K256:
		p, err := parseK256Point(b)
		if err != nil {
			return nil, err
		}
		return newK256PublicKey(p), nil
	case P256:
		return parseP256Point(b)
	}
	return nil, unsupported(curve)
}

// Curve returns the key's curve, or 0 for the zero PublicKey.
func (k *PublicKey) Curve() Curve { return k.curve }

// JWTAlg returns the JWT "alg" of signatures by this key: "ES256K" or
// "ES256".
func (k *PublicKey) JWTAlg() string { return k.curve.JWTAlg() }

// Bytes returns the 33-byte compressed SEC 1 encoding of the key, the form
// inside a multikey.
func (k *PublicKey) Bytes() []byte {
	if !k.curve.valid() {
		return nil
	}
	b := k.compressed
	return b[:]
}

// UncompressedBytes returns the 65-byte uncompressed SEC 1 encoding of the
// key (0x04 ‖ x ‖ y), for formats such as JWK that need both coordinates.
func (k *PublicKey) UncompressedBytes() []byte {
	switch k.curve {
	case K256:
		return k.k256.SerializeUncompressed()
	case P256:
		return p256Uncompressed(k.p256)
	}
	return nil
}

// Equal reports whether k and other are the same key on the same curve.
func (k *PublicKey) Equal(other *PublicKey) bool {
	if other == nil || !k.curve.valid() {
		return false
	}
	return k.curve == other.curve && k.compressed == other.compressed
}

// String returns the key as a did:key, or "" for the zero PublicKey.
func (k *PublicKey) String() string { return k.DIDKey() }

// Verify checks that sig is a low-S compact signature by k over the SHA-256
// digest of msg. Any failure wraps [ErrInvalidSignature]; DER and high-S
// signatures fail.
func (k *PublicKey) Verify(msg, sig []byte) error {
	digest := sha256.Sum256(msg)
	return k.verify(&digest, sig, false)
}

// VerifyDigest is [PublicKey.Verify] for a caller that already holds the
// SHA-256 digest of the message.
func (k *PublicKey) VerifyDigest(digest [32]byte, sig []byte) error {
	return k.verify(&digest, sig, false)
}

// VerifyAllowHighS is [PublicKey.Verify] except that it also accepts the
// high-S twin of a valid signature. Use it only where atproto tolerates
// malleable signatures: service-auth JWTs, as the reference implementation
// does. Repository commits, PLC operations and labels need Verify.
func (k *PublicKey) VerifyAllowHighS(msg, sig []byte) error {
	digest := sha256.Sum256(msg)
	return k.verify(&digest, sig, true)
}

func (k *PublicKey) verify(digest *[32]byte, sig []byte, allowHighS bool) error {
	if !k.curve.valid() {
		return fmt.Errorf("%w: verify with the zero PublicKey", ErrInvalidKey)
	}
	if err := checkSignature(k.curve, sig, allowHighS); err != nil {
		return err
	}
	var ok bool
	if k.curve == K256 {
		ok = k256Verify(k.k256, digest, sig)
	} else {
		ok = p256Verify(k.p256, digest, sig)
	}
	if !ok {
		return fmt.Errorf("%w: %v signature does not match key and message", ErrInvalidSignature, k.curve)
	}
	return nil
}

// pointPrefixOK reports whether b has the length and first byte of a
// compressed or uncompressed SEC 1 point.
func pointPrefixOK(b []byte) bool {
	switch len(b) {
	case compressedSize:
		return b[0] == 0x02 || b[0] == 0x03
	case uncompressedSize:
		return b[0] == 0x04
	}
	return false
}

func describePoint(b []byte) string {
	if len(b) == 0 {
		return "empty"
	}
	return fmt.Sprintf("%d bytes with prefix 0x%02x, want 33 bytes with 0x02/0x03 or 65 with 0x04", len(b), b[0])
}
