package atp

import "strings"

// MaxNSIDLength is the longest NSID, in bytes, that ParseNSID accepts.
const MaxNSIDLength = 317

// NSID is a namespaced identifier naming a lexicon schema, such as
// "app.bsky.feed.post": a domain authority in reverse order ("app.bsky")
// followed by a name ("post").
//
// An NSID keeps the exact text it was parsed from. The authority is
// case-insensitive by the spec, but the reference validators and the
// network compare NSIDs as exact strings, so == on NSIDs does too; use
// Normalize to compare authorities without regard to case.
type NSID struct {
	s string
}

// ParseNSID checks raw against the NSID syntax: three or more segments
// separated by '.', at most MaxNSIDLength bytes in all. Every segment but
// the last is a domain label of 1-63 bytes of A-Z a-z 0-9 and '-', not
// starting or ending with '-', and the first one (the top-level domain)
// starts with a letter. The last segment, the name, is 1-63 letters and
// digits starting with a letter. The result shares raw's memory.
//
// The spec also limits the authority to 253 bytes, but the official
// interop vectors list a valid NSID with a 283-byte authority and no
// reference validator enforces it, so neither does ParseNSID: the limit
// on the whole NSID still bounds it.
func ParseNSID(raw string) (NSID, error) {
	if raw == "" {
		return NSID{}, invalid(ErrInvalidNSID, raw, "empty")
	}
	if len(raw) > MaxNSIDLength {
		return NSID{}, invalid(ErrInvalidNSID, raw, "longer than 317 bytes")
	}
	segments, start := 0, 0
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '.' {
			if !isAlnum(c) && c != '-' {
				return NSID{}, invalid(ErrInvalidNSID, raw, "disallowed character")
			}
			continue
		}
		label := raw[start:i]
		switch {
		case label == "":
			return NSID{}, invalid(ErrInvalidNSID, raw, "empty segment")
		case len(label) > 63:
			return NSID{}, invalid(ErrInvalidNSID, raw, "segment longer than 63 bytes")
		case label[0] == '-' || label[len(label)-1] == '-':
			return NSID{}, invalid(ErrInvalidNSID, raw, "domain segment starts or ends with '-'")
		case segments == 0 && !isAlpha(label[0]):
			return NSID{}, invalid(ErrInvalidNSID, raw, "first segment does not start with a letter")
		}
		segments++
		start = i + 1
	}
	if segments < 2 {
		return NSID{}, invalid(ErrInvalidNSID, raw, "fewer than three segments")
	}
	name := raw[start:]
	switch {
	case name == "":
		return NSID{}, invalid(ErrInvalidNSID, raw, "empty name")
	case len(name) > 63:
		return NSID{}, invalid(ErrInvalidNSID, raw, "name longer than 63 bytes")
	case !isAlpha(name[0]):
		return NSID{}, invalid(ErrInvalidNSID, raw, "name does not start with a letter")
	}
	for i := 1; i < len(name); i++ {
		if !isAlnum(name[i]) {
			return NSID{}, invalid(ErrInvalidNSID, raw, "name has a character other than a letter or digit")
		}
	}
	return NSID{s: raw}, nil
}

// Authority returns the domain authority as a host name in DNS order and
// lower case: "app.bsky.feed.post" gives "feed.bsky.app". This is the name
// under which the schema is published.
func (n NSID) Authority() string {
	if n.s == "" {
		return ""
	}
	prefix := n.s[:strings.LastIndexByte(n.s, '.')]
	var b strings.Builder
	b.Grow(len(prefix))
	for end := len(prefix); ; {
		i := strings.LastIndexByte(prefix[:end], '.')
		b.WriteString(toLowerASCII(prefix[i+1 : end]))
		if i < 0 {
			break
		}
		b.WriteByte('.')
		end = i
	}
	return b.String()
}

// Name returns the last segment, which names the schema within its
// authority. Its case is significant.
func (n NSID) Name() string {
	return n.s[strings.LastIndexByte(n.s, '.')+1:]
}

// Normalize returns n with its authority segments in lower case and its
// name unchanged.
func (n NSID) Normalize() NSID {
	i := strings.LastIndexByte(n.s, '.')
	prefix := n.s[:i+1]
	lower := toLowerASCII(prefix)
	if lower == prefix {
		return n
	}
	return NSID{s: lower + n.s[i+1:]}
}

// IsZero reports whether n is the zero NSID.
func (n NSID) IsZero() bool { return n.s == "" }

// String returns the NSID as it was parsed, or "" for the zero NSID.
func (n NSID) String() string { return n.s }

// MarshalText returns the NSID as text. It fails for the zero NSID.
func (n NSID) MarshalText() ([]byte, error) {
	if n.s == "" {
		return nil, zeroValue(ErrInvalidNSID)
	}
	return []byte(n.s), nil
}

// UnmarshalText parses text with ParseNSID into n.
func (n *NSID) UnmarshalText(text []byte) error {
	v, err := ParseNSID(string(text))
	if err != nil {
		return err
	}
	*n = v
	return nil
}
