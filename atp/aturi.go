package atp

import "strings"

// MaxATURILength is the longest AT-URI, in bytes, that ParseATURI accepts.
const MaxATURILength = 8192

// atScheme is the prefix of every AT-URI.
const atScheme = "at://"

// ATURI is an AT-URI in the restricted form lexicons use:
//
//	at://<did-or-handle>[/<collection-nsid>[/<record-key>]]
//
// with no query, fragment or trailing slash. It names a repository, a
// collection in it, or one record. A handle authority is held in lower
// case; the collection NSID and record key keep their case.
//
// The zero ATURI means "none".
type ATURI struct {
	s string
}

// ParseATURI checks raw against the lexicon at-uri syntax: the "at://"
// scheme in lower case, an authority that ParseAtIdentifier accepts, then
// optionally "/" and a collection that ParseNSID accepts, then optionally
// "/" and a record key that ParseRecordKey accepts; at most MaxATURILength
// bytes in all. The result shares raw's memory unless the authority is a
// handle with upper-case letters. Errors about a part also wrap that
// part's sentinel.
func ParseATURI(raw string) (ATURI, error) {
	if len(raw) > MaxATURILength {
		return ATURI{}, invalid(ErrInvalidATURI, raw, "longer than 8192 bytes")
	}
	rest, ok := strings.CutPrefix(raw, atScheme)
	if !ok {
		return ATURI{}, invalid(ErrInvalidATURI, raw, `does not start with "at://"`)
	}
	auth, path, hasPath := strings.Cut(rest, "/")
	id, err := ParseAtIdentifier(auth)
	if err != nil {
		return ATURI{}, invalidPart(ErrInvalidATURI, raw, "authority", err)
	}
	if hasPath {
		coll, rkey, hasRkey := strings.Cut(path, "/")
		if _, err := ParseNSID(coll); err != nil {
			return ATURI{}, invalidPart(ErrInvalidATURI, raw, "collection", err)
		}
		if hasRkey {
			if _, err := ParseRecordKey(rkey); err != nil {
				return ATURI{}, invalidPart(ErrInvalidATURI, raw, "record key", err)
			}
		}
	}
	if id.s == auth {
		return ATURI{s: raw}, nil
	}
	// The handle was lower-cased.
	s := atScheme + id.s
	if hasPath {
		s += "/" + path
	}
	return ATURI{s: s}, nil
}

// NewATURI builds the AT-URI of a repository (coll and rkey zero), of a
// collection (rkey zero) or of a record. An rkey without a collection is
// ignored, and a zero did gives the zero ATURI.
func NewATURI(did DID, coll NSID, rkey RecordKey) ATURI {
	switch {
	case did.s == "":
		return ATURI{}
	case coll.s == "":
		return ATURI{s: atScheme + did.s}
	case rkey.s == "":
		return ATURI{s: atScheme + did.s + "/" + coll.s}
	}
	return ATURI{s: atScheme + did.s + "/" + coll.s + "/" + rkey.s}
}

// parts splits u into its authority and the path after it (without the
// leading '/'), if any.
func (u ATURI) parts() (auth, path string) {
	if u.s == "" {
		return "", ""
	}
	auth, path, _ = strings.Cut(u.s[len(atScheme):], "/")
	return auth, path
}

// Authority returns the DID or handle that names the repository.
func (u ATURI) Authority() AtIdentifier {
	auth, _ := u.parts()
	return AtIdentifier{s: auth}
}

// Collection returns the collection NSID, or the zero NSID when u names a
// whole repository.
func (u ATURI) Collection() NSID {
	_, path := u.parts()
	coll, _, _ := strings.Cut(path, "/")
	return NSID{s: coll}
}

// RecordKey returns the record key, or the zero RecordKey when u does not
// name a record.
func (u ATURI) RecordKey() RecordKey {
	_, path := u.parts()
	_, rkey, _ := strings.Cut(path, "/")
	return RecordKey{s: rkey}
}

// Path returns "<collection>/<record-key>", "<collection>" or "", the part
// of u after the authority without its leading slash. For a record it is
// the record's key in the repository's Merkle Search Tree.
func (u ATURI) Path() string {
	_, path := u.parts()
	return path
}

// IsZero reports whether u is the zero ATURI.
func (u ATURI) IsZero() bool { return u.s == "" }

// String returns the AT-URI as text, or "" for the zero ATURI.
func (u ATURI) String() string { return u.s }

// MarshalText returns the AT-URI as text. It fails for the zero ATURI.
func (u ATURI) MarshalText() ([]byte, error) {
	if u.s == "" {
		return nil, zeroValue(ErrInvalidATURI)
	}
	return []byte(u.s), nil
}

// UnmarshalText parses text with ParseATURI into u.
func (u *ATURI) UnmarshalText(text []byte) error {
	v, err := ParseATURI(string(text))
	if err != nil {
		return err
	}
	*u = v
	return nil
}
