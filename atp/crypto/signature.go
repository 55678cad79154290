package crypto

import "fmt"

// SignatureSize is the length of a compact signature: r‖s, 32 bytes each.
const SignatureSize = 64

// scalarSize is the length of a private key scalar and of r and s.
const scalarSize = 32

// checkSignature checks the shape of a compact signature on curve c: its
// length, r and s in [1, n−1], and, unless allowHighS, s ≤ n/2. It does not
// check the signature against a key.
func checkSignature(c Curve, sig []byte, allowHighS bool) error {
	if len(sig) != SignatureSize {
		return fmt.Errorf("%w: %d bytes, want a %d-byte compact r||s", ErrInvalidSignature, len(sig), SignatureSize)
	}
	r, s := sig[:scalarSize], sig[scalarSize:]
	if !scalarInRange(c, r) {
		return fmt.Errorf("%w: r is zero or not below the %v order", ErrInvalidSignature, c)
	}
	if !scalarInRange(c, s) {
		return fmt.Errorf("%w: s is zero or not below the %v order", ErrInvalidSignature, c)
	}
	if !allowHighS && !isLowS(c, s) {
		return fmt.Errorf("%w: s is above half the %v order (high-S)", ErrInvalidSignature, c)
	}
	return nil
}

// scalarInRange reports whether the 32-byte big-endian b is in [1, n−1].
func scalarInRange(c Curve, b []byte) bool {
	return len(b) == scalarSize && string(b) < c.order() && !isZero(b)
}

// isLowS reports whether the 32-byte big-endian s is at most n/2.
func isLowS(c Curve, s []byte) bool {
	return string(s) <= c.halfOrder()
}

// negateScalar sets the 32-byte big-endian s, in [1, n−1], to n − s.
func negateScalar(c Curve, s []byte) {
	n := c.order()
	borrow := 0
	for i := scalarSize - 1; i >= 0; i-- {
		d := int(n[i]) - int(s[i]) - borrow
		borrow = 0
		if d < 0 {
			d += 256
			borrow = 1
		}
		s[i] = byte(d)
	}
}

func isZero(b []byte) bool {
	var acc byte
	for _, x := range b {
		acc |= x
	}
	return acc == 0
}
