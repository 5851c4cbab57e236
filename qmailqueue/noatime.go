package qmailqueue

import (
	"os"

	"golang.org/x/sys/unix"
)

// openMessNoAtime opens a mess file for reading without updating its atime
// (O_NOATIME) where the kernel allows it (owner or CAP_FOWNER; otherwise it
// falls back to a plain open). qmail-send removes a mess file without info
// and todo only once its atime is 36 h old (docs/queue.md §4.6); a qq scan that reads
// headers must not keep such orphans alive.
func openMessNoAtime(dirfd int, path string) (int, error) {
	fd, err := unix.Openat(dirfd, path, unix.O_RDONLY|unix.O_CLOEXEC|unix.O_NOATIME, 0)
	if err == unix.EPERM {
		fd, err = unix.Openat(dirfd, path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	}
	return fd, err
}

// openMessFile is openMessNoAtime for a path, as an *os.File.
func openMessFile(path string) (*os.File, error) {
	fd, err := openMessNoAtime(unix.AT_FDCWD, path)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}
