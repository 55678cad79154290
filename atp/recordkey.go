package atp

// MaxRecordKeyLength is the longest record key, in bytes, that
// ParseRecordKey accepts.
const MaxRecordKeyLength = 512

// RecordKey names a record inside a collection of a repository, such as a
// TID or the literal "self". Record keys are case-sensitive and come from
// users: a key that looks like a TID says nothing about when the record
// was made.
//
// The zero RecordKey means "none".
type RecordKey struct {
	s string
}

// ParseRecordKey checks raw against the record key syntax: 1 to
// MaxRecordKeyLength bytes of A-Z a-z 0-9 . - _ : ~, and not "." or "..".
// The result shares raw's memory.
func ParseRecordKey(raw string) (RecordKey, error) {
	switch {
	case raw == "":
		return RecordKey{}, invalid(ErrInvalidRecordKey, raw, "empty")
	case len(raw) > MaxRecordKeyLength:
		return RecordKey{}, invalid(ErrInvalidRecordKey, raw, "longer than 512 bytes")
	case raw == "." || raw == "..":
		return RecordKey{}, invalid(ErrInvalidRecordKey, raw, `"." and ".." are reserved`)
	}
	for i := 0; i < len(raw); i++ {
		if !isRecordKeyByte(raw[i]) {
			return RecordKey{}, invalid(ErrInvalidRecordKey, raw, "disallowed character")
		}
	}
	return RecordKey{s: raw}, nil
}

// isRecordKeyByte reports whether c may appear in a record key.
func isRecordKeyByte(c byte) bool {
	return isAlnum(c) || c == '.' || c == '-' || c == '_' || c == ':' || c == '~'
}

// IsZero reports whether k is the zero RecordKey.
func (k RecordKey) IsZero() bool { return k.s == "" }

// String returns the record key as text, or "" for the zero RecordKey.
func (k RecordKey) String() string { return k.s }

// MarshalText returns the record key as text. It fails for the zero
// RecordKey.
func (k RecordKey) MarshalText() ([]byte, error) {
	if k.s == "" {
		return nil, zeroValue(ErrInvalidRecordKey)
	}
	return []byte(k.s), nil
}

// UnmarshalText parses text with ParseRecordKey into k.
func (k *RecordKey) UnmarshalText(text []byte) error {
	v, err := ParseRecordKey(string(text))
	if err != nil {
		return err
	}
	*k = v
	return nil
}
