package atp

import "strings"

// MaxHandleLength is the longest handle, in bytes, that ParseHandle
// accepts.
const MaxHandleLength = 253

// Handle is a DNS name that an account uses as its human-readable name,
// such as "alice.bsky.social". Handles are case-insensitive; a Handle
// always holds the lower-case form, so two Handles compare with ==.
//
// The zero Handle means "no handle". HandleInvalid is the value that
// stands for "this account's handle did not verify".
type Handle struct {
	s string
}

// HandleInvalid is the reserved handle "handle.invalid", shown in place of
// a handle that failed bidirectional verification. It is never a real
// account's handle.
var HandleInvalid = Handle{s: "handle.invalid"}

// ParseHandle checks raw against the handle syntax and returns it in lower
// case: two or more labels separated by '.', each 1-63 bytes of
// A-Z a-z 0-9 and '-', not starting or ending with '-', the last label
// (the top-level domain) starting with a letter, and at most
// MaxHandleLength bytes in all. Reserved top-level domains pass; see
// AllowedTLD. The result shares raw's memory unless raw had upper-case
// letters.
func ParseHandle(raw string) (Handle, error) {
	if raw == "" {
		return Handle{}, invalid(ErrInvalidHandle, raw, "empty")
	}
	if len(raw) > MaxHandleLength {
		return Handle{}, invalid(ErrInvalidHandle, raw, "longer than 253 bytes")
	}
	labels, start := 0, 0
	for i := 0; i <= len(raw); i++ {
		if i < len(raw) && raw[i] != '.' {
			if c := raw[i]; !isAlnum(c) && c != '-' {
				return Handle{}, invalid(ErrInvalidHandle, raw, "disallowed character")
			}
			continue
		}
		label := raw[start:i]
		switch {
		case label == "":
			return Handle{}, invalid(ErrInvalidHandle, raw, "empty label")
		case len(label) > 63:
			return Handle{}, invalid(ErrInvalidHandle, raw, "label longer than 63 bytes")
		case label[0] == '-' || label[len(label)-1] == '-':
			return Handle{}, invalid(ErrInvalidHandle, raw, "label starts or ends with '-'")
		}
		labels++
		start = i + 1
	}
	if labels < 2 {
		return Handle{}, invalid(ErrInvalidHandle, raw, "fewer than two labels")
	}
	if !isAlpha(raw[strings.LastIndexByte(raw, '.')+1]) {
		return Handle{}, invalid(ErrInvalidHandle, raw, "top-level domain does not start with a letter")
	}
	return Handle{s: toLowerASCII(raw)}, nil
}

// TLD returns the last label of the handle, its top-level domain.
func (h Handle) TLD() string {
	return h.s[strings.LastIndexByte(h.s, '.')+1:]
}

// AllowedTLD reports whether the handle's top-level domain may be used to
// register or resolve an account. The special-use domains .alt, .arpa,
// .example, .internal, .invalid, .local, .localhost and .onion are refused
// even though they pass the syntax check; .test is allowed for
// development.
func (h Handle) AllowedTLD() bool {
	switch h.TLD() {
	case "alt", "arpa", "example", "internal", "invalid", "local", "localhost", "onion":
		return false
	}
	return h.s != ""
}

// IsInvalid reports whether h is HandleInvalid.
func (h Handle) IsInvalid() bool { return h == HandleInvalid }

// AtIdentifier returns h as an at-identifier.
func (h Handle) AtIdentifier() AtIdentifier { return AtIdentifier{s: h.s} }

// IsZero reports whether h is the zero Handle.
func (h Handle) IsZero() bool { return h.s == "" }

// String returns the handle in lower case, or "" for the zero Handle.
func (h Handle) String() string { return h.s }

// MarshalText returns the handle as text. It fails for the zero Handle.
func (h Handle) MarshalText() ([]byte, error) {
	if h.s == "" {
		return nil, zeroValue(ErrInvalidHandle)
	}
	return []byte(h.s), nil
}

// UnmarshalText parses text with ParseHandle into h.
func (h *Handle) UnmarshalText(text []byte) error {
	v, err := ParseHandle(string(text))
	if err != nil {
		return err
	}
	*h = v
	return nil
}
