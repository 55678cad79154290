package account

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"
	"io"
	"log/slog"

	"github.com/boltsky/boltsky/atp/crypto"
)

// SealKeySize is the length of the server key that seals signing keys.
const SealKeySize = 32

// Sealed key format, version 1:
//
//	0x01 ‖ curve (1 byte: 1 K-256, 2 P-256) ‖ nonce (12 bytes) ‖
//	AES-256-GCM(scalar (32 bytes)) with its 16-byte tag
//
// The version and curve bytes are authenticated as additional data, so
// neither can be changed without the tag failing.
const (
	sealVersion1 = 0x01
	sealNonceLen = 12
	sealHeader   = 2
)

// sealAD prefixes the additional data of every sealed key.
const sealAD = "boltsky signing key"

// KeySealer encrypts account signing keys at rest with a 32-byte server
// key, using AES-256-GCM with a random nonce per key. It is opaque (prints
// redacted) and safe for concurrent use. The server passes Open to the
// actor registry as its key opener.
type KeySealer struct {
	aead cipher.AEAD
	rand io.Reader
}

// NewKeySealer returns a sealer for key, which must be SealKeySize bytes.
// Nonces are read from rand, or crypto/rand when it is nil.
func NewKeySealer(key []byte, rand io.Reader) (*KeySealer, error) {
	if len(key) != SealKeySize {
		return nil, fmt.Errorf("account: key-sealing key is %d bytes, want %d", len(key), SealKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("account: cannot make key sealer: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("account: cannot make key sealer: %w", err)
	}
	return &KeySealer{aead: aead, rand: randomReader(rand)}, nil
}

// Seal encrypts k for storage in the account file.
func (s *KeySealer) Seal(k *crypto.PrivateKey) ([]byte, error) {
	if k == nil || (k.Curve() != crypto.K256 && k.Curve() != crypto.P256) {
		return nil, fmt.Errorf("account: cannot seal key: %w", crypto.ErrInvalidKey)
	}
	out := make([]byte, sealHeader+sealNonceLen, sealHeader+sealNonceLen+32+s.aead.Overhead())
	out[0], out[1] = sealVersion1, byte(k.Curve())
	if _, err := io.ReadFull(s.rand, out[sealHeader:]); err != nil {
		return nil, fmt.Errorf("account: cannot seal key: %w", err)
	}
	scalar := k.ExportBytes()
	defer clear(scalar)
	return s.aead.Seal(out, out[sealHeader:], scalar, s.ad(out[:sealHeader])), nil
}

// Open decrypts a key sealed by Seal. Any wrong byte, a different server
// key or an unknown version fails with ErrSealedKey.
func (s *KeySealer) Open(sealed []byte) (*crypto.PrivateKey, error) {
	if len(sealed) < sealHeader+sealNonceLen+s.aead.Overhead() {
		return nil, fmt.Errorf("%w: %d bytes is too short", ErrSealedKey, len(sealed))
	}
	if sealed[0] != sealVersion1 {
		return nil, fmt.Errorf("%w: unknown version %d", ErrSealedKey, sealed[0])
	}
	curve := crypto.Curve(sealed[1])
	nonce := sealed[sealHeader : sealHeader+sealNonceLen]
	scalar, err := s.aead.Open(nil, nonce, sealed[sealHeader+sealNonceLen:], s.ad(sealed[:sealHeader]))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSealedKey, err)
	}
	defer clear(scalar)
	k, err := crypto.ParsePrivateKey(curve, scalar)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSealedKey, err)
	}
	return k, nil
}

func (s *KeySealer) ad(header []byte) []byte {
	return append([]byte(sealAD), header...)
}

// String returns a redacted description.
func (s *KeySealer) String() string { return "account.KeySealer(redacted)" }

// Format writes the redacted description for every verb.
func (s *KeySealer) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, s.String()) }

// LogValue makes log/slog record the redacted description.
func (s *KeySealer) LogValue() slog.Value { return slog.StringValue(s.String()) }
