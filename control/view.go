package control

// The JSON forms of the control package's results, defined once here so
// that every qq command printing one prints the same schema. Slices are
// never nil: an empty list is "[]", not null.

// FileView is the JSON form of a registry entry ([File]).
type FileView struct {
	Name       string `json:"name"`
	Kind       string `json:"kind"`
	Summary    string `json:"summary"`
	Default    string `json:"default"`
	DefaultMe  bool   `json:"default_me"`
	Absent     string `json:"absent"`
	ReadBy     string `json:"read_by"`
	When       string `json:"when"`
	Effect     string `json:"effect"`
	EffectText string `json:"effect_text"`
	Patch      string `json:"patch"`
}

// View returns the JSON form of f.
func (f File) View() FileView {
	return FileView{Name: f.Name, Kind: f.Kind.String(), Summary: f.Summary, Default: f.Default, DefaultMe: f.DefaultMe,
		Absent: f.Absent, ReadBy: f.ReadBy, When: f.When, Effect: f.Effect.String(), EffectText: f.EffectText(), Patch: f.Patch}
}

// EntryView is the JSON form of a list entry with its line ([ListEntry]).
type EntryView struct {
	Line  int    `json:"line"`
	Entry string `json:"entry"`
}

// entryViews converts list entries to their JSON form.
func entryViews(es []ListEntry) []EntryView {
	out := []EntryView{}
	for _, e := range es {
		out = append(out, EntryView{Line: e.Line, Entry: e.Value})
	}
	return out
}

// SettingView is the JSON form of a [Setting]. Known is false for a file
// of the control directory that is not in [Files].
type SettingView struct {
	Name    string      `json:"name"`
	Known   bool        `json:"known"`
	Exists  bool        `json:"exists"`
	Source  string      `json:"source"`
	Value   string      `json:"value"`
	Entries []EntryView `json:"entries"`
	Keys    int         `json:"keys"`
	Notes   []string    `json:"notes"`
}

// View returns the JSON form of s.
func (s Setting) View() SettingView {
	return SettingView{Name: s.File.Name, Known: s.File.Known(), Exists: s.Exists, Source: s.Source, Value: s.Value,
		Entries: entryViews(s.Entries), Keys: s.Keys, Notes: append([]string{}, s.Notes...)}
}

// ListChangeView is the JSON form of a [ListChange] of file f, with what
// the change needs to take effect.
type ListChangeView struct {
	File       string      `json:"file"`
	Added      []string    `json:"added"`
	Present    []EntryView `json:"present"`
	Fixed      []EntryView `json:"fixed"`
	Removed    []EntryView `json:"removed"`
	Missing    []string    `json:"missing"`
	Changed    bool        `json:"changed"`
	Effect     string      `json:"effect"`
	EffectText string      `json:"effect_text"`
}

// View returns the JSON form of ch, a change of f.
func (ch ListChange) View(f File) ListChangeView {
	return ListChangeView{File: f.Name, Added: append([]string{}, ch.Added...), Present: entryViews(ch.Present),
		Fixed: entryViews(ch.Fixed), Removed: entryViews(ch.Removed), Missing: append([]string{}, ch.Missing...),
		Changed: ch.Changed, Effect: f.Effect.String(), EffectText: f.EffectText()}
}

// RcptHostsAddView is the JSON form of an [RcptHostsAdd]: the change of
// the file added to, whose Present includes the domains the other file
// (PresentIn) lists.
type RcptHostsAddView struct {
	ListChangeView
	PresentIn string `json:"present_elsewhere_in"`
}

// View returns the JSON form of r.
func (r RcptHostsAdd) View() RcptHostsAddView {
	f, _ := Lookup(r.File)
	v := r.Change.View(f)
	v.Present = append(v.Present, entryViews(r.Elsewhere)...)
	return RcptHostsAddView{ListChangeView: v, PresentIn: r.Other}
}

// RcptHostsRemoveView is the JSON form of [RemoveRcptHosts]'s result.
type RcptHostsRemoveView struct {
	Changes  []ListChangeView `json:"changes"`
	NotFound []string         `json:"not_found"`
}

// View returns the JSON form of r.
func (r RcptHostsRemove) View() RcptHostsRemoveView {
	var v RcptHostsRemoveView
	for i, ch := range r.Changes {
		f, _ := Lookup(RcptHostsFiles[i])
		v.Changes = append(v.Changes, ch.View(f))
	}
	v.NotFound = append([]string{}, r.NotFound...)
	return v
}

// LineView is the JSON form of an analysed list line ([Line]); File is
// set when the lines come from more than one file.
type LineView struct {
	File         string    `json:"file,omitempty"`
	Line         int       `json:"line"`
	Entry        string    `json:"entry"`
	Text         string    `json:"text"`
	Regex        bool      `json:"regex"`
	NeverMatches bool      `json:"never_matches"`
	Problems     []Problem `json:"problems"`
}

// View returns the JSON form of l, a line of file (or "").
func (l Line) View(file string) LineView {
	return LineView{File: file, Line: l.Number, Entry: l.Entry, Text: l.Text, Regex: l.Regex,
		NeverMatches: l.NeverMatches(), Problems: append([]Problem{}, l.Problems...)}
}

// LineChangeView is the JSON form of a [LineEdit].
type LineChangeView struct {
	File       string `json:"file"`
	Old        string `json:"old"`
	OldSource  string `json:"old_source"`
	New        string `json:"new"`
	NewSource  string `json:"new_source"`
	Changed    bool   `json:"changed"`
	Effect     string `json:"effect"`
	EffectText string `json:"effect_text"`
}

// View returns the JSON form of e.
func (e LineEdit) View() LineChangeView {
	f := e.Before.File
	return LineChangeView{File: f.Name, Old: e.Before.Value, OldSource: e.Before.Source, New: e.After.Value,
		NewSource: e.After.Source, Changed: e.Changed, Effect: f.Effect.String(), EffectText: f.EffectText()}
}

// MapSetView is the JSON form of a [MapChange].
type MapSetView struct {
	Entry      string `json:"entry"`
	Old        string `json:"old"`
	Line       int    `json:"line"`
	Duplicates []int  `json:"duplicates"`
	Changed    bool   `json:"changed"`
}

// MapChangeView is the JSON form of the changes of [SetMapEntries].
type MapChangeView struct {
	File       string       `json:"file"`
	Set        []MapSetView `json:"set"`
	Changed    bool         `json:"changed"`
	Effect     string       `json:"effect"`
	EffectText string       `json:"effect_text"`
}

// MapChangeViewOf returns the JSON form of the changes chs of map file f.
func MapChangeViewOf(f File, chs []MapChange) MapChangeView {
	v := MapChangeView{File: f.Name, Set: []MapSetView{}, Effect: f.Effect.String(), EffectText: f.EffectText()}
	for _, ch := range chs {
		v.Changed = v.Changed || ch.Changed
		v.Set = append(v.Set, MapSetView{Entry: ch.Entry, Old: ch.Old, Line: ch.Line, Duplicates: append([]int{}, ch.Duplicates...), Changed: ch.Changed})
	}
	return v
}

// RebuildView is the JSON form of a rebuilt cdb file ([BuildMoreRcptHosts]).
type RebuildView struct {
	File       string `json:"file"`
	Keys       int    `json:"keys"`
	Effect     string `json:"effect"`
	EffectText string `json:"effect_text"`
}

// RebuildViewOf returns the JSON form of the cdb file f rebuilt with keys
// keys.
func RebuildViewOf(f File, keys int) RebuildView {
	return RebuildView{File: f.Name, Keys: keys, Effect: f.Effect.String(), EffectText: f.EffectText()}
}

// View returns the JSON form of the edit, by what it changed: a
// [LineChangeView] for a one-line file, a [MapChangeView] for entries set
// in a map file, or a [ListChangeView].
func (e Edit) View() any {
	switch {
	case e.File.OneValue():
		return e.Line.View()
	case e.Map != nil:
		return MapChangeViewOf(e.File, e.Map)
	}
	return e.List.View(e.File)
}
