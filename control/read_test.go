package control

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/control/cdb"
)

func TestRegistrySorted(t *testing.T) {
	if !slices.IsSortedFunc(Files, func(a, b File) int { return strings.Compare(a.Name, b.Name) }) {
		t.Fatal("Files must be sorted by name (Lookup searches it)")
	}
	for _, f := range Files {
		if g, ok := Lookup(f.Name); !ok || g.Name != f.Name {
			t.Errorf("Lookup(%q) failed", f.Name)
		}
		if f.ReadBy == "" || f.When == "" || f.Summary == "" || f.Effect == 0 {
			t.Errorf("%s: incomplete registry entry", f.Name)
		}
		if f.Effect == EffectNextUse && f.Next == "" {
			t.Errorf("%s: EffectNextUse without Next", f.Name)
		}
	}
	if _, ok := Lookup("nonexistent"); ok {
		t.Error("Lookup of an unknown file succeeded")
	}
	// docs/queue.md §6.1: HUP rereads locals and virtualdomains only.
	for _, f := range Files {
		if (f.Effect == EffectHUP) != (f.Name == "locals" || f.Name == "virtualdomains") {
			t.Errorf("%s: effect %v", f.Name, f.Effect)
		}
	}
}

func TestReadDefaults(t *testing.T) {
	type view struct {
		Value, Source string
		Entries       []ListEntry
		Notes         int
	}
	get := func(dir, name string) view {
		t.Helper()
		s, err := Read(dir, name)
		if err != nil {
			t.Fatal(err)
		}
		return view{s.Value, s.Source, s.Entries, len(s.Notes)}
	}
	empty := t.TempDir()
	for name, want := range map[string]view{
		"queuelifetime":     {"604800", SourceDefault, nil, 0},
		"concurrencyremote": {"20", SourceDefault, nil, 0},
		"bouncefrom":        {"MAILER-DAEMON", SourceDefault, nil, 0},
		"bouncehost":        {"bouncehost", SourceDefault, nil, 0},
		"helohost":          {"", SourceNone, nil, 0},
		"locals":            {"", SourceNone, nil, 0},
		"rcpthosts":         {"", SourceNone, nil, 0},
	} {
		if diff := cmp.Diff(want, get(empty, name)); diff != "" {
			t.Errorf("%s in an empty directory (-want +got):\n%s", name, diff)
		}
	}
	dir := writeControl(t, map[string]string{
		"me":                "mail.example.com \n",
		"queuelifetime":     " 86400\n",
		"concurrencyremote": "50 # more\n",
		"bouncefrom":        "\n",
		"databytes":         "4294967296\n",
	})
	for name, want := range map[string]view{
		"queuelifetime":     {"604800", SourceDefault, nil, 1}, // leading space: default
		"concurrencyremote": {"50", SourceFile, nil, 0},
		"bouncefrom":        {"", SourceFile, nil, 1}, // empty file: empty value, not the default
		"bouncehost":        {"mail.example.com", SourceMe, nil, 0},
		"helohost":          {"mail.example.com", SourceMe, nil, 0},
		"locals":            {"", SourceMe, []ListEntry{{0, "mail.example.com"}}, 0},
		"databytes":         {"0", SourceFile, nil, 0}, // 2^32 truncates to 0
	} {
		if diff := cmp.Diff(want, get(dir, name)); diff != "" {
			t.Errorf("%s (-want +got):\n%s", name, diff)
		}
	}
	settings, unknown, err := ReadAll(writeControl(t, map[string]string{"me": "x.example\n", "qq-notes.txt": ""}))
	if err != nil {
		t.Fatal(err)
	}
	if len(settings) != len(Files) || !slices.Equal(unknown, []string{"qq-notes.txt"}) {
		t.Errorf("ReadAll: %d settings, unknown %q", len(settings), unknown)
	}
}

func TestRcptHosts(t *testing.T) {
	dir := writeControl(t, map[string]string{
		"rcpthosts":     "Example.com\n.example.net\n localhost\n",
		"morercpthosts": "# more\nMore.Example\n.sub.example.org\n",
	})
	if _, err := BuildMoreRcptHosts(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	r, err := OpenRcptHosts(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	tests := []struct {
		addr   string
		ok     bool
		reason string
		key    string
	}{
		{"user@example.com", true, RcptListed, "example.com"},
		{"user@EXAMPLE.COM", true, RcptListed, "example.com"},
		{"user@mail.example.com", false, RcptNotListed, ""}, // exact entry only
		{"user@mail.example.net", true, RcptListed, ".example.net"},
		{"user@example.net", false, RcptNotListed, ""}, // .suffix needs a subdomain
		{"user@more.example", true, RcptMoreListed, "more.example"},
		{"user@a.b.sub.example.org", true, RcptMoreListed, ".sub.example.org"},
		{"user@localhost", false, RcptNotListed, ""}, // leading space never matches
		{"postmaster", true, RcptNoAt, ""},
		{"user@", false, RcptNotListed, ""},
		{"a@b@example.com", true, RcptListed, "example.com"},
	}
	for _, tt := range tests {
		res, err := r.Check(tt.addr)
		if err != nil {
			t.Fatal(err)
		}
		if res.Accepted != tt.ok || res.Reason != tt.reason || res.Key != tt.key {
			t.Errorf("Check(%q) = %+v; want %v %s %q", tt.addr, res, tt.ok, tt.reason, tt.key)
		}
	}
	none, err := OpenRcptHosts(writeControl(t, map[string]string{"morercpthosts.cdb": "garbage"}))
	if err != nil {
		t.Fatal(err)
	}
	if res, _ := none.Check("x@anything.example"); !res.Accepted || res.Reason != RcptNoRcptHosts {
		t.Errorf("without rcpthosts: %+v", res)
	}
	if st, err := MoreRcptHostsState(dir); err != nil || st != "" {
		t.Errorf("state after build: %q, %v", st, err)
	}
}

func TestMoreRcptHostsState(t *testing.T) {
	dir := writeControl(t, map[string]string{"morercpthosts": "a.example\n"})
	st, _ := MoreRcptHostsState(dir)
	if st == "" {
		t.Errorf("missing cdb not reported")
	}
	if _, err := BuildMoreRcptHosts(context.Background(), dir); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "morercpthosts"), []byte("a.example\nb.example\n"), 0o644)
	if st, _ := MoreRcptHostsState(dir); st == "" {
		t.Errorf("stale cdb not reported")
	}
	// Editing through qq rebuilds the cdb.
	if _, err := AddToList(context.Background(), dir, "morercpthosts", []string{"c.example"}); err != nil {
		t.Fatal(err)
	}
	if st, _ := MoreRcptHostsState(dir); st != "" {
		t.Errorf("after an edit: %q", st)
	}
	os.Remove(filepath.Join(dir, "morercpthosts"))
	if st, _ := MoreRcptHostsState(dir); st == "" {
		t.Errorf("orphan cdb not reported")
	}
	if _, err := BuildMoreRcptHosts(context.Background(), dir); err == nil {
		t.Errorf("building without morercpthosts succeeded (qmail-newmrh fails)")
	}
}

// TestNewmrhMatchesCdbmake builds morercpthosts.cdb and checks it byte for
// byte against freecdb's cdbmake fed with the keys qmail-newmrh adds.
func TestNewmrhMatchesCdbmake(t *testing.T) {
	if _, err := exec.LookPath("cdbmake"); err != nil {
		t.Skipf("cdbmake not installed (Debian package freecdb): %v", err)
	}
	src := "# comment\nExample.COM  \n\n\t\nsub.example.org\t\n.suffix.example\nexample.com\nlast.example"
	dir := writeControl(t, map[string]string{"morercpthosts": src})
	n, err := BuildMoreRcptHosts(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("%d keys, want 5", n)
	}
	var in bytes.Buffer
	for _, k := range MoreRcptHostsKeys([]byte(src)) {
		in.WriteString("+" + strconv.Itoa(len(k)) + ",0:" + string(k) + "->\n")
	}
	in.WriteString("\n")
	out := filepath.Join(t.TempDir(), "oracle.cdb")
	cmd := exec.Command("cdbmake", out, out+".tmp")
	cmd.Stdin = &in
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cdbmake: %v %s", err, b)
	}
	want, _ := os.ReadFile(out)
	got, _ := os.ReadFile(filepath.Join(dir, "morercpthosts.cdb"))
	if !bytes.Equal(got, want) {
		t.Errorf("morercpthosts.cdb differs from cdbmake's output")
	}
	rd, err := cdb.Open(filepath.Join(dir, "morercpthosts.cdb"))
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	var keys []string
	for r, err := range rd.All() {
		if err != nil {
			t.Fatal(err)
		}
		keys = append(keys, string(r.Key))
	}
	wantKeys := []string{"example.com", "sub.example.org", ".suffix.example", "example.com", "last.example"}
	if diff := cmp.Diff(wantKeys, keys); diff != "" {
		t.Errorf("keys (-want +got):\n%s", diff)
	}
	fi, _ := os.Stat(filepath.Join(dir, "morercpthosts.cdb"))
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("cdb mode %v, want 0644", fi.Mode().Perm())
	}
	if _, err := os.Stat(filepath.Join(dir, "morercpthosts.tmp")); !os.IsNotExist(err) {
		t.Errorf("morercpthosts.tmp left behind: %v", err)
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, in, want string
		bad            bool
		notes          int
	}{
		{"queuelifetime", "86400", "86400", false, 0},
		{"queuelifetime", "0086400", "86400", false, 0},
		{"queuelifetime", "60", "60", false, 1},
		{"queuelifetime", "7d", "", true, 0},
		{"queuelifetime", "-1", "", true, 0},
		{"queuelifetime", "2147483648", "", true, 0},
		{"concurrencyremote", "200", "200", false, 1},
		{"concurrencyremote", "0", "0", false, 1},
		{"timeoutremote", "0", "", true, 0},
		{"me", "Mail.Example.COM", "mail.example.com", false, 0},
		{"me", "mail example", "", true, 0},
		{"me", "mail..example", "", true, 0},
		{"me", "", "", true, 0},
		{"rcpthosts", ".Example.com", ".example.com", false, 0},
		{"rcpthosts", "*.example.com", "", true, 0},
		{"rcpthosts", "user@example.com", "", true, 0},
		{"locals", "[192.0.2.1]", "[192.0.2.1]", false, 0},
		{"smtproutes", "Example.com:Relay.Example.net:2525", "example.com:relay.example.net:2525", false, 0},
		{"smtproutes", ":smarthost.example", ":smarthost.example", false, 1},
		{"smtproutes", "example.com:", "example.com:", false, 1},
		{"smtproutes", ".example.com:[192.0.2.9]", ".example.com:[192.0.2.9]", false, 0},
		{"smtproutes", "example.com", "", true, 0},
		{"smtproutes", "example.com:relay:99999", "", true, 0},
		{"smtproutes", "example.com::25", "", true, 0},
		{"virtualdomains", "Example.com:alice", "example.com:alice", false, 0},
		{"virtualdomains", "bob@example.com:bob-box", "bob@example.com:bob-box", false, 0},
		{"virtualdomains", "example.com:", "example.com:", false, 1},
		{"virtualdomains", "example.com", "", true, 0},
		{"qmqpservers", "192.0.2.7", "192.0.2.7", false, 0},
		{"qmqpservers", "qmqp.example", "", true, 0},
		{"smtpgreeting", "mail.example.com ESMTP ready", "mail.example.com ESMTP ready", false, 0},
		{"smtpgreeting", "two\nlines", "", true, 0},
		{"bouncefrom", "mailer-daemon", "mailer-daemon", false, 0},
		{"bouncefrom", "x@y", "", true, 0},
		{"badmailfrom", "X@Y.example", "x@y.example", false, 0},
	}
	for _, tt := range tests {
		got, notes, err := Validate(tt.name, tt.in)
		if tt.bad {
			if _, ok := err.(*ValueError); !ok {
				t.Errorf("Validate(%s, %q) = %q, %v; want a ValueError", tt.name, tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want || len(notes) != tt.notes {
			t.Errorf("Validate(%s, %q) = %q, %q, %v; want %q with %d notes", tt.name, tt.in, got, notes, err, tt.want, tt.notes)
		}
	}
	if _, _, err := Validate("morercpthosts.cdb", "x"); err == nil {
		t.Errorf("the cdb is not writable")
	}
	if _, _, err := Validate("nonexistent", "x"); err == nil {
		t.Errorf("unknown file accepted")
	}
}

// FuzzValidate checks that whatever a validator accepts is read back by
// qmail as exactly the value qq writes: one line, no trailing whitespace,
// not a comment.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"86400", "Mail.Example.COM", ".example.com", "example.com:relay:25", ":smart", "a@b.example", "@b.example", "[192.0.2.1]", "user@example.com:box", "hello world"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, file := range Files {
			if !file.Writable() {
				continue
			}
			norm, _, err := Validate(file.Name, s)
			if err != nil {
				if _, ok := err.(*ValueError); !ok {
					t.Fatalf("%s: %q: error %v is not a ValueError", file.Name, s, err)
				}
				continue
			}
			check := checkWritable
			if file.Kind == KindLine || file.Kind == KindInt {
				check = func(_, v string) error { return checkBytes(v, true) }
			}
			if err := check(file.Name, norm); err != nil {
				t.Fatalf("%s: accepted %q as %q, which qq cannot write: %v", file.Name, s, norm, err)
			}
			data := joinLines([]string{norm})
			switch file.Kind {
			case KindLine:
				if got := ParseLine(data); got != norm {
					t.Fatalf("%s: wrote %q, qmail reads %q", file.Name, norm, got)
				}
			case KindInt:
				if n, ok := ParseInt(ParseLine(data)); !ok || strconv.Itoa(n) != norm {
					t.Fatalf("%s: wrote %q, qmail reads %d, %v", file.Name, norm, n, ok)
				}
			default:
				if got := ParseList(data); len(got) != 1 || got[0].Value != norm {
					t.Fatalf("%s: wrote %q, qmail reads %+v", file.Name, norm, got)
				}
			}
		}
	})
}
