// Package atp holds the AT Protocol identifiers as parsed Go types: DID,
// Handle, NSID, ATURI, AtIdentifier, TID and its Clock, RecordKey,
// Datetime, Language and URI.
//
// Terms:
//   - A DID names an account for good: "did:" + lower-case method + ":" +
//     method-specific identifier, at most 2048 characters.
//   - A handle is a DNS name that points at a DID. It is case-insensitive,
//     so this package always holds it in lower case.
//   - An NSID (namespaced identifier) names a lexicon schema: a reversed
//     domain authority followed by a camel-case name, as in
//     "app.bsky.feed.post".
//   - An AT-URI points into a repository: "at://" + DID or handle, then an
//     optional collection NSID, then an optional record key. Only the
//     restricted lexicon form is accepted: no query, fragment or trailing
//     slash.
//   - A TID (timestamp identifier) is a 64-bit value written as 13
//     characters of base32-sortable: 53 bits of microseconds since the
//     UNIX epoch and a 10-bit clock id. Record keys and commit revisions
//     are TIDs; a Clock issues them in strictly increasing order.
//   - A record key names a record inside a collection.
//   - A datetime is a timestamp that is valid RFC 3339, ISO 8601 and
//     WHATWG at once; a language is a well-formed BCP 47 tag; a URI is any
//     absolute URI with an RFC 3986 scheme.
//
// Invariants:
//   - Every identifier type is a struct with unexported fields, so a value
//     is either the zero value or came out of its ParseX function (or one
//     of the few constructors such as NewTID, NewATURI and NewDatetime,
//     which produce only valid values). Code that holds an atp.DID never
//     re-validates it.
//   - The zero value of each type means "absent". IsZero reports it, it
//     prints as "", and MarshalText refuses it, so an unset identifier is
//     never written out as an empty string that would not parse back.
//   - String returns the exact text that was parsed, except that handles
//     (also the handle inside an AtIdentifier or ATURI) are lower-cased.
//     NSIDs keep their case: the reference validators compare them as
//     exact strings; NSID.Normalize gives the lower-cased-authority form.
//     A Datetime keeps its original text, so re-encoding a record never
//     changes its CID.
//   - Parse → String → Parse gives the same value, and MarshalText →
//     UnmarshalText does too. UnmarshalText validates like ParseX.
//   - Parse errors wrap one of the package sentinels (ErrInvalidDID,
//     ErrInvalidHandle, ...) with the offending input and the reason; test
//     them with errors.Is. A value that embeds another identifier wraps
//     both sentinels: a bad handle inside an AT-URI satisfies
//     errors.Is(err, ErrInvalidATURI) and errors.Is(err, ErrInvalidHandle).
//
// Parsers are hand-written byte scanners. They do not allocate when they
// accept their input as it is; only lower-casing a handle or reporting an
// error allocates. The package has no global mutable state and reads no
// clock: Clock takes its time source as an argument.
package atp
