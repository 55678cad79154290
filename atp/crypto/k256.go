package crypto

import (
	"fmt"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
)

// K-256 (secp256k1) operations on decred's types. Callers have already
// checked lengths and scalar ranges.

// newK256PrivateKey returns the K-256 key of the scalar raw, which must be
// 32 bytes in [1, n−1].
func newK256PrivateKey(raw []byte) *secp256k1.PrivateKey {
	var d secp256k1.ModNScalar
	d.SetByteSlice(raw)
	k := secp256k1.NewPrivateKey(&d)
	d.Zero()
	return k
}

// k256Sign signs digest with RFC 6979 nonces. decred negates s when it is
// above n/2, so the result is low-S.
func k256Sign(k *secp256k1.PrivateKey, digest *[32]byte) []byte {
	sig := ecdsa.Sign(k, digest[:])
	r, s := sig.R(), sig.S()
	out := make([]byte, SignatureSize)
	r.PutBytesUnchecked(out[:scalarSize])
	s.PutBytesUnchecked(out[scalarSize:])
	return out
}

// k256Verify checks sig, whose r and s are already known to be in
// [1, n−1], against digest and pub.
func k256Verify(pub *secp256k1.PublicKey, digest *[32]byte, sig []byte) bool {
	var r, s secp256k1.ModNScalar
	r.SetByteSlice(sig[:scalarSize])
	s.SetByteSlice(sig[scalarSize:])
	return ecdsa.NewSignature(&r, &s).Verify(digest[:], pub)
}

// parseK256Point decodes a compressed (0x02/0x03, 33 bytes) or uncompressed
// (0x04, 65 bytes) point. decred also takes the hybrid 0x06/0x07 form, which
// atproto never uses, so the prefix is checked here first.
func parseK256Point(b []byte) (*secp256k1.PublicKey, error) {
	if !pointPrefixOK(b) {
		return nil, fmt.Errorf("%w: %v point: %s", ErrInvalidKey, K256, describePoint(b))
	}
	p, err := secp256k1.ParsePubKey(b)
	if err != nil {
		return nil, fmt.Errorf("%w: %v point: %v", ErrInvalidKey, K256, err)
	}
	return p, nil
}

func newK256PublicKey(p *secp256k1.PublicKey) *PublicKey {
	k := &PublicKey{curve: K256, k256: p}
	copy(k.compressed[:], p.SerializeCompressed())
	return k
}
