package account

import (
	cryptorand "crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// base32Alphabet is the lower-case RFC 4648 base32 alphabet the reference
// draws app passwords, invite codes and email tokens from.
const base32Alphabet = "abcdefghijklmnopqrstuvwxyz234567"

// randomReader returns r, or crypto/rand.Reader when r is nil.
func randomReader(r io.Reader) io.Reader {
	if r == nil {
		return cryptorand.Reader
	}
	return r
}

// randomBase32 returns n characters drawn uniformly from base32Alphabet
// (each from 5 bits of one random byte, so there is no modulo bias).
func randomBase32(r io.Reader, n int) (string, error) {
	buf := make([]byte, n)
	if _, err := io.ReadFull(randomReader(r), buf); err != nil {
		return "", fmt.Errorf("cannot read randomness: %w", err)
	}
	for i, b := range buf {
		buf[i] = base32Alphabet[b&31]
	}
	return string(buf), nil
}

// randomGroups returns groups groups of size random base32 characters
// joined by '-', such as "abcd-efgh" for (2, 4).
func randomGroups(r io.Reader, groups, size int) (string, error) {
	s, err := randomBase32(r, groups*size)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	b.Grow(groups*size + groups - 1)
	for i := range groups {
		if i > 0 {
			b.WriteByte('-')
		}
		b.WriteString(s[i*size : (i+1)*size])
	}
	return b.String(), nil
}

// randomBase64URL returns n random bytes as unpadded base64url.
func randomBase64URL(r io.Reader, n int) (string, error) {
	buf := make([]byte, n)
	if _, err := io.ReadFull(randomReader(r), buf); err != nil {
		return "", fmt.Errorf("cannot read randomness: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(buf), nil
}

// randomHex returns n random bytes as lower-case hex.
func randomHex(r io.Reader, n int) (string, error) {
	buf := make([]byte, n)
	if _, err := io.ReadFull(randomReader(r), buf); err != nil {
		return "", fmt.Errorf("cannot read randomness: %w", err)
	}
	return hex.EncodeToString(buf), nil
}
