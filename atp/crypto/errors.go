package crypto

import "errors"

// Sentinel errors. Functions wrap them with detail; test with errors.Is.
var (
	// ErrInvalidSignature reports a signature that does not verify: wrong
	// length (a DER encoding, for one), r or s out of range, a high S, or a
	// mismatch with the key and message.
	ErrInvalidSignature = errors.New("crypto: invalid signature")
	// ErrInvalidKey reports key bytes or a key string that do not encode a
	// valid key: bad base58, wrong length or prefix, a point off the curve,
	// a scalar of zero or not below the curve order.
	ErrInvalidKey = errors.New("crypto: invalid key")
	// ErrUnsupportedCurve reports a key type, multicodec, JWT alg or
	// verification-method suite that names a curve other than K-256 and
	// P-256, and the use of the zero [Curve].
	ErrUnsupportedCurve = errors.New("crypto: unsupported curve")
)
