package kv

import (
	"fmt"
	"syscall"

	bolt "go.etcd.io/bbolt"
)

// releaseMapped drops db's mapped pages from the process's resident set.
// bbolt reads through a shared, read-only mapping of the file; every page
// touched (and the kernel maps the cached pages around each one touched)
// stays counted in the process's RSS until unmapped, so a log that only
// grows would look like a process that only grows. MADV_DONTNEED on a
// shared file mapping loses nothing: the pages stay in the page cache and
// the next read maps them again. The read transaction keeps bbolt from
// remapping the file meanwhile.
func releaseMapped(db *bolt.DB) error {
	return db.View(func(tx *bolt.Tx) error {
		_, _, errno := syscall.Syscall(syscall.SYS_MADVISE, db.Info().Data, uintptr(tx.Size()), syscall.MADV_DONTNEED)
		if errno != 0 {
			return fmt.Errorf("cannot release the mapped pages of %s: %w", db.Path(), errno)
		}
		return nil
	})
}
