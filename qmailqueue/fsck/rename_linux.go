//go:build linux

package fsck

import (
	"errors"

	"golang.org/x/sys/unix"
)

// renameNoReplace renames src to dst atomically unless dst exists
// (EEXIST). Where the kernel or file system lacks RENAME_NOREPLACE it
// falls back to link and unlink, which never replaces either.
func renameNoReplace(src, dst string) error {
	err := unix.Renameat2(unix.AT_FDCWD, src, unix.AT_FDCWD, dst, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.ENOTSUP) {
		return linkUnlink(src, dst)
	}
	return err
}
