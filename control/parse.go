package control

import (
	"bytes"
	"strings"
)

// stripTrailing removes trailing "\n", spaces and tabs, as control.c's
// striptrailingwhitespace does. "\r" is not whitespace to qmail.
func stripTrailing(s string) string {
	for len(s) > 0 {
		switch s[len(s)-1] {
		case '\n', ' ', '\t':
			s = s[:len(s)-1]
		default:
			return s
		}
	}
	return s
}

// ParseLine returns the value control_readline gives for a file holding
// data: the first line, trailing newline, spaces and tabs stripped. An
// empty file gives "". docs/queue.md §7.1.
func ParseLine(data []byte) string {
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		data = data[:i]
	}
	return stripTrailing(string(data))
}

// ParseInt is control_readint applied to a value from [ParseLine]: the
// leading decimal digits (scan_ulong, wrapping like a C unsigned long),
// stored into a C int, i.e. truncated to 32 bits. ok is false when line
// does not start with a digit: qmail then keeps the caller's default.
// Trailing junk is ignored.
func ParseInt(line string) (n int, ok bool) {
	var u uint64
	i := 0
	for ; i < len(line) && line[i] >= '0' && line[i] <= '9'; i++ {
		u = u*10 + uint64(line[i]-'0')
	}
	if i == 0 {
		return 0, false
	}
	return int(int32(uint32(u))), true
}

// ListEntry is one entry of a list file, as control_readfile returns it,
// with the 1-based number of the line it comes from.
type ListEntry struct {
	Line  int
	Value string
}

// splitLines splits a file into lines without their "\n". A last line
// without a newline is a line; the empty file has no lines.
func splitLines(data []byte) []string {
	if len(data) == 0 {
		return nil
	}
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	return strings.Split(s, "\n")
}

// joinLines is the inverse of splitLines, ending every line in LF.
func joinLines(lines []string) []byte {
	var b bytes.Buffer
	for _, l := range lines {
		b.WriteString(l)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

// lineEntries returns the entries control_readfile makes of one line:
// none for an empty line or one whose first byte is "#" (or NUL); else the
// line without trailing whitespace, split at NUL bytes, because qmail
// keeps entries NUL-separated.
func lineEntries(line string) []string {
	line = stripTrailing(line)
	if line == "" || line[0] == '#' || line[0] == 0 {
		return nil
	}
	return strings.Split(line, "\x00")
}

// ParseList returns the entries of a list file (control_readfile):
// trailing whitespace stripped, empty lines and lines starting with "#"
// skipped, leading whitespace kept. docs/queue.md §7.1.
func ParseList(data []byte) []ListEntry {
	var out []ListEntry
	for i, line := range splitLines(data) {
		for _, e := range lineEntries(line) {
			out = append(out, ListEntry{Line: i + 1, Value: e})
		}
	}
	return out
}

// asciiLower lower-cases A-Z only, as qmail's case_lowerb and the folding
// in constmap and case_diffb do; other bytes are left alone.
func asciiLower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if c := b[j]; c >= 'A' && c <= 'Z' {
					b[j] = c + 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// MapEntry is an entry of a [Map]: its key, its value (after the first
// ":" for colon maps, empty otherwise) and its line.
type MapEntry struct {
	Line  int
	Key   string
	Value string
}

// Map is qmail's constmap over a list file's entries: whole-key lookups,
// ASCII case-insensitive, the last of duplicate keys winning.
type Map struct {
	keys map[string]MapEntry
}

// NewMap builds the map of a list's entries. With colon set (smtproutes,
// virtualdomains) the key is the text before the first ":" and the value
// what follows; entries without ":" are left out, as constmap_init does.
func NewMap(entries []ListEntry, colon bool) *Map {
	m := &Map{keys: make(map[string]MapEntry, len(entries))}
	for _, e := range entries {
		me := MapEntry{Line: e.Line, Key: e.Value}
		if colon {
			k, v, ok := strings.Cut(e.Value, ":")
			if !ok {
				continue
			}
			me.Key, me.Value = k, v
		}
		m.keys[asciiLower(me.Key)] = me
	}
	return m
}

// Lookup finds key as constmap does. A nil Map is empty.
func (m *Map) Lookup(key string) (MapEntry, bool) {
	if m == nil {
		return MapEntry{}, false
	}
	e, ok := m.keys[asciiLower(key)]
	return e, ok
}

// Len is the number of distinct keys.
func (m *Map) Len() int { return len(m.keys) }
