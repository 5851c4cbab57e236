package control

import (
	"fmt"
	"strings"
)

// DefaultText describes the file's default in a few words: "me, else
// 2525", "me", the default itself, or "(absent: …)" when there is none.
func (f File) DefaultText() string {
	switch {
	case f.DefaultMe && f.Default != "":
		return "me, else " + f.Default
	case f.DefaultMe:
		return "me"
	case f.Default != "":
		return f.Default
	}
	return "(absent: " + f.Absent + ")"
}

// Needs is the short form of an effect, for a column: "nothing", "HUP" or
// "restart".
func (e Effect) Needs() string {
	switch e {
	case EffectHUP:
		return "HUP"
	case EffectRestart:
		return "restart"
	}
	return "nothing"
}

// Describe says what the setting is and where it comes from, for a
// one-line report of a change: the value, "… (qmail's default)", "… (from
// control/me)" or "(absent: …)". show renders values (escapes them for
// the output); the words around them are plain.
func (s Setting) Describe(show func(string) string) string {
	switch s.Source {
	case SourceNone:
		return "(absent: " + s.File.Absent + ")"
	case SourceDefault:
		return show(s.Value) + " (qmail's default)"
	case SourceMe:
		return show(s.Value) + " (from control/me)"
	}
	return show(s.Value)
}

// Brief is the setting's value in one table cell: the value of a line or
// number file, "N entries" (or the one entry) of a list or map file, "N
// keys" of a cdb file, "(…)" with what absence means when there is no
// value. show renders values (escapes them for the output).
func (s Setting) Brief(show func(string) string) string {
	switch s.File.Kind {
	case KindList, KindMap:
		switch {
		case s.Source == SourceNone:
			return "(" + s.File.Absent + ")"
		case s.Source == SourceMe:
			return show(s.Entries[0].Value)
		case len(s.Entries) == 1:
			return "1 entry: " + show(s.Entries[0].Value)
		}
		return fmt.Sprintf("%d entries", len(s.Entries))
	case KindCDB:
		if !s.Exists {
			return "(" + s.File.Absent + ")"
		}
		return fmt.Sprintf("%d keys", s.Keys)
	}
	if s.Source == SourceNone {
		return "(" + s.File.Absent + ")"
	}
	return show(s.Value)
}

// Summary counts what the edit did, by kind, in one phrase: "2 added, 1
// already present"; "" when it had nothing to do.
func (ch ListChange) Summary() string {
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{len(ch.Added), "added"}, {len(ch.Fixed), "fixed"}, {len(ch.Present), "already present"}, {len(ch.Removed), "removed"}, {len(ch.Missing), "not found"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ")
}
