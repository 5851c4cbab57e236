package qmailqueue

import (
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// Every file in a qmail queue is written by qmail's users (qmailq owns mess/,
// qmails owns info/, local/, remote/, bounce/), and qq runs as root: a
// compromised qmail user can plant a symbolic link to /etc/shadow, a hard
// link to a root-owned file, a FIFO or a directory where a message file
// belongs. Every reader of a queue file (scan, headers, body, show --raw,
// quarantine copy, requeue, fsck) goes through OpenQueueFileAt or
// OpenQueueFile, which open the file without following a link and without
// blocking, and read it only if it is a regular file with the link count
// qmail gives it and, when the caller knows it, the inode it listed.
//
// Devices are not screened before the open: creating one needs
// CAP_MKNOD, which qmail's users do not have, and the O_NONBLOCK open of one
// planted by root is closed again unread.

// Link counts qmail gives its files (docs/queue.md §2 and §3): one for every file but
// the intd/todo pair, which qmail-queue makes as two links of one inode.
const (
	// MaxLinks is the link count of mess, info, local, remote and bounce
	// files.
	MaxLinks = 1
	// MaxLinksTodo is the link count of a todo (or intd) file: qmail-queue
	// links intd to todo, and qmail-clean unlinks intd first.
	MaxLinksTodo = 2
)

// UnsafeFileError is returned by OpenQueueFileAt and OpenQueueFile for a
// queue file they refuse to read. Its text is one line saying what was found
// and that it was left alone; Errno classifies it for callers that treat it
// like a read error (qmail-qread's "trouble with" warning).
type UnsafeFileError struct {
	Path string // as the caller named it
	// Type is what was found instead of a regular file ("symbolic link",
	// "FIFO", "directory", "socket", "character device", "block device"),
	// or "" when the file is regular but Links or Ino is wrong.
	Type string
	// Links is the file's link count when it is over MaxLinks.
	Links, MaxLinks uint64
	// Ino and WantIno differ when the file was replaced after it was
	// listed.
	Ino, WantIno uint64
}

// Reason is the message without the path, for a problem on a message whose
// Problem.File already names the file.
func (e *UnsafeFileError) Reason() string {
	switch {
	case e.Type == "symbolic link":
		return "is a symbolic link, not a regular file; not followed"
	case e.Type != "":
		return "is a " + e.Type + ", not a regular file; not opened"
	case e.Links > e.MaxLinks:
		return fmt.Sprintf("has %d hard links, qmail makes %d; not read (another name may be outside the queue)", e.Links, e.MaxLinks)
	default:
		return fmt.Sprintf("was replaced after it was listed (inode %d, now %d); not read", e.WantIno, e.Ino)
	}
}

func (e *UnsafeFileError) Error() string { return e.Path + ": " + e.Reason() }

// Errno is the system error closest to the refusal: ELOOP for a symbolic
// link, EISDIR for a directory, EINVAL for another non-regular file, EMLINK
// for extra links and ESTALE for a replaced file.
func (e *UnsafeFileError) Errno() unix.Errno {
	switch {
	case e.Type == "symbolic link":
		return unix.ELOOP
	case e.Type == "directory":
		return unix.EISDIR
	case e.Type != "":
		return unix.EINVAL
	case e.Links > e.MaxLinks:
		return unix.EMLINK
	}
	return unix.ESTALE
}

// Unwrap makes errors.As(err, &errno) and errors.Is(err, unix.ELOOP) work.
func (e *UnsafeFileError) Unwrap() error { return e.Errno() }

// FileTypeName names the file type in st_mode bits for messages.
func FileTypeName(mode uint32) string {
	switch mode & unix.S_IFMT {
	case unix.S_IFREG:
		return "regular file"
	case unix.S_IFLNK:
		return "symbolic link"
	case unix.S_IFIFO:
		return "FIFO"
	case unix.S_IFDIR:
		return "directory"
	case unix.S_IFSOCK:
		return "socket"
	case unix.S_IFCHR:
		return "character device"
	case unix.S_IFBLK:
		return "block device"
	}
	return "file of unknown type"
}

// queueFileFlags open a queue file for reading: no link followed, no wait on
// a FIFO, not inherited by a child, and no atime update (O_NOATIME, added
// where the kernel allows it): qmail-send removes a mess file without info
// and todo only once its atime is 36 h old (docs/queue.md §4.6), and pid files by
// their atime too, so a qq read must not keep such orphans alive.
const queueFileFlags = unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC

// OpenQueueFileAt opens the queue file name (one component) in the directory
// open as dirfd for reading and returns its descriptor and fstat. The file
// is read only if it is a regular file with at most maxLinks links
// (MaxLinks, or MaxLinksTodo for todo and intd) and, when wantIno is not 0,
// inode wantIno (the one the scan listed). Otherwise it is closed unread and
// the error is an *UnsafeFileError; a symbolic link is never followed. Other
// errors are the bare unix.Errno of open or fstat (ENOENT when the file is
// gone). name is also used as the error's Path.
func OpenQueueFileAt(dirfd int, name string, wantIno, maxLinks uint64) (int, unix.Stat_t, error) {
	var st unix.Stat_t
	fd, err := unix.Openat(dirfd, name, queueFileFlags|unix.O_NOATIME, 0)
	if err == unix.EPERM {
		// O_NOATIME needs the file's owner or CAP_FOWNER.
		fd, err = unix.Openat(dirfd, name, queueFileFlags, 0)
	}
	for err == unix.EINTR {
		fd, err = unix.Openat(dirfd, name, queueFileFlags, 0)
	}
	if err == unix.ELOOP {
		// With O_NOFOLLOW, ELOOP means the last component is a link.
		return -1, st, &UnsafeFileError{Path: name, Type: "symbolic link"}
	}
	if err == unix.ENXIO && unix.Fstatat(dirfd, name, &st, unix.AT_SYMLINK_NOFOLLOW) == nil && st.Mode&unix.S_IFMT == unix.S_IFSOCK {
		// A socket cannot be opened.
		return -1, st, &UnsafeFileError{Path: name, Type: "socket"}
	}
	if err != nil {
		return -1, st, err
	}
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return -1, st, err
	}
	if err := CheckQueueFile(name, &st, wantIno, maxLinks); err != nil {
		unix.Close(fd)
		return -1, st, err
	}
	return fd, st, nil
}

// CheckQueueFile returns the *UnsafeFileError (naming name) for a file whose
// lstat or fstat is st, or nil when it is a regular file with at most
// maxLinks links and inode wantIno (any inode when wantIno is 0). It is the
// test OpenQueueFileAt applies after its open, for callers that stat first.
func CheckQueueFile(name string, st *unix.Stat_t, wantIno, maxLinks uint64) error {
	switch {
	case st.Mode&unix.S_IFMT != unix.S_IFREG:
		return &UnsafeFileError{Path: name, Type: FileTypeName(st.Mode)}
	case uint64(st.Nlink) > maxLinks:
		return &UnsafeFileError{Path: name, Links: uint64(st.Nlink), MaxLinks: maxLinks}
	case wantIno != 0 && st.Ino != wantIno:
		return &UnsafeFileError{Path: name, Ino: st.Ino, WantIno: wantIno}
	}
	return nil
}

// OpenQueueFile is OpenQueueFileAt for a path: it opens the file's directory
// (O_DIRECTORY|O_NOFOLLOW, so that the directory itself is not a link
// either) and the file relative to it, and returns an *os.File. Errors are
// *os.PathError (wrapping the unix.Errno, so errors.Is(err, fs.ErrNotExist)
// works) or *UnsafeFileError, both naming path.
func OpenQueueFile(path string, wantIno, maxLinks uint64) (*os.File, error) {
	dir, name := filepath.Dir(path), filepath.Base(path)
	dirfd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if (err == unix.ELOOP || err == unix.ENOTDIR) && isSymlink(dir) {
		return nil, &UnsafeFileError{Path: dir, Type: "symbolic link"}
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(dirfd)
	fd, _, err := OpenQueueFileAt(dirfd, name, wantIno, maxLinks)
	if u, ok := err.(*UnsafeFileError); ok {
		u.Path = path
		return nil, u
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

// isSymlink reports whether path itself is a symbolic link.
func isSymlink(path string) bool {
	var st unix.Stat_t
	return unix.Lstat(path, &st) == nil && st.Mode&unix.S_IFMT == unix.S_IFLNK
}
