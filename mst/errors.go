package mst

import "errors"

// Sentinel errors, wrapped with detail where they are returned; test with
// errors.Is.
var (
	// ErrBlockNotFound reports a node block missing from the BlockGetter.
	// BlockGetter implementations wrap it when a block is absent.
	ErrBlockNotFound = errors.New("mst: block not found")
	// ErrInvalidKey reports a key that is not a valid record path.
	ErrInvalidKey = errors.New("mst: invalid key")
	// ErrInvalidValue reports an undefined value CID.
	ErrInvalidValue = errors.New("mst: invalid value")
	// ErrKeyNotFound reports a Delete of a key the tree does not hold.
	ErrKeyNotFound = errors.New("mst: key not found")
	// ErrMalformedNode reports a node block that is not a canonical MST
	// node encoding, or whose bytes do not match its CID.
	ErrMalformedNode = errors.New("mst: malformed node")
	// ErrInvalidTree reports nodes that decode but break a structural rule
	// of the MST: key order, key depth, height, empty nodes or limits.
	ErrInvalidTree = errors.New("mst: invalid tree structure")
	// ErrInvalidOp reports an operation that does not match the tree it is
	// applied to, or that is malformed (see Op).
	ErrInvalidOp = errors.New("mst: operation does not match tree")
	// SkipAll, returned by a walk callback, stops the walk early; the walk
	// then returns nil.
	SkipAll = errors.New("mst: skip all")
)
