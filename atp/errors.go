package atp

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every ParseX function and UnmarshalText method wraps one
// of them with the rejected input and the reason; test with errors.Is.
var (
	// ErrInvalidDID reports text that is not DID syntax.
	ErrInvalidDID = errors.New("atp: invalid DID")
	// ErrInvalidHandle reports text that is not handle syntax.
	ErrInvalidHandle = errors.New("atp: invalid handle")
	// ErrInvalidNSID reports text that is not NSID syntax.
	ErrInvalidNSID = errors.New("atp: invalid NSID")
	// ErrInvalidATURI reports text that is not a lexicon at-uri.
	ErrInvalidATURI = errors.New("atp: invalid AT-URI")
	// ErrInvalidAtIdentifier reports text that is neither a DID nor a
	// handle.
	ErrInvalidAtIdentifier = errors.New("atp: invalid at-identifier")
	// ErrInvalidTID reports text that is not TID syntax.
	ErrInvalidTID = errors.New("atp: invalid TID")
	// ErrInvalidRecordKey reports text that is not record key syntax.
	ErrInvalidRecordKey = errors.New("atp: invalid record key")
	// ErrInvalidDatetime reports text that is not a lexicon datetime, or a
	// time that cannot be written as one.
	ErrInvalidDatetime = errors.New("atp: invalid datetime")
	// ErrInvalidLanguage reports text that is not a well-formed BCP 47
	// language tag (or, for ParseLanguageStrict, not a valid one).
	ErrInvalidLanguage = errors.New("atp: invalid language tag")
	// ErrInvalidURI reports text that is not a lexicon uri.
	ErrInvalidURI = errors.New("atp: invalid URI")
	// ErrZeroValue reports an attempt to marshal the zero value of an
	// identifier type, which has no text form. It is wrapped together with
	// the type's own sentinel.
	ErrZeroValue = errors.New("atp: zero value")
)

// maxQuoted is how much of a rejected input an error message repeats.
const maxQuoted = 64

// invalid builds a parse error: the sentinel, the input (clipped) and the
// reason.
func invalid(sentinel error, raw, reason string) error {
	return fmt.Errorf("%w %q: %s", sentinel, clip(raw), reason)
}

// invalidPart builds a parse error for a value whose part failed to parse,
// wrapping both the value's sentinel and the part's error.
func invalidPart(sentinel error, raw, part string, err error) error {
	return fmt.Errorf("%w %q: %s: %w", sentinel, clip(raw), part, err)
}

// zeroValue is the error MarshalText returns for the zero value.
func zeroValue(sentinel error) error {
	return fmt.Errorf("%w: %w", sentinel, ErrZeroValue)
}

// clip shortens s for an error message.
func clip(s string) string {
	if len(s) <= maxQuoted {
		return s
	}
	return s[:maxQuoted] + "..."
}
