// Package durable makes changes to directories durable: qq's one fsync of a
// directory, shared by the queue, fsck's repairs and the control files.
package durable

import (
	"os"

	"golang.org/x/sys/unix"
)

// SyncDir fsyncs the directory dir, so that the names created, renamed or
// unlinked in it survive a crash. Errors are *os.PathError with Op "open"
// or "fsync".
func SyncDir(dir string) error {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return &os.PathError{Op: "open", Path: dir, Err: err}
	}
	defer unix.Close(fd)
	if err := unix.Fsync(fd); err != nil {
		return &os.PathError{Op: "fsync", Path: dir, Err: err}
	}
	return nil
}
