package lexicon

import (
	"strconv"
	"strings"

	"github.com/boltsky/boltsky/atp"
)

// KeyType is the record key type of a record schema: "tid", "nsid",
// "any", or "literal:" followed by the one key allowed (as in
// "literal:self").
type KeyType string

// The record key types other than literals.
const (
	KeyTID  KeyType = "tid"
	KeyNSID KeyType = "nsid"
	KeyAny  KeyType = "any"
)

// Literal returns the only record key allowed by a "literal:" key type.
func (k KeyType) Literal() (string, bool) {
	return strings.CutPrefix(string(k), "literal:")
}

// parseKeyType checks a record schema's "key" field.
func parseKeyType(s string) (KeyType, bool) {
	switch k := KeyType(s); k {
	case KeyTID, KeyNSID, KeyAny:
		return k, true
	}
	lit, ok := KeyType(s).Literal()
	if !ok {
		return "", false
	}
	_, err := atp.ParseRecordKey(lit)
	return KeyType(s), err == nil
}

// Record is the schema of a record type: a collection's NSID, the type of
// its record keys and the object schema of its records.
type Record struct {
	NSID   atp.NSID
	Key    KeyType
	Schema *Schema // of TypeObject
}

// CheckKey reports, as an *Error, whether rkey breaks the record key type
// of r: a "tid" key must be a TID, an "nsid" key an NSID, and a literal key
// exactly the literal.
func (r *Record) CheckKey(rkey atp.RecordKey) error {
	s := rkey.String()
	var reason string
	var cause error
	switch r.Key {
	case KeyAny:
		return nil
	case KeyTID:
		if _, err := atp.ParseTID(s); err != nil {
			reason, cause = "must be a TID", err
		}
	case KeyNSID:
		if _, err := atp.ParseNSID(s); err != nil {
			reason, cause = "must be an NSID", err
		}
	default:
		if lit, _ := r.Key.Literal(); s != lit {
			reason = "must be " + strconv.Quote(lit)
		}
	}
	if reason == "" {
		return nil
	}
	return &Error{Reason: "Invalid record key for " + r.NSID.String() + ": " + reason, cause: cause}
}
