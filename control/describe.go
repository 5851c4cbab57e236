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

// Lines reports the change of list file f for people, as qq prints it: a
// line per entry ("added        x", "present      x (line 3)", …) and then
// the file's summary with what the change needs to take effect. show
// renders entries (escapes them for the output); the words are plain.
func (ch ListChange) Lines(f File, show func(string) string) []string {
	var lines []string
	add := func(format string, args ...any) { lines = append(lines, fmt.Sprintf(format, args...)) }
	for _, e := range ch.Added {
		add("added        %s", show(e))
	}
	for _, e := range ch.Fixed {
		add("fixed        %s (line %d, which qmail could not match as written)", show(e.Value), e.Line)
	}
	for _, e := range ch.Present {
		add("present      %s (line %d)", show(e.Value), e.Line)
	}
	for _, e := range ch.Removed {
		add("removed      %s (line %d)", show(e.Value), e.Line)
	}
	for _, e := range ch.Missing {
		add("not found    %s", show(e))
	}
	if ch.Changed {
		add("%s: %s; %s", f.Name, ch.Summary(), f.EffectText())
	} else {
		add("%s: unchanged (%s)", f.Name, ch.Summary())
	}
	return lines
}

// Describe reports the entry set in a map file for people, in one line:
// "added        x (line 5)", "replaced     old -> x (line 4)" or
// "present      x (line 2)". show renders entries.
func (ch MapChange) Describe(show func(string) string) string {
	switch {
	case !ch.Changed:
		return fmt.Sprintf("present      %s (line %d)", show(ch.Entry), ch.Line)
	case ch.Old != "":
		return fmt.Sprintf("replaced     %s -> %s (line %d)", show(ch.Old), show(ch.Entry), ch.Line)
	}
	return fmt.Sprintf("added        %s (line %d)", show(ch.Entry), ch.Line)
}

// Lines reports the edit for people, as qq control set and unset print it:
// for a one-line or number file its value before and now and what the
// change needs ("queuelifetime: 604800 -> 259200; takes effect …"), for a
// map file a line per entry set ([MapChange.Describe]) and whether the file
// changed, for a list file [ListChange.Lines]. show renders values.
func (e Edit) Lines(show func(string) string) []string {
	f := e.File
	switch {
	case f.OneValue() && e.Line.Changed:
		return []string{fmt.Sprintf("%s: %s -> %s; %s", f.Name, e.Line.Before.Describe(show), e.Line.After.Describe(show), f.EffectText())}
	case f.OneValue():
		return []string{fmt.Sprintf("%s: unchanged, %s", f.Name, e.Line.After.Describe(show))}
	case e.Map != nil:
		var lines []string
		for _, ch := range e.Map {
			lines = append(lines, ch.Describe(show))
		}
		if MapChangeViewOf(f, e.Map).Changed {
			return append(lines, f.Name+": "+f.EffectText())
		}
		return append(lines, f.Name+": unchanged")
	}
	return e.List.Lines(f, show)
}

// Warnings warn about the lines of a map file the edit left that qmail
// ignores: earlier lines with the key of an entry set, since constmap uses
// the last one ([MapChange.Duplicates]).
func (e Edit) Warnings() []Notice {
	var out []Notice
	for _, ch := range e.Map {
		for _, d := range ch.Duplicates {
			out = append(out, warning("%s line %d has the same key; qmail uses only the last one (line %d)", e.File.Name, d, ch.Line))
		}
	}
	return out
}

// Lines reports the addition for people: a line per domain the other file
// lists already ("present      x (morercpthosts line 1)"), then the
// change of the file added to ([ListChange.Lines]). show renders domains.
func (r RcptHostsAdd) Lines(show func(string) string) []string {
	var lines []string
	for _, e := range r.Elsewhere {
		lines = append(lines, fmt.Sprintf("present      %s (%s line %d)", show(e.Value), r.Other, e.Line))
	}
	f, _ := Lookup(r.File)
	return append(lines, r.Change.Lines(f, show)...)
}

// Lines reports the removal for people: the change of each file lines were
// removed from ([ListChange.Lines]), then a line per domain neither file
// held ("not found    x"). show renders domains.
func (r RcptHostsRemove) Lines(show func(string) string) []string {
	var lines []string
	for i, ch := range r.Changes {
		if f, _ := Lookup(RcptHostsFiles[i]); len(ch.Removed) > 0 {
			lines = append(lines, ch.Lines(f, show)...)
		}
	}
	for _, d := range r.NotFound {
		lines = append(lines, "not found    "+show(d))
	}
	return lines
}

// Lines reports the rebuild for people: the keys written and what the
// change needs to take effect.
func (v RebuildView) Lines() []string {
	return []string{fmt.Sprintf("%s: rebuilt with %d key(s); %s", v.File, v.Keys, v.EffectText)}
}
