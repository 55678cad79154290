package kv

import "errors"

// Sentinel errors; callers test with errors.Is.
var (
	// ErrNotFound reports a key or file that does not exist.
	ErrNotFound = errors.New("kv: not found")
	// ErrExists reports a file or key that already exists where a new one
	// was required.
	ErrExists = errors.New("kv: already exists")
	// ErrCorrupt reports stored bytes that do not decode.
	ErrCorrupt = errors.New("kv: corrupt data")
	// ErrSchema reports a file written by a newer schema than this build
	// understands, or one of the wrong kind.
	ErrSchema = errors.New("kv: unsupported schema")
	// ErrClosed reports use of a closed file.
	ErrClosed = errors.New("kv: file closed")
)
