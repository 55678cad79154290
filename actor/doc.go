// Package actor runs one goroutine per active account, the only writer of
// that account's file, and a Registry that starts actors on demand, closes
// idle ones and caps the number of open account files.
//
// # Write path
//
// A write request (record creates, updates and deletes, with optional
// swapCommit and swapRecord checks) is queued in the account actor's
// bounded mailbox. The actor drains its mailbox in batches: every request
// becomes its own signed commit (own rev, own signature), and the whole
// batch is persisted in one bbolt transaction: blocks, record index, blob
// references, the new head and, for each commit, an outbox entry holding
// the event to sequence. MST nodes and records that left the repository
// are deleted in the same transaction. Once the transaction is durable the
// events go to the Sequencer, and each request is answered when its event
// is durable in the event log too.
//
// # Read path
//
// Reads do not queue. View borrows the account's open file
// (reference-counted, so closing an idle file never pulls it from under a
// reader) and runs a read transaction.
//
// # Invariants
//
// Revisions of one account strictly increase, also across restarts: the
// actor's TID clock is seeded from the stored head. An account's events
// reach the Sequencer in commit order. The in-memory MST of an actor always
// equals the stored one; when a transaction fails it is dropped and
// reloaded.
package actor
