package queuetest

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// DefaultSplit is qmail's default conf-split (docs/queue.md §1.2).
const DefaultSplit = 23

// tcptoSize is the size of lock/tcpto: 64 records of 16 bytes (docs/queue.md §1.4, §6.2).
const tcptoSize = 1024

// Options says how to lay out a queue.
type Options struct {
	// Split is conf-split: the number of numbered subdirectories of mess,
	// info, local and remote (docs/queue.md §1.2). Zero means DefaultSplit.
	Split int
	// BigTodo also splits todo and intd, as the big-todo patch does
	// (docs/queue.md §1.3).
	BigTodo bool
	// Owners, when not nil and the process runs as root, gives every
	// directory and file qmail's owner (docs/queue.md §1.1, §1.4, §3.8). Otherwise
	// owners are left as the process creates them.
	Owners *Owners
	// Now is the birth of every message that gives none ([Message.Birth]),
	// truncated to the second. Zero means the current time, which makes
	// the Received line and the size of such a message depend on the day:
	// fixtures compared with golden output set it.
	Now time.Time
}

// Owners are the numeric ids of qmail's users and group (conf-users).
type Owners struct {
	Qmailq int // owner of queue/, pid, intd, todo, mess, lock and of the files qmail-queue writes
	Qmails int // owner of bounce, info, local, remote, lock/sendmutex and lock/trigger
	Qmailr int // owner of lock/tcpto
	Qmail  int // group of every directory, of the lock files and of the files qmail-send writes
}

// Builder adds messages to one queue directory. Its methods may be called
// from several goroutines at once. Call [Builder.Close] when done: the
// builder keeps the inodes of removed mess files open so that no later
// message can be given their IDs while stale files still carry them.
type Builder struct {
	dir     string
	split   int
	bigTodo bool
	owners  *Owners // nil unless Options.Owners was given and we run as root
	now     time.Time

	nextPID atomic.Int64
	// dirty is set once files may exist whose name is not a live inode
	// (an opened queue, broken states); Add then avoids such IDs.
	dirty atomic.Bool

	mu   sync.Mutex
	held []*os.File
}

// dirSpec is one directory of hier_queue() (docs/queue.md §1.1).
type dirSpec struct {
	name    string
	mode    fs.FileMode
	qmails  bool // owned by qmails rather than qmailq
	split   bool // always split into 0..split-1
	todoish bool // split only with big-todo (docs/queue.md §1.3)
}

// queueDirs lists the subdirectories of queue/ in hier.c's order.
var queueDirs = []dirSpec{
	{name: "pid", mode: 0o700},
	{name: "intd", mode: 0o700, todoish: true},
	{name: "todo", mode: 0o750, todoish: true},
	{name: "bounce", mode: 0o700, qmails: true},
	{name: "mess", mode: 0o750, split: true},
	{name: "info", mode: 0o700, qmails: true, split: true},
	{name: "local", mode: 0o700, qmails: true, split: true},
	{name: "remote", mode: 0o700, qmails: true, split: true},
	{name: "lock", mode: 0o750},
}

// New creates an empty queue at queueDir, the queue/ directory itself, whose
// parent must exist. queueDir must not exist or be an empty directory.
func New(queueDir string, opts Options) (*Builder, error) {
	// Paths are built from the queue directory and the working directory
	// never matters: make it absolute first.
	queueDir, err := filepath.Abs(queueDir)
	if err != nil {
		return nil, fmt.Errorf("create queue: %w", err)
	}
	b := newBuilder(queueDir, opts)
	if b.split < 1 {
		return nil, fmt.Errorf("create queue %s: split %d is not positive", queueDir, b.split)
	}
	if err := os.Mkdir(queueDir, 0o750); err != nil {
		if !errors.Is(err, fs.ErrExist) {
			return nil, fmt.Errorf("create queue: %w", err)
		}
		entries, rerr := os.ReadDir(queueDir)
		if rerr != nil {
			return nil, fmt.Errorf("create queue: %w", rerr)
		}
		if len(entries) > 0 {
			return nil, fmt.Errorf("create queue %s: directory is not empty", queueDir)
		}
	}
	if err := b.mkdir(".", 0o750, false, true); err != nil {
		return nil, err
	}
	for _, d := range queueDirs {
		if err := b.mkdir(d.name, d.mode, d.qmails, false); err != nil {
			return nil, err
		}
		if d.split || (d.todoish && b.bigTodo) {
			for n := range b.split {
				if err := b.mkdir(filepath.Join(d.name, strconv.Itoa(n)), d.mode, d.qmails, false); err != nil {
					return nil, err
				}
			}
		}
	}
	if err := b.makeLocks(); err != nil {
		return nil, err
	}
	return b, nil
}

// Open returns a builder that adds messages to an existing queue, such as one
// made by [New]. The split and big-todo layout are read from the directories;
// a non-zero opts.Split or a true opts.BigTodo must agree with them.
func Open(queueDir string, opts Options) (*Builder, error) {
	queueDir, err := filepath.Abs(queueDir)
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	split, err := countSplit(filepath.Join(queueDir, "mess"))
	if err != nil {
		return nil, fmt.Errorf("open queue %s: %w", queueDir, err)
	}
	if opts.Split != 0 && opts.Split != split {
		return nil, fmt.Errorf("open queue %s: split is %d on disk, not %d", queueDir, split, opts.Split)
	}
	st, err := os.Stat(filepath.Join(queueDir, "todo", "0"))
	bigTodo := err == nil && st.IsDir()
	if opts.BigTodo && !bigTodo {
		return nil, fmt.Errorf("open queue %s: todo is not split (no big-todo layout)", queueDir)
	}
	opts.Split, opts.BigTodo = split, bigTodo
	b := newBuilder(queueDir, opts)
	b.dirty.Store(true)
	return b, nil
}

// countSplit returns n when messDir holds exactly the directories 0..n-1.
func countSplit(messDir string) (int, error) {
	entries, err := os.ReadDir(messDir)
	if err != nil {
		return 0, err
	}
	seen := make(map[string]bool)
	for _, e := range entries {
		if e.IsDir() {
			seen[e.Name()] = true
		}
	}
	for n := range len(seen) {
		if !seen[strconv.Itoa(n)] {
			return 0, fmt.Errorf("mess/%d is missing", n)
		}
	}
	if len(seen) == 0 {
		return 0, errors.New("mess has no split subdirectories")
	}
	return len(seen), nil
}

// NewT creates an empty queue in t.TempDir()/queue, fails the test on error
// and closes the builder when the test ends.
func NewT(t testing.TB, opts Options) *Builder {
	t.Helper()
	b, err := New(filepath.Join(t.TempDir(), "queue"), opts)
	if err != nil {
		t.Fatalf("queuetest: %v", err)
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Errorf("queuetest: %v", err)
		}
	})
	return b
}

func newBuilder(queueDir string, opts Options) *Builder {
	b := &Builder{dir: queueDir, split: opts.Split, bigTodo: opts.BigTodo, now: opts.Now.Truncate(time.Second)}
	if b.split == 0 {
		b.split = DefaultSplit
	}
	if opts.Owners != nil && os.Geteuid() == 0 {
		o := *opts.Owners
		b.owners = &o
	}
	b.nextPID.Store(firstPID - 1)
	return b
}

// firstPID is the pid given to the first message that names none; later
// ones count up from it, so fixtures are reproducible.
const firstPID = 10000

// Close releases the inodes the builder kept open. The queue stays on disk.
func (b *Builder) Close() error {
	b.mu.Lock()
	held := b.held
	b.held = nil
	b.mu.Unlock()
	var errs []error
	for _, f := range held {
		errs = append(errs, f.Close())
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close builder: %w", err)
	}
	return nil
}

// Dir returns the queue directory.
func (b *Builder) Dir() string { return b.dir }

// Split returns the number of split subdirectories.
func (b *Builder) Split() int { return b.split }

// BigTodo reports whether todo and intd are split too.
func (b *Builder) BigTodo() bool { return b.bigTodo }

// Kinds returns the names of the per-message file kinds [Builder.Path]
// accepts, in the order of docs/queue.md §0.
func Kinds() []string {
	return []string{"mess", "intd", "todo", "info", "local", "remote", "bounce"}
}

// splitKind reports whether files of kind live in split subdirectories.
func (b *Builder) splitKind(kind string) bool {
	switch kind {
	case "mess", "info", "local", "remote":
		return true
	case "intd", "todo":
		return b.bigTodo
	case "bounce":
		return false
	}
	panic(fmt.Sprintf("queuetest: unknown file kind %q (want one of %v)", kind, Kinds()))
}

// Path returns where qmail keeps the file of kind ("mess", "intd", "todo",
// "info", "local", "remote" or "bounce") for message id: under the split
// subdirectory id % split where fmtqfn puts one (docs/queue.md §1.2). It panics on an
// unknown kind.
func (b *Builder) Path(kind string, id uint64) string {
	return filepath.Join(b.dir, b.rel(kind, id))
}

// rel is Path relative to the queue directory.
func (b *Builder) rel(kind string, id uint64) string {
	name := strconv.FormatUint(id, 10)
	if b.splitKind(kind) {
		return filepath.Join(kind, strconv.FormatUint(id%uint64(b.split), 10), name)
	}
	return filepath.Join(kind, name)
}

// SetTimes sets the access and modification times of a file; path is
// absolute or relative to the queue directory.
func (b *Builder) SetTimes(path string, atime, mtime time.Time) error {
	if !filepath.IsAbs(path) {
		path = filepath.Join(b.dir, path)
	}
	if err := os.Chtimes(path, atime, mtime); err != nil {
		return fmt.Errorf("set times: %w", err)
	}
	return nil
}

// Files lists, relative to the queue directory and sorted, every file in
// mess, intd, todo, info, local, remote and bounce whose all-digit name has
// the value id, in any subdirectory and with or without leading zeros. It is
// meant for tests and reads whole directories.
func (b *Builder) Files(id uint64) ([]string, error) {
	var found []string
	for _, kind := range Kinds() {
		dirs := []string{kind}
		if b.splitKind(kind) {
			dirs = dirs[:0]
			for n := range b.split {
				dirs = append(dirs, filepath.Join(kind, strconv.Itoa(n)))
			}
		}
		for _, d := range dirs {
			entries, err := os.ReadDir(filepath.Join(b.dir, d))
			if err != nil {
				return nil, fmt.Errorf("list files of %d: %w", id, err)
			}
			for _, e := range entries {
				if v, ok := digitsValue(e.Name()); ok && v == id && !e.IsDir() {
					found = append(found, filepath.Join(d, e.Name()))
				}
			}
		}
	}
	slices.Sort(found)
	return found, nil
}

// digitsValue parses an all-digit name, leading zeros allowed.
func digitsValue(name string) (uint64, bool) {
	if name == "" {
		return 0, false
	}
	for _, c := range []byte(name) {
		if c < '0' || c > '9' {
			return 0, false
		}
	}
	v, err := strconv.ParseUint(name, 10, 64)
	return v, err == nil
}

// mkdir creates one queue directory (unless existing is set) with its mode
// and, when owners apply, its owner and group qmail (docs/queue.md §1.1).
func (b *Builder) mkdir(rel string, mode fs.FileMode, qmails, existing bool) error {
	path := filepath.Join(b.dir, rel)
	if !existing {
		if err := os.Mkdir(path, mode); err != nil {
			return fmt.Errorf("create queue: %w", err)
		}
	}
	if err := os.Chmod(path, mode); err != nil {
		return fmt.Errorf("create queue: %w", err)
	}
	if b.owners != nil {
		uid := b.owners.Qmailq
		if qmails {
			uid = b.owners.Qmails
		}
		if err := os.Lchown(path, uid, b.owners.Qmail); err != nil {
			return fmt.Errorf("create queue: %w", err)
		}
	}
	return nil
}

// makeLocks creates lock/tcpto, lock/sendmutex and lock/trigger as hier.c
// does (docs/queue.md §1.4).
func (b *Builder) makeLocks() error {
	var tcpto, sendmutex, trigger int = -1, -1, -1
	if b.owners != nil {
		tcpto, sendmutex, trigger = b.owners.Qmailr, b.owners.Qmails, b.owners.Qmails
	}
	if err := b.createFile("lock/tcpto", make([]byte, tcptoSize), 0o644, tcpto, b.gid()); err != nil {
		return fmt.Errorf("create queue: %w", err)
	}
	if err := b.createFile("lock/sendmutex", nil, 0o600, sendmutex, b.gid()); err != nil {
		return fmt.Errorf("create queue: %w", err)
	}
	path := filepath.Join(b.dir, "lock", "trigger")
	if err := unix.Mkfifo(path, 0o622); err != nil {
		return fmt.Errorf("create queue: mkfifo %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o622); err != nil {
		return fmt.Errorf("create queue: %w", err)
	}
	if b.owners != nil {
		if err := os.Lchown(path, trigger, b.gid()); err != nil {
			return fmt.Errorf("create queue: %w", err)
		}
	}
	return nil
}

// gid is group qmail when owners apply, else -1 (leave it).
func (b *Builder) gid() int {
	if b.owners == nil {
		return -1
	}
	return b.owners.Qmail
}

// createFile creates rel with O_EXCL, writes content, and sets mode and,
// when owners apply, the owner uid and group gid (-1 leaves either alone).
func (b *Builder) createFile(rel string, content []byte, mode fs.FileMode, uid, gid int) error {
	return createExcl(filepath.Join(b.dir, rel), content, mode, b.owners != nil, uid, gid)
}

// hold keeps the inode of the file at path open until Close, so its number
// is not reused for a new message while stale files carry it.
func (b *Builder) hold(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	b.mu.Lock()
	b.held = append(b.held, f)
	b.mu.Unlock()
	return nil
}

// holdFile keeps an already open file until Close.
func (b *Builder) holdFile(f *os.File) {
	b.mu.Lock()
	b.held = append(b.held, f)
	b.mu.Unlock()
}
