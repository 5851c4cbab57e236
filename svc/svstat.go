package svc

import (
	"encoding/binary"
	"errors"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/qqmail/qq/tai64n"
)

// Svstat returns the line daemontools 0.76's svstat prints for the service,
// without the newline, byte for byte: "DIR: up (pid N) S seconds" with
// ", normally down", ", paused" or ", want down" after it, "DIR: down S
// seconds, normally up, want up", "DIR: supervise not running", or "DIR:
// unable to …" with svstat's own wording of the error (djb's error_str, not
// strerror). now is the time the seconds are counted to; svstat uses whole
// seconds, as time(0) gives them.
//
// svstat reads only the first 18 bytes of the status file, so its line for
// a runit or encore file is the daemontools view of it, and Svstat does the
// same. For an s6 file, whose pid is elsewhere, Svstat prints the decoded
// state in svstat's words. A garbled file gets the line svstat would print
// (the caller can tell it apart with [Service.ReadStatus]). One deviation:
// when supervise/status opens but reading it fails (it is a directory, an
// I/O error), svstat 0.76 compares read's -1 with an unsigned size, takes it
// for a full read and prints what its static buffer held from the previous
// directory; Svstat prints "unable to read supervise/status: " and the error.
//
// When the supervise directory is not Dir/supervise, errors name the full
// path of the file, as daemontools-encore's svstat does.
func Svstat(s *Service, now time.Time) string {
	var b strings.Builder
	b.WriteString(s.Dir)
	b.WriteString(": ")
	b.WriteString(svstatBody(s, now))
	return b.String()
}

func svstatBody(s *Service, now time.Time) string {
	// svstat chdir()s into the directory first.
	var st unix.Stat_t
	if err := unix.Stat(s.Dir, &st); err != nil {
		return "unable to chdir: " + djbError(err)
	}
	if st.Mode&unix.S_IFMT != unix.S_IFDIR {
		return "unable to chdir: " + djbError(unix.ENOTDIR)
	}
	if err := unix.Access(s.Dir, unix.X_OK); err != nil {
		return "unable to chdir: " + djbError(err)
	}

	normallyUp := false
	if err := unix.Stat(filepath.Join(s.Dir, "down"), &st); err != nil {
		if !errors.Is(err, unix.ENOENT) {
			return "unable to stat down: " + djbError(err)
		}
		normallyUp = true
	}

	// Names as svstat prints them: relative to the service directory for
	// the usual layout, the full path (encore's svpath) otherwise.
	okName, statusName := "supervise/ok", "supervise/status"
	if s.SuperviseDir != "" && filepath.Clean(s.SuperviseDir) != filepath.Join(s.Dir, "supervise") {
		okName, statusName = filepath.Join(s.SuperviseDir, "ok"), filepath.Join(s.SuperviseDir, "status")
	}
	fd, err := openFIFOWrite(filepath.Join(s.Supervise(), "ok"))
	if err != nil {
		if errors.Is(err, unix.ENXIO) {
			return "supervise not running"
		}
		return "unable to open " + okName + ": " + djbError(err)
	}
	unix.Close(fd)

	fd, err = unix.Open(filepath.Join(s.Supervise(), "status"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return "unable to open " + statusName + ": " + djbError(err)
	}
	// One read(2), as buffer_unixread does; a 43-byte s6 file fits whole.
	buf := make([]byte, maxStatusSize)
	n, err := unix.Read(fd, buf)
	unix.Close(fd)
	if err != nil {
		return "unable to read " + statusName + ": " + djbError(err)
	}
	if n < sizeDaemontools {
		return "unable to read " + statusName + ": bad format"
	}
	buf = buf[:n]

	pid := uint64(binary.LittleEndian.Uint32(buf[12:16]))
	tai := binary.BigEndian.Uint64(buf[0:8])
	paused, want := buf[16] != 0, buf[17]
	if n == sizeS6Old || n == sizeS6 {
		if s6, err := parseS6(buf); err == nil {
			pid, paused, want = uint64(s6.Pid), s6.Paused, byte(s6.Want)
			tai = tai64n.FromTime(s6.Since).TAI64()
		}
	}

	// tai_now() is 2^62+10+time(0); a stamp in the future counts as now.
	nowTAI := tai64n.FromTime(now).TAI64()
	if nowTAI < tai {
		tai = nowTAI
	}
	// tai_approx() goes through a double, and fmt_ulong prints it.
	secs := uint64(float64(nowTAI - tai))

	var b strings.Builder
	if pid != 0 {
		b.WriteString("up (pid ")
		b.WriteString(strconv.FormatUint(pid, 10))
		b.WriteString(") ")
	} else {
		b.WriteString("down ")
	}
	b.WriteString(strconv.FormatUint(secs, 10))
	b.WriteString(" seconds")
	if pid != 0 && !normallyUp {
		b.WriteString(", normally down")
	}
	if pid == 0 && normallyUp {
		b.WriteString(", normally up")
	}
	if pid != 0 && paused {
		b.WriteString(", paused")
	}
	if pid == 0 && want == 'u' {
		b.WriteString(", want up")
	}
	if pid != 0 && want == 'd' {
		b.WriteString(", want down")
	}
	return b.String()
}

// djbError words an errno the way djb's error_str() (daemontools 0.76
// error_str.c) does, which is what svstat prints; it is not strerror. The
// table is searched in error_str's order, so that where Linux gives two
// names one number (EAGAIN and EWOULDBLOCK) the first wording wins.
func djbError(err error) string {
	var errno unix.Errno
	if !errors.As(err, &errno) {
		return err.Error()
	}
	for _, e := range djbErrors {
		if e.errno == errno {
			return e.text
		}
	}
	return "unknown error"
}

var djbErrors = []struct {
	errno unix.Errno
	text  string
}{
	{0, "no error"},
	{unix.EINTR, "interrupted system call"},
	{unix.ENOMEM, "out of memory"},
	{unix.ENOENT, "file does not exist"},
	{unix.ETXTBSY, "text busy"},
	{unix.EIO, "input/output error"},
	{unix.EEXIST, "file already exists"},
	{unix.ETIMEDOUT, "timed out"},
	{unix.EINPROGRESS, "operation in progress"},
	{unix.EAGAIN, "temporary failure"},
	{unix.EWOULDBLOCK, "input/output would block"},
	{unix.EPIPE, "broken pipe"},
	{unix.EPERM, "permission denied"},
	{unix.EACCES, "access denied"},
	{unix.ENXIO, "device not configured"},
	{unix.EPROTO, "protocol error"},
	{unix.EISDIR, "is a directory"},
	{unix.ECONNREFUSED, "connection refused"},
	{unix.ENOTDIR, "not a directory"},
	{unix.ESRCH, "no such process"},
	{unix.E2BIG, "argument list too long"},
	{unix.ENOEXEC, "exec format error"},
	{unix.EBADF, "file descriptor not open"},
	{unix.ECHILD, "no child processes"},
	{unix.EDEADLK, "operation would cause deadlock"},
	{unix.EFAULT, "bad address"},
	{unix.ENOTBLK, "not a block device"},
	{unix.EBUSY, "device busy"},
	{unix.EXDEV, "cross-device link"},
	{unix.ENODEV, "device does not support operation"},
	{unix.EINVAL, "invalid argument"},
	{unix.ENFILE, "system cannot open more files"},
	{unix.EMFILE, "process cannot open more files"},
	{unix.ENOTTY, "not a tty"},
	{unix.EFBIG, "file too big"},
	{unix.ENOSPC, "out of disk space"},
	{unix.ESPIPE, "unseekable descriptor"},
	{unix.EROFS, "read-only file system"},
	{unix.EMLINK, "too many links"},
	{unix.EDOM, "input out of range"},
	{unix.ERANGE, "output out of range"},
	{unix.EALREADY, "operation already in progress"},
	{unix.ENOTSOCK, "not a socket"},
	{unix.EDESTADDRREQ, "destination address required"},
	{unix.EMSGSIZE, "message too long"},
	{unix.EPROTOTYPE, "incorrect protocol type"},
	{unix.ENOPROTOOPT, "protocol not available"},
	{unix.EPROTONOSUPPORT, "protocol not supported"},
	{unix.ESOCKTNOSUPPORT, "socket type not supported"},
	{unix.EOPNOTSUPP, "operation not supported"},
	{unix.EPFNOSUPPORT, "protocol family not supported"},
	{unix.EAFNOSUPPORT, "address family not supported"},
	{unix.EADDRINUSE, "address already used"},
	{unix.EADDRNOTAVAIL, "address not available"},
	{unix.ENETDOWN, "network down"},
	{unix.ENETUNREACH, "network unreachable"},
	{unix.ENETRESET, "network reset"},
	{unix.ECONNABORTED, "connection aborted"},
	{unix.ECONNRESET, "connection reset"},
	{unix.ENOBUFS, "out of buffer space"},
	{unix.EISCONN, "already connected"},
	{unix.ENOTCONN, "not connected"},
	{unix.ESHUTDOWN, "socket shut down"},
	{unix.ETOOMANYREFS, "too many references"},
	{unix.ELOOP, "symbolic link loop"},
	{unix.ENAMETOOLONG, "file name too long"},
	{unix.EHOSTDOWN, "host down"},
	{unix.EHOSTUNREACH, "host unreachable"},
	{unix.ENOTEMPTY, "directory not empty"},
	{unix.EUSERS, "too many users"},
	{unix.EDQUOT, "disk quota exceeded"},
	{unix.ESTALE, "stale NFS file handle"},
	{unix.EREMOTE, "too many levels of remote in path"},
	{unix.ENOLCK, "no locks available"},
	{unix.ENOSYS, "system call not available"},
	{unix.ENOSTR, "not a stream device"},
	{unix.ETIME, "timer expired"},
	{unix.ENOSR, "out of stream resources"},
	{unix.ENOMSG, "no message of desired type"},
	{unix.EBADMSG, "bad message type"},
	{unix.EIDRM, "identifier removed"},
	{unix.ENONET, "machine not on network"},
	{unix.ENOLINK, "link severed"},
	{unix.EADV, "advertise error"},
	{unix.ESRMNT, "srmount error"},
	{unix.ECOMM, "communication error"},
	{unix.EMULTIHOP, "multihop attempted"},
	{unix.EREMCHG, "remote address changed"},
}
