package crypto

import (
	"encoding/binary"
	"fmt"

	"github.com/mr-tron/base58"
)

// maxMultibaseLen bounds the multibase strings the parsers decode, before
// any base58 work. The longest valid input, a legacy uncompressed key, is
// 90 characters.
const maxMultibaseLen = 128

// Multibase returns the key as a multikey: "z" + base58btc(multicodec
// varint ‖ compressed point). K-256 keys start "zQ3s", P-256 keys "zDna".
// It returns "" for the zero PublicKey.
func (k *PublicKey) Multibase() string {
	if !k.curve.valid() {
		return ""
	}
	var buf [2 + compressedSize]byte
	copy(buf[:2], k.curve.pubCodec())
	copy(buf[2:], k.compressed[:])
	return "z" + base58.Encode(buf[:])
}

// ParsePublicKeyMultibase decodes a multikey of either curve, as written by
// [PublicKey.Multibase] and found in the publicKeyMultibase of a "Multikey"
// verification method. The point must be compressed.
func ParsePublicKeyMultibase(s string) (*PublicKey, error) {
	data, err := decodeMultibase(s)
	if err != nil {
		return nil, err
	}
	curve, point, err := splitCodec(data, mcK256Pub, mcP256Pub)
	if err != nil {
		return nil, err
	}
	if len(point) != compressedSize {
		return nil, fmt.Errorf("%w: %v multikey holds %d point bytes, want a %d-byte compressed point", ErrInvalidKey, curve, len(point), compressedSize)
	}
	return ParsePublicKeyBytes(curve, point)
}

// ExportMultibase returns the secret key as "z" + base58btc(multicodec
// secp256k1-priv or p256-priv varint ‖ 32-byte scalar), which
// [ParsePrivateKeyMultibase] reads back. Like [PrivateKey.ExportBytes], it
// exists to store the key encrypted at rest.
func (k *PrivateKey) ExportMultibase() string {
	if !k.curve.valid() {
		return ""
	}
	raw := k.ExportBytes()
	defer clear(raw)
	var buf [2 + scalarSize]byte
	defer clear(buf[:])
	copy(buf[:2], k.curve.privCodec())
	copy(buf[2:], raw)
	return "z" + base58.Encode(buf[:])
}

// ParsePrivateKeyMultibase decodes a private key written by
// [PrivateKey.ExportMultibase]; the multicodec names the curve.
func ParsePrivateKeyMultibase(s string) (*PrivateKey, error) {
	data, err := decodeMultibase(s)
	if err != nil {
		return nil, err
	}
	defer clear(data)
	curve, raw, err := splitCodec(data, mcK256Priv, mcP256Priv)
	if err != nil {
		return nil, err
	}
	return ParsePrivateKey(curve, raw)
}

// decodeMultibase decodes a base58btc multibase string ("z" prefix).
func decodeMultibase(s string) ([]byte, error) {
	if len(s) < 2 || s[0] != 'z' {
		return nil, fmt.Errorf("%w: not a base58btc multibase string (want a 'z' prefix)", ErrInvalidKey)
	}
	if len(s) > maxMultibaseLen {
		return nil, fmt.Errorf("%w: multibase string of %d characters is too long", ErrInvalidKey, len(s))
	}
	data, err := base58.Decode(s[1:])
	if err != nil {
		return nil, fmt.Errorf("%w: bad base58btc: %v", ErrInvalidKey, err)
	}
	return data, nil
}

// splitCodec splits data into its multicodec prefix, which must be exactly
// k256 or p256 (the minimal varints), and the rest.
func splitCodec(data []byte, k256, p256 string) (Curve, []byte, error) {
	if len(data) >= 2 {
		switch string(data[:2]) {
		case k256:
			return K256, data[2:], nil
		case p256:
			return P256, data[2:], nil
		}
	}
	code, n := binary.Uvarint(data)
	if n <= 0 {
		return 0, nil, fmt.Errorf("%w: no multicodec prefix", ErrInvalidKey)
	}
	return 0, nil, fmt.Errorf("%w: multicodec 0x%x", ErrUnsupportedCurve, code)
}
