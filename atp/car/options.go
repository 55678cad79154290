package car

import "fmt"

// Default limits, used where an Options field is zero.
const (
	// DefaultMaxHeaderSize bounds the encoded header. An atproto header
	// holds one root in 58 bytes; this leaves room for a thousand roots.
	DefaultMaxHeaderSize = 64 << 10
	// DefaultMaxBlockSize bounds the data of one block. Records are at
	// most 1 MiB; the margin covers MST nodes and other large blocks.
	DefaultMaxBlockSize = 2 << 20
	// DefaultMaxTotalSize bounds the whole CAR, header included. Callers
	// reading untrusted input should lower it to what they can hold.
	DefaultMaxTotalSize = 1 << 30
	// DefaultMaxBlocks bounds the number of sections.
	DefaultMaxBlocks = 1 << 23
)

// Options configures a Reader. The zero value is ready to use: every zero
// field means its default, and hashes are verified.
type Options struct {
	// MaxHeaderSize bounds the length of the header, in bytes, excluding
	// its varint prefix. Zero means DefaultMaxHeaderSize.
	MaxHeaderSize int
	// MaxBlockSize bounds the data of one block, in bytes, excluding its
	// CID and varint prefix. Zero means DefaultMaxBlockSize.
	MaxBlockSize int
	// MaxTotalSize bounds the bytes read, header and varints included.
	// Zero means DefaultMaxTotalSize.
	MaxTotalSize int64
	// MaxBlocks bounds the number of blocks. Zero means DefaultMaxBlocks.
	MaxBlocks int
	// AllowNoRoots accepts a header whose roots array is empty. By default
	// such a header fails with ErrNoRoots, as atproto CARs always carry
	// the commit as their first root.
	AllowNoRoots bool
	// SkipHashCheck turns off checking each block against its CID. By
	// default every block's SHA-256 is compared with the digest in its
	// CID, and CIDs with another hash function fail with
	// ErrUnsupportedHash. Skip it only for CARs this process wrote itself
	// or whose blocks are verified some other way.
	SkipHashCheck bool
}

// Validate reports an error wrapping ErrOptions when a limit is negative.
func (o Options) Validate() error {
	switch {
	case o.MaxHeaderSize < 0:
		return fmt.Errorf("%w: MaxHeaderSize %d is negative", ErrOptions, o.MaxHeaderSize)
	case o.MaxBlockSize < 0:
		return fmt.Errorf("%w: MaxBlockSize %d is negative", ErrOptions, o.MaxBlockSize)
	case o.MaxTotalSize < 0:
		return fmt.Errorf("%w: MaxTotalSize %d is negative", ErrOptions, o.MaxTotalSize)
	case o.MaxBlocks < 0:
		return fmt.Errorf("%w: MaxBlocks %d is negative", ErrOptions, o.MaxBlocks)
	}
	return nil
}

// EnsureDefaults returns o with every zero limit replaced by its default.
func (o Options) EnsureDefaults() Options {
	if o.MaxHeaderSize == 0 {
		o.MaxHeaderSize = DefaultMaxHeaderSize
	}
	if o.MaxBlockSize == 0 {
		o.MaxBlockSize = DefaultMaxBlockSize
	}
	if o.MaxTotalSize == 0 {
		o.MaxTotalSize = DefaultMaxTotalSize
	}
	if o.MaxBlocks == 0 {
		o.MaxBlocks = DefaultMaxBlocks
	}
	return o
}
