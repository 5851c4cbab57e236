package control

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestReadInputs(t *testing.T) {
	stdin := strings.NewReader("  a@x.example \n\n# comment\nb@x.example\n")
	got, err := ReadInputs([]string{"first", "-", "last"}, stdin)
	if err != nil {
		t.Fatal(err)
	}
	want := []Input{{Value: "first"}, {Value: "a@x.example", Where: "stdin line 1"}, {Value: "b@x.example", Where: "stdin line 4"}, {Value: "last"}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ReadInputs (-want +got):\n%s", diff)
	}
	if _, err := ReadInputs([]string{"-"}, strings.NewReader(strings.Repeat("x", MaxInputLine+1))); err == nil {
		t.Error("a stdin line beyond MaxInputLine was accepted")
	}
	if got := InputValues(want); !cmp.Equal(got, []string{"first", "a@x.example", "b@x.example", "last"}) {
		t.Errorf("InputValues = %q", got)
	}
}

func TestValidateInputs(t *testing.T) {
	in := []Input{{Value: "Example.COM"}, {Value: "b.example", Where: "stdin line 2"}}
	values, notes, err := ValidateInputs(in, func(v string) (string, []string, error) { return Validate("rcpthosts", v) })
	if err != nil || !cmp.Equal(values, []string{"example.com", "b.example"}) {
		t.Errorf("ValidateInputs = %q, %+v, %v", values, notes, err)
	}

	// One rejection is the error itself, with where it came from.
	in = []Input{{Value: "ok.example"}, {Value: "*.example", Where: "stdin line 3"}}
	values, _, err = ValidateInputs(in, func(v string) (string, []string, error) { return Validate("rcpthosts", v) })
	var ve *ValueError
	if values != nil || err == nil || !strings.HasPrefix(err.Error(), "stdin line 3: ") || !errors.As(err, &ve) {
		t.Errorf("ValidateInputs = %q, %v; want the *ValueError from stdin line 3", values, err)
	}

	// Every rejection is reported, with where it came from; no values.
	in = []Input{{Value: "a b"}, {Value: "ok.example"}, {Value: "*.example", Where: "stdin line 3"}}
	values, _, err = ValidateInputs(in, func(v string) (string, []string, error) { return Validate("rcpthosts", v) })
	errs, ok := err.(InputErrors)
	if values != nil || !ok || len(errs) != 2 || !strings.HasPrefix(errs[1].Error(), "stdin line 3: ") {
		t.Fatalf("ValidateInputs = %q, %v; want two errors, the second from stdin line 3", values, err)
	}
	if !errors.As(errs[1], &ve) {
		t.Errorf("%v is not a *ValueError", errs[1])
	}
	if got, want := err.Error(), "2 values rejected, nothing changed"; got != want {
		t.Errorf("InputErrors.Error() = %q, want %q", got, want)
	}

	// A note given for two values is returned once.
	_, notes, _ = ValidateInputs([]Input{{Value: "1"}, {Value: "2"}}, func(v string) (string, []string, error) {
		return v, []string{"same note"}, nil
	})
	if !cmp.Equal(notes, []Notice{{Text: "same note"}}) {
		t.Errorf("notes = %+v, want one", notes)
	}
}

func TestReadAddrListNotices(t *testing.T) {
	dir := writeControl(t, nil)
	r, err := ReadAddrList(dir, "badmailfrom")
	if err != nil || len(r.Notices) != 1 || r.Notices[0].Warning || !strings.Contains(r.Notices[0].Text, "does not exist") {
		t.Errorf("absent badmailfrom: %+v, %v; want one note", r, err)
	}
	dir = writeControl(t, map[string]string{"badmailfrom": "a@x.example\n^spam.*@\n.*@bad\n"})
	r, err = ReadAddrList(dir, "badmailfrom")
	if err != nil || len(r.Lines) != 3 || len(Warnings(r.Notices)) != 1 || !strings.Contains(r.Notices[0].Text, "2 line(s) that look like regular expressions (first: line 2)") {
		t.Errorf("qregex badmailfrom: %+v, %v; want one warning counting 2 lines", r, err)
	}
}

func TestCheckAddrList(t *testing.T) {
	dir := writeControl(t, map[string]string{"badrcptto": "@spam.example\n"})
	got, notices, err := CheckAddrList(dir, "badrcptto", []string{"<A@Spam.Example>", "b@ham.example", "<" + strings.Repeat("a", MaxAddrLen+1) + ">"})
	if err != nil || notices != nil {
		t.Fatalf("CheckAddrList: %v, %+v", err, notices)
	}
	want := []AddrCheckView{
		{Input: "<A@Spam.Example>", Address: "A@Spam.Example", Result: "rejected", Line: 1, Entry: "@spam.example", Reply: AddrListReply("badrcptto")},
		{Input: "b@ham.example", Address: "b@ham.example", Result: "accepted", Reply: "250 ok"},
	}
	if diff := cmp.Diff(want, got[:2]); diff != "" {
		t.Errorf("CheckAddrList (-want +got):\n%s", diff)
	}
	if got[2].Result != "syntax-error" {
		t.Errorf("an address beyond MaxAddrLen: result %q, want syntax-error", got[2].Result)
	}
}

func TestRcptHostsReports(t *testing.T) {
	// No rcpthosts: every domain accepted, and list warns.
	dir := writeControl(t, map[string]string{"morercpthosts": "m.example\n"})
	r, err := ReadRcptHostsList(dir)
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, n := range r.Notices {
		texts = append(texts, n.Text)
	}
	if len(Warnings(r.Notices)) != 3 || !strings.Contains(texts[0], "accepts mail for every domain") ||
		!strings.Contains(texts[1], "morercpthosts has no effect") || !strings.Contains(texts[2], "qq rcpthosts rebuild") {
		t.Errorf("notices = %q; want: no rcpthosts, morercpthosts useless, cdb missing", texts)
	}
	if v := r.Views(); len(v) != 1 || v[0].File != "morercpthosts" || v[0].Entry != "m.example" {
		t.Errorf("Views = %+v", v)
	}

	dir = writeControl(t, map[string]string{"rcpthosts": "a.example\n.b.example\n"})
	got, notices, err := CheckRcptHosts(dir, []string{"a.example", "x@mail.b.example", "c.example"})
	if err != nil || notices != nil {
		t.Fatalf("CheckRcptHosts: %v, %+v", err, notices)
	}
	if !got[0].Accepted || got[1].Key != ".b.example" || got[1].Line != 2 || got[2].Accepted || got[2].Reason != RcptNotListed {
		t.Errorf("CheckRcptHosts = %+v", got)
	}
	b, _ := json.Marshal(got[1])
	if want := `{"input":"x@mail.b.example","domain":"mail.b.example","accepted":true,"reason":"rcpthosts","key":".b.example","line":2}`; string(b) != want {
		t.Errorf("JSON = %s, want %s", b, want)
	}
}

func TestRemoveEntriesNotices(t *testing.T) {
	ctx := context.Background()
	dir := writeControl(t, map[string]string{"rcpthosts": "a.example\n", "smtproutes": "x.example:relay\n"})
	ch, notices, err := RemoveEntries(ctx, dir, "rcpthosts", []string{"A.example"})
	if err != nil || len(ch.Removed) != 1 || len(notices) != 1 || !strings.Contains(notices[0].Text, "rcpthosts is now empty") {
		t.Errorf("RemoveEntries(rcpthosts) = %+v, %+v, %v; want the entry removed and a warning", ch, notices, err)
	}
	// A map file's entries are removed by key.
	ch, notices, err = RemoveEntries(ctx, dir, "smtproutes", []string{"X.example"})
	if err != nil || len(ch.Removed) != 1 || notices != nil {
		t.Errorf("RemoveEntries(smtproutes) = %+v, %+v, %v", ch, notices, err)
	}
}

func TestSetAndUnsetValue(t *testing.T) {
	ctx := context.Background()
	dir := writeControl(t, map[string]string{"me": "mx.example\n"})
	e, err := SetValue(ctx, dir, "helohost", "helo.example")
	if err != nil || !e.Changed || e.Before.Source != SourceMe || e.After.Value != "helo.example" {
		t.Fatalf("SetValue = %+v, %v", e, err)
	}
	b, _ := json.Marshal(e.View())
	if !strings.HasPrefix(string(b), `{"file":"helohost","old":"mx.example","old_source":"me","new":"helo.example","new_source":"file","changed":true,`) {
		t.Errorf("JSON = %s", b)
	}
	e, err = UnsetValue(ctx, dir, "helohost")
	if err != nil || !e.Changed || e.After.Source != SourceMe {
		t.Errorf("UnsetValue = %+v, %v", e, err)
	}
}

func TestGetValuesAndNotices(t *testing.T) {
	dir := writeControl(t, map[string]string{"locals": "a.example\nb.example\n"})
	s, err := Get(dir, "locals")
	if err != nil || !cmp.Equal(s.Values(), []string{"a.example", "b.example"}) || s.Notices() != nil {
		t.Errorf("Get(locals) = %q, %+v, %v", s.Values(), s.Notices(), err)
	}
	s, err = Get(dir, "badmailfrom")
	if err != nil || len(s.Values()) != 0 || len(s.Notices()) != 1 || !strings.Contains(s.Notices()[0].Text, "badmailfrom is absent") {
		t.Errorf("Get(badmailfrom) = %q, %+v, %v", s.Values(), s.Notices(), err)
	}
	s, err = Get(dir, "bouncefrom")
	if err != nil || !cmp.Equal(s.Values(), []string{"MAILER-DAEMON"}) || s.Notices()[0].Text != "bouncefrom is absent: qmail's default" {
		t.Errorf("Get(bouncefrom) = %q, %+v, %v", s.Values(), s.Notices(), err)
	}
}

func TestFindAndGuard(t *testing.T) {
	var ne *RequestError
	if _, err := Find("nonexistent"); !errors.As(err, &ne) {
		t.Errorf("Find(nonexistent) = %v, want a *RequestError", err)
	}
	if _, err := FindWritable("morercpthosts.cdb"); !errors.As(err, &ne) || !strings.HasPrefix(err.Error(), "morercpthosts.cdb is built from morercpthosts") {
		t.Errorf("FindWritable(morercpthosts.cdb) = %v", err)
	}
	dir := writeControl(t, nil)
	if err := GuardCreate(dir, "rcpthosts", nil, false); err == nil || !strings.HasSuffix(err.Error(), ", and pass --force") {
		t.Errorf("GuardCreate without force = %v", err)
	}
	if err := GuardCreate(dir, "rcpthosts", nil, true); err != nil {
		t.Errorf("GuardCreate with force = %v", err)
	}
}

func TestViewsNeverNull(t *testing.T) {
	f, _ := Lookup("badmailfrom")
	for _, v := range []any{ListChange{}.View(f), UnknownSetting("x").View(), MapChangeViewOf(f, nil), Line{}.View("")} {
		b, err := json.Marshal(v)
		if err != nil || strings.Contains(string(b), "null") {
			t.Errorf("%T: %s, %v", v, b, err)
		}
	}
	b, _ := json.Marshal(UnknownSetting("qq-notes").View())
	if want := `{"name":"qq-notes","known":false,"exists":true,"source":"file","value":"","entries":[],"keys":0,"notes":["not a control file qq knows"]}`; string(b) != want {
		t.Errorf("UnknownSetting JSON = %s\nwant %s", b, want)
	}
}

func TestSetAndUnsetEntries(t *testing.T) {
	ctx := context.Background()
	dir := writeControl(t, map[string]string{"me": "mx.example\n", "smtproutes": "a.example:old\n"})
	file := func(name string) File { f, _ := Lookup(name); return f }
	var re *RequestError

	// What does not fit the file is refused before anything changes.
	for _, tt := range []struct {
		name string
		set  bool
		vals []string
		want string
	}{
		{"helohost", true, []string{"a", "b"}, "helohost holds one value, 2 given"},
		{"helohost", false, []string{}, "helohost holds one value: unset it without a VALUE"},
		{"me", false, nil, "without control/me qmail-send and qmail-smtpd cannot start; pass --force to remove it anyway"},
		{"badmailfrom", false, nil, "badmailfrom is a list file: give the entries to remove (qq control unset badmailfrom VALUE...)"},
		{"rcpthosts", true, []string{"a.example"}, "rcpthosts does not exist"},
	} {
		var err error
		if tt.set {
			_, err = SetEntries(ctx, dir, file(tt.name), tt.vals, false)
		} else {
			_, err = UnsetEntries(ctx, dir, file(tt.name), tt.vals, false)
		}
		if !errors.As(err, &re) || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("%s %v: %v, want a *RequestError %q", tt.name, tt.vals, err, tt.want)
		}
	}

	e, err := SetEntries(ctx, dir, file("smtproutes"), []string{"a.example:new", "b.example:relay"}, false)
	if err != nil || len(e.Map) != 2 || e.Map[0].Old != "a.example:old" || !e.Map[1].Changed {
		t.Errorf("SetEntries(smtproutes) = %+v, %v", e, err)
	}
	// An empty stdin gives values that are no values: nothing is removed.
	e, err = UnsetEntries(ctx, dir, file("smtproutes"), []string{}, false)
	if err != nil || e.Map != nil || e.List.Changed || len(e.List.Removed) != 0 {
		t.Errorf("UnsetEntries(smtproutes, none) = %+v, %v", e, err)
	}
	e, err = UnsetEntries(ctx, dir, file("helohost"), nil, false)
	if err != nil || e.Line.Changed {
		t.Errorf("UnsetEntries(helohost) absent = %+v, %v; want unchanged", e, err)
	}
}

func TestAddAddrEntries(t *testing.T) {
	dir := writeControl(t, map[string]string{"badmailfrom": "^spam.*\n"})
	ch, warnings, err := AddAddrEntries(context.Background(), dir, "badmailfrom", []string{"a@x.example"})
	if err != nil || !cmp.Equal(ch.Added, []string{"a@x.example"}) || len(warnings) != 1 || !warnings[0].Warning {
		t.Errorf("AddAddrEntries = %+v, %+v, %v; want the entry added and the qregex warning", ch, warnings, err)
	}
	if got := readControl(t, dir, "badmailfrom"); got != "^spam.*\na@x.example\n" {
		t.Errorf("badmailfrom = %q", got)
	}
}

func TestEditView(t *testing.T) {
	for _, tt := range []struct {
		e    Edit
		want string
	}{
		{Edit{File: File{Name: "helohost", Kind: KindLine}, Line: LineEdit{Before: Setting{File: File{Name: "helohost"}}}}, `{"file":"helohost","old":""`},
		{Edit{File: File{Name: "smtproutes", Kind: KindMap}, Map: []MapChange{}}, `{"file":"smtproutes","set":[]`},
		{Edit{File: File{Name: "smtproutes", Kind: KindMap}}, `{"file":"smtproutes","added":[]`},
	} {
		b, err := json.Marshal(tt.e.View())
		if err != nil || !strings.HasPrefix(string(b), tt.want) {
			t.Errorf("%+v: %s, want %s…", tt.e, b, tt.want)
		}
	}
}

// FuzzReadInputs checks that every value read from stdin is trimmed,
// non-empty, not a comment, and says which line it came from.
func FuzzReadInputs(f *testing.F) {
	f.Add("a@x.example\n  # c\n\n @b \r\n")
	f.Fuzz(func(t *testing.T, stdin string) {
		in, err := ReadInputs([]string{"-"}, strings.NewReader(stdin))
		if err != nil {
			return
		}
		for _, v := range in {
			if v.Value == "" || v.Value != strings.TrimSpace(v.Value) || v.Value[0] == '#' || !strings.HasPrefix(v.Where, "stdin line ") {
				t.Errorf("ReadInputs(%q): bad input %+v", stdin, v)
			}
		}
	})
}
