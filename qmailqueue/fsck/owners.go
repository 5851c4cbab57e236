package fsck

import (
	"fmt"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Owners are the numeric ids of qmail's users and group (conf-users) that
// queue directories and files must belong to (docs/queue.md §1.1, §1.4, §3.8). A
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
// -1, to be taken from the queue's own directories by [Check]. Only a
// caller that means this machine's qmail (the qq command by default)
// calls it; [Check] and [Create] take the ids they are given.
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

// Or returns o with its unknown ids (-1) taken from p.
func (o Owners) Or(p Owners) Owners {
	for _, f := range []struct{ dst, src *int }{{&o.Qmailq, &p.Qmailq}, {&o.Qmails, &p.Qmails}, {&o.Qmailr, &p.Qmailr}, {&o.Qmail, &p.Qmail}} {
		if *f.dst < 0 {
			*f.dst = *f.src
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
// lock/tcpto for qmailr. It returns a note saying which ids it took.
func (o *Owners) fillFromQueue(dir string) []string {
	var taken []string
	take := func(dst *int, name, rel string, group bool) {
		if *dst != -1 {
			return
		}
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(dir, rel), &st); err != nil {
			return
		}
		*dst = int(st.Uid)
		what := "owner"
		if group {
			*dst, what = int(st.Gid), "group"
		}
		taken = append(taken, fmt.Sprintf("%s = %s of %s (%d)", name, what, relOrDot(rel), *dst))
	}
	take(&o.Qmailq, "qmailq", ".", false)
	take(&o.Qmail, "qmail", ".", true)
	take(&o.Qmails, "qmails", "info", false)
	take(&o.Qmails, "qmails", "bounce", false)
	take(&o.Qmailr, "qmailr", "lock/tcpto", false)
	if len(taken) == 0 {
		return nil
	}
	return []string{"some of qmail's ids were neither given nor found on this system; owners are checked against the queue's own: " + strings.Join(taken, ", ")}
}

func relOrDot(rel string) string {
	switch rel {
	case ".":
		return "queue/"
	case "lock/tcpto":
		return rel
	}
	return rel + "/"
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
