package account

import (
	"errors"
	"fmt"

	"github.com/golang-jwt/jwt/v5"

	"github.com/boltsky/boltsky/atp/crypto"
)

// ecMethod is a jwt.SigningMethod for ES256K or ES256 backed by
// atp/crypto: signing gives 64-byte low-S compact signatures, verifying
// accepts high-S twins too, as the reference does for service auth.
// Values are made by signingMethod and never registered with the jwt
// package's global table, so its own ES256 stays as it is.
type ecMethod struct {
	curve crypto.Curve
}

var _ jwt.SigningMethod = ecMethod{}

// signingMethod returns the method for a JWT alg header: ES256K or ES256.
func signingMethod(alg string) (ecMethod, error) {
	curve, err := crypto.CurveForJWTAlg(alg)
	if err != nil {
		return ecMethod{}, err
	}
	return ecMethod{curve: curve}, nil
}

// Alg returns "ES256K" or "ES256".
func (m ecMethod) Alg() string { return m.curve.JWTAlg() }

// Sign signs signingString with key, which must be a *crypto.PrivateKey
// on the method's curve.
func (m ecMethod) Sign(signingString string, key any) ([]byte, error) {
	k, ok := key.(*crypto.PrivateKey)
	if !ok || k == nil {
		return nil, jwt.ErrInvalidKeyType
	}
	if k.Curve() != m.curve {
		return nil, fmt.Errorf("%w: %v key for alg %s", jwt.ErrInvalidKey, k.Curve(), m.Alg())
	}
	return k.SignMessage([]byte(signingString))
}

// Verify checks sig over signingString with key, which must be a
// *crypto.PublicKey on the method's curve.
func (m ecMethod) Verify(signingString string, sig []byte, key any) error {
	k, ok := key.(*crypto.PublicKey)
	if !ok || k == nil {
		return jwt.ErrInvalidKeyType
	}
	if k.Curve() != m.curve {
		return fmt.Errorf("%w: %v key for alg %s", errKeyAlgMismatch, k.Curve(), m.Alg())
	}
	return k.VerifyAllowHighS([]byte(signingString), sig)
}

var errKeyAlgMismatch = errors.New("account: key does not match jwt alg")
