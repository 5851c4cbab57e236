package fsck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"

	"github.com/qqmail/qq/qmailqueue"
	"golang.org/x/sys/unix"
)

// CheckAll is [Check] collecting the findings.
func CheckAll(ctx context.Context, dir string, opts Options) (*Report, []*Finding, error) {
	var all []*Finding
	r, err := Check(ctx, dir, opts, func(f *Finding) error {
		all = append(all, f)
		return nil
	})
	return r, all, err
}

// CreateOptions configures [Create].
type CreateOptions struct {
	// Split is conf-split, the number of split subdirectories (docs/queue.md §1.2).
	Split int
	// BigTodo splits todo and intd too (docs/queue.md §1.3).
	BigTodo bool
	// Owners are given to every directory and lock file as hier.c does;
	// -1 leaves an id as the process creates it.
	Owners Owners
	// Log, if set, is told about every step.
	Log func(Step)
}

// DefaultSplit is qmail's conf-split as distributed, the split of a new
// queue unless another is asked for (docs/queue.md §1.2).
const DefaultSplit = 23

// Settle completes the options of a queue that a process with effective
// uid euid is about to create, and returns the warnings a person should
// read first: the split is [DefaultSplit] when not given; a process not
// running as root cannot give the queue away, so its queue belongs to the
// current user (Owners becomes [UnknownOwners], with a warning when owners
// were known); as root, owners still unknown (-1) leave those parts to
// root, with a warning; and a split that is not prime gets
// [SplitWarning]'s.
func (o *CreateOptions) Settle(euid int) []string {
	var warnings []string
	if o.Split == 0 {
		o.Split = DefaultSplit
	}
	if euid != 0 {
		if o.Owners != UnknownOwners {
			warnings = append(warnings, "not running as root: the new queue belongs to the current user, not to qmail's users")
		}
		o.Owners = UnknownOwners
	} else if o.Owners.Qmailq < 0 || o.Owners.Qmails < 0 || o.Owners.Qmailr < 0 || o.Owners.Qmail < 0 {
		warnings = append(warnings, "qmail's users or group do not all exist here (use --owner): those parts belong to root")
	}
	if w := SplitWarning(o.Split); w != "" {
		warnings = append(warnings, w)
	}
	return warnings
}

// SplitWarning returns the warning a split that is not a prime number
// deserves (qmail spreads messages over the split subdirectories by ID
// modulo the split, docs/queue.md §1.2), "" for a prime.
func SplitWarning(split int) string {
	if IsPrime(split) {
		return ""
	}
	return fmt.Sprintf("the split %d is not a prime number", split)
}

// Create makes a new empty queue at dir exactly as qmail's install does
// (hier.c hier_queue, docs/queue.md §1.1, §1.4): queue/ qmailq 0750; pid and intd
// qmailq 0700; todo qmailq 0750; bounce qmails 0700; mess qmailq 0750 and
// info, local, remote qmails 0700, each with split subdirectories of the
// same owner and mode (dsplit; todo and intd too with big-todo); lock
// qmailq 0750 with tcpto (1024 NUL bytes, qmailr 0644), sendmutex (empty,
// qmails 0600) and trigger (a FIFO, qmails 0622); group qmail everywhere.
// dir must not exist, or be an empty directory; its parent must exist.
func Create(dir string, opts CreateOptions) error {
	if opts.Split < 1 {
		return fmt.Errorf("create queue %s: split %d is not positive", dir, opts.Split)
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("create queue %s: the directory is not empty", dir)
	} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("create queue: %w", err)
	}
	if parent := filepath.Dir(filepath.Clean(dir)); !isDir(parent) {
		return fmt.Errorf("create queue %s: the parent directory %s does not exist", dir, parent)
	}
	l := layout{dir: dir, split: opts.Split, bigTodo: opts.BigTodo}
	o := opts.Owners
	actions := []Action{{Op: OpMkdir, Path: ".", UID: o.Qmailq, GID: o.Qmail, Mode: queueDirMode}}
	for _, d := range queueDirs {
		uid := o.uid(d.owner)
		actions = append(actions, Action{Op: OpMkdir, Path: d.name, UID: uid, GID: o.Qmail, Mode: d.mode})
		if d.split || (d.todoish && opts.BigTodo) {
			for n := range opts.Split {
				actions = append(actions, Action{Op: OpMkdir, Path: d.name + "/" + strconv.Itoa(n), UID: uid, GID: o.Qmail, Mode: d.mode})
			}
		}
	}
	for _, ls := range lockFiles {
		op := OpMutex
		switch {
		case ls.fifo:
			op = OpMkfifo
		case ls.size == tcptoSize:
			op = OpTcpto
		}
		actions = append(actions, Action{Op: op, Path: "lock/" + ls.name, UID: o.uid(ls.owner), GID: o.Qmail, Mode: ls.mode})
	}
	x := newExecutor(&l, ExecOptions{Log: opts.Log})
	defer x.close()
	if err := x.runUnit(&Unit{}, actions); err != nil {
		return fmt.Errorf("create queue %s: %w", dir, err)
	}
	return nil
}

// PlanResplit plans moving the queue in dir to another split, as
// qmail-upq does after conf-split changed (docs/queue.md §1.2): every message file
// of mess, info, local and remote (and of todo and intd with big-todo)
// goes to subdirectory ID % split; new subdirectories get the owner and
// mode of subdirectory 0, and those beyond the new split are removed once
// empty. Names that are not numbers are left where they are. The queue
// must be sound (qmailqueue.Open accepts it) and qmail-send stopped; qmail
// itself must be rebuilt with the new conf-split.
func PlanResplit(dir string, split int) (*Plan, error) {
	if split < 1 {
		return nil, fmt.Errorf("resplit: split %d is not positive", split)
	}
	q, err := qmailqueue.Open(dir)
	if err != nil {
		return nil, fmt.Errorf("resplit: %w", err)
	}
	p := &Plan{Dir: dir, l: layout{dir: dir, split: split, bigTodo: q.BigTodo}}
	old := layout{dir: dir, split: q.Split, bigTodo: q.BigTodo}
	unit := func(code Code, problem string, actions ...Action) {
		f := &Finding{Code: code, Files: []string{actions[0].Path}, Problem: problem, Actions: actions}
		p.Units = append(p.Units, &Unit{Finding: f, Actions: actions})
	}
	var rmdirs []Action
	for k := range numKinds {
		if !old.isSplit(k) {
			continue
		}
		var st unix.Stat_t
		zero := k.String() + "/0"
		if err := unix.Lstat(old.abs(zero), &st); err != nil {
			return nil, fmt.Errorf("resplit: %w", &os.PathError{Op: "lstat", Path: old.abs(zero), Err: err})
		}
		for n := q.Split; n < split; n++ {
			rel := k.String() + "/" + strconv.Itoa(n)
			unit(CodeMissingDir, "new split subdirectory", Action{Op: OpMkdir, Path: rel, UID: int(st.Uid), GID: int(st.Gid), Mode: fs.FileMode(st.Mode & 0o7777)})
		}
		for n := split; n < q.Split; n++ {
			rmdirs = append(rmdirs, Action{Op: OpRmdir, Path: k.String() + "/" + strconv.Itoa(n)})
		}
	}
	for k := range numKinds {
		if !old.isSplit(k) {
			continue
		}
		for n := range q.Split {
			rel := k.String() + "/" + strconv.Itoa(n)
			names, err := readDirNames(old.abs(rel))
			if err != nil {
				return nil, fmt.Errorf("resplit: %w", err)
			}
			for _, name := range names {
				v, _, ok := parseName(name)
				if !ok {
					continue
				}
				to := int(v % uint64(split))
				if to == n {
					continue
				}
				unit(CodeWrongSplit, "move to the new split subdirectory",
					Action{Op: OpRename, Path: rel + "/" + name, Target: k.String() + "/" + strconv.Itoa(to) + "/" + name})
			}
		}
	}
	for _, a := range rmdirs {
		unit(CodeExtraSplitDir, "split subdirectory beyond the new split", a)
	}
	return p, nil
}

// CreateSendMutex creates a missing lock/sendmutex as hier.c does: an empty
// regular file, qmails:qmail 0600 (docs/queue.md §1.4). It never replaces an
// existing file. Only a caller that has verified qmail-send stopped by
// other means (its supervisor) may call it: a qmail-send may still hold
// its lock on an unlinked sendmutex.
func CreateSendMutex(dir string, o Owners) error {
	path := filepath.Join(dir, "lock", "sendmutex")
	if err := createExcl(path, nil, 0o600, o.Qmails, o.Qmail); err != nil {
		return fmt.Errorf("create lock/sendmutex: %w", err)
	}
	return nil
}

// ResolveOwners returns the ids a check of dir uses: o's known ids, then
// the owners of the queue's own directories for the others; with notes
// saying which came from the queue. It never looks at the system's user
// database: a caller that wants qmail's users of this machine passes
// [LookupOwners] (merged with its own overrides by [Owners.Or]).
func ResolveOwners(dir string, o *Owners) (Owners, []string) {
	r := UnknownOwners
	if o != nil {
		r = *o
	}
	notes := r.fillFromQueue(dir)
	return r, notes
}

// ErrSendMutexMissing means that lock/sendmutex is missing and may not be
// recreated: without a supervisor to verify qmail-send stopped, a
// qmail-send may still hold its lock on an unlinked sendmutex.
var ErrSendMutexMissing = errors.New("lock/sendmutex is missing")

// sendMutexMissing is [ErrSendMutexMissing] for the file at path, saying
// what to do about it.
type sendMutexMissing struct{ path string }

// Error says what is missing, why it matters and what to do.
func (e sendMutexMissing) Error() string {
	return e.path + " is missing, so qq cannot tell whether qmail-send runs: give --service DIR so that qq stops it " +
		"through its supervisor (qq then recreates the file), or recreate it as qmail's install does"
}

// Is makes errors.Is(err, ErrSendMutexMissing) true.
func (e sendMutexMissing) Is(target error) bool { return target == ErrSendMutexMissing }

// PrepareSendMutex makes sure lock/sendmutex exists before a change, which
// needs it to tell whether qmail-send runs. A missing one is recreated
// ([CreateSendMutex], created true, owned by o's ids resolved as a check
// does, [ResolveOwners]) only when supervised, that is when the change
// verifies qmail-send stopped through its supervisor; otherwise the error
// wraps [ErrSendMutexMissing] and says what to do.
func PrepareSendMutex(dir string, supervised bool, o *Owners) (created bool, err error) {
	path := filepath.Join(dir, "lock", "sendmutex")
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if !supervised {
		return false, sendMutexMissing{path}
	}
	owners, _ := ResolveOwners(dir, o)
	if err := CreateSendMutex(dir, owners); err != nil {
		return false, err
	}
	return true, nil
}

// Summary is the report in words, a line each: the counts ("12 messages
// (split 23, qmail-send running: no): 1 errors, 0 warnings, 2 notes"), the
// messages that changed while checked, the plan's counts when p is not
// nil, and the notes.
func (r *Report) Summary(p *Plan) []string {
	bigTodo := ""
	if r.BigTodo {
		bigTodo = ", big-todo"
	}
	lines := []string{fmt.Sprintf("%d messages (split %d%s, qmail-send running: %s): %d errors, %d warnings, %d notes",
		r.Messages, r.Split, bigTodo, r.QmailSend, r.Counts[SeverityError], r.Counts[SeverityWarning], r.Counts[SeverityInfo])}
	if r.Changed > 0 {
		lines = append(lines, fmt.Sprintf("%d messages changed while they were checked (qmail at work) and are not reported", r.Changed))
	}
	if p != nil {
		runs, refused, superseded := p.Counts()
		lines = append(lines, fmt.Sprintf("the plan repairs %d findings, refuses %d, and needs nothing for %d", runs, refused, superseded))
	}
	for _, n := range r.Notes {
		lines = append(lines, "note: "+n)
	}
	return lines
}
