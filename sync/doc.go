// Package sync sequences every account's events into one durable, ordered
// firehose log and serves it to subscribers.
//
// The Sequencer is one goroutine that owns events.db. Actors hand it the
// events of commits already durable in their account files; it assigns
// each the next seq, encodes its wire frame once (header {op, t} followed
// by the message with seq and time added), appends a batch of events from
// many accounts in one transaction (one fsync), publishes the frames to an
// in-memory ring, and only then tells the actors, which answer their
// callers.
//
// A Subscription replays the log from a cursor, then follows the ring
// live, without gap or duplicate. Each subscription has a bounded queue;
// one that falls too far behind once live is cut off with ConsumerTooSlow
// and never slows the sequencer or other subscribers. Frames are shared
// byte slices, never re-encoded per subscriber.
//
// After an unclean stop, Recover sequences the outbox entries of account
// files that the log lacks, in each account's order, so the firehose is
// never silently behind a repository.
//
// Invariants: seqs are positive, strictly increasing and never reused,
// also across restarts and retention (the log keeps a high-water mark);
// one account's events are appended in the order its actor submitted
// them.
//
// The package shares its name with the standard library's; files that need
// both import this one as pdssync.
package sync
