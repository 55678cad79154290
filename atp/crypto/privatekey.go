package crypto

import (
	"crypto/ecdsa"
	cryptorand "crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
)

// PrivateKey is a K-256 or P-256 signing key. It is opaque: the scalar is
// parsed once and leaves the key only through [PrivateKey.ExportBytes] and
// [PrivateKey.ExportMultibase], for encryption at rest. Printing it with
// any fmt verb, or logging it with log/slog, shows a redacted form. A
// PrivateKey is immutable and safe for concurrent use; the zero value is
// no key and fails to sign.
type PrivateKey struct {
	curve Curve
	// Exactly one of these is set, matching curve. Only pointers are held,
	// so even a formatter that bypasses the methods below prints no key
	// bytes.
	k256 *secp256k1.PrivateKey
	p256 *ecdsa.PrivateKey
	pub  *PublicKey
}

// maxGenerateTries bounds the rejection sampling in GeneratePrivateKey. A
// uniform 32-byte value falls outside [1, n−1] with probability below
// 2⁻³², so reaching the bound means the random source is broken.
const maxGenerateTries = 16

// GeneratePrivateKey creates a new key on curve from 32-byte candidates read
// from rand, rejecting candidates that are not in [1, n−1]. A nil rand means
// crypto/rand.Reader. The same bytes from rand give the same key.
func GeneratePrivateKey(curve Curve, rand io.Reader) (*PrivateKey, error) {
	if !curve.valid() {
		return nil, fmt.Errorf("cannot generate key: %w", unsupported(curve))
	}
	if rand == nil {
		rand = cryptorand.Reader
	}
	var buf [scalarSize]byte
	defer clear(buf[:])
	for range maxGenerateTries {
		if _, err := io.ReadFull(rand, buf[:]); err != nil {
			return nil, fmt.Errorf("cannot generate %v key: %w", curve, err)
		}
		if scalarInRange(curve, buf[:]) {
			return newPrivateKey(curve, buf[:])
		}
	}
	return nil, fmt.Errorf("cannot generate %v key: random source gave no scalar below the order in %d tries", curve, maxGenerateTries)
}

// ParsePrivateKey decodes a key on curve from its 32-byte big-endian
// scalar, as returned by [PrivateKey.ExportBytes]. The scalar must be in
// [1, n−1].
func ParsePrivateKey(curve Curve, raw []byte) (*PrivateKey, error) {
	if !curve.valid() {
		return nil, unsupported(curve)
	}
	if len(raw) != scalarSize {
		return nil, fmt.Errorf("%w: %v private key is %d bytes, want %d", ErrInvalidKey, curve, len(raw), scalarSize)
	}
	if !scalarInRange(curve, raw) {
		return nil, fmt.Errorf("%w: %v private key is zero or not below the order", ErrInvalidKey, curve)
	}
	return newPrivateKey(curve, raw)
}

// newPrivateKey builds a key from a scalar already checked to be in range.
func newPrivateKey(curve Curve, raw []byte) (*PrivateKey, error) {
	if curve == K256 {
		k := newK256PrivateKey(raw)
		return &PrivateKey{curve: K256, k256: k, pub: newK256PublicKey(k.PubKey())}, nil
	}
	k, err := newP256PrivateKey(raw)
	if err != nil {
		return nil, err
	}
	return &PrivateKey{curve: P256, p256: k, pub: newP256PublicKey(&k.PublicKey, p256Uncompressed(&k.PublicKey))}, nil
}

// Curve returns the key's curve, or 0 for the zero PrivateKey.
func (k *PrivateKey) Curve() Curve { return k.curve }

// JWTAlg returns the JWT "alg" of signatures by this key: "ES256K" or
// "ES256".
func (k *PrivateKey) JWTAlg() string { return k.curve.JWTAlg() }

// Public returns the key's public key. It is computed once, when the
// private key is parsed, and shared by every call.
func (k *PrivateKey) Public() *PublicKey {
	if k.pub == nil {
		return &PublicKey{}
	}
	return k.pub
}

// SignMessage signs the SHA-256 digest of msg, the atproto convention,
// and returns the 64-byte low-S compact signature r‖s.
func (k *PrivateKey) SignMessage(msg []byte) ([]byte, error) {
	digest := sha256.Sum256(msg)
	return k.SignDigest(digest)
}

// SignDigest signs digest, which the caller computed as the SHA-256 of
// the message, and returns the 64-byte low-S compact signature r‖s.
func (k *PrivateKey) SignDigest(digest [32]byte) ([]byte, error) {
	switch k.curve {
	case K256:
		return k256Sign(k.k256, &digest), nil
	case P256:
		return p256Sign(k.p256, &digest)
	}
	return nil, fmt.Errorf("cannot sign: %w: the zero PrivateKey", ErrInvalidKey)
}

// ExportBytes returns the secret 32-byte big-endian scalar, which
// [ParsePrivateKey] reads back. It exists to encrypt the key at rest;
// never log, print or send the result, and clear it after use.
func (k *PrivateKey) ExportBytes() []byte {
	switch k.curve {
	case K256:
		b := k.k256.Key.Bytes()
		return b[:]
	case P256:
		b, err := k.p256.Bytes()
		if err != nil {
			// The key was range-checked when built; Bytes fails only on
			// a key crypto/ecdsa did not create.
			panic("crypto: P-256 key cannot be exported: " + err.Error())
		}
		// crypto/ecdsa returns its cached key's own scalar slice; copy it
		// so a caller that clears the result does not corrupt the key.
		return append([]byte(nil), b...)
	}
	return nil
}

// Equal reports whether k and other are the same key on the same curve,
// in time that does not depend on the secret scalars.
func (k *PrivateKey) Equal(other *PrivateKey) bool {
	if other == nil || !k.curve.valid() || k.curve != other.curve {
		return false
	}
	a, b := k.ExportBytes(), other.ExportBytes()
	defer clear(a)
	defer clear(b)
	return subtle.ConstantTimeCompare(a, b) == 1
}

// String returns a redacted description naming only the curve.
func (k PrivateKey) String() string {
	return "crypto.PrivateKey(" + k.curve.String() + ", redacted)"
}

// GoString returns the same redacted description as String, for %#v.
func (k PrivateKey) GoString() string { return k.String() }

// Format writes the redacted description for every fmt verb, so no flag
// or verb (%x, %+v, %#v ...) prints key material.
func (k PrivateKey) Format(f fmt.State, _ rune) {
	_, _ = io.WriteString(f, k.String())
}

// LogValue makes log/slog record the redacted description.
func (k PrivateKey) LogValue() slog.Value { return slog.StringValue(k.String()) }
