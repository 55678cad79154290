package atp

import "strings"

// AtIdentifier names an account by either its DID or its handle, as the
// authority of an AT-URI or an XRPC "repo" or "actor" parameter does. A
// handle inside an AtIdentifier is held in lower case.
//
// The zero AtIdentifier means "none".
type AtIdentifier struct {
	s string
}

// ParseAtIdentifier parses raw as a DID when it starts with "did:" and as
// a handle otherwise. Errors wrap ErrInvalidAtIdentifier together with
// ErrInvalidDID or ErrInvalidHandle.
func ParseAtIdentifier(raw string) (AtIdentifier, error) {
	if strings.HasPrefix(raw, "did:") {
		d, err := ParseDID(raw)
		if err != nil {
			return AtIdentifier{}, invalidPart(ErrInvalidAtIdentifier, raw, "DID", err)
		}
		return AtIdentifier{s: d.s}, nil
	}
	h, err := ParseHandle(raw)
	if err != nil {
		return AtIdentifier{}, invalidPart(ErrInvalidAtIdentifier, raw, "handle", err)
	}
	return AtIdentifier{s: h.s}, nil
}

// IsDID reports whether a is a DID.
func (a AtIdentifier) IsDID() bool { return strings.HasPrefix(a.s, "did:") }

// IsHandle reports whether a is a handle.
func (a AtIdentifier) IsHandle() bool { return a.s != "" && !a.IsDID() }

// DID returns a as a DID, or the zero DID when a is a handle.
func (a AtIdentifier) DID() DID {
	if !a.IsDID() {
		return DID{}
	}
	return DID{s: a.s}
}

// Handle returns a as a handle, or the zero Handle when a is a DID.
func (a AtIdentifier) Handle() Handle {
	if !a.IsHandle() {
		return Handle{}
	}
	return Handle{s: a.s}
}

// IsZero reports whether a is the zero AtIdentifier.
func (a AtIdentifier) IsZero() bool { return a.s == "" }

// String returns the DID or the lower-case handle, or "" for the zero
// AtIdentifier.
func (a AtIdentifier) String() string { return a.s }

// MarshalText returns the identifier as text. It fails for the zero
// AtIdentifier.
func (a AtIdentifier) MarshalText() ([]byte, error) {
	if a.s == "" {
		return nil, zeroValue(ErrInvalidAtIdentifier)
	}
	return []byte(a.s), nil
}

// UnmarshalText parses text with ParseAtIdentifier into a.
func (a *AtIdentifier) UnmarshalText(text []byte) error {
	v, err := ParseAtIdentifier(string(text))
	if err != nil {
		return err
	}
	*a = v
	return nil
}
