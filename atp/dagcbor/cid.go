package dagcbor

import (
	"crypto/sha256"
	"errors"
	"fmt"

	"github.com/ipfs/go-cid"
)

// Multicodec codes of the two CID kinds atproto uses.
const (
	// CodecDagCBOR names data blocks: records, MST nodes and commits.
	CodecDagCBOR = 0x71
	// CodecRaw names blobs.
	CodecRaw = 0x55
)

// cidPrefixLen is the byte length of the CIDv1 sha2-256 header
// (version, codec, hash code, digest length).
const cidPrefixLen = 4

// CIDLen is the byte length of a binary CIDv1 with a sha2-256 digest.
const CIDLen = cidPrefixLen + sha256.Size

// MaxCIDBytes bounds the binary form of any CID this package decodes.
const MaxCIDBytes = 100

// ErrInvalidCID reports a CID that is malformed or outside what atproto
// accepts where it was found.
var ErrInvalidCID = errors.New("dagcbor: invalid CID")

// SumCBOR returns the CIDv1 (dag-cbor, sha2-256) of an encoded data block.
func SumCBOR(data []byte) cid.Cid {
	return sum(CodecDagCBOR, data)
}

// SumRaw returns the CIDv1 (raw, sha2-256) of blob bytes.
func SumRaw(data []byte) cid.Cid {
	return sum(CodecRaw, data)
}

func sum(codec byte, data []byte) cid.Cid {
	digest := sha256.Sum256(data)
	return CIDFromDigest(codec, digest)
}

// CIDFromDigest builds the CIDv1 with the given codec for a sha2-256
// digest computed elsewhere (for example while streaming a blob to disk).
func CIDFromDigest(codec byte, digest [sha256.Size]byte) cid.Cid {
	var b [CIDLen]byte
	b[0], b[1], b[2], b[3] = 0x01, codec, 0x12, sha256.Size
	copy(b[cidPrefixLen:], digest[:])
	c, err := cid.Cast(b[:])
	if err != nil {
		// The header above is a constant, well-formed CIDv1 prefix.
		panic(fmt.Sprintf("dagcbor: cannot build CID from a fixed header: %v", err))
	}
	return c
}

// IsBlessed reports whether c is a CIDv1 with a sha2-256 digest and the
// given codec: the only form atproto accepts for commits, MST nodes and
// blobs.
func IsBlessed(c cid.Cid, codec byte) bool {
	s := c.KeyString()
	return len(s) == CIDLen && s[0] == 0x01 && s[1] == codec && s[2] == 0x12 && s[3] == sha256.Size
}

// ParseCID parses the binary form of a CID, as found inside a tag-42 link
// or a CAR section, checking its size bound.
func ParseCID(b []byte) (cid.Cid, error) {
	if len(b) == 0 || len(b) > MaxCIDBytes {
		return cid.Undef, fmt.Errorf("%w: %d bytes", ErrInvalidCID, len(b))
	}
	n, c, err := cid.CidFromBytes(b)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %v", ErrInvalidCID, err)
	}
	if n != len(b) {
		return cid.Undef, fmt.Errorf("%w: %d trailing bytes", ErrInvalidCID, len(b)-n)
	}
	if c.Version() != 1 {
		return cid.Undef, fmt.Errorf("%w: version %d", ErrInvalidCID, c.Version())
	}
	return c, nil
}

// ParseCIDString parses the text form of a CID (base32 "b..." for CIDv1,
// though any multibase encoding is read). CIDv0 strings are refused:
// atproto data only links CIDv1. So are strings with spaces, control
// characters or non-ASCII bytes anywhere.
func ParseCIDString(s string) (cid.Cid, error) {
	if len(s) == 0 || len(s) > 2*MaxCIDBytes {
		return cid.Undef, fmt.Errorf("%w: %d characters", ErrInvalidCID, len(s))
	}
	// The multibase decoders skip line breaks inside the text; a CID
	// string holds none, nor any other space or non-ASCII byte.
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] >= 0x7f {
			return cid.Undef, fmt.Errorf("%w: %q: byte %#x at %d", ErrInvalidCID, s, s[i], i)
		}
	}
	c, err := cid.Decode(s)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %q: %v", ErrInvalidCID, s, err)
	}
	if c.Version() != 1 {
		return cid.Undef, fmt.Errorf("%w: %q is not a CIDv1", ErrInvalidCID, s)
	}
	return c, nil
}

// ValidateCIDSyntax checks the loose syntax that a string with the
// lexicon format "cid" must have, without decoding it: 8 to 256
// characters from [A-Za-z0-9+=], and no "Qm" prefix (a CIDv0, which
// atproto does not allow). It returns nil or an error wrapping
// ErrInvalidCID.
//
// The check is separate from ParseCIDString because the interop syntax
// vectors (syntax/cid_syntax_*.txt) call valid some strings in other
// multibase encodings that do not decode to a well-formed CIDv1, and a
// lexicon validator must accept those while ParseCIDString, which
// builds a cid.Cid for a link, must not. Every string ParseCIDString
// accepts in practice (base32, base58btc or base16 CIDv1 text) also
// passes this check. Surrounding or inner space fails both.
func ValidateCIDSyntax(s string) error {
	if len(s) < 8 || len(s) > 256 {
		return fmt.Errorf("%w: %d characters, want 8 to 256", ErrInvalidCID, len(s))
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '+' || c == '=') {
			return fmt.Errorf("%w: %q: character %q at %d", ErrInvalidCID, s, c, i)
		}
	}
	if s[0] == 'Q' && s[1] == 'm' {
		return fmt.Errorf("%w: %q is a CIDv0", ErrInvalidCID, s)
	}
	return nil
}
