// Package boltsky is the root of the boltsky module: an AT Protocol
// Personal Data Server built from one bbolt file per account, an actor per
// account that serializes its commits, and one sequencer that owns the
// firehose log.
//
// The root package holds no code of its own. Its tests enforce the house
// rules that span packages: the import direction given in
// docs/ARCHITECTURE.md and a doc comment on every package.
package boltsky
