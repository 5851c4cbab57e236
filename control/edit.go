package control

import (
	"context"
	"fmt"
	"strings"
)

// entryKey is how qq compares list entries: surrounding whitespace and a
// trailing CR dropped (so that a broken line is found), ASCII letters
// lower-cased except after a backslash (qregex escapes keep their case).
func entryKey(s string) string {
	return LowerOutsideEscapes(strings.Trim(s, " \t\r"))
}

// cleanLine reports whether a list line holds its entry the way qmail can
// match it: no leading whitespace, no CR at the end.
func cleanLine(line string) bool {
	e := stripTrailing(line)
	return e == strings.Trim(e, " \t\r")
}

// checkWritable refuses an entry or value that would break the file's
// line structure or be read differently by qmail than it was given.
func checkWritable(file, s string) error {
	if err := checkBytes(s, true); err != nil {
		return &ValueError{File: file, Value: s, Reason: err.Error()}
	}
	if s[0] == '#' {
		return &ValueError{File: file, Value: s, Reason: "starts with '#': qmail reads the line as a comment"}
	}
	return nil
}

// ListChange reports what an edit of a list file did, entry by entry.
type ListChange struct {
	Added   []string    // entries appended
	Present []ListEntry // entries already there, with their line
	Fixed   []ListEntry // broken lines (leading whitespace, CR) rewritten to the clean entry
	Removed []ListEntry // lines removed
	Missing []string    // entries to remove that were not there
	Changed bool        // the file was written
}

// AddToList appends entries to the named list file unless an equal entry
// (ignoring ASCII case) is already there. A line holding the entry in a
// form qmail never matches (leading whitespace, a trailing CR) is rewritten
// in place instead. Entries must already be validated and normalised
// ([Validate], [ValidateAddrEntry]); the rest of the file is kept byte for
// byte.
func AddToList(ctx context.Context, dir, name string, entries []string) (ListChange, error) {
	for _, e := range entries {
		if err := checkWritable(name, e); err != nil {
			return ListChange{}, err
		}
	}
	var ch ListChange
	changed, err := Update(ctx, dir, name, func(old []byte, _ bool) ([]byte, error) {
		ch = ListChange{}
		lines := splitLines(old)
		clean := map[string]int{}  // key → index of a clean line
		broken := map[string]int{} // key → index of a broken line
		for i, l := range lines {
			if lineEntries(l) == nil {
				continue
			}
			k := entryKey(l)
			if cleanLine(l) {
				if _, ok := clean[k]; !ok {
					clean[k] = i
				}
			} else if _, ok := broken[k]; !ok {
				broken[k] = i
			}
		}
		for _, e := range entries {
			k := entryKey(e)
			if i, ok := clean[k]; ok {
				ch.Present = append(ch.Present, ListEntry{Line: i + 1, Value: stripTrailing(lines[i])})
				continue
			}
			if i, ok := broken[k]; ok {
				lines[i] = e
				ch.Fixed = append(ch.Fixed, ListEntry{Line: i + 1, Value: e})
				delete(broken, k)
				clean[k] = i
				continue
			}
			lines = append(lines, e)
			clean[k] = len(lines) - 1
			ch.Added = append(ch.Added, e)
		}
		if len(ch.Added)+len(ch.Fixed) == 0 {
			return old, nil
		}
		return joinLines(lines), nil
	})
	ch.Changed = changed
	return ch, err
}

// RemoveFromList removes every line of the named list file whose entry
// equals one of entries, ignoring ASCII case, surrounding whitespace and a
// trailing CR. Comments and other lines are kept.
func RemoveFromList(ctx context.Context, dir, name string, entries []string) (ListChange, error) {
	return removeLines(ctx, dir, name, entries, entryKey)
}

// removeLines removes the lines whose key (as computed by key from the
// line) equals the key of one of wanted.
func removeLines(ctx context.Context, dir, name string, wanted []string, key func(string) string) (ListChange, error) {
	var ch ListChange
	changed, err := Update(ctx, dir, name, func(old []byte, exists bool) ([]byte, error) {
		ch = ListChange{}
		want := map[string]bool{}
		for _, w := range wanted {
			want[key(w)] = false
		}
		var kept []string
		for i, l := range splitLines(old) {
			if lineEntries(l) != nil {
				k := key(l)
				if _, ok := want[k]; ok {
					want[k] = true
					ch.Removed = append(ch.Removed, ListEntry{Line: i + 1, Value: stripTrailing(l)})
					continue
				}
			}
			kept = append(kept, l)
		}
		seen := map[string]bool{}
		for _, w := range wanted {
			if k := key(w); !want[k] && !seen[k] {
				ch.Missing = append(ch.Missing, w)
				seen[k] = true
			}
		}
		if len(ch.Removed) == 0 {
			return old, nil
		}
		return joinLines(kept), nil
	})
	ch.Changed = changed
	return ch, err
}

// mapKey is the constmap key of a map line, for comparisons.
func mapKey(line string) string {
	k, _, _ := strings.Cut(strings.Trim(stripTrailing(line), " \t\r"), ":")
	return asciiLower(k)
}

// MapChange reports what [SetMapEntry] did.
type MapChange struct {
	Entry      string // the entry written
	Old        string // the entry it replaced, "" when it was added
	Line       int    // the line it is on
	Duplicates []int  // other lines with the same key; constmap ignores them
	Changed    bool
}

// SetMapEntry sets key:value in a colon map file (smtproutes,
// virtualdomains): the line that constmap uses for the key (the last one)
// is replaced, or the entry is appended. entry must already be validated
// ([Validate]).
func SetMapEntry(ctx context.Context, dir, name, entry string) (MapChange, error) {
	if err := checkWritable(name, entry); err != nil {
		return MapChange{}, err
	}
	if !strings.Contains(entry, ":") {
		return MapChange{}, &ValueError{File: name, Value: entry, Reason: "missing ':'"}
	}
	key := mapKey(entry)
	var ch MapChange
	changed, err := Update(ctx, dir, name, func(old []byte, _ bool) ([]byte, error) {
		ch = MapChange{Entry: entry}
		lines := splitLines(old)
		last := -1
		var same []int
		for i, l := range lines {
			if lineEntries(l) == nil || !strings.Contains(l, ":") || mapKey(l) != key {
				continue
			}
			if last >= 0 {
				same = append(same, last+1)
			}
			last = i
		}
		ch.Duplicates = same
		if last >= 0 {
			ch.Old, ch.Line = stripTrailing(lines[last]), last+1
			if ch.Old == entry {
				return old, nil
			}
			lines[last] = entry
		} else {
			lines = append(lines, entry)
			ch.Line = len(lines)
		}
		return joinLines(lines), nil
	})
	ch.Changed = changed
	return ch, err
}

// RemoveEntries removes entries from the list file name ([RemoveFromList])
// or, from a map file, the lines of their keys ([RemoveMapKeys]); the
// notices warn when rcpthosts is left without entries.
func RemoveEntries(ctx context.Context, dir, name string, entries []string) (ListChange, []Notice, error) {
	remove := RemoveFromList
	if f, _ := Lookup(name); f.Kind == KindMap {
		remove = RemoveMapKeys
	}
	ch, err := remove(ctx, dir, name, entries)
	if err != nil {
		return ch, nil, err
	}
	return ch, emptyNotices(dir, name), nil
}

// RemoveMapKeys removes every line of a colon map file whose key is one of
// keys (ASCII case-insensitive). A key may be given as key:value; only the
// part before ":" counts.
func RemoveMapKeys(ctx context.Context, dir, name string, keys []string) (ListChange, error) {
	return removeLines(ctx, dir, name, keys, func(s string) string {
		if !strings.Contains(s, ":") {
			s += ":"
		}
		return mapKey(s)
	})
}

// LineChange reports what [SetLine] did.
type LineChange struct {
	Old     string // the value before ("" when the file was absent)
	Existed bool
	Changed bool
}

// SetLine sets the value of a one-line file (or a number file): its first
// line is replaced, further lines (which qmail ignores) are kept. value
// must already be validated ([Validate]).
func SetLine(ctx context.Context, dir, name, value string) (LineChange, error) {
	// No comment check: control_readline has no comments.
	if err := checkBytes(value, true); err != nil {
		return LineChange{}, &ValueError{File: name, Value: value, Reason: err.Error()}
	}
	var ch LineChange
	changed, err := Update(ctx, dir, name, func(old []byte, exists bool) ([]byte, error) {
		ch = LineChange{Existed: exists, Old: ParseLine(old)}
		lines := splitLines(old)
		if len(lines) > 0 && lines[0] == value {
			return old, nil
		}
		if len(lines) == 0 {
			lines = []string{value}
		} else {
			lines[0] = value
		}
		return joinLines(lines), nil
	})
	ch.Changed = changed
	if err != nil {
		return ch, fmt.Errorf("set %s: %w", name, err)
	}
	return ch, nil
}

// LineEdit is what [SetValue] or [UnsetValue] did to a one-line (or
// number) file: its effective value before and after.
type LineEdit struct {
	Before, After Setting
	Changed       bool
}

// SetValue sets the value of a one-line or number file ([SetLine]) and
// reports its effective value before and after.
func SetValue(ctx context.Context, dir, name, value string) (LineEdit, error) {
	before, err := Read(dir, name)
	if err != nil {
		return LineEdit{}, err
	}
	ch, err := SetLine(ctx, dir, name, value)
	if err != nil {
		return LineEdit{}, err
	}
	after, err := Read(dir, name)
	return LineEdit{Before: before, After: after, Changed: ch.Changed}, err
}

// UnsetValue removes a one-line or number file ([Remove]), so that qmail
// uses its default, and reports its effective value before and after.
func UnsetValue(ctx context.Context, dir, name string) (LineEdit, error) {
	before, err := Read(dir, name)
	if err != nil {
		return LineEdit{}, err
	}
	existed, err := Remove(ctx, dir, name)
	if err != nil {
		return LineEdit{}, err
	}
	after, err := Read(dir, name)
	return LineEdit{Before: before, After: after, Changed: existed}, err
}

// SetMapEntries sets each entry of a colon map file in turn
// ([SetMapEntry]). On an error the changes made so far are returned with
// it.
func SetMapEntries(ctx context.Context, dir, name string, entries []string) ([]MapChange, error) {
	var out []MapChange
	for _, e := range entries {
		ch, err := SetMapEntry(ctx, dir, name, e)
		if err != nil {
			return out, err
		}
		out = append(out, ch)
	}
	return out, nil
}

// Edit is what [SetEntries] or [UnsetEntries] did to a control file; which
// field tells depends on the file's Kind.
type Edit struct {
	File File
	Line LineEdit    // a one-line or number file
	Map  []MapChange // the entries SetEntries set in a map file; non-nil exactly then
	// List is the change of a list file, or the entries UnsetEntries
	// removed from a list or map file.
	List    ListChange
	Notices []Notice // a warning when rcpthosts is left without entries
}

// SetEntries makes the change `qq control set` asks for, with values
// already validated ([Validate]): the value of a one-line or number file,
// entries of a map file (replacing the line of the same key), or entries
// added to a list file, where creating rcpthosts or locals needs force
// ([GuardCreate]). A request that does not fit the file is a
// *[RequestError]. For a map file, the entries set before an error are
// returned with it.
func SetEntries(ctx context.Context, dir string, f File, values []string, force bool) (Edit, error) {
	e := Edit{File: f}
	var err error
	switch {
	case f.OneValue():
		if len(values) != 1 {
			return e, refuse("%s holds one value, %d given", f.Name, len(values))
		}
		e.Line, err = SetValue(ctx, dir, f.Name, values[0])
	case f.Kind == KindMap:
		e.Map, err = SetMapEntries(ctx, dir, f.Name, values)
		e.Map = append([]MapChange{}, e.Map...)
	default:
		if err := GuardCreate(dir, f.Name, values, force); err != nil {
			return e, &RequestError{Err: err}
		}
		e.List, err = AddToList(ctx, dir, f.Name, values)
	}
	return e, err
}

// UnsetEntries makes the change `qq control unset` asks for: a one-line or
// number file is removed (back to qmail's default; control/me only with
// force, [RemoveRisk]), and from a list or map file the entries given are
// removed ([RemoveEntries]). values is nil when none were given, which a
// list or map file needs; an empty non-nil values (an empty stdin) removes
// nothing. A request that does not fit the file is a *[RequestError].
func UnsetEntries(ctx context.Context, dir string, f File, values []string, force bool) (Edit, error) {
	e := Edit{File: f}
	var err error
	switch {
	case f.OneValue() && values != nil:
		return e, refuse("%s holds one value: unset it without a VALUE", f.Name)
	case f.OneValue():
		if risk := RemoveRisk(f.Name); risk != "" && !force {
			return e, refuse("%s; pass --force to remove it anyway", risk)
		}
		e.Line, err = UnsetValue(ctx, dir, f.Name)
	case values == nil:
		return e, refuse("%s is a %s file: give the entries to remove (qq control unset %s VALUE...)", f.Name, f.Kind, f.Name)
	default:
		e.List, e.Notices, err = RemoveEntries(ctx, dir, f.Name, values)
	}
	return e, err
}
