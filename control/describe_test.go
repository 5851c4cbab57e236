package control

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestDefaultTextAndNeeds(t *testing.T) {
	tests := []struct {
		f    File
		want string
	}{
		{File{DefaultMe: true, Default: "2525"}, "me, else 2525"},
		{File{DefaultMe: true}, "me"},
		{File{Default: "604800"}, "604800"},
		{File{Absent: "any MAIL FROM is allowed"}, "(absent: any MAIL FROM is allowed)"},
	}
	for _, tt := range tests {
		if got := tt.f.DefaultText(); got != tt.want {
			t.Errorf("%+v.DefaultText() = %q, want %q", tt.f, got, tt.want)
		}
	}
	for e, want := range map[Effect]string{EffectNextUse: "nothing", EffectHUP: "HUP", EffectRestart: "restart"} {
		if got := e.Needs(); got != want {
			t.Errorf("%v.Needs() = %q, want %q", e, got, want)
		}
	}
	// Every registered file has a default text and an effect word.
	for _, f := range Files {
		if f.DefaultText() == "" || f.Effect.Needs() == "" {
			t.Errorf("%s: empty default text or effect", f.Name)
		}
	}
}

func TestSettingDescribeAndBrief(t *testing.T) {
	upper := strings.ToUpper // stands for the caller's escaping
	line := File{Name: "queuelifetime", Kind: KindInt, Absent: "none"}
	list := File{Name: "locals", Kind: KindList, Absent: "control/me is local"}
	cdb := File{Name: "morercpthosts.cdb", Kind: KindCDB, Absent: "no more rcpthosts"}
	tests := []struct {
		s               Setting
		describe, brief string // describe is checked for the line file only
	}{
		{Setting{File: line, Source: SourceFile, Exists: true, Value: "x"}, "X", "X"},
		{Setting{File: line, Source: SourceDefault, Value: "604800"}, "604800 (qmail's default)", "604800"},
		{Setting{File: line, Source: SourceMe, Value: "mx"}, "MX (from control/me)", "MX"},
		{Setting{File: line, Source: SourceNone}, "(absent: none)", "(none)"},
		{Setting{File: list, Source: SourceNone}, "", "(control/me is local)"},
		{Setting{File: list, Source: SourceMe, Entries: []ListEntry{{Value: "mx"}}}, "", "MX"},
		{Setting{File: list, Source: SourceFile, Exists: true, Entries: []ListEntry{{Value: "a"}}}, "", "1 entry: A"},
		{Setting{File: list, Source: SourceFile, Exists: true, Entries: []ListEntry{{Value: "a"}, {Value: "b"}}}, "", "2 entries"},
		{Setting{File: cdb, Exists: true, Source: SourceFile, Keys: 7}, "", "7 keys"},
		{Setting{File: cdb, Source: SourceNone}, "", "(no more rcpthosts)"},
	}
	for _, tt := range tests {
		if got := tt.s.Brief(upper); got != tt.brief {
			t.Errorf("%+v.Brief = %q, want %q", tt.s, got, tt.brief)
		}
		if tt.s.File.Kind == KindInt {
			if got := tt.s.Describe(upper); got != tt.describe {
				t.Errorf("%+v.Describe = %q, want %q", tt.s, got, tt.describe)
			}
		}
	}
}

func TestListChangeSummary(t *testing.T) {
	ch := ListChange{Added: []string{"a", "b"}, Present: []ListEntry{{Line: 3, Value: "c"}}, Missing: []string{"d"}}
	if got, want := ch.Summary(), "2 added, 1 already present, 1 not found"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	ch = ListChange{Fixed: []ListEntry{{Line: 1}}, Removed: []ListEntry{{Line: 2}, {Line: 4}}}
	if got, want := ch.Summary(), "1 fixed, 2 removed"; got != want {
		t.Errorf("Summary() = %q, want %q", got, want)
	}
	if got := (ListChange{}).Summary(); got != "" {
		t.Errorf("empty change: Summary() = %q", got)
	}
}

// lookup returns the registry entry of a file the tests know exists.
func lookup(t *testing.T, name string) File {
	t.Helper()
	f, ok := Lookup(name)
	if !ok {
		t.Fatalf("Lookup(%q) failed", name)
	}
	return f
}

func TestListChangeLines(t *testing.T) {
	f := lookup(t, "locals")
	show := func(s string) string { return "<" + s + ">" } // stands for the caller's escaping
	ch := ListChange{
		Added:   []string{"a.example"},
		Fixed:   []ListEntry{{Line: 2, Value: "b.example"}},
		Present: []ListEntry{{Line: 3, Value: "c.example"}},
		Removed: []ListEntry{{Line: 4, Value: "d.example"}},
		Missing: []string{"e.example"},
		Changed: true,
	}
	want := []string{
		"added        <a.example>",
		"fixed        <b.example> (line 2, which qmail could not match as written)",
		"present      <c.example> (line 3)",
		"removed      <d.example> (line 4)",
		"not found    <e.example>",
		"locals: 1 added, 1 fixed, 1 already present, 1 removed, 1 not found; " + f.EffectText(),
	}
	if diff := cmp.Diff(want, ch.Lines(f, show)); diff != "" {
		t.Errorf("Lines (-want +got):\n%s", diff)
	}
	ch = ListChange{Present: []ListEntry{{Line: 1, Value: "a.example"}}}
	want = []string{"present      <a.example> (line 1)", "locals: unchanged (1 already present)"}
	if diff := cmp.Diff(want, ch.Lines(f, show)); diff != "" {
		t.Errorf("unchanged: Lines (-want +got):\n%s", diff)
	}
}

func TestEditLines(t *testing.T) {
	show := strings.ToUpper
	routes := lookup(t, "smtproutes")
	lifetime := lookup(t, "queuelifetime")
	before := Setting{File: lifetime, Source: SourceDefault, Value: "604800"}
	after := Setting{File: lifetime, Source: SourceFile, Exists: true, Value: "259200"}
	tests := []struct {
		name     string
		e        Edit
		want     []string
		warnings []Notice
	}{
		{"one-line changed", Edit{File: lifetime, Line: LineEdit{Before: before, After: after, Changed: true}},
			[]string{"queuelifetime: 604800 (qmail's default) -> 259200; " + lifetime.EffectText()}, nil},
		{"one-line unchanged", Edit{File: lifetime, Line: LineEdit{Before: after, After: after}},
			[]string{"queuelifetime: unchanged, 259200"}, nil},
		{"map", Edit{File: routes, Map: []MapChange{
			{Entry: "a:r1", Line: 1},
			{Entry: "b:r2", Old: "B:r0", Line: 4, Duplicates: []int{2}, Changed: true},
			{Entry: "c:r3", Line: 5, Changed: true},
		}}, []string{
			"present      A:R1 (line 1)",
			"replaced     B:R0 -> B:R2 (line 4)",
			"added        C:R3 (line 5)",
			"smtproutes: " + routes.EffectText(),
		}, []Notice{{Warning: true, Text: "smtproutes line 2 has the same key; qmail uses only the last one (line 4)"}}},
		{"map unchanged", Edit{File: routes, Map: []MapChange{{Entry: "a:r1", Line: 1}}},
			[]string{"present      A:R1 (line 1)", "smtproutes: unchanged"}, nil},
		{"list", Edit{File: lookup(t, "rcpthosts"), List: ListChange{Removed: []ListEntry{{Line: 1, Value: "x"}}, Changed: true}},
			[]string{"removed      X (line 1)", "rcpthosts: 1 removed; " + lookup(t, "rcpthosts").EffectText()}, nil},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.e.Lines(show)); diff != "" {
			t.Errorf("%s: Lines (-want +got):\n%s", tt.name, diff)
		}
		if diff := cmp.Diff(tt.warnings, tt.e.Warnings()); diff != "" {
			t.Errorf("%s: Warnings (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestRcptHostsChangeLines(t *testing.T) {
	show := strings.ToUpper
	more := lookup(t, "morercpthosts")
	add := RcptHostsAdd{File: "morercpthosts", Other: "rcpthosts",
		Change:    ListChange{Added: []string{"b.example"}, Changed: true},
		Elsewhere: []ListEntry{{Line: 3, Value: "a.example"}}}
	want := []string{
		"present      A.EXAMPLE (rcpthosts line 3)",
		"added        B.EXAMPLE",
		"morercpthosts: 1 added; " + more.EffectText(),
	}
	if diff := cmp.Diff(want, add.Lines(show)); diff != "" {
		t.Errorf("RcptHostsAdd.Lines (-want +got):\n%s", diff)
	}
	rm := RcptHostsRemove{
		Changes:  []ListChange{{}, {Removed: []ListEntry{{Line: 1, Value: "c.example"}}, Changed: true}},
		NotFound: []string{"d.example"},
	}
	want = []string{
		"removed      C.EXAMPLE (line 1)",
		"morercpthosts: 1 removed; " + more.EffectText(),
		"not found    D.EXAMPLE",
	}
	if diff := cmp.Diff(want, rm.Lines(show)); diff != "" {
		t.Errorf("RcptHostsRemove.Lines (-want +got):\n%s", diff)
	}
	cdb := lookup(t, "morercpthosts.cdb")
	want = []string{"morercpthosts.cdb: rebuilt with 2 key(s); " + cdb.EffectText()}
	if diff := cmp.Diff(want, RebuildViewOf(cdb, 2).Lines()); diff != "" {
		t.Errorf("RebuildView.Lines (-want +got):\n%s", diff)
	}
}
