package control

import (
	"strings"
	"testing"
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
