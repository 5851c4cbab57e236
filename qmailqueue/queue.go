package qmailqueue

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"
)

// DefaultLifetime is qmail-send's queuelifetime when control/queuelifetime is
// absent or does not start with a digit (docs/queue.md §5.2).
const DefaultLifetime = 604800 * time.Second

// ErrNotQueue reports a directory that is not a qmail queue.
var ErrNotQueue = errors.New("not a qmail queue")

// ErrNotFound reports a message ID that is not in the queue.
var ErrNotFound = errors.New("no such message in the queue")

// Queue is an opened queue directory and the layout discovered in it.
type Queue struct {
	// Dir is the queue directory, e.g. /var/qmail/queue.
	Dir string
	// Split is the number of split subdirectories (conf-split), read from
	// mess/ and cross-checked with info/, local/ and remote/.
	Split int
	// BigTodo is true when todo/ and intd/ are split too (the big-todo
	// patch), detected by todo/0 being a directory.
	BigTodo bool
	// Lifetime is qmail-send's queuelifetime, used for expiry times. Open
	// sets DefaultLifetime; callers that read control/queuelifetime set it.
	Lifetime time.Duration
}

// splitDirs are the directories qmail splits into 0..split-1 (docs/queue.md §1.2).
var splitNames = []string{"mess", "info", "local", "remote"}

// Open checks that dir is a qmail queue and discovers its layout. A path that
// is missing, unreadable or not a queue gives an error naming the path.
func Open(dir string) (*Queue, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("open queue: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("open queue %s: %w: not a directory", dir, ErrNotQueue)
	}
	for _, sub := range []string{"mess", "info", "local", "remote", "todo", "intd", "bounce", "lock"} {
		st, err := os.Stat(filepath.Join(dir, sub))
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("open queue %s: %w: %s/ is missing", dir, ErrNotQueue, sub)
		}
		if err != nil {
			return nil, fmt.Errorf("open queue: %w", err)
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("open queue %s: %w: %s is not a directory", dir, ErrNotQueue, sub)
		}
	}
	split, err := countSplit(filepath.Join(dir, "mess"))
	if err != nil {
		return nil, err
	}
	if split == 0 {
		return nil, fmt.Errorf("open queue %s: %w: mess/ has no split subdirectories 0, 1, …", dir, ErrNotQueue)
	}
	for _, sub := range splitNames[1:] {
		n, err := countSplit(filepath.Join(dir, sub))
		if err != nil {
			return nil, err
		}
		if n != split {
			return nil, fmt.Errorf("open queue %s: split mismatch: mess/ has %d subdirectories but %s/ has %d", dir, split, sub, n)
		}
	}
	q := &Queue{Dir: dir, Split: split, Lifetime: DefaultLifetime}
	if st, err := os.Stat(filepath.Join(dir, "todo", "0")); err == nil && st.IsDir() {
		q.BigTodo = true
	}
	return q, nil
}

// countSplit returns how many consecutive subdirectories 0, 1, 2, … dir
// holds, which is conf-split (docs/queue.md §10 rule 1). A gap (0..22 present but 7
// missing) is an error: qmail-send would hang in pausedir on it (docs/queue.md §4.2).
func countSplit(dir string) (int, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("open queue: %w", err)
	}
	var nums []int
	for _, e := range entries {
		n, ok := parseID(e.Name())
		if !ok || !e.IsDir() || n > 1<<20 {
			continue
		}
		nums = append(nums, int(n))
	}
	slices.Sort(nums)
	for i, n := range nums {
		if n != i {
			return 0, fmt.Errorf("open queue: %s: split subdirectory %d is missing", dir, i)
		}
	}
	return len(nums), nil
}

// parseID parses a canonical queue file name: decimal digits, no sign, no
// leading zero (docs/queue.md §10 rule 2). qmail's readsubdir accepts leading zeros,
// but qmail-send then looks under the canonical name and ignores the file.
func parseID(name string) (uint64, bool) {
	if name == "" || len(name) > 20 || (name[0] == '0' && len(name) > 1) {
		return 0, false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < '0' || name[i] > '9' {
			return 0, false
		}
	}
	id, err := strconv.ParseUint(name, 10, 64)
	return id, err == nil
}

// SplitOf returns the split subdirectory of id: id % split (docs/queue.md §2).
func (q *Queue) SplitOf(id uint64) int { return int(id % uint64(q.Split)) }

// Path returns the path of one of a message's files. kind is one of mess,
// info, local, remote (split), todo, intd (split with big-todo) or bounce.
func (q *Queue) Path(kind string, id uint64) string {
	name := strconv.FormatUint(id, 10)
	switch kind {
	case "mess", "info", "local", "remote":
		return filepath.Join(q.Dir, kind, strconv.Itoa(q.SplitOf(id)), name)
	case "todo", "intd":
		if q.BigTodo {
			return filepath.Join(q.Dir, kind, strconv.Itoa(q.SplitOf(id)), name)
		}
	}
	return filepath.Join(q.Dir, kind, name)
}
