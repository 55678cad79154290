// Package identity resolves and maintains atproto identities: DID
// documents, did:plc operations and the PLC directory client, did:web,
// and handle resolution, with a cache in front.
//
// # Terms
//
//   - DID document (Document): the JSON a DID resolves to. atproto reads
//     four things from it: the handle claimed in alsoKnownAs
//     ("at://<handle>"), the #atproto signing key, the #atproto_pds
//     service (the account's PDS URL) and, for labelers, the
//     #atproto_label key and #atproto_labeler service.
//   - did:plc: a DID whose state is a signed log of operations kept by a
//     PLC directory. An Operation ("plc_operation") holds the whole state:
//     rotationKeys (did:keys that may sign the next operation, highest
//     priority first), verificationMethods, alsoKnownAs, services, and prev
//     (the CID of the operation before it, null for the genesis operation).
//     A "plc_tombstone" ends the DID; the legacy "create" genesis format is
//     read and verified but never written. The DID is "did:plc:" + the
//     first 24 characters of base32(sha256(signed genesis DAG-CBOR)).
//   - Audit log: every operation the directory accepted for a DID,
//     including those nullified when a higher-priority rotation key
//     rewrote history within RecoveryWindow (72 h).
//   - did:web: a DID naming a host whose /.well-known/did.json is the
//     document. atproto allows only hostname-level did:webs.
//   - Handle resolution: a handle points at a DID through a DNS TXT record
//     "_atproto.<handle>" = "did=<DID>" or https://<handle>/.well-known/atproto-did.
//     A handle is valid only when that DID's document claims the handle
//     back (bidirectional verification); otherwise "handle.invalid" is
//     shown.
//
// # Invariants
//
//   - Operations are signed and hashed over canonical DAG-CBOR
//     (atp/dagcbor): signatures over the encoding without "sig", CIDs and
//     DIDs over the encoding with it. Signatures are 64-byte low-S compact
//     ECDSA, written as unpadded base64url; verification is strict about
//     both (no DER, no high S, no padding or stray characters).
//   - Operation builders (GenesisOp, UpdateOp, TombstoneOp) return
//     unsigned operations that pass Operation.Validate; Sign signs them.
//     No function here shares slices or maps with its arguments.
//   - Every network call takes a context and is bounded in size (DID
//     documents MaxDocumentSize, PLC answers PLCClient.MaxResponseSize,
//     well-known answers 2 KiB). Tests inject the HTTP client, the DNS
//     resolver (net.Resolver with a Dial override) and the clock.
//   - The package holds no mutable package state and starts no
//     background goroutines; Directory's cache is owned by the Directory
//     value and guarded by a mutex.
//
// # Errors
//
// Errors wrap the sentinels of errors.go; test with errors.Is. A method
// that is not plc or web (ErrUnsupportedMethod), a DID or handle that does
// not exist (ErrDIDNotFound, ErrHandleNotFound) and a lookup that could
// not finish (ErrResolution) stay apart. A *PLCError carries the
// directory's status and message; a *ValidationError carries a refusal
// worded for the client as the reference PDS words it.
package identity
