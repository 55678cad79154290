package actor

import (
	"github.com/ipfs/go-cid"

	"github.com/boltsky/boltsky/atp"
	"github.com/boltsky/boltsky/atp/dagcbor"
	"github.com/boltsky/boltsky/repo"
)

// Action is what a Write does.
type Action string

// Write actions. Put creates the record or replaces it, whichever applies.
const (
	Create Action = "create"
	Update Action = "update"
	Put    Action = "put"
	Delete Action = "delete"
)

// Write is one record change of a WriteRequest.
type Write struct {
	Action     Action
	Collection atp.NSID
	// RKey is the record key; for a Create it may be zero, and the actor
	// picks the next TID of the account's clock.
	RKey atp.RecordKey
	// Record is the record's canonical DAG-CBOR encoding (create, update,
	// put).
	Record []byte
	// Blobs are the blobs the record references; each must have been
	// uploaded by the account.
	Blobs []dagcbor.Blob
	// SwapRecord, when set, must equal the record's current CID; a
	// pointer to cid.Undef requires that the record does not exist.
	SwapRecord *cid.Cid
}

// WriteRequest is a set of writes made as one commit.
type WriteRequest struct {
	Writes []Write
	// SwapCommit, when defined, must equal the repository's current
	// commit CID.
	SwapCommit cid.Cid
}

// WriteResult describes the commit a WriteRequest made.
type WriteResult struct {
	Commit cid.Cid
	Rev    atp.TID
	// Ops are the changes made, one per write, in order. A Put reports
	// the action it turned into.
	Ops []repo.Op
	// URIs are the AT-URIs of the written records, one per write.
	URIs []atp.ATURI
}
