package qmailqueue

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// ExpireTime is the birth qq expire gives a message: one second before
// now − lifetime, so that the next delivery pass qmail-send starts finds
// now > birth + lifetime and makes it its last (docs/queue.md §5.3, §5.4).
func ExpireTime(now time.Time, lifetime time.Duration) time.Time {
	return now.Add(-lifetime - time.Second).Truncate(time.Second)
}

// Expire sets the info mtime of each target to [ExpireTime] (keeping its
// atime, owner and mode), which is the one change to a queue that is safe
// while qmail-send runs (docs/queue.md §5.4, §10 rule 9; FAQ 7.3). The caller then
// sends qmail-send ALRM: each pending recipient is tried once more,
// deferrals turn into bounces to the sender, and qmail-send removes the
// message itself.
//
// Only preprocessed messages (S5) are expired: a message still in todo/
// gets a fresh info at preprocessing, and S2/S3 messages or an info without
// mess have nothing qmail-send would bounce. Those are Refused. Right before
// the change each message is read again and left alone if its fingerprint
// differs (Changed) or it is gone (Vanished); the info file is then opened
// and its identity checked once more, and the time is set through that
// descriptor, so that a message finished and replaced in between is never
// touched. A message already past its lifetime counts as Done unchanged.
func (q *Queue) Expire(ctx context.Context, targets []Target, now time.Time, report func(Result)) (Stats, error) {
	var stats Stats
	birth := ExpireTime(now, q.Lifetime)
	dirs := newDirCache(q)
	defer dirs.close()
	for _, t := range targets {
		if err := ctx.Err(); err != nil {
			return stats, err
		}
		r := q.expireOne(dirs, t, birth, now)
		stats.add(r)
		if report != nil {
			report(r)
		}
	}
	return stats, nil
}

func (q *Queue) expireOne(dirs *dirCache, t Target, birth, now time.Time) Result {
	r, m := q.recheck(dirs, t, now, false)
	if m == nil {
		return r
	}
	switch m.State {
	case StatePreprocessed:
	case StateQueued:
		r.Outcome, r.Reason = Refused, "not yet preprocessed (only in todo/): qmail-send gives it a new birth when it does"
		return r
	case StateBroken:
		r.Outcome, r.Reason = Refused, "info without mess: qmail-send could not bounce it; remove it instead"
		return r
	default:
		r.Outcome, r.Reason = Refused, "no info (mess without todo or info): nothing for qmail-send to expire"
		return r
	}
	if !m.Birth.After(birth) {
		r.Outcome, r.Reason = Done, "already past its lifetime"
		return r
	}
	path := q.Path("info", t.ID)
	// The one safe open (no link, no FIFO wait, a regular file with one
	// link); the fingerprint check below compares its times.
	fd := -1
	dirfd, err := unix.Open(filepath.Dir(path), unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err == nil {
		defer unix.Close(dirfd)
		fd, _, err = OpenQueueFileAt(dirfd, filepath.Base(path), 0, MaxLinks)
	}
	if errors.Is(err, unix.ENOENT) {
		r.Outcome, r.Reason = Vanished, "no longer in the queue"
		return r
	}
	if err != nil {
		r.Outcome, r.Reason, r.Err = Failed, "could not open info", &os.PathError{Op: "open", Path: path, Err: err}
		return r
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		r.Outcome, r.Reason, r.Err = Failed, "could not stat info", &os.PathError{Op: "fstat", Path: path, Err: err}
		return r
	}
	if UnixNano(timespec(st.Ctim)) != t.Fingerprint.EnvelopeCtime || UnixNano(timespec(st.Mtim)) != t.Fingerprint.Birth {
		r.Outcome, r.Reason = Changed, "changed since it was selected"
		return r
	}
	if err := futimensMtime(fd, birth); err != nil {
		r.Outcome, r.Reason, r.Err = Failed, "could not set the info mtime", &os.PathError{Op: "utimensat", Path: path, Err: err}
		return r
	}
	r.Outcome = Done
	return r
}

// futimensMtime sets the mtime of the open file fd and leaves its atime
// (UTIME_OMIT): futimens(2), which is utimensat(2) with a NULL path.
func futimensMtime(fd int, mtime time.Time) error {
	ts := [2]unix.Timespec{{Nsec: unix.UTIME_OMIT}, unix.NsecToTimespec(mtime.UnixNano())}
	_, _, errno := unix.Syscall6(unix.SYS_UTIMENSAT, uintptr(fd), 0, uintptr(unsafe.Pointer(&ts[0])), 0, 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}
