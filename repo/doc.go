// Package repo implements atproto repositories (format version 3) on top of
// the Merkle Search Tree: signed commits, applying a batch of record writes
// as one commit, exporting a repository or a diff as a CAR file, verifying
// an imported CAR, and the sync 1.1 check that a commit's operations turn
// the previous tree into the new one.
//
// # Terms
//
//   - Commit: the signed object {did, version: 3, data, rev, prev: null,
//     sig}. data is the MST root; rev a TID that increases with every
//     commit of the repository; sig the compact low-S signature, by the
//     account's signing key, of SHA-256 over the commit encoded without
//     sig. prev is always present and null in commits this package makes.
//   - Record path: "collection/rkey", the MST key of a record.
//   - Op: one record change in a commit (create, update or delete) with
//     the record's new CID and its previous CID.
//   - Slice: the CAR of a #commit event. Its root is the commit; it holds
//     the commit block, the new record blocks, every MST node new in the
//     commit and the unchanged nodes needed to invert the ops.
//
// # Invariants
//
// Commits encode canonically, so a commit's CID and signature are
// reproducible from its fields. Apply makes one commit from any number of
// writes, and its slice always inverts: undoing its ops on the slice's tree
// yields the previous commit's data root.
package repo
