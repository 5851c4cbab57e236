package svc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	"golang.org/x/sys/unix"
)

// Errors about qmail-send's lock/sendmutex and qq's own lock.
var (
	// ErrNoSendMutex means that queue/lock/sendmutex does not exist. qq
	// never creates it (qmail's hier.c does, owned by qmails, mode 0600), so
	// it refuses to touch a queue without one.
	ErrNoSendMutex = errors.New("lock/sendmutex does not exist")
	// ErrBusy means that another qq run holds qq's own lock.
	ErrBusy = errors.New("another qq run holds the lock")
)

// sendMutex is qmail-send's queue/lock/sendmutex, opened exactly as
// qmail-send opens it (qmail-send.c main: open_write, then lock_exnb; docs/queue.md
// §1.4): O_WRONLY|O_NONBLOCK, never created, truncated,
// chmod-ed or unlinked. While qq holds the flock, a qmail-send that starts
// logs "alert: cannot start: qmail-send is already running" and exits 111.
type sendMutex struct {
	path   string
	fd     int
	locked bool
}

// openSendMutex opens path for the lock probe. A missing file wraps
// [ErrNoSendMutex]; a file that is not a regular file is refused.
func openSendMutex(path string) (*sendMutex, error) {
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if errors.Is(err, unix.ENOENT) {
		return nil, fmt.Errorf("%s: %w (is this a qmail queue?)", path, ErrNoSendMutex)
	}
	if err != nil {
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		unix.Close(fd)
		return nil, &fs.PathError{Op: "stat", Path: path, Err: err}
	}
	if st.Mode&unix.S_IFMT != unix.S_IFREG {
		unix.Close(fd)
		return nil, fmt.Errorf("%s is not a regular file; qmail's hier.c makes it an empty file", path)
	}
	return &sendMutex{path: path, fd: fd}, nil
}

// tryLock takes the flock without waiting, as qmail-send's lock_exnb does
// on HASFLOCK builds. It reports false when qmail-send (or anybody else)
// holds it. Once taken, the lock is kept until release.
func (m *sendMutex) tryLock() (bool, error) {
	if m.locked {
		return true, nil
	}
	err := unix.Flock(m.fd, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return false, nil
	}
	if err != nil {
		return false, &fs.PathError{Op: "flock", Path: m.path, Err: err}
	}
	m.locked = true
	return true, nil
}

// release drops the lock, if held, and closes the file. It may be called
// more than once.
func (m *sendMutex) release() {
	if m.fd >= 0 {
		unix.Close(m.fd) // closing the only descriptor releases the flock
		m.fd = -1
	}
	m.locked = false
}

// QmailSendRunning reports whether a process holds the flock on path, the
// queue's lock/sendmutex: qmail-send holds it for as long as it lives (docs/queue.md
// §10 rule 6). The probe takes the lock and releases it at
// once; a qmail-send starting in that instant exits with "already running"
// and is restarted by its supervisor a second later, which is why
// [Maintenance] is the way to keep qmail-send out for longer. Valid only for
// qmail built with flock (HASFLOCK), which is every Linux and BSD build.
func QmailSendRunning(path string) (bool, error) {
	m, err := openSendMutex(path)
	if err != nil {
		return false, err
	}
	defer m.release()
	locked, err := m.tryLock()
	if err != nil {
		return false, err
	}
	return !locked, nil
}

// lockOwn takes qq's own lock: path is created mode 0600 if missing, and
// flock-ed without waiting. Another qq run holding it gives an error
// wrapping [ErrBusy]. Closing the returned file releases the lock.
func lockOwn(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	err = unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		f.Close()
		return nil, fmt.Errorf("%s: %w; try again when it has finished", path, ErrBusy)
	}
	if err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "flock", Path: path, Err: err}
	}
	return f, nil
}
