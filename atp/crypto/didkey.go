package crypto

import (
	"fmt"
	"strings"
)

// didKeyPrefix starts every did:key.
const didKeyPrefix = "did:key:"

// DIDKey returns the key as a did:key: "did:key:" + its multikey. This is
// the form of did:plc rotation keys and verification methods. It returns ""
// for the zero PublicKey.
func (k *PublicKey) DIDKey() string {
	mb := k.Multibase()
	if mb == "" {
		return ""
	}
	return didKeyPrefix + mb
}

// ParseDIDKey decodes a did:key of either curve, as written by
// [PublicKey.DIDKey]. A DID URL (with a "#fragment", "?query" or "/path")
// is not a did:key and fails.
func ParseDIDKey(s string) (*PublicKey, error) {
	mb, ok := strings.CutPrefix(s, didKeyPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: %q does not start with %q", ErrInvalidKey, truncate(s), didKeyPrefix)
	}
	return ParsePublicKeyMultibase(mb)
}

// truncate shortens s for an error message.
func truncate(s string) string {
	const limit = 64
	if len(s) <= limit {
		return s
	}
	return s[:limit] + "…"
}
