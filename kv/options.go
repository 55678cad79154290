package kv

import (
	"time"

	bolt "go.etcd.io/bbolt"
)

// Options tune how files are opened. The zero value is the production
// default.
type Options struct {
	// NoSync skips fsync on commit. Data survives a process crash but not
	// a power loss. Only for tests that check logic, never durability.
	NoSync bool
	// Timeout bounds the wait for another process's file lock; zero means
	// one second.
	Timeout time.Duration
	// ReadOnly opens the file without write access (for inspection and
	// backup of a file no one else holds).
	ReadOnly bool
}

// Sizes that shape how files grow. Account files stay small, so they grow
// in small steps; the event log grows in large ones.
const (
	accountAllocSize = 1 << 20
	accountMmapSize  = 4 << 20
	logAllocSize     = 32 << 20
	logMmapSize      = 256 << 20
	serverAllocSize  = 4 << 20
	serverMmapSize   = 32 << 20
)

func (o Options) bolt(mmap int) *bolt.Options {
	timeout := o.Timeout
	if timeout == 0 {
		timeout = time.Second
	}
	return &bolt.Options{
		Timeout:         timeout,
		NoSync:          o.NoSync,
		NoFreelistSync:  true,
		FreelistType:    bolt.FreelistMapType,
		InitialMmapSize: mmap,
		ReadOnly:        o.ReadOnly,
	}
}
