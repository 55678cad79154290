// Package car reads and writes CARv1 archives, the format atproto uses
// for repository exports (com.atproto.sync.getRepo) and for the block
// slices of firehose commits.
//
// Terms. A CAR is a header followed by sections. The header is a varint
// length and the canonical DAG-CBOR map {"roots": [link, ...], "version":
// 1}; in atproto the first root is the commit. A section is a varint
// length, then a binary CID, then the block: the bytes that CID names.
// Varints are multiformats unsigned varints: LEB128, shortest form, at
// most 9 bytes.
//
// Writing. Writer streams sections to an io.Writer through its own
// buffer; AppendHeader and AppendBlock build a small CAR in a caller's
// slice. Neither allocates per block. Writers trust their input: they do
// not hash blocks, order them or drop duplicates.
//
// Reading. Reader streams blocks from an io.Reader and NewReader checks
// the header; ReadAll loads a whole CAR into Blocks. Input is untrusted:
// every length is checked against the limits in Options before bytes are
// buffered, and the buffer grows only as bytes arrive, so a short input
// cannot make the reader allocate much. By default each block's SHA-256
// is compared with its CID. Blocks may come in any order, repeat, or be
// unrelated to the roots; whether a repository is complete is for the
// caller to check.
//
// Invariants. The reader accepts only what the writer produces: a
// canonical header with exactly the two keys, minimal varints and CIDv1
// section CIDs. So any CAR the reader accepts is re-written byte for byte
// by writing its roots and then its blocks in the order read.
//
// Errors wrap the sentinels in errors.go (ErrMalformed, ErrLimit,
// ErrHashMismatch, ...) with the offset and detail of the fault.
package car
