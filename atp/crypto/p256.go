package crypto

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"fmt"
)

// P-256 operations on the standard library's types. Callers have already
// checked lengths and scalar ranges.

// newP256PrivateKey returns the P-256 key of the scalar raw, which must be
// 32 bytes in [1, n−1].
func newP256PrivateKey(raw []byte) (*ecdsa.PrivateKey, error) {
	k, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), raw)
	if err != nil {
		return nil, fmt.Errorf("%w: %v scalar: %v", ErrInvalidKey, P256, err)
	}
	return k, nil
}

// p256Sign signs digest with RFC 6979 nonces (a nil random source selects
// them in crypto/ecdsa) and normalises s to low-S.
func p256Sign(k *ecdsa.PrivateKey, digest *[32]byte) ([]byte, error) {
	der, err := k.Sign(nil, digest[:], crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("cannot sign with %v key: %w", P256, err)
	}
	out := make([]byte, SignatureSize)
	if !derToCompact(der, out) {
		return nil, fmt.Errorf("cannot sign with %v key: unexpected signature encoding", P256)
	}
	if s := out[scalarSize:]; !isLowS(P256, s) {
		negateScalar(P256, s)
	}
	return out, nil
}

// p256Verify checks sig, whose r and s are already known to be in
// [1, n−1], against digest and pub. crypto/ecdsa verifies only DER, so the
// compact form is re-encoded on the stack first.
func p256Verify(pub *ecdsa.PublicKey, digest *[32]byte, sig []byte) bool {
	var buf [2 + 2*(2+scalarSize+1)]byte
	der := buf[:2]
	der = appendDERInteger(der, sig[:scalarSize])
	der = appendDERInteger(der, sig[scalarSize:])
	der[0], der[1] = 0x30, byte(len(der)-2)
	return ecdsa.VerifyASN1(pub, digest[:], der)
}

// appendDERInteger appends the DER INTEGER of the non-zero big-endian b.
func appendDERInteger(dst, b []byte) []byte {
	for len(b) > 1 && b[0] == 0 {
		b = b[1:]
	}
	n := len(b)
	pad := b[0]&0x80 != 0
	if pad {
		n++
	}
	dst = append(dst, 0x02, byte(n))
	if pad {
		dst = append(dst, 0)
	}
	return append(dst, b...)
}

// derToCompact writes the r and s of the DER signature der, as produced by
// crypto/ecdsa for P-256, into the 64-byte out. It reports false for any
// other shape.
func derToCompact(der, out []byte) bool {
	if len(der) < 2 || der[0] != 0x30 || int(der[1]) != len(der)-2 {
		return false
	}
	rest := der[2:]
	for i := range 2 {
		if len(rest) < 2 || rest[0] != 0x02 {
			return false
		}
		n := int(rest[1])
		if n == 0 || len(rest) < 2+n {
			return false
		}
		v := rest[2 : 2+n]
		rest = rest[2+n:]
		if len(v) == scalarSize+1 && v[0] == 0 {
			v = v[1:]
		}
		if len(v) > scalarSize {
			return false
		}
		slot := out[i*scalarSize : (i+1)*scalarSize]
		copy(slot[scalarSize-len(v):], v)
	}
	return len(rest) == 0
}

// parseP256Point decodes a compressed (0x02/0x03, 33 bytes) or uncompressed
// (0x04, 65 bytes) point.
func parseP256Point(b []byte) (*PublicKey, error) {
	if !pointPrefixOK(b) {
		return nil, fmt.Errorf("%w: %v point: %s", ErrInvalidKey, P256, describePoint(b))
	}
	var buf [uncompressedSize]byte
	uncompressed := b
	if b[0] != 0x04 {
		x, y := elliptic.UnmarshalCompressed(elliptic.P256(), b)
		if x == nil {
			return nil, fmt.Errorf("%w: %v point: x is not on the curve", ErrInvalidKey, P256)
		}
		buf[0] = 0x04
		x.FillBytes(buf[1 : 1+32])
		y.FillBytes(buf[1+32:])
		uncompressed = buf[:]
	}
	p, err := ecdsa.ParseUncompressedPublicKey(elliptic.P256(), uncompressed)
	if err != nil {
		return nil, fmt.Errorf("%w: %v point: %v", ErrInvalidKey, P256, err)
	}
	return newP256PublicKey(p, uncompressed), nil
}

// newP256PublicKey wraps p, whose uncompressed encoding is uncompressed.
func newP256PublicKey(p *ecdsa.PublicKey, uncompressed []byte) *PublicKey {
	k := &PublicKey{curve: P256, p256: p}
	k.compressed[0] = 0x02 | uncompressed[len(uncompressed)-1]&1
	copy(k.compressed[1:], uncompressed[1:1+32])
	return k
}

// p256Uncompressed returns the 65-byte encoding of p, which was built by
// crypto/ecdsa from a valid point.
func p256Uncompressed(p *ecdsa.PublicKey) []byte {
	b, err := p.Bytes()
	if err != nil {
		panic("crypto: P-256 public key cannot be encoded: " + err.Error())
	}
	return b
}
