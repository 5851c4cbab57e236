package queuetest

import (
	"errors"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// The builder creates files through bare descriptors: os.OpenFile costs five
// more system calls per file (fcntl and epoll_ctl), a third of the sample
// generator's time.

// openExcl creates path with O_EXCL (qmail's open_excl) and returns its
// descriptor.
func openExcl(path string, mode fs.FileMode) (int, error) {
	for {
		fd, err := unix.Open(path, unix.O_RDWR|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, uint32(mode.Perm()))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return -1, &fs.PathError{Op: "create", Path: path, Err: err}
		}
		return fd, nil
	}
}

// finishFD writes content to fd, then sets its mode (whatever the umask
// took away) and, when chown is set, its owner (-1 leaves uid or gid).
func finishFD(fd int, path string, content []byte, mode fs.FileMode, chown bool, uid, gid int) error {
	for len(content) > 0 {
		n, err := unix.Write(fd, content)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return &fs.PathError{Op: "write", Path: path, Err: err}
		}
		content = content[n:]
	}
	if err := unix.Fchmod(fd, uint32(mode.Perm())); err != nil {
		return &fs.PathError{Op: "chmod", Path: path, Err: err}
	}
	if chown && (uid != -1 || gid != -1) {
		if err := unix.Fchown(fd, uid, gid); err != nil {
			return &fs.PathError{Op: "chown", Path: path, Err: err}
		}
	}
	return nil
}

// closeFD closes fd and returns err, or the close error if err is nil.
func closeFD(fd int, path string, err error) error {
	if cerr := unix.Close(fd); cerr != nil && err == nil {
		err = &fs.PathError{Op: "close", Path: path, Err: cerr}
	}
	return err
}

// createExcl creates path with O_EXCL, writes content and sets mode and
// owner as finishFD does.
func createExcl(path string, content []byte, mode fs.FileMode, chown bool, uid, gid int) error {
	fd, err := openExcl(path, mode)
	if err != nil {
		return err
	}
	return closeFD(fd, path, finishFD(fd, path, content, mode, chown, uid, gid))
}

// fdInode returns the inode number of an open descriptor.
func fdInode(fd int, path string) (uint64, error) {
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return 0, &fs.PathError{Op: "fstat", Path: path, Err: err}
	}
	return st.Ino, nil
}

// holdFD keeps a descriptor open until Close.
func (b *Builder) holdFD(fd int, path string) {
	b.holdFile(os.NewFile(uintptr(fd), path))
}
