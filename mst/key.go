package mst

import (
	"crypto/sha256"
	"fmt"
	"math/bits"
	"unsafe"
)

// MaxKeyLen bounds the byte length of a key.
const MaxKeyLen = 1024

// Depth returns the depth of key in the tree: the number of leading zero
// bits of SHA-256(key), divided by two. It accepts any string, valid key
// or not.
func Depth(key string) int {
	// Hash the string's bytes in place: converting to []byte would copy
	// them to the heap for keys over 32 bytes. Sum256 only reads them.
	sum := sha256.Sum256(unsafe.Slice(unsafe.StringData(key), len(key)))
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

// keyChars is the set of bytes allowed in a key (ValidateKey), as a
// bitmap over ASCII: bit c&63 of word c>>6.
var keyChars = [2]uint64{
	// '-' 45, '.' 46, '/' 47, '0'-'9' 48-57, ':' 58
	1<<45 | 1<<46 | 1<<47 | (1<<10-1)<<48 | 1<<58,
	// 'A'-'Z' 65-90, '_' 95, 'a'-'z' 97-122, '~' 126
	(1<<26-1)<<(65-64) | 1<<(95-64) | (1<<26-1)<<(97-64) | 1<<(126-64),
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
	slash, slashes := -1, 0
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c >= 128 || keyChars[c>>6]&(1<<(c&63)) == 0 {
			return fmt.Errorf("%w: %q has character %q at %d", ErrInvalidKey, key, c, i)
		}
		if c == '/' {
			slash = i
			slashes++
		}
	}
	if slashes > 1 {
		return fmt.Errorf("%w: %q has more than one slash", ErrInvalidKey, key)
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
