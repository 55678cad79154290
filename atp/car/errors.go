package car

import "errors"

// Sentinel errors. The reader and writer wrap them with the offset and
// detail of the fault; test with errors.Is. Errors from the underlying
// io.Reader or io.Writer are passed through wrapped, never replaced by one
// of these.
var (
	// ErrMalformed reports bytes that are not a well-formed CARv1: a bad
	// varint, a header that is not the canonical DAG-CBOR map
	// {"roots": [...], "version": 1}, a section whose CID does not parse,
	// or input that ends inside the header or a section (then the error
	// also matches io.ErrUnexpectedEOF).
	ErrMalformed = errors.New("car: malformed CAR")
	// ErrVersion reports a header whose version is not 1, such as the
	// CARv2 pragma.
	ErrVersion = errors.New("car: unsupported CAR version")
	// ErrNoRoots reports a header with an empty roots array when the
	// Options do not allow it, or an empty roots list given to CheckRoot.
	ErrNoRoots = errors.New("car: no roots")
	// ErrRootMismatch reports a first root other than the expected one.
	ErrRootMismatch = errors.New("car: unexpected root")
	// ErrLimit reports input beyond one of the limits in Options.
	ErrLimit = errors.New("car: limit exceeded")
	// ErrHashMismatch reports a block whose SHA-256 differs from the
	// digest in its CID.
	ErrHashMismatch = errors.New("car: block does not match its CID")
	// ErrUnsupportedHash reports, while verifying hashes, a CID whose
	// multihash is not a full 32-byte sha2-256 digest.
	ErrUnsupportedHash = errors.New("car: unsupported hash function")
	// ErrUndefinedCID reports cid.Undef given to the writer as a root or
	// as the CID of a block.
	ErrUndefinedCID = errors.New("car: undefined CID")
	// ErrOptions reports Options that fail Validate.
	ErrOptions = errors.New("car: invalid options")
)
