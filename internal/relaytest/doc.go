// Package relaytest proves that a real relay ingests a boltsky node: it
// builds indigo's relay (cmd/relay) from the pinned module, runs it on
// 127.0.0.1 with a local database and the same local PLC directory as the
// node, points it at a boltsky binary, and checks that every commit the
// node makes is re-emitted on the relay's firehose with no validation
// complaints in its logs.
//
// Only tests live here; the package holds this comment so the tree's
// package-doc rule has something to check.
package relaytest
