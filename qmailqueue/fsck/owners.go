package fsck

import (
	"fmt"
	"os/user"
	"path/filepath"
	"strconv"

	"golang.org/x/sys/unix"
)

// Owners are the numeric ids of qmail's users and group (conf-users) that
// queue directories and files must belong to (spec §1.1, §1.4, §3.8). A
// value of -1 means unknown: owners of that role are not checked and not
// changed.
type Owners struct {
	Qmailq int // owner of queue/, pid, intd, todo, mess, lock and the files qmail-queue writes
	Qmails int // owner of bounce, info, local, remote, lock/sendmutex and lock/trigger
	Qmailr int // owner of lock/tcpto
	Qmail  int // group of every directory, of the lock files and of the files qmail-send writes
}

// UnknownOwners has every id unknown.
var UnknownOwners = Owners{Qmailq: -1, Qmails: -1, Qmailr: -1, Qmail: -1}

// LookupOwners looks up the users qmailq, qmails, qmailr and the group
// qmail in the system's user database. Those that do not exist (qmail's
// users may not exist on a machine that only holds a copy of a queue) are
// -1, to be taken from the queue's own directories by [Check].
func LookupOwners() Owners {
	o := UnknownOwners
	for _, u := range []struct {
		name string
		dst  *int
	}{{"qmailq", &o.Qmailq}, {"qmails", &o.Qmails}, {"qmailr", &o.Qmailr}} {
		if pw, err := user.Lookup(u.name); err == nil {
			if id, err := strconv.Atoi(pw.Uid); err == nil {
				*u.dst = id
			}
		}
	}
	if gr, err := user.LookupGroup("qmail"); err == nil {
		if id, err := strconv.Atoi(gr.Gid); err == nil {
			o.Qmail = id
		}
	}
	return o
}

// uid returns the user id of a role, or -1.
func (o Owners) uid(r role) int {
	switch r {
	case roleQmailq:
		return o.Qmailq
	case roleQmails:
		return o.Qmails
	}
	return o.Qmailr
}

// roleName names a role as conf-users does.
func roleName(r role) string {
	switch r {
	case roleQmailq:
		return "qmailq"
	case roleQmails:
		return "qmails"
	}
	return "qmailr"
}

// fillFromQueue replaces unknown ids with the owners of the queue's own
// directories, the reference when qmail's users do not exist here: queue/
// for qmailq and the group qmail, info/ (or bounce/) for qmails, and
// lock/tcpto for qmailr. It returns one note per id so taken.
func (o *Owners) fillFromQueue(dir string) []string {
	var notes []string
	take := func(dst *int, name, rel string, group bool) {
		if *dst != -1 {
			return
		}
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(dir, rel), &st); err != nil {
			return
		}
		id := int(st.Uid)
		what := "owner"
		if group {
			id, what = int(st.Gid), "group"
		}
		*dst = id
		notes = append(notes, fmt.Sprintf("%s is not known on this system: the %s of %s (%d) is taken as %s", name, what, relOrDot(rel), id, name))
	}
	take(&o.Qmailq, "user qmailq", ".", false)
	take(&o.Qmail, "group qmail", ".", true)
	take(&o.Qmails, "user qmails", "info", false)
	take(&o.Qmails, "user qmails", "bounce", false)
	take(&o.Qmailr, "user qmailr", "lock/tcpto", false)
	return notes
}

func relOrDot(rel string) string {
	if rel == "." {
		return "queue/"
	}
	return rel
}

// ownerString formats uid:gid for messages, "?" for unknown.
func ownerString(uid, gid int) string {
	u, g := "?", "?"
	if uid >= 0 {
		u = strconv.Itoa(uid)
	}
	if gid >= 0 {
		g = strconv.Itoa(gid)
	}
	return u + ":" + g
}
