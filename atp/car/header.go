package car

import (
	"encoding/binary"
	"fmt"

	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/ipfs/go-cid"
)

// Version is the only CAR version this package reads and writes.
const Version = 1

// Header map keys, in canonical DAG-CBOR order (shorter first).
const (
	keyRoots   = "roots"
	keyVersion = "version"
)

// AppendHeader appends a CARv1 header naming roots to dst: a varint length
// and the canonical DAG-CBOR map {"roots": [...], "version": 1}. Every root
// must be defined; NewWriter checks that, AppendHeader does not.
func AppendHeader(dst []byte, roots ...cid.Cid) []byte {
	start := len(dst)
	dst = appendHeaderBody(dst, roots)
	body := len(dst) - start
	// Make room for the length prefix in front of the body.
	prefix := uvarintLen(uint64(body))
	var zeros [maxVarintLen]byte
	dst = append(dst, zeros[:prefix]...)
	copy(dst[start+prefix:], dst[start:start+body])
	binary.PutUvarint(dst[start:], uint64(body))
	return dst
}

func appendHeaderBody(dst []byte, roots []cid.Cid) []byte {
	dst = dagcbor.AppendMapHeader(dst, 2)
	dst = dagcbor.AppendText(dst, keyRoots)
	dst = dagcbor.AppendArrayHeader(dst, len(roots))
	for _, c := range roots {
		dst = dagcbor.AppendLink(dst, c)
	}
	dst = dagcbor.AppendText(dst, keyVersion)
	return dagcbor.AppendInt(dst, Version)
}

// HeaderLen returns the number of bytes AppendHeader appends for roots.
func HeaderLen(roots ...cid.Cid) int {
	// Map head, "roots" and "version" keys, and the integer 1.
	body := 1 + 1 + len(keyRoots) + 1 + len(keyVersion) + 1
	body += cborHeadLen(uint64(len(roots)))
	for _, c := range roots {
		n := len(c.KeyString()) + 1 // multibase 0x00 prefix
		body += cborHeadLen(dagcbor.TagCID) + cborHeadLen(uint64(n)) + n
	}
	return uvarintLen(uint64(body)) + body
}

// cborHeadLen returns the length of a shortest-form CBOR head carrying n.
func cborHeadLen(n uint64) int {
	switch {
	case n < 24:
		return 1
	case n <= 0xff:
		return 2
	case n <= 0xffff:
		return 3
	case n <= 0xffffffff:
		return 5
	default:
		return 9
	}
}

// parseHeader decodes the header body b. It accepts only the canonical
// DAG-CBOR map with exactly the keys "roots" (an array of links) and
// "version" (the integer 1), so an accepted header re-encodes to b.
func parseHeader(b []byte, allowNoRoots bool) ([]cid.Cid, error) {
	r := dagcbor.NewReader(b)
	n, err := r.MapHeader()
	if err != nil {
		return nil, fmt.Errorf("%w: header is not a map: %w", ErrMalformed, err)
	}
	var (
		roots                []cid.Cid
		hasRoots, hasVersion bool
		prev                 string
	)
	for i := range n {
		key, err := r.MapKey()
		if err != nil {
			return nil, fmt.Errorf("%w: header key: %w", ErrMalformed, err)
		}
		if i > 0 && !dagcbor.KeyLess(prev, string(key)) {
			return nil, fmt.Errorf("%w: header key %q does not sort after %q", ErrMalformed, key, prev)
		}
		prev = string(key)
		switch prev {
		case keyRoots:
			hasRoots = true
			if roots, err = parseRoots(r); err != nil {
				return nil, err
			}
		case keyVersion:
			hasVersion = true
			v, err := r.Int()
			if err != nil {
				return nil, fmt.Errorf("%w: header version: %w", ErrMalformed, err)
			}
			if v != Version {
				return nil, fmt.Errorf("%w: version %d", ErrVersion, v)
			}
		default:
			return nil, fmt.Errorf("%w: unknown header key %q", ErrMalformed, key)
		}
	}
	if err := r.End(); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrMalformed, err)
	}
	if !hasVersion {
		return nil, fmt.Errorf("%w: header has no version", ErrMalformed)
	}
	if !hasRoots {
		return nil, fmt.Errorf("%w: header has no roots", ErrMalformed)
	}
	if len(roots) == 0 && !allowNoRoots {
		return nil, fmt.Errorf("%w: header roots array is empty", ErrNoRoots)
	}
	return roots, nil
}

// minLinkLen is the shortest encoded link: tag head, bytes head, the 0x00
// prefix and a CID of at least 2 bytes. It bounds the slice allocated for
// roots by the bytes actually present.
const minLinkLen = 2 + 1 + 1 + 2

func parseRoots(r *dagcbor.Reader) ([]cid.Cid, error) {
	n, err := r.ArrayHeader()
	if err != nil {
		return nil, fmt.Errorf("%w: header roots: %w", ErrMalformed, err)
	}
	roots := make([]cid.Cid, 0, min(n, r.Len()/minLinkLen))
	for i := range n {
		c, err := r.Link()
		if err != nil {
			return nil, fmt.Errorf("%w: header root %d: %w", ErrMalformed, i, err)
		}
		roots = append(roots, c)
	}
	return roots, nil
}

// CheckRoot reports whether the first of roots is want: nil if it is, an
// error wrapping ErrRootMismatch if it is another CID, or one wrapping
// ErrNoRoots if roots is empty.
func CheckRoot(roots []cid.Cid, want cid.Cid) error {
	if len(roots) == 0 {
		return fmt.Errorf("%w: want %s", ErrNoRoots, want)
	}
	if roots[0] != want {
		return fmt.Errorf("%w: first root is %s, want %s", ErrRootMismatch, roots[0], want)
	}
	return nil
}
