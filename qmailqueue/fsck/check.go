package fsck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"golang.org/x/sys/unix"
)

// ossified is qmail-send's OSSIFIED and qmail-clean's pid age limit: 36 h
// (qmail-send.c:45, qmail-clean.c; docs/queue.md §4.6). It exceeds qmail-queue's
// DEATH (24 h), so no live qmail-queue owns anything older.
const ossified = 129600 * time.Second

// ErrNoSplit means that the split count cannot be told: no split
// subdirectory exists and none was given.
var ErrNoSplit = errors.New("cannot tell the split: no split subdirectories mess/0, info/0, …; give the split")

// Options configures [Check].
type Options struct {
	// Split is conf-split, when the caller knows it; 0 discovers it from
	// the directories (docs/queue.md §10 rule 1).
	Split int
	// Owners are qmail's ids as far as the caller knows them (given, or
	// looked up on this system with [LookupOwners]); the others (-1, or
	// all when nil) are taken from the queue's own directories by
	// [ResolveOwners]. Check never reads the system's user database.
	Owners *Owners
	// Now is the clock for the 36-hour rule; zero means time.Now().
	Now time.Time
	// QmailSend says whether qmail-send runs ([ProbeQmailSend]). Unless
	// RunningNo, findings that can be passing states are marked transient
	// and illegal states are checked twice.
	QmailSend Running
	// Workers is the number of split subdirectories checked at once; 0
	// means GOMAXPROCS.
	Workers int
	// QuarantineDir, when set, is qq's quarantine: a mess whose second
	// link is the copy a stopped qq rm kept there is recognised as such
	// (CodeInQuarantine) and can be repaired. A quarantine that cannot be
	// read is a note.
	QuarantineDir string
}

// Report sums up a check.
type Report struct {
	Dir     string
	Split   int
	BigTodo bool
	// Owners are the ids files were checked against.
	Owners Owners
	// Notes say where owner ids came from and what could not be checked.
	Notes     []string
	QmailSend Running
	// Messages is the number of message IDs examined.
	Messages int
	// Counts is the number of findings by severity.
	Counts [3]int
	// Changed counts messages whose files changed while they were checked
	// (qmail at work); they are not reported.
	Changed int
}

// Clean reports whether the check found nothing worse than info.
func (r *Report) Clean() bool { return r.Counts[SeverityWarning] == 0 && r.Counts[SeverityError] == 0 }

// Check checks the queue in dir and calls fn with every finding, layout
// first, then pid/, then message by message in split order (ascending IDs
// within a split). fn is called from one goroutine; an error from it stops
// the check. Check changes nothing and opens no lock file.
func Check(ctx context.Context, dir string, opts Options, fn func(*Finding) error) (*Report, error) {
	c, err := newChecker(dir, opts, fn)
	if err != nil {
		return nil, err
	}
	if err := c.run(ctx); err != nil {
		return c.report, err
	}
	return c.report, nil
}

// checker is one run of Check.
type checker struct {
	l       layout
	opts    Options
	owners  Owners
	now     time.Time
	running Running
	fn      func(*Finding) error
	report  *Report

	// splitDirs[kind][n] is false when kind/n is missing or not a
	// directory (its files cannot be listed).
	splitOK map[Kind][]bool
	// out holds, by the split they belong to, message files found outside
	// their split subdirectory (pass 1), and the files of unsplit
	// directories (todo, intd, bounce).
	out map[int][]*entry
	// extraDirs are numbered subdirectories beyond the split, removed
	// once empty after a repair moved their files.
	extraDirs []string
	// kept maps the inode of a mess the quarantine keeps as a hard link
	// (a qq rm entry) to the entry's name, RUN/ID.
	kept map[uint64]string
}

func newChecker(dir string, opts Options, fn func(*Finding) error) (*checker, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("check queue: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("check queue %s: %w: not a directory", dir, qmailqueue.ErrNotQueue)
	}
	found := false
	for _, d := range []string{"mess", "info", "todo", "lock"} {
		_, err := os.Lstat(filepath.Join(dir, d))
		switch {
		case err == nil:
			found = true
		case !errors.Is(err, fs.ErrNotExist):
			return nil, fmt.Errorf("check queue: %w", err)
		}
	}
	if !found {
		return nil, fmt.Errorf("check queue %s: %w: none of mess/, info/, todo/, lock/ exists", dir, qmailqueue.ErrNotQueue)
	}
	c := &checker{opts: opts, fn: fn, now: opts.Now, running: opts.QmailSend,
		splitOK: map[Kind][]bool{}, out: map[int][]*entry{}}
	c.l.dir = dir
	if c.now.IsZero() {
		c.now = time.Now()
	}
	owners, notes := ResolveOwners(dir, opts.Owners)
	c.owners = owners
	if opts.QuarantineDir != "" {
		kept, err := keptInQuarantine(opts.QuarantineDir)
		if err != nil {
			notes = append(notes, fmt.Sprintf("the quarantine could not be read (%v): a mess it also links is reported as extra links", err))
		}
		c.kept = kept
	}
	c.report = &Report{Dir: dir, Owners: c.owners, Notes: notes, QmailSend: c.running}
	return c, nil
}

// keptInQuarantine maps the inode of every mess the quarantine in dir keeps
// as a hard link of the queue's file to its entry's name. A missing
// quarantine is empty.
func keptInQuarantine(dir string) (map[uint64]string, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	entries, _, err := qmailqueue.LoadQuarantine(dir)
	if err != nil {
		return nil, err
	}
	kept := map[uint64]string{}
	for _, e := range entries {
		if e.Kind == qmailqueue.KindRemoved && e.Linked && e.MessInode != 0 {
			kept[e.MessInode] = e.Name()
		}
	}
	return kept, nil
}

// emit counts a finding and hands it to the caller.
func (c *checker) emit(f *Finding) error {
	c.report.Counts[f.Severity]++
	if f.Repair == "" && len(f.Actions) > 0 {
		f.Repair = describeActions(f.Actions)
	}
	return c.fn(f)
}

func (c *checker) run(ctx context.Context) error {
	layoutFindings, err := c.checkLayout()
	if err != nil {
		return err
	}
	for _, f := range layoutFindings {
		if err := c.emit(f); err != nil {
			return err
		}
	}
	strays, err := c.pass1()
	if err != nil {
		return err
	}
	for _, f := range strays {
		if err := c.emit(f); err != nil {
			return err
		}
	}
	pids, err := c.checkPid()
	if err != nil {
		return err
	}
	for _, f := range pids {
		if err := c.emit(f); err != nil {
			return err
		}
	}
	if err := c.checkMessages(ctx); err != nil {
		return err
	}
	if len(c.extraDirs) > 0 {
		// Extra split subdirectories go once a repair emptied them.
		var actions []Action
		for _, d := range c.extraDirs {
			actions = append(actions, Action{Op: OpRmdir, Path: d})
		}
		f := &Finding{Code: CodeExtraSplitDir, Severity: SeverityWarning, Files: c.extraDirs,
			Problem: fmt.Sprintf("%d numbered subdirectories beyond split %d", len(c.extraDirs), c.l.split),
			Qmail:   qmailExtraSplit, Actions: actions, phase: phaseCleanup,
			Repair: "remove them once the files in them are moved to their right subdirectories (a directory still holding files stays)"}
		if err := c.emit(f); err != nil {
			return err
		}
	}
	return nil
}

// checkLayout checks queue/, its directories, the split subdirectories and
// lock/ (docs/queue.md §1), and settles the split and big-todo.
func (c *checker) checkLayout() ([]*Finding, error) {
	var fs []*Finding
	var st unix.Stat_t
	if err := unix.Lstat(c.l.dir, &st); err != nil {
		return nil, &os.PathError{Op: "lstat", Path: c.l.dir, Err: err}
	}
	fs = append(fs, c.dirOwnerMode([]string{"."}, []unix.Stat_t{st}, roleQmailq, queueDirMode)...)

	present := map[string]bool{}
	var missing []dirSpec
	for _, d := range queueDirs {
		err := unix.Lstat(c.l.abs(d.name), &st)
		switch {
		case errors.Is(err, unix.ENOENT):
			missing = append(missing, d)
			continue
		case err != nil:
			return nil, &os.PathError{Op: "lstat", Path: c.l.abs(d.name), Err: err}
		case st.Mode&unix.S_IFMT != unix.S_IFDIR:
			fs = append(fs, notDir(d.name, st))
			continue
		}
		present[d.name] = true
		fs = append(fs, c.dirOwnerMode([]string{d.name}, []unix.Stat_t{st}, d.owner, d.mode)...)
	}

	split, err := c.settleSplit(present)
	if err != nil {
		return nil, err
	}
	c.l.split = split
	c.report.Split = split
	if !IsPrime(split) {
		fs = append(fs, &Finding{Code: CodeSplitNotPrime, Severity: SeverityWarning, Files: []string{"mess"},
			Problem: fmt.Sprintf("the split %d is not a prime number", split), Qmail: qmailNotPrime,
			Repair: "none: rebuild qmail with a prime conf-split, then qq fsck --resplit N"})
	}
	c.l.bigTodo = isDir(c.l.abs("todo/0")) || isDir(c.l.abs("intd/0"))
	c.report.BigTodo = c.l.bigTodo
	for _, d := range missing {
		// A missing directory comes back with its split subdirectories.
		rels := []string{d.name}
		if d.split || (d.todoish && c.l.bigTodo) {
			for n := range split {
				rels = append(rels, d.name+"/"+strconv.Itoa(n))
			}
		}
		fs = append(fs, c.missingDirs(rels, d))
	}

	for _, d := range queueDirs {
		if !present[d.name] || !(d.split || (d.todoish && c.l.bigTodo)) {
			continue
		}
		sub, err := c.checkSplitDirs(d)
		if err != nil {
			return nil, err
		}
		fs = append(fs, sub...)
	}
	for k := range numKinds {
		if c.splitOK[k] == nil {
			// Missing (or unsplit) directory: no subdirectory to list.
			c.splitOK[k] = make([]bool, c.l.split)
		}
	}
	if present["lock"] {
		fs = append(fs, c.checkLocks()...)
	}
	return fs, nil
}

// settleSplit returns the split: the one given, else the one
// qmailqueue.Open finds in a sound queue, else the count most split
// directories agree on (mess/ breaking ties).
func (c *checker) settleSplit(present map[string]bool) (int, error) {
	if c.opts.Split > 0 {
		return c.opts.Split, nil
	}
	if q, err := qmailqueue.Open(c.l.dir); err == nil {
		return q.Split, nil
	}
	votes := map[int]int{}
	best, bestVotes := 0, 0
	for _, name := range []string{"mess", "info", "local", "remote"} {
		if !present[name] {
			continue
		}
		n, err := highestSubdir(c.l.abs(name))
		if err != nil {
			return 0, err
		}
		if n == 0 {
			continue
		}
		votes[n]++
		if votes[n] > bestVotes {
			best, bestVotes = n, votes[n]
		}
	}
	if best == 0 {
		return 0, fmt.Errorf("check queue %s: %w", c.l.dir, ErrNoSplit)
	}
	return best, nil
}

// highestSubdir returns 1 + the highest canonical numbered subdirectory of
// dir, 0 if none; numbers above 2^20 are not split subdirectories.
func highestSubdir(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("check queue: %w", err)
	}
	high := 0
	for _, e := range entries {
		v, canonical, ok := parseName(e.Name())
		if ok && canonical && e.IsDir() && v < 1<<20 && int(v)+1 > high {
			high = int(v) + 1
		}
	}
	return high, nil
}

func isDir(path string) bool {
	fi, err := os.Lstat(path)
	return err == nil && fi.IsDir()
}

// checkSplitDirs checks the subdirectories 0..split-1 of one split
// directory: present, directories, owner and mode as their parent's in
// hier.c (dsplit); and notes subdirectories beyond the split.
func (c *checker) checkSplitDirs(d dirSpec) ([]*Finding, error) {
	var fs []*Finding
	ok := make([]bool, c.l.split)
	var missing, names []string
	var stats []unix.Stat_t
	for n := range c.l.split {
		rel := d.name + "/" + strconv.Itoa(n)
		var st unix.Stat_t
		err := unix.Lstat(c.l.abs(rel), &st)
		switch {
		case errors.Is(err, unix.ENOENT):
			missing = append(missing, rel)
			continue
		case err != nil:
			return nil, &os.PathError{Op: "lstat", Path: c.l.abs(rel), Err: err}
		case st.Mode&unix.S_IFMT != unix.S_IFDIR:
			fs = append(fs, notDir(rel, st))
			continue
		}
		ok[n] = true
		names = append(names, rel)
		stats = append(stats, st)
	}
	if len(missing) > 0 {
		fs = append(fs, c.missingDirs(missing, d))
	}
	fs = append(fs, c.dirOwnerMode(names, stats, d.owner, d.mode)...)
	for _, k := range []Kind{KindMess, KindInfo, KindLocal, KindRemote, KindIntd, KindTodo} {
		if k.String() == d.name {
			c.splitOK[k] = ok
		}
	}
	return fs, nil
}

// missingDirs reports missing directories, all of one hier.c entry.
func (c *checker) missingDirs(rels []string, d dirSpec) *Finding {
	f := &Finding{Code: CodeMissingDir, Severity: SeverityError, Files: rels, phase: phaseLayout}
	switch {
	case len(rels) == 1:
		f.Problem = rels[0] + "/ is missing"
	case rels[0] == d.name:
		f.Problem = fmt.Sprintf("%s/ and its %d subdirectories are missing", d.name, len(rels)-1)
	default:
		f.Problem = fmt.Sprintf("%d subdirectories of %s/ are missing", len(rels), d.name)
	}
	f.Qmail = qmailMissingDir
	if strings.Contains(rels[0], "/") || d.split {
		f.Qmail = qmailMissingSplit
	}
	for _, rel := range rels {
		f.Actions = append(f.Actions, Action{Op: OpMkdir, Path: rel, UID: c.owners.uid(d.owner), GID: c.owners.Qmail, Mode: d.mode})
	}
	return f
}

func notDir(rel string, st unix.Stat_t) *Finding {
	return &Finding{Code: CodeNotDir, Severity: SeverityError, Files: []string{rel},
		Problem: fmt.Sprintf("%s is a %s, not a directory", rel, typeName(st.Mode)), Qmail: qmailMissingSplit,
		Repair: "none: move it away by hand; qq fsck --repair then creates the directory"}
}

// dirOwnerMode compares directories with hier.c's owner, group qmail and
// mode, one finding per kind of difference.
func (c *checker) dirOwnerMode(rels []string, stats []unix.Stat_t, owner role, mode fs.FileMode) []*Finding {
	uid, gid := c.owners.uid(owner), c.owners.Qmail
	var badOwner, badMode []string
	var ownerActions, modeActions []Action
	narrow := false
	for i, st := range stats {
		if (uid >= 0 && int(st.Uid) != uid) || (gid >= 0 && int(st.Gid) != gid) {
			badOwner = append(badOwner, rels[i])
			ownerActions = append(ownerActions, Action{Op: OpChown, Path: rels[i], UID: uid, GID: gid})
		}
		if m := fs.FileMode(st.Mode & 0o7777); m != mode {
			badMode = append(badMode, rels[i])
			modeActions = append(modeActions, Action{Op: OpChmod, Path: rels[i], Mode: mode})
			if m&mode != mode {
				narrow = true
			}
		}
	}
	var out []*Finding
	if len(badOwner) > 0 {
		st := stats[slices.Index(rels, badOwner[0])]
		out = append(out, &Finding{Code: CodeDirOwner, Severity: SeverityError, Files: badOwner,
			Problem: fmt.Sprintf("%s: owner %s, want %s:qmail (%s)", plural(badOwner), ownerString(int(st.Uid), int(st.Gid)), roleName(owner), ownerString(uid, gid)),
			Qmail:   "qmail's processes run as qmailq and qmails and cannot use directories of other owners",
			Actions: ownerActions, phase: phaseLayout})
	}
	if len(badMode) > 0 {
		st := stats[slices.Index(rels, badMode[0])]
		f := &Finding{Code: CodeDirMode, Severity: SeverityWarning, Files: badMode,
			Problem: fmt.Sprintf("%s: mode %04o, want %04o", plural(badMode), st.Mode&0o7777, mode),
			Qmail:   qmailModeWide, Actions: modeActions, phase: phaseLayout}
		if narrow {
			f.Severity, f.Qmail = SeverityError, qmailModeNarrow
		}
		out = append(out, f)
	}
	return out
}

// plural names one path, or the first and how many more.
func plural(rels []string) string {
	name := rels[0]
	if name == "." {
		name = "queue/"
	}
	if len(rels) == 1 {
		return name
	}
	return fmt.Sprintf("%s and %d more", name, len(rels)-1)
}

// typeName names a file type, as every queue reader does.
func typeName(mode uint32) string { return qmailqueue.FileTypeName(mode) }

// checkLocks inspects lock/tcpto, lock/sendmutex and lock/trigger with
// lstat only (docs/queue.md §1.4, §10 rule 7): a missing one is created by a repair
// exactly as hier.c does; an existing one is never changed, so wrong types,
// owners and modes are left to the admin.
func (c *checker) checkLocks() []*Finding {
	var out []*Finding
	for _, ls := range lockFiles {
		rel := "lock/" + ls.name
		uid, gid := c.owners.uid(ls.owner), c.owners.Qmail
		var st unix.Stat_t
		err := unix.Lstat(c.l.abs(rel), &st)
		if errors.Is(err, unix.ENOENT) {
			f := &Finding{Code: CodeLockMissing, Severity: SeverityError, Files: []string{rel},
				Problem: rel + " is missing", phase: phaseLayout}
			switch ls.name {
			case "tcpto":
				f.Qmail = qmailNoTcpto
				f.Actions = []Action{{Op: OpTcpto, Path: rel, UID: uid, GID: gid, Mode: ls.mode}}
			case "sendmutex":
				f.Qmail = qmailNoMutex
				f.Actions = []Action{{Op: OpMutex, Path: rel, UID: uid, GID: gid, Mode: ls.mode}}
			case "trigger":
				f.Qmail = qmailNoTrigger
				f.Actions = []Action{{Op: OpMkfifo, Path: rel, UID: uid, GID: gid, Mode: ls.mode}}
			}
			out = append(out, f)
			continue
		}
		if err != nil {
			out = append(out, &Finding{Code: CodeLockType, Severity: SeverityError, Files: []string{rel},
				Problem: fmt.Sprintf("%s: %v", rel, err), Qmail: qmailLockOwner, Repair: "none"})
			continue
		}
		manual := "none: qq never changes an existing lock file; fix it by hand with qmail-send stopped"
		typ := st.Mode & unix.S_IFMT
		switch {
		case ls.fifo && typ != unix.S_IFIFO:
			out = append(out, &Finding{Code: CodeLockType, Severity: SeverityError, Files: []string{rel},
				Problem: fmt.Sprintf("%s is a %s, not a FIFO", rel, typeName(st.Mode)), Qmail: qmailTriggerType,
				Repair: manual + " (rm it, then qq fsck --repair makes the FIFO)"})
			continue
		case !ls.fifo && typ != unix.S_IFREG:
			q := qmailMutexType
			if ls.name == "tcpto" {
				q = qmailNoTcpto
			}
			out = append(out, &Finding{Code: CodeLockType, Severity: SeverityError, Files: []string{rel},
				Problem: fmt.Sprintf("%s is a %s, not a regular file", rel, typeName(st.Mode)), Qmail: q, Repair: manual})
			continue
		case ls.size >= 0 && st.Size != ls.size:
			out = append(out, &Finding{Code: CodeLockType, Severity: SeverityError, Files: []string{rel},
				Problem: fmt.Sprintf("%s has %d bytes, not %d", rel, st.Size, ls.size), Qmail: qmailNoTcpto,
				Repair: manual + " (qmail-tcpok rewrites 1024 NUL bytes but does not truncate)"})
		}
		if (uid >= 0 && int(st.Uid) != uid) || (gid >= 0 && int(st.Gid) != gid) {
			out = append(out, &Finding{Code: CodeLockOwner, Severity: SeverityError, Files: []string{rel},
				Problem: fmt.Sprintf("%s: owner %s, want %s:qmail (%s)", rel, ownerString(int(st.Uid), int(st.Gid)), roleName(ls.owner), ownerString(uid, gid)),
				Qmail:   qmailLockOwner, Repair: fmt.Sprintf("%s (chown %s %s)", manual, ownerString(uid, gid), rel)})
		}
		if m := fs.FileMode(st.Mode & 0o7777); m != ls.mode {
			out = append(out, &Finding{Code: CodeLockMode, Severity: SeverityError, Files: []string{rel},
				Problem: fmt.Sprintf("%s: mode %04o, want %04o", rel, m, ls.mode), Qmail: qmailLockOwner,
				Repair: fmt.Sprintf("%s (chmod %04o %s)", manual, ls.mode, rel)})
		}
	}
	return out
}

// sortIDs sorts message IDs.
func sortIDs(ids []uint64) { sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] }) }

// workers returns how many goroutines check splits at once.
func (c *checker) workers() int {
	if c.opts.Workers > 0 {
		return c.opts.Workers
	}
	return runtime.GOMAXPROCS(0)
}

// checkMessages checks every split subdirectory's messages, in parallel,
// and emits the findings in split order.
func (c *checker) checkMessages(ctx context.Context) error {
	type result struct {
		findings []*Finding
		messages int
		changed  int
		err      error
		done     chan struct{}
	}
	results := make([]*result, c.l.split)
	for n := range results {
		results[n] = &result{done: make(chan struct{})}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sem := make(chan struct{}, c.workers())
	var wg sync.WaitGroup
	spawned := make(chan struct{})
	go func() {
		defer close(spawned)
		for n := range c.l.split {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				for ; n < c.l.split; n++ {
					results[n].err = ctx.Err()
					close(results[n].done)
				}
				return
			}
			wg.Go(func() {
				defer func() { <-sem }()
				r := results[n]
				w := &worker{c: c, n: n, buf: make([]byte, 8192)}
				func() {
					// A panic here would end the process with services
					// stopped for a repair; it ends the check instead.
					defer qmailqueue.RecoverTo(&r.err)
					r.findings, r.err = w.checkSplit(ctx)
				}()
				r.messages, r.changed = w.messages, w.changed
				close(r.done)
			})
		}
	}()
	defer func() {
		<-spawned
		wg.Wait()
	}()
	for _, r := range results {
		<-r.done
		if r.err != nil {
			cancel()
			return r.err
		}
		c.report.Messages += r.messages
		c.report.Changed += r.changed
		for _, f := range r.findings {
			if err := c.emit(f); err != nil {
				cancel()
				return err
			}
		}
		r.findings = nil
	}
	return nil
}
