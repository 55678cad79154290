// Package mst implements the atproto Merkle Search Tree (MST): the ordered,
// content-addressed map from record paths to record CIDs at the heart of
// every repository (repository spec, format version 3).
//
// # Terms
//
//   - Key: a record path "<collection>/<record key>", ASCII, at most
//     MaxKeyLen bytes (ValidateKey).
//   - Depth of a key: the number of leading zero bits of SHA-256(key),
//     divided by two and rounded down (Depth). The MST fanout is 4.
//   - Node: one block, {"e": [entries], "l": link|null}. Each entry is
//     {"k": key suffix, "p": prefix length, "t": link|null, "v": value}.
//     "l" points to the subtree of keys below the first entry, an entry's
//     "t" to the subtree between it and the next entry.
//   - Height of a node: the depth shared by all of its keys. A child
//     subtree is exactly one height below its parent; the bottom is 0.
//   - Root: the top node; its CID is the "data" of a commit.
//   - Stored node: a node that belongs to the version last loaded or
//     committed, so the caller's block store already holds it.
//
// # Invariants
//
// The shape of a tree depends only on its key/value set, never on the
// order of operations, so equal sets give equal root CIDs. Keys are sorted
// bytewise within and across nodes. Prefix compression ("p") is taken
// against the previous entry of the same node and is always maximal; the
// first entry of a node has p = 0. Null links are written as explicit
// nulls. Empty nodes are stripped from the top and bottom, but a node with
// no entries and only a left link is kept inside the tree so that no link
// skips a height. The empty tree is the single node {"e": [], "l": null}.
// Within one tree no two nodes have the same CID.
//
// # Use
//
// A Tree is an in-memory, lazily loaded view of one tree in a caller's
// block store (BlockGetter). Nodes are fetched and decoded on first touch
// and then kept, so a Tree cached between commits never reloads or
// re-encodes untouched nodes. Put and Delete change nodes in place; Root
// encodes and hashes only the nodes changed since their CIDs were last
// known; Commit also reports the blocks to write and the blocks that left
// the tree, then starts a new batch; SliceBlocks then gives the node
// blocks of the batch's #commit CAR slice. A Tree is not safe for
// concurrent use.
//
// Diff, DiffNodes, WalkNodes, Verify, Invert and InvertProof work on
// blocks directly, without a Tree: they compare versions, export, check
// foreign trees and support the sync 1.1 "inductive firehose", in which a
// commit's CAR slice must let a verifier invert its operations and arrive
// at the previous root.
//
// Errors are the sentinels of this package, wrapped with detail; test them
// with errors.Is. Invalid input gives an error, never a panic. Put and
// Delete load every node they need before they change any, so an error
// leaves the tree as it was; the one exception is a Delete that empties
// the root and then cannot load the node below it, which leaves the key
// deleted but the top not yet trimmed (Load the tree again from the last
// committed root).
package mst
