package fsck

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/qqmail/qq/internal/durable"
	"github.com/qqmail/qq/qmailqueue"
	"golang.org/x/sys/unix"
)

// ExecOptions configures [Plan.Execute].
type ExecOptions struct {
	// Quarantine is where files are saved before they are removed or
	// rewritten: the quarantine qq rm uses too (one format, one lock; see
	// qmailqueue.Quarantine), in a run fsck-<time> holding <ID>/<kind>
	// (and pid/<name>), each listed in the run's manifest before it is
	// saved. It should be on the queue's file system, so that saving is a
	// hard link that keeps the inode, owner, mode and times; elsewhere
	// files are copied with their mode, owner and times. Nil: the
	// quarantine in QuarantineDir is opened (and locked) when the plan
	// saves anything, before its first step; an error wrapping
	// qmailqueue.ErrQuarantineBusy means another qq run holds it.
	Quarantine    *qmailqueue.Quarantine
	QuarantineDir string
	// Reason is recorded with every saved file (qq's command line).
	Reason string
	// Now names the run directory; zero means time.Now().
	Now time.Time
	// Log, if set, is told about every step as it is done.
	Log func(Step)
}

// Step is one action carried out (or not) by a repair.
type Step struct {
	Unit   *Unit
	Action Action
	// Err is why the step failed; the rest of its unit is skipped.
	Err error
	// Note says why a step was not needed (e.g. a directory not empty).
	Note string
}

// String describes the step for a log.
func (s Step) String() string {
	switch {
	case s.Err != nil:
		return "failed: " + s.Action.String() + ": " + s.Err.Error()
	case s.Note != "":
		return "skipped: " + s.Action.String() + ": " + s.Note
	}
	return "done: " + s.Action.String()
}

// Result sums up an executed plan.
type Result struct {
	Done       int    // steps done
	Failed     int    // units stopped by a failed step
	Refused    int    // units that did not run (refused in the plan)
	Quarantine string // the run's quarantine directory, "" if nothing was saved
}

// executor runs one plan.
type executor struct {
	opts   ExecOptions
	l      *layout
	res    *Result
	z      *qmailqueue.Quarantine
	ownZ   bool                      // z was opened here, and is closed here
	run    *qmailqueue.QuarantineRun // made on first save
	staged map[*Unit][]Action        // second hops of staged renames
	temps  []string                  // pid/ files holding staging inodes
	// reserve is the pid/ file whose inode number a staged unit's files
	// carry between the hops; keep holds those that must outlive the run
	// because a hop failed and files are still under that number.
	reserve map[*Unit]string
	keep    map[string]bool
}

// Execute carries out the plan on the queue in dir, which must not be in
// use by qmail-send (the caller holds the maintenance cycle). Every step
// is logged; a step that fails stops its unit, and the others go on.
// A file whose inode changed since the check is left alone. The error
// joins the failures; the Result counts them.
func (p *Plan) Execute(ctx context.Context, opts ExecOptions) (*Result, error) {
	x := newExecutor(&p.l, opts)
	defer x.close()
	if err := x.openQuarantine(p); err != nil {
		return x.res, err
	}
	var errs []error
	// Staged renames step aside before any rename runs.
	for _, u := range p.Units {
		if u.Runs() && u.stage {
			if err := x.stage(u); err != nil {
				errs = append(errs, err)
			}
		}
	}
	var cancelled error
	for _, u := range p.Units {
		if err := ctx.Err(); err != nil && !u.stage {
			// Interrupted: start nothing new, but a staged rename still
			// takes its second hop, so that no message is left under a
			// staging ID whose reserving temp file close() removes.
			cancelled = err
			continue
		}
		if !u.Runs() {
			if u.Refused != "" {
				x.res.Refused++
			}
			continue
		}
		actions := u.Actions
		if u.stage {
			second, ok := x.staged[u]
			if !ok {
				continue // the first hop failed
			}
			actions = second
		}
		if err := x.runUnit(u, actions); err != nil {
			if u.stage {
				err = x.keepReserve(u, err)
			}
			errs = append(errs, err)
		}
	}
	if cancelled != nil {
		errs = append(errs, cancelled)
	}
	return x.res, errors.Join(errs...)
}

func newExecutor(l *layout, opts ExecOptions) *executor {
	x := &executor{opts: opts, l: l, res: &Result{}, staged: map[*Unit][]Action{}, reserve: map[*Unit]string{}, keep: map[string]bool{}}
	if x.opts.Now.IsZero() {
		x.opts.Now = time.Now()
	}
	return x
}

// runUnit runs actions in order, stopping at the first failure. Between
// the stages of a removal ({intd, todo, local, remote, bounce}, {info},
// {mess}) it fsyncs the directories the earlier stage unlinked from, so
// that a crash can never leave a later stage's unlink on disk without the
// earlier ones (docs/queue.md §10 rule 14).
func (x *executor) runUnit(u *Unit, actions []Action) error {
	stage, unsynced := 0, map[string]bool{}
	for _, a := range actions {
		if a.Op == OpRemove {
			if s := removeStage(kindOfRel(a.Path)); s > stage {
				if err := syncDirs(unsynced); err != nil {
					x.res.Failed++
					return fmt.Errorf("%s: %w", a, err)
				}
				stage = s
			}
			unsynced[filepath.Dir(x.l.abs(a.Path))] = true
		}
		note, err := x.do(a)
		if x.opts.Log != nil {
			x.opts.Log(Step{Unit: u, Action: a, Err: err, Note: note})
		}
		if err != nil {
			x.res.Failed++
			return fmt.Errorf("%s: %w", a, err)
		}
		if note == "" {
			x.res.Done++
		}
	}
	return nil
}

// removeStage is the stage of a message file's removal in rule 14's
// order: 0 for intd, todo, local, remote and bounce, 1 for info, 2 for mess.
func removeStage(k Kind) int {
	switch k {
	case KindInfo:
		return 1
	case KindMess:
		return 2
	}
	return 0
}

// syncDir is durable.SyncDir; tests replace it to see the order of syncs
// and unlinks.
var syncDir = durable.SyncDir

// syncDirs fsyncs each directory in dirs and forgets it.
func syncDirs(dirs map[string]bool) error {
	for dir := range dirs {
		if err := syncDir(dir); err != nil {
			return err
		}
		delete(dirs, dir)
	}
	return nil
}

// stage moves the message of a renaming caught in a cycle to a number of
// its own: the inode of a file made in pid/ as qmail-queue makes one, kept
// until the end so that no new message can get it. The second hop, to the
// real target, is kept for the unit's turn.
func (x *executor) stage(u *Unit) error {
	var tmp string
	var stageID uint64
	for seq := 1; seq <= 9 && tmp == ""; seq++ {
		path := filepath.Join(x.l.dir, "pid", fmt.Sprintf("qq-fsck.%d.%d", os.Getpid(), seq))
		fd, err := unix.Open(path, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_CLOEXEC, 0o600)
		if errors.Is(err, unix.EEXIST) {
			continue
		}
		if err != nil {
			return fmt.Errorf("stage a rename: %w", &os.PathError{Op: "create", Path: path, Err: err})
		}
		var st unix.Stat_t
		err = unix.Fstat(fd, &st)
		unix.Close(fd)
		if err != nil {
			return err
		}
		x.temps = append(x.temps, path)
		if !x.taken(st.Ino) {
			tmp, stageID = path, st.Ino
		}
	}
	if tmp == "" {
		return errors.New("stage a rename: no free number found")
	}
	var first, second []Action
	for _, a := range u.Actions {
		if a.Op == OpLink || a.Op == OpRename {
			kind := strings.SplitN(a.Target, "/", 2)[0]
			via := x.l.rel(kindByName(kind), stageID)
			first = append(first, Action{Op: a.Op, Path: a.Path, Target: via, Ino: a.Ino})
			second = append(second, Action{Op: a.Op, Path: via, Target: a.Target, Ino: a.Ino, targetIno: a.targetIno})
		} else {
			first = append(first, a)
		}
	}
	// The second hop removes what it linked, mess last.
	for _, k := range removeOrder {
		for _, a := range first {
			if a.Op == OpLink && kindByName(strings.SplitN(a.Target, "/", 2)[0]) == k {
				second = append(second, Action{Op: OpRemove, Path: a.Target, Ino: a.Ino})
			}
		}
	}
	x.reserve[u] = tmp
	if err := x.runUnit(u, first); err != nil {
		return x.keepReserve(u, err)
	}
	x.staged[u] = second
	return nil
}

// keepReserve keeps the pid/ file reserving u's staging number after a hop
// of u failed: files of the message may be under that number, and were
// the file removed, qmail-queue could give the number to a new message
// whose files would meet them. The next qq fsck sees the files under a
// name that is not their inode and puts them right; qmail-send removes
// the pid/ file after 36 hours (docs/queue.md §4.6).
func (x *executor) keepReserve(u *Unit, err error) error {
	tmp := x.reserve[u]
	x.keep[tmp] = true
	return fmt.Errorf("%w (kept %s, which reserves the number the message's files may still carry; run qq fsck again)", err, "pid/"+filepath.Base(tmp))
}

// taken reports whether any message file carries number id.
func (x *executor) taken(id uint64) bool {
	for k := range numKinds {
		var st unix.Stat_t
		if unix.Lstat(x.l.abs(x.l.rel(k, id)), &st) == nil {
			return true
		}
	}
	return false
}

func kindByName(name string) Kind {
	for k := range numKinds {
		if k.String() == name {
			return k
		}
	}
	return KindMess
}

func (x *executor) close() {
	for _, t := range x.temps {
		if !x.keep[t] {
			os.Remove(t)
		}
	}
	if x.run != nil {
		x.run.Close()
	}
	if x.ownZ {
		x.z.Close()
	}
}

// openQuarantine takes the quarantine's lock before the first step when
// the plan saves anything, so that a busy quarantine changes nothing.
func (x *executor) openQuarantine(p *Plan) error {
	x.z = x.opts.Quarantine
	if x.z != nil {
		return nil
	}
	saves := false
	for _, u := range p.Units {
		for _, a := range u.Actions {
			saves = saves || (u.Runs() && (a.Op == OpSave || a.Op == OpCopy || a.Op == OpUnquarantine))
		}
	}
	if !saves || x.opts.QuarantineDir == "" {
		return nil
	}
	z, err := qmailqueue.OpenQuarantine(x.opts.QuarantineDir)
	if err != nil {
		return err
	}
	x.z, x.ownZ = z, true
	return nil
}

// errChanged means that a file is no longer the one the check saw.
var errChanged = errors.New("the file changed since it was checked; left alone")

// check verifies that path is still inode ino.
func (x *executor) check(path string, ino uint64) error {
	if ino == 0 {
		return nil
	}
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return err
	}
	if st.Ino != ino {
		return errChanged
	}
	return nil
}

// do carries out one action. A note instead of an error means the action
// was not needed.
func (x *executor) do(a Action) (note string, err error) {
	path := x.l.abs(a.Path)
	switch a.Op {
	case OpMkdir:
		if err := os.Mkdir(path, a.Mode); err != nil && !errors.Is(err, fs.ErrExist) {
			return "", err
		}
		return "", changeMeta(path, a.Path, 0, true, int(a.Mode), a.UID, a.GID)
	case OpChown:
		return "", changeMeta(path, a.Path, a.Ino, false, -1, a.UID, a.GID)
	case OpChmod:
		return "", changeMeta(path, a.Path, a.Ino, false, int(a.Mode), -1, -1)
	case OpTcpto, OpMutex:
		content := []byte(nil)
		if a.Op == OpTcpto {
			content = make([]byte, tcptoSize)
		}
		return "", createExcl(path, content, a.Mode, a.UID, a.GID)
	case OpMkfifo:
		if err := unix.Mkfifo(path, uint32(a.Mode)); err != nil {
			return "", &os.PathError{Op: "mkfifo", Path: path, Err: err}
		}
		return "", changeMeta(path, a.Path, 0, false, int(a.Mode), a.UID, a.GID)
	case OpSave, OpCopy:
		if err := x.check(path, a.Ino); err != nil {
			return "", err
		}
		return "", x.save(a, a.Op == OpCopy)
	case OpRemove:
		if err := x.check(path, a.Ino); err != nil {
			if errors.Is(err, unix.ENOENT) {
				return "already gone", nil
			}
			return "", err
		}
		return "", os.Remove(path)
	case OpLink:
		if err := x.check(path, a.Ino); err != nil {
			return "", err
		}
		dst := x.l.abs(a.Target)
		if err := os.Link(path, dst); err != nil {
			if errors.Is(err, fs.ErrExist) && x.check(dst, a.Ino) == nil {
				return "the new name links the file already", nil
			}
			return "", err
		}
		return "", nil
	case OpRename:
		if err := x.check(path, a.Ino); err != nil {
			return "", err
		}
		dst := x.l.abs(a.Target)
		if err := renameNoReplace(path, dst); err != nil {
			if errors.Is(err, unix.EEXIST) && x.check(dst, a.Ino) == nil {
				// Interrupted: the new name is there; drop the old.
				return "", os.Remove(path)
			}
			return "", &os.LinkError{Op: "rename", Old: path, New: dst, Err: err}
		}
		return "", nil
	case OpRewrite:
		if err := x.check(path, a.Ino); err != nil {
			return "", err
		}
		return "", rewriteFile(path, a.Content, a.Ino)
	case OpUnquarantine:
		if err := x.check(path, a.Ino); err != nil {
			return "", err
		}
		return x.unquarantine(a)
	case OpRmdir:
		err := unix.Rmdir(path)
		switch {
		case errors.Is(err, unix.ENOTEMPTY) || errors.Is(err, unix.EEXIST):
			return "not empty", nil
		case errors.Is(err, unix.ENOENT):
			return "already gone", nil
		case err != nil:
			return "", &os.PathError{Op: "rmdir", Path: path, Err: err}
		}
		return "", nil
	}
	return "", fmt.Errorf("unknown action %q", a.Op)
}

// unquarantine drops the quarantine entry a.Target if its kept mess is
// still the queue's file a.Path (inode a.Ino): it purges the entry, which
// unlinks the quarantine's name and the manifest line; the queue's file
// is not touched.
func (x *executor) unquarantine(a Action) (note string, err error) {
	if x.z == nil {
		return "", errors.New("no quarantine given")
	}
	entries, _, err := qmailqueue.LoadQuarantine(x.z.Dir)
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if e.Name() == a.Target && e.Kind == qmailqueue.KindRemoved && e.MessInode == a.Ino && e.Linked {
			return "", x.z.Purge([]qmailqueue.QuarantineEntry{e})
		}
	}
	return "the quarantine no longer keeps it", nil
}

// changeMeta changes the mode (unless mode < 0) and the owner and group
// (unless both are -1) of path through a descriptor, never through the path:
// the file is opened with O_NOFOLLOW|O_NONBLOCK (a link is never followed, a
// FIFO never waited on), and a directory with O_DIRECTORY too when dir is
// set. A regular file must have at most the links qmail gives a file at rel
// (relative to the queue) and, when ino is not 0, be inode ino, or nothing is
// changed: another name of it may be a file outside the queue. Devices and
// sockets are refused.
func changeMeta(path, rel string, ino uint64, dir bool, mode, uid, gid int) error {
	flags := unix.O_RDONLY | unix.O_NOFOLLOW | unix.O_NONBLOCK | unix.O_CLOEXEC
	if dir {
		flags |= unix.O_DIRECTORY
	}
	fd, err := unix.Open(path, flags, 0)
	if err == unix.ELOOP || (dir && err == unix.ENOTDIR) {
		var st unix.Stat_t
		if unix.Lstat(path, &st) == nil {
			return &qmailqueue.UnsafeFileError{Path: path, Type: qmailqueue.FileTypeName(st.Mode)}
		}
	}
	if err != nil {
		return &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return &os.PathError{Op: "fstat", Path: path, Err: err}
	}
	switch st.Mode & unix.S_IFMT {
	case unix.S_IFDIR, unix.S_IFIFO:
		if uint64(st.Nlink) > 1 && st.Mode&unix.S_IFMT == unix.S_IFIFO {
			return &qmailqueue.UnsafeFileError{Path: path, Links: uint64(st.Nlink), MaxLinks: 1}
		}
	case unix.S_IFREG:
		if err := qmailqueue.CheckQueueFile(path, &st, ino, maxLinks(kindOfRel(rel))); err != nil {
			return err
		}
	default:
		return &qmailqueue.UnsafeFileError{Path: path, Type: qmailqueue.FileTypeName(st.Mode)}
	}
	if ino != 0 && st.Ino != ino {
		return errChanged
	}
	if mode >= 0 {
		if err := unix.Fchmod(fd, uint32(mode)); err != nil {
			return &os.PathError{Op: "fchmod", Path: path, Err: err}
		}
	}
	if uid >= 0 || gid >= 0 {
		if err := unix.Fchown(fd, uid, gid); err != nil {
			return &os.PathError{Op: "fchown", Path: path, Err: err}
		}
	}
	return nil
}

// kindOfRel is the kind of the message file at rel (relative to the queue),
// KindMess for any other path (a lock file): its link limit is one.
func kindOfRel(rel string) Kind {
	return kindByName(strings.SplitN(rel, "/", 2)[0])
}

// createExcl creates path, which must not exist, with content, mode and
// owner, as hier.c's z() does for the lock files.
func createExcl(path string, content []byte, mode fs.FileMode, uid, gid int) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return err
	}
	if len(content) > 0 {
		_, err = f.Write(content)
	}
	if err == nil {
		err = f.Chmod(mode)
	}
	if err == nil && (uid >= 0 || gid >= 0) {
		err = f.Chown(uid, gid)
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// linkUnlink moves src to dst without ever replacing dst.
func linkUnlink(src, dst string) error {
	if err := unix.Link(src, dst); err != nil {
		return err
	}
	return unix.Unlink(src)
}

// rewriteFile replaces the content of path (inode ino) through a new file
// in the same directory, with the old one's owner, mode, atime and mtime
// (the mtime of info is the message's birth, that of local and remote its
// next retry: docs/queue.md §3.4, §5.1).
func rewriteFile(path string, content []byte, ino uint64) error {
	var st unix.Stat_t
	if err := unix.Lstat(path, &st); err != nil {
		return err
	}
	tmp := filepath.Join(filepath.Dir(path), ".qq-fsck."+filepath.Base(path))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	_, err = f.Write(content)
	if err == nil {
		err = f.Chown(int(st.Uid), int(st.Gid))
	}
	if err == nil {
		err = f.Chmod(fs.FileMode(st.Mode & 0o7777))
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chtimes(tmp, timespec(st.Atim), timespec(st.Mtim))
	}
	if err == nil {
		var now unix.Stat_t
		if err = unix.Lstat(path, &now); err == nil && now.Ino != ino {
			err = errChanged
		}
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
	}
	return err
}

// save puts a file into the run's quarantine directory: a hard link (the
// same inode, owner, mode and times) or, across file systems or when
// asked, a copy with mode, owner and times. The run is made on the first
// save.
func (x *executor) save(a Action, copyIt bool) error {
	if x.z == nil {
		return errors.New("no quarantine directory given")
	}
	if x.run == nil {
		run, err := x.z.NewFsckRun(x.l.dir, x.opts.Reason, x.opts.Now)
		if err != nil {
			return err
		}
		x.run, x.res.Quarantine = run, run.Dir()
	}
	_, err := x.run.SaveFile(x.l.abs(a.Path), a.Path, a.ID, a.Ino, copyIt)
	return err
}
