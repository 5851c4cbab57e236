package qmailqueue

import "golang.org/x/sys/unix"

// ErrorString returns qmail's text for a system error (error_str.c in
// qmail), e.g. "file does not exist" for ENOENT and "access denied" for
// EACCES. qmail-qread prints these in its warnings.
func ErrorString(errno unix.Errno) string {
	if s, ok := djbErrors[errno]; ok {
		return s
	}
	return "unknown error"
}

// djbErrors is error_str.c's table for the errors a Linux queue reader can
// meet.
var djbErrors = map[unix.Errno]string{
	0:                  "no error",
	unix.EINTR:         "interrupted system call",
	unix.ENOMEM:        "out of memory",
	unix.ENOENT:        "file does not exist",
	unix.ETXTBSY:       "text busy",
	unix.EIO:           "input/output error",
	unix.EEXIST:        "file already exists",
	unix.ETIMEDOUT:     "timed out",
	unix.EINPROGRESS:   "operation in progress",
	unix.EAGAIN:        "temporary failure",
	unix.EPIPE:         "broken pipe",
	unix.EPERM:         "permission denied",
	unix.EACCES:        "access denied",
	unix.ESRCH:         "no such process",
	unix.ENXIO:         "device not configured",
	unix.E2BIG:         "argument list too long",
	unix.ENOEXEC:       "exec format error",
	unix.EBADF:         "file descriptor not open",
	unix.ECHILD:        "no child processes",
	unix.EDEADLK:       "operation would cause deadlock",
	unix.EFAULT:        "bad address",
	unix.ENOTBLK:       "not a block device",
	unix.EBUSY:         "device busy",
	unix.EXDEV:         "cross-device link",
	unix.ENODEV:        "device does not support operation",
	unix.ENOTDIR:       "not a directory",
	unix.EISDIR:        "is a directory",
	unix.EINVAL:        "invalid argument",
	unix.ENFILE:        "system cannot open more files",
	unix.EMFILE:        "process cannot open more files",
	unix.ENOTTY:        "not a tty",
	unix.EFBIG:         "file too big",
	unix.ENOSPC:        "out of disk space",
	unix.ESPIPE:        "unseekable descriptor",
	unix.EROFS:         "read-only file system",
	unix.EMLINK:        "too many links",
	unix.ELOOP:         "symbolic link loop",
	unix.ENAMETOOLONG:  "file name too long",
	unix.ENOTEMPTY:     "directory not empty",
	unix.EDQUOT:        "disk quota exceeded",
	unix.ESTALE:        "stale NFS file handle",
	unix.ENOLCK:        "no locks available",
	unix.ENOSYS:        "system call not available",
	unix.EHOSTUNREACH:  "host unreachable",
	unix.ECONNREFUSED:  "connection refused",
	unix.EADDRINUSE:    "address already used",
	unix.EADDRNOTAVAIL: "address not available",
}
