// Package dagcbor implements the canonical DAG-CBOR encoding (DRISL) that
// atproto hashes and signs, its JSON form, and the CIDs that name encoded
// blocks.
//
// Canonical means: definite lengths only, shortest integer and length
// heads, map keys that are text, unique and sorted by length then bytes,
// tag 42 (a CID link) as the only tag, no floats, only the simple values
// false, true and null, and no bytes after the single top-level value.
// Every decoder in this package rejects input that breaks one of these
// rules, so any value it accepts re-encodes to the same bytes.
//
// Two levels are offered. The append-style primitives (AppendMapHeader,
// AppendText, AppendLink, ...) and the token Reader are for hot paths with
// fixed shapes: MST nodes, commits and firehose frames. The generic
// Marshal and Unmarshal work on the data model as Go values for records
// whose shape is not known in advance.
//
// Data-model values are represented as: nil, bool, int64, string, []byte,
// cid.Cid (a link), []any, and map[string]any.
package dagcbor
