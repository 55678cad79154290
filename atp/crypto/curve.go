package crypto

import (
	"fmt"
	"strconv"
)

// Curve names one of the two elliptic curves atproto signs with. The zero
// value is no curve and is rejected by every function that takes one.
type Curve uint8

const (
	// K256 is secp256k1, JWT alg "ES256K", multicodec secp256k1-pub (0xe7).
	K256 Curve = 1
	// P256 is NIST P-256 (secp256r1), JWT alg "ES256", multicodec p256-pub
	// (0x1200).
	P256 Curve = 2
)

// JWT "alg" header values of the two curves.
const (
	AlgES256K = "ES256K"
	AlgES256  = "ES256"
)

// Multicodec prefixes, as their minimal unsigned varint bytes.
const (
	mcK256Pub  = "\xe7\x01" // secp256k1-pub, 0xe7
	mcP256Pub  = "\x80\x24" // p256-pub, 0x1200
	mcK256Priv = "\x81\x26" // secp256k1-priv, 0x1301
	mcP256Priv = "\x86\x26" // p256-priv, 0x1306
)

// Group orders n and ⌊n/2⌋ as 32-byte big-endian strings, so byte slices of
// scalars compare against them without conversion.
const (
	orderK256     = "\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xfe\xba\xae\xdc\xe6\xaf\x48\xa0\x3b\xbf\xd2\x5e\x8c\xd0\x36\x41\x41"
	halfOrderK256 = "\x7f\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x5d\x57\x6e\x73\x57\xa4\x50\x1d\xdf\xe9\x2f\x46\x68\x1b\x20\xa0"
	orderP256     = "\xff\xff\xff\xff\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xbc\xe6\xfa\xad\xa7\x17\x9e\x84\xf3\xb9\xca\xc2\xfc\x63\x25\x51"
	halfOrderP256 = "\x7f\xff\xff\xff\x80\x00\x00\x00\x7f\xff\xff\xff\xff\xff\xff\xff\xde\x73\x7d\x56\xd3\x8b\xcf\x42\x79\xdc\xe5\x61\x7e\x31\x92\xa8"
)

// String returns "K-256" or "P-256", or "Curve(n)" for an unknown value.
func (c Curve) String() string {
	switch c {
	case K256:
		return "K-256"
	case P256:
		return "P-256"
	}
	return "Curve(" + strconv.Itoa(int(c)) + ")"
}

// JWTAlg returns the JWT "alg" header value of signatures on c: "ES256K"
// or "ES256", or "" for an unknown curve.
func (c Curve) JWTAlg() string {
	switch c {
	case K256:
		return AlgES256K
	case P256:
		return AlgES256
	}
	return ""
}

// CurveForJWTAlg returns the curve whose signatures carry the JWT "alg"
// value alg. Any alg other than "ES256K" and "ES256" (including "none")
// fails with [ErrUnsupportedCurve].
func CurveForJWTAlg(alg string) (Curve, error) {
	switch alg {
	case AlgES256K:
		return K256, nil
	case AlgES256:
		return P256, nil
	}
	return 0, fmt.Errorf("%w: JWT alg %q", ErrUnsupportedCurve, alg)
}

func (c Curve) valid() bool { return c == K256 || c == P256 }

func (c Curve) order() string {
	if c == K256 {
		return orderK256
	}
	return orderP256
}

func (c Curve) halfOrder() string {
	if c == K256 {
		return halfOrderK256
	}
	return halfOrderP256
}

func (c Curve) pubCodec() string {
	if c == K256 {
		return mcK256Pub
	}
	return mcP256Pub
}

func (c Curve) privCodec() string {
	if c == K256 {
		return mcK256Priv
	}
	return mcP256Priv
}

func unsupported(c Curve) error {
	return fmt.Errorf("%w: %v", ErrUnsupportedCurve, c)
}
