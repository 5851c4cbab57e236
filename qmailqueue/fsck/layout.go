package fsck

import (
	"io/fs"
	"path/filepath"
	"strconv"
)

// Kind is one of the seven kinds of per-message file (docs/queue.md §0).
type Kind int

// The per-message file kinds, in the order of docs/queue.md §0.
const (
	KindMess Kind = iota
	KindIntd
	KindTodo
	KindInfo
	KindLocal
	KindRemote
	KindBounce
	numKinds
)

var kindNames = [numKinds]string{"mess", "intd", "todo", "info", "local", "remote", "bounce"}

// String returns the directory name of the kind, e.g. "mess".
func (k Kind) String() string {
	if k >= 0 && k < numKinds {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// removeOrder is the order in which a message's files are unlinked so that
// every intermediate state is legal and mess, which reserves the ID, goes
// last (docs/queue.md §10 rule 14).
var removeOrder = []Kind{KindIntd, KindTodo, KindLocal, KindRemote, KindBounce, KindInfo, KindMess}

// layout is the shape of one queue: where fmtqfn puts each file.
type layout struct {
	dir     string
	split   int
	bigTodo bool
}

// isSplit reports whether files of kind k live in split subdirectories
// (docs/queue.md §1.2, §1.3).
func (l *layout) isSplit(k Kind) bool {
	switch k {
	case KindMess, KindInfo, KindLocal, KindRemote:
		return true
	case KindIntd, KindTodo:
		return l.bigTodo
	}
	return false
}

// rel is the canonical path of kind k for id, relative to the queue.
func (l *layout) rel(k Kind, id uint64) string {
	name := strconv.FormatUint(id, 10)
	if l.isSplit(k) {
		return k.String() + "/" + strconv.FormatUint(id%uint64(l.split), 10) + "/" + name
	}
	return k.String() + "/" + name
}

func (l *layout) abs(rel string) string { return filepath.Join(l.dir, rel) }

// role says whose a directory or file is in hier.c and qmail's processes.
type role int

const (
	roleQmailq role = iota
	roleQmails
	roleQmailr
)

// dirSpec is one directory of hier_queue() (docs/queue.md §1.1).
type dirSpec struct {
	name    string
	owner   role
	mode    fs.FileMode
	split   bool // always split into 0..split-1
	todoish bool // split only with big-todo (docs/queue.md §1.3)
}

// queueDirs lists the subdirectories of queue/ in hier.c's order
// (hier.c:31-48, docs/queue.md §1.1).
var queueDirs = []dirSpec{
	{name: "pid", owner: roleQmailq, mode: 0o700},
	{name: "intd", owner: roleQmailq, mode: 0o700, todoish: true},
	{name: "todo", owner: roleQmailq, mode: 0o750, todoish: true},
	{name: "bounce", owner: roleQmails, mode: 0o700},
	{name: "mess", owner: roleQmailq, mode: 0o750, split: true},
	{name: "info", owner: roleQmails, mode: 0o700, split: true},
	{name: "local", owner: roleQmails, mode: 0o700, split: true},
	{name: "remote", owner: roleQmails, mode: 0o700, split: true},
	{name: "lock", owner: roleQmailq, mode: 0o750},
}

// queueDirMode is the mode of queue/ itself (hier.c: qmailq 0750).
const queueDirMode fs.FileMode = 0o750

// lockSpec is one file of lock/ (hier.c:45-47, docs/queue.md §1.4).
type lockSpec struct {
	name  string
	owner role
	mode  fs.FileMode
	fifo  bool
	size  int64 // -1: any size
}

// lockFiles are the files hier.c creates in lock/.
var lockFiles = []lockSpec{
	{name: "tcpto", owner: roleQmailr, mode: 0o644, size: tcptoSize},
	{name: "sendmutex", owner: roleQmails, mode: 0o600, size: -1},
	{name: "trigger", owner: roleQmails, mode: 0o622, fifo: true, size: -1},
}

// tcptoSize is the size of lock/tcpto: 64 records of 16 bytes (docs/queue.md §6.2).
const tcptoSize = 1024

// fileSpec is what docs/queue.md §3.8 says about one kind of message file: its
// owner, whether its group must be qmail (files qmail-queue writes get the
// caller's gid), and its mode.
type fileSpec struct {
	owner      role
	groupQmail bool
	mode       fs.FileMode
}

// fileSpecs are the owners and modes of docs/queue.md §3.8, by kind.
var fileSpecs = [numKinds]fileSpec{
	KindMess:   {owner: roleQmailq, mode: 0o644},
	KindIntd:   {owner: roleQmailq, mode: 0o644},
	KindTodo:   {owner: roleQmailq, mode: 0o644},
	KindInfo:   {owner: roleQmails, groupQmail: true, mode: 0o600},
	KindLocal:  {owner: roleQmails, groupQmail: true, mode: 0o600},
	KindRemote: {owner: roleQmails, groupQmail: true, mode: 0o600},
	KindBounce: {owner: roleQmails, groupQmail: true, mode: 0o600},
}

// parseName parses a name made only of digits. canonical is false when it
// has a leading zero, which qmail's readsubdir accepts but fmtqfn never
// produces (docs/queue.md §2). ok is false for anything else, including values that
// do not fit 64 bits.
func parseName(name string) (v uint64, canonical, ok bool) {
	if name == "" || len(name) > 20 {
		return 0, false, false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return 0, false, false
		}
	}
	v, err := strconv.ParseUint(name, 10, 64)
	if err != nil {
		return 0, false, false
	}
	return v, name[0] != '0' || len(name) == 1, true
}

// IsPrime reports whether n is prime, as djb's conf-split should be
// (qmqtool -c and queue_repair check it too).
func IsPrime(n int) bool {
	if n < 2 {
		return false
	}
	for d := 2; d*d <= n; d++ {
		if n%d == 0 {
			return false
		}
	}
	return true
}
