// Package lexicons holds the official lexicon schemas that boltsky serves
// and validates against: every com.atproto.*, app.bsky.*, chat.bsky.* and
// tools.ozone.* schema, embedded in the binary.
//
// The JSON files beside this package are generated; do not edit them. They
// are vendored from the lexicons folder of the indigo module that go.mod
// pins, by `make lexicons` (go run ./internal/lexvendor), which keeps the
// folder layout (com/atproto/repo/createRecord.json names
// com.atproto.repo.createRecord), strips every "description" string and
// writes one stable format, so running it again changes nothing until the
// pinned version moves. The licence of the schemas (MIT or Apache-2.0, at
// the user's option) is in the LICENSE-* files here.
//
// The package only holds bytes; atp/lexicon parses them:
//
//	cat, err := lexicon.LoadCatalog(lexicons.FS)
package lexicons
