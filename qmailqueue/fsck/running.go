package fsck

import (
	"bufio"
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// Running says whether qmail-send runs on a queue.
type Running int

// The answers of [ProbeQmailSend].
const (
	// RunningUnknown: it could not be told; findings that may be passing
	// states are marked transient as if it ran.
	RunningUnknown Running = iota
	// RunningNo: nobody holds lock/sendmutex.
	RunningNo
	// RunningYes: a process holds a lock on lock/sendmutex.
	RunningYes
)

// String returns "unknown", "no" or "yes".
func (r Running) String() string {
	switch r {
	case RunningNo:
		return "no"
	case RunningYes:
		return "yes"
	}
	return "unknown"
}

// procLocks is the kernel's table of file locks (Linux).
var procLocks = "/proc/locks"

// ProbeQmailSend tells whether qmail-send runs on the queue in dir without
// opening lock/sendmutex at all: it looks the file's inode up in the
// kernel's lock table (/proc/locks on Linux), where qmail-send's flock
// shows for as long as it lives (docs/queue.md §1.4). Where there is no such table
// the answer is RunningUnknown; a missing sendmutex gives RunningUnknown
// too (a qmail-send may hold the lock on an unlinked one), and so does one
// the caller may not look at.
func ProbeQmailSend(dir string) (Running, error) {
	var st unix.Stat_t
	if err := unix.Lstat(dir+"/lock/sendmutex", &st); err != nil {
		if errors.Is(err, unix.ENOENT) || errors.Is(err, unix.EACCES) {
			return RunningUnknown, nil
		}
		return RunningUnknown, &fs.PathError{Op: "lstat", Path: dir + "/lock/sendmutex", Err: err}
	}
	data, err := os.ReadFile(procLocks)
	if err != nil {
		return RunningUnknown, nil
	}
	if lockTableHas(data, st.Ino) {
		return RunningYes, nil
	}
	return RunningNo, nil
}

// lockTableHas reports whether /proc/locks content lists a lock on inode
// ino. Lines look like "1: FLOCK  ADVISORY  WRITE 4711 08:02:1234567 0 EOF"
// (device major:minor in hex, then the inode); lines of blocked waiters
// ("1: -> FLOCK …") count too. Only the inode is compared: some file
// systems (btrfs subvolumes, overlayfs) show another device in the lock
// table than stat gives. A lock on the same inode number of another file
// system is a false "yes", which only marks findings as possibly passing.
func lockTableHas(data []byte, ino uint64) bool {
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		for _, f := range bytes.Fields(sc.Bytes()) {
			parts := bytes.Split(f, []byte(":"))
			if len(parts) != 3 {
				continue
			}
			if i, err := strconv.ParseUint(string(parts[2]), 10, 64); err == nil && i == ino {
				return true
			}
		}
	}
	return false
}
