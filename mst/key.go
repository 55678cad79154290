package mst

import (
	"crypto/sha256"
	"fmt"
	"math/bits"
)

// MaxKeyLen bounds the byte length of a key.
const MaxKeyLen = 1024

// Depth returns the depth of key in the tree: the number of leading zero
// bits of SHA-256(key), divided by two. It accepts any string, valid key
// or not.
func Depth(key string) int {
	// Copying into a stack buffer keeps the usual short key from escaping
	// to the heap on its way into the hash.
	var buf [256]byte
	sum := sha256.Sum256(append(buf[:0], key...))
	zeros := 0
	for _, b := range sum {
		if b != 0 {
			zeros += bits.LeadingZeros8(b)
			break
		}
		zeros += 8
	}
	return zeros / 2
}

// CommonPrefixLen returns the number of leading bytes a and b share: the
// "p" of an entry whose key is b after an entry whose key is a.
func CommonPrefixLen(a, b string) int {
	n := min(len(a), len(b))
	for i := range n {
		if a[i] != b[i] {
			return i
		}
	}
	return n
}

// ValidateKey checks that key is a record path: "<collection>/<rkey>" with
// exactly one slash, both parts non-empty, at most MaxKeyLen bytes, and
// only the characters A-Z a-z 0-9 . - _ : ~ besides the slash.
func ValidateKey(key string) error {
	if len(key) == 0 {
		return fmt.Errorf("%w: empty", ErrInvalidKey)
	}
	if len(key) > MaxKeyLen {
		return fmt.Errorf("%w: %d bytes exceeds %d", ErrInvalidKey, len(key), MaxKeyLen)
	}
	slash := -1
	for i := 0; i < len(key); i++ {
		c := key[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9',
			c == '.', c == '-', c == '_', c == ':', c == '~':
		case c == '/':
			if slash >= 0 {
				return fmt.Errorf("%w: %q has more than one slash", ErrInvalidKey, key)
			}
			slash = i
		default:
			return fmt.Errorf("%w: %q has character %q at %d", ErrInvalidKey, key, c, i)
		}
	}
	if slash <= 0 || slash == len(key)-1 {
		return fmt.Errorf("%w: %q is not <collection>/<rkey>", ErrInvalidKey, key)
	}
	return nil
}

// Limits checked when verifying a tree from elsewhere (Verify). They are
// far beyond what random keys produce: a node holds about four entries on
// average, and a key of depth 32 needs 64 leading zero bits.
const (
	// MaxHeight bounds the height of any node.
	MaxHeight = 32
	// MaxNodeEntries bounds the entries of one node.
	MaxNodeEntries = 1024
)
