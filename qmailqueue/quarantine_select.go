package qmailqueue

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"
)

// Selecting quarantine entries: where the quarantine is, how commands name
// entries (RUN/ID, RUN, ID), and which entries a purge takes.

// ErrQuarantineInQueue means that a quarantine directory given lies inside
// the queue directory, where qmail would see its files as strays.
var ErrQuarantineInQueue = errors.New("is inside the queue directory")

// QuarantineDirFor returns the quarantine directory of the queue in
// queueDir, absolute: dir when given, else qq-quarantine next to the queue
// directory (<qmail-dir>/qq-quarantine for the default queue), on the
// queue's file system as a rule so that removed messages are hard links.
// A directory inside the queue is refused with an error wrapping
// [ErrQuarantineInQueue].
func QuarantineDirFor(queueDir, dir string) (string, error) {
	queue, err := filepath.Abs(queueDir)
	if err != nil {
		return "", err
	}
	if dir == "" {
		dir = filepath.Join(filepath.Dir(queue), "qq-quarantine")
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if rel, err := filepath.Rel(queue, dir); err == nil && rel != ".." && !strings.HasPrefix(rel, "../") {
		return "", fmt.Errorf("quarantine %s %w %s; qmail must not see it", dir, ErrQuarantineInQueue, queue)
	}
	return dir, nil
}

// EntryRef names quarantine entries as commands take them: RUN/ID (one
// message of a run), RUN (all of a run), ID (that message in every run), or
// RUN/FILE (a file of no message: a stray of pid/, or an unlisted file
// named by its path in the run).
type EntryRef struct {
	Run  string // "" for any run
	ID   uint64 // 0 for every entry of Run (or the one named File)
	File string // the entry's file name, for one without an ID
}

// ErrBadEntryRef is wrapped by the errors of [ParseEntryRef].
var ErrBadEntryRef = errors.New("want RUN/ID, RUN or ID")

// ParseEntryRef parses an entry reference. A run name never holds a slash
// and is never . or ..; a reference never selects everything.
func ParseEntryRef(s string) (EntryRef, error) {
	bad := fmt.Errorf("bad quarantine entry %q: %w", s, ErrBadEntryRef)
	run, rest, hasRest := strings.Cut(s, "/")
	if !hasRest {
		if id, err := ParseID(s); err == nil {
			if id == 0 {
				return EntryRef{}, bad
			}
			return EntryRef{ID: id}, nil
		}
	}
	if run == "" || run == "." || run == ".." {
		return EntryRef{}, bad
	}
	ref := EntryRef{Run: run}
	if !hasRest {
		return ref, nil
	}
	if id, err := ParseID(rest); err == nil && id != 0 {
		ref.ID = id
		return ref, nil
	}
	for _, part := range strings.Split(rest, "/") {
		if part == "" || part == "." || part == ".." || isDigits(rest) {
			return EntryRef{}, bad
		}
	}
	ref.File = rest
	return ref, nil
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// Matches reports whether the reference names entry e.
func (r EntryRef) Matches(e *QuarantineEntry) bool {
	if r.Run != "" && r.Run != e.Run {
		return false
	}
	if r.File != "" {
		return e.ID == 0 && len(e.Files) > 0 && e.Files[0].Name == r.File
	}
	return r.ID == 0 || r.ID == e.ID
}

// EntrySelection selects quarantine entries as the quarantine commands
// do.
type EntrySelection struct {
	// Refs name entries; none names all of them.
	Refs []EntryRef
	// Filter applies to the kept messages as to the queue's (nil: none),
	// except its OlderThan and NewerThan: in the quarantine an entry's age
	// is the time since its message was removed (RemovedAt), from Now.
	Filter *Filter
	Now    time.Time
	// Requeued keeps only the entries already requeued.
	Requeued bool
}

// ParseEntryRefs parses ENTRY arguments ([ParseEntryRef]).
func ParseEntryRefs(args []string) ([]EntryRef, error) {
	var refs []EntryRef
	for _, arg := range args {
		ref, err := ParseEntryRef(arg)
		if err != nil {
			return nil, err
		}
		refs = append(refs, ref)
	}
	return refs, nil
}

// Load reads the quarantine in dir and returns the entries s selects, with
// the problems of its catalogue. It keeps only the entries selected
// ([EntrySelection.Each]).
func (s EntrySelection) Load(dir string) (entries []QuarantineEntry, problems []string, err error) {
	problems, err = s.Each(dir, func(e *QuarantineEntry) error {
		entries = append(entries, *e)
		return nil
	})
	if err != nil {
		return nil, problems, err
	}
	return entries, problems, nil
}

// Each calls fn for each entry of the quarantine in dir that s selects, in
// [LoadQuarantine]'s order, one at a time ([WalkQuarantine]: fn copies
// what it keeps), and returns the problems of the catalogue.
func (s EntrySelection) Each(dir string, fn func(*QuarantineEntry) error) ([]string, error) {
	selects := s.selector(dir)
	return WalkQuarantine(dir, func(e *QuarantineEntry) error {
		ok, err := selects(e)
		if err != nil || !ok {
			return err
		}
		return fn(e)
	})
}

// Select returns the entries of the quarantine in dir that s selects.
func (s EntrySelection) Select(dir string, entries []QuarantineEntry) ([]QuarantineEntry, error) {
	selects := s.selector(dir)
	var out []QuarantineEntry
	for i := range entries {
		ok, err := selects(&entries[i])
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, entries[i])
		}
	}
	return out, nil
}

// selector returns the test of an entry of the quarantine in dir against s.
func (s EntrySelection) selector(dir string) func(e *QuarantineEntry) (bool, error) {
	var filter Filter
	var older, newer time.Duration
	if s.Filter != nil {
		filter = *s.Filter
		older, newer = filter.OlderThan, filter.NewerThan
		filter.OlderThan, filter.NewerThan = 0, 0
	}
	return func(e *QuarantineEntry) (bool, error) {
		if len(s.Refs) > 0 && !anyRef(s.Refs, e) {
			return false, nil
		}
		age := s.Now.Sub(e.RemovedAt)
		if (older != 0 && age <= older) || (newer != 0 && age >= newer) {
			return false, nil
		}
		if s.Filter != nil && !filter.IsZero() {
			if ok, err := e.Matches(&filter, dir); err != nil || !ok {
				return false, err
			}
		}
		if s.Requeued && e.RequeuedAt == nil {
			return false, nil
		}
		return true, nil
	}
}

func anyRef(refs []EntryRef, e *QuarantineEntry) bool {
	for _, r := range refs {
		if r.Matches(e) {
			return true
		}
	}
	return false
}

// EntryRefNames returns the references that name entries one by one or run
// by run, as commands take them (RUN and RUN/ID, [QuarantineEntry.Name]):
// for each entry in order its run, the first time the run is met, then the
// entry itself.
func EntryRefNames(entries []QuarantineEntry) []string {
	var out []string
	seen := map[string]bool{}
	for i := range entries {
		for _, name := range []string{entries[i].Run, entries[i].Name()} {
			if !seen[name] {
				seen[name] = true
				out = append(out, name)
			}
		}
	}
	return out
}
