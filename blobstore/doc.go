// Package blobstore keeps blob bytes on disk, content-addressed: the blob
// with CID c of account d lives at <root>/<ab>/<cd>/<did>/<c>, where abcd
// are the first hex digits of SHA-256(c) (so directories stay small and
// evenly filled). Blobs are per account even though their names are
// content hashes: two accounts uploading the same bytes get two files, and
// deleting one account's blob never touches another's.
//
// A Put streams the upload into a temporary file under <root>/tmp while
// hashing it, syncs it, and renames it into place: a blob file is either
// absent or complete. Store is the small interface the rest of the server
// uses, so another backend (S3) can follow.
package blobstore
