package crypto

import "fmt"

// Verification-method types of DID documents that carry a key in
// publicKeyMultibase.
const (
	// SuiteMultikey is the current type: publicKeyMultibase is a multikey.
	SuiteMultikey = "Multikey"
	// SuiteK256Legacy is the legacy K-256 type: publicKeyMultibase is a
	// base58btc point without a multicodec prefix.
	SuiteK256Legacy = "EcdsaSecp256k1VerificationKey2019"
	// SuiteP256Legacy is the legacy P-256 type, encoded like
	// SuiteK256Legacy.
	SuiteP256Legacy = "EcdsaSecp256r1VerificationKey2019"
)

// ParsePublicKeyLegacyMultibase decodes the publicKeyMultibase of a DID
// document verification method whose type is suite. For the legacy suites
// the value is "z" + base58btc of an uncompressed or compressed point with
// no multicodec prefix, and the suite names the curve; for SuiteMultikey it
// is a multikey, read by [ParsePublicKeyMultibase]. atproto reads legacy
// keys but never writes them: re-encode the result with
// [PublicKey.Multibase]. Other suites fail with [ErrUnsupportedCurve].
func ParsePublicKeyLegacyMultibase(suite, mb string) (*PublicKey, error) {
	var curve Curve
	switch suite {
	case SuiteMultikey:
		return ParsePublicKeyMultibase(mb)
	case SuiteK256Legacy:
		curve = K256
	case SuiteP256Legacy:
		curve = P256
	default:
		return nil, fmt.Errorf("%w: verification method type %q", ErrUnsupportedCurve, truncate(suite))
	}
	point, err := decodeMultibase(mb)
	if err != nil {
		return nil, err
	}
	return ParsePublicKeyBytes(curve, point)
}
