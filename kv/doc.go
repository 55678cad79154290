// Package kv is boltsky's storage layer and the only package that imports
// bbolt. It defines three kinds of file and their schemas:
//
//   - the account file (Account), one per account, holding everything
//     needed to restore that account on any node: repository blocks, the
//     record index, the repository head, the sealed signing key, password
//     hash, app passwords, preferences, blob references, hosting status and
//     an outbox of events not yet sequenced;
//   - server.db (Server), indexes only (handle and email to DID, sessions,
//     invites, crawler state), all rebuildable from the account files;
//   - events.db (EventLog), the firehose log: seq to encoded frame, the
//     latest state per DID, a retention window and a sequence high-water
//     mark that never goes backwards.
//
// Every file records its schema version in a meta bucket and is migrated
// forward when opened. Values read in a transaction are copied before
// they are returned, so nothing returned by this package aliases bbolt's
// memory map. Callers work inside closures over the transaction types
// (AccountTx, ServerTx) and never see bbolt itself.
//
// Write transactions are durable when they return: bbolt syncs the file
// before Update returns unless Options.NoSync is set, which only tests of
// logic (never of durability) may do.
package kv
