package atp

// MaxURILength is the longest URI, in bytes, that ParseURI accepts (the
// lexicon limit of 8 KB).
const MaxURILength = 8192

// URI is an absolute URI as the lexicon uri format takes it, such as
// "https://example.com/x" or "dns:example.com". It keeps the exact text it
// was parsed from.
//
// The zero URI means "none".
type URI struct {
	s string
}

// ParseURI checks that raw is an absolute URI: a scheme as RFC 3986 §3.1
// defines it (a letter, then letters, digits, '+', '-' or '.'), a ':', and
// at least one more character, with every character printable ASCII other
// than space; at most MaxURILength bytes in all.
//
// Past the scheme, only the character set is checked, not the full RFC
// 3986 grammar: the reference validators accept any URI of this shape,
// and rejecting what they accept would refuse records the rest of the
// network takes. The result shares raw's memory.
func ParseURI(raw string) (URI, error) {
	switch {
	case raw == "":
		return URI{}, invalid(ErrInvalidURI, raw, "empty")
	case len(raw) > MaxURILength:
		return URI{}, invalid(ErrInvalidURI, raw, "longer than 8192 bytes")
	case !isAlpha(raw[0]):
		return URI{}, invalid(ErrInvalidURI, raw, "scheme does not start with a letter")
	}
	i := 1
	for i < len(raw) && isSchemeByte(raw[i]) {
		i++
	}
	switch {
	case i == len(raw) || raw[i] != ':':
		return URI{}, invalid(ErrInvalidURI, raw, "no scheme followed by ':'")
	case i+1 == len(raw):
		return URI{}, invalid(ErrInvalidURI, raw, "nothing after the scheme")
	}
	for j := i + 1; j < len(raw); j++ {
		if c := raw[j]; c <= ' ' || c >= 0x7f {
			return URI{}, invalid(ErrInvalidURI, raw, "space, control or non-ASCII character")
		}
	}
	return URI{s: raw}, nil
}

// isSchemeByte reports whether c may follow the first letter of a scheme.
func isSchemeByte(c byte) bool {
	return isAlnum(c) || c == '+' || c == '-' || c == '.'
}

// Scheme returns the URI's scheme as written, such as "https".
func (u URI) Scheme() string {
	for i := 0; i < len(u.s); i++ {
		if u.s[i] == ':' {
			return u.s[:i]
		}
	}
	return ""
}

// IsZero reports whether u is the zero URI.
func (u URI) IsZero() bool { return u.s == "" }

// String returns the URI exactly as parsed, or "" for the zero URI.
func (u URI) String() string { return u.s }

// MarshalText returns the URI as text. It fails for the zero URI.
func (u URI) MarshalText() ([]byte, error) {
	if u.s == "" {
		return nil, zeroValue(ErrInvalidURI)
	}
	return []byte(u.s), nil
}

// UnmarshalText parses text with ParseURI into u.
func (u *URI) UnmarshalText(text []byte) error {
	v, err := ParseURI(string(text))
	if err != nil {
		return err
	}
	*u = v
	return nil
}
