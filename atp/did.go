package atp

import "strings"

// MaxDIDLength is the longest DID, in bytes, that ParseDID accepts.
const MaxDIDLength = 2048

// DID is a decentralized identifier, the permanent name of an account:
// "did:" + a method of lower-case letters + ":" + a method-specific
// identifier. Only the generic syntax is checked; which methods are
// supported (plc and web) is for the identity layer to decide.
//
// The zero DID means "no DID". DIDs are case-sensitive and compare with ==.
type DID struct {
	s string
}

// ParseDID checks raw against the DID syntax: the "did:" prefix, a method
// of one or more lower-case letters, a ':' and an identifier of
// A-Z a-z 0-9 . _ : % - that does not end in ':' or '%', at most
// MaxDIDLength bytes in all. The returned DID shares raw's memory.
func ParseDID(raw string) (DID, error) {
	if raw == "" {
		return DID{}, invalid(ErrInvalidDID, raw, "empty")
	}
	if len(raw) > MaxDIDLength {
		return DID{}, invalid(ErrInvalidDID, raw, "longer than 2048 bytes")
	}
	if !strings.HasPrefix(raw, "did:") {
		return DID{}, invalid(ErrInvalidDID, raw, `does not start with "did:"`)
	}
	i := 4
	for i < len(raw) && isLower(raw[i]) {
		i++
	}
	if i == 4 {
		return DID{}, invalid(ErrInvalidDID, raw, "method is not one or more lower-case letters")
	}
	if i == len(raw) || raw[i] != ':' {
		return DID{}, invalid(ErrInvalidDID, raw, "method is not one or more lower-case letters followed by ':'")
	}
	id := raw[i+1:]
	if id == "" {
		return DID{}, invalid(ErrInvalidDID, raw, "empty method-specific identifier")
	}
	for j := 0; j < len(id); j++ {
		if !isDIDIDByte(id[j]) {
			return DID{}, invalid(ErrInvalidDID, raw, "disallowed character in method-specific identifier")
		}
	}
	if last := id[len(id)-1]; last == ':' || last == '%' {
		return DID{}, invalid(ErrInvalidDID, raw, "ends in ':' or '%'")
	}
	return DID{s: raw}, nil
}

// isDIDIDByte reports whether c may appear in a DID's method-specific
// identifier.
func isDIDIDByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == ':' || c == '%' || c == '-'
}

// Method returns the DID method, such as "plc" or "web".
func (d DID) Method() string {
	if d.s == "" {
		return ""
	}
	rest := d.s[4:]
	return rest[:strings.IndexByte(rest, ':')]
}

// Identifier returns the method-specific identifier: everything after the
// method and its ':'.
func (d DID) Identifier() string {
	if d.s == "" {
		return ""
	}
	rest := d.s[4:]
	return rest[strings.IndexByte(rest, ':')+1:]
}

// IsPLC reports whether d uses the did:plc method.
func (d DID) IsPLC() bool { return strings.HasPrefix(d.s, "did:plc:") }

// IsWeb reports whether d uses the did:web method.
func (d DID) IsWeb() bool { return strings.HasPrefix(d.s, "did:web:") }

// AtIdentifier returns d as an at-identifier.
func (d DID) AtIdentifier() AtIdentifier { return AtIdentifier{s: d.s} }

// IsZero reports whether d is the zero DID.
func (d DID) IsZero() bool { return d.s == "" }

// String returns the DID as text, or "" for the zero DID.
func (d DID) String() string { return d.s }

// MarshalText returns the DID as text. It fails for the zero DID.
func (d DID) MarshalText() ([]byte, error) {
	if d.s == "" {
		return nil, zeroValue(ErrInvalidDID)
	}
	return []byte(d.s), nil
}

// UnmarshalText parses text with ParseDID into d.
func (d *DID) UnmarshalText(text []byte) error {
	v, err := ParseDID(string(text))
	if err != nil {
		return err
	}
	*d = v
	return nil
}
