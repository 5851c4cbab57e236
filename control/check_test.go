package control

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestCreateRiskError(t *testing.T) {
	locals := (&CreateRisk{File: "locals", Me: "mx.example"}).Error()
	if !strings.Contains(locals, "delivers mail for mx.example (control/me) locally") || !strings.HasSuffix(locals, "add mx.example too") {
		t.Errorf("locals risk: %q", locals)
	}
	rcpt := (&CreateRisk{File: "rcpthosts"}).Error()
	if !strings.Contains(rcpt, "accepts mail for every domain") || !strings.HasSuffix(rcpt, "list them all") {
		t.Errorf("rcpthosts risk: %q", rcpt)
	}
}

func TestRcptHostsEmpty(t *testing.T) {
	dir := t.TempDir()
	if RcptHostsEmpty(dir) {
		t.Error("absent rcpthosts reported empty")
	}
	for content, want := range map[string]bool{"": true, "# only a comment\n\n": true, "a.example\n": false} {
		if err := os.WriteFile(filepath.Join(dir, "rcpthosts"), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := RcptHostsEmpty(dir); got != want {
			t.Errorf("rcpthosts %q: RcptHostsEmpty = %v, want %v", content, got, want)
		}
	}
}

func TestRcptHostsCheckInput(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "rcpthosts"), []byte("a.example\n.b.example\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	rh, err := OpenRcptHosts(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer rh.Close()
	tests := []struct {
		input    string
		accepted bool
		domain   string
		why      string
	}{
		{"a.example", true, "a.example", "rcpthosts line 1: a.example"},
		{"A.Example", true, "a.example", "rcpthosts line 1: a.example"},
		{"user@x.b.example", true, "x.b.example", "rcpthosts line 2: .b.example"},
		{"<User@A.EXAMPLE>", true, "a.example", "rcpthosts line 1: a.example"},
		{"c.example", false, "c.example", "not listed"},
		{"<postmaster>", true, "", "no @domain: always accepted"},
	}
	for _, tt := range tests {
		res, err := rh.CheckInput(tt.input, nil)
		if err != nil || res.Accepted != tt.accepted || res.Domain != tt.domain || res.Why() != tt.why {
			t.Errorf("CheckInput(%q) = %+v (why %q), %v; want accepted %v, domain %q, why %q", tt.input, res, res.Why(), err, tt.accepted, tt.domain, tt.why)
		}
	}
	none, err := OpenRcptHosts(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer none.Close()
	if res, err := none.CheckInput("c.example", nil); err != nil || !res.Accepted || res.Why() != "no rcpthosts: every domain is accepted" {
		t.Errorf("no rcpthosts: %+v, %v", res, err)
	}
	if got := (RcptResult{Reason: RcptMoreListed, Key: ".d.example"}).Why(); got != "morercpthosts.cdb: .d.example" {
		t.Errorf("morercpthosts Why = %q", got)
	}
}

func TestAddrCheckResultAndReply(t *testing.T) {
	list := NewAddrList(ParseList([]byte("spam@example.com\n@bad.example\n")))
	tests := []struct {
		input, file, result, reply string
	}{
		{"<ok@example.com>", "badmailfrom", "accepted", "250 ok"},
		{"<spam@example.com>", "badmailfrom", "rejected", "553 sorry, your envelope sender is in my badmailfrom list (#5.7.1)"},
		{"x@bad.example", "badrcptto", "rejected", "553 sorry, mail to that recipient is not accepted (#5.7.1)"},
		{"<" + strings.Repeat("a", MaxAddrLen+1) + ">", "badmailfrom", "syntax-error", "555 syntax error (#5.5.4)"},
	}
	for _, tt := range tests {
		c := list.Check(tt.input, "FROM", nil)
		if c.Result() != tt.result || c.Reply(tt.file) != tt.reply {
			t.Errorf("Check(%q) = %+v: result %q reply %q, want %q %q", tt.input, c, c.Result(), c.Reply(tt.file), tt.result, tt.reply)
		}
	}
	if AddrListReply("rcpthosts") != "" {
		t.Error("a reply for a file that is not an address list")
	}
}

func TestRegexLinesAndProblemText(t *testing.T) {
	lines := AnalyzeAddrList([]byte("ok@example.com\n.*@spam\\.example\n# comment\n[0-9]+@x\\.example\n"))
	if n, first := RegexLines(lines); n != 2 || first != 2 {
		t.Errorf("RegexLines = %d, %d; want 2 from line 2", n, first)
	}
	if n, first := RegexLines(AnalyzeAddrList([]byte("a@b.example\n"))); n != 0 || first != 0 {
		t.Errorf("RegexLines of a stock file = %d, %d", n, first)
	}
	l := Line{Problems: []Problem{{Text: "one"}, {Text: "two"}}}
	if got := l.ProblemText(); got != "one; two" {
		t.Errorf("ProblemText = %q", got)
	}
	if got := (Line{}).ProblemText(); got != "" {
		t.Errorf("ProblemText of a clean line = %q", got)
	}
}

func TestReadHostLines(t *testing.T) {
	dir := t.TempDir()
	h, err := ReadHostLines(dir)
	if err != nil || h.RcptHosts || h.More || len(h.Lines) != 0 || h.Usable() {
		t.Errorf("empty directory: %+v, %v", h, err)
	}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("rcpthosts", " bad.example\n")
	write("morercpthosts", "# comment\nb.example\nc.example\n")
	h, err = ReadHostLines(dir)
	if err != nil || !h.RcptHosts || !h.More {
		t.Fatalf("ReadHostLines = %+v, %v", h, err)
	}
	if want := []string{"rcpthosts", "morercpthosts", "morercpthosts"}; strings.Join(h.Files, " ") != strings.Join(want, " ") || len(h.Lines) != 3 {
		t.Errorf("files %q, %d lines; want %q", h.Files, len(h.Lines), want)
	}
	if h.Lines[1].Number != 2 || h.Lines[1].Entry != "b.example" || !h.Usable() {
		t.Errorf("lines %+v", h.Lines)
	}
	write("morercpthosts", "")
	if h, err := ReadHostLines(dir); err != nil || h.Usable() {
		t.Errorf("only a line with leading whitespace: Usable() = true, %v", err)
	}
}

func TestRemoveRisk(t *testing.T) {
	if RemoveRisk("me") == "" {
		t.Error("removing control/me is not flagged")
	}
	for _, name := range []string{"queuelifetime", "locals", "rcpthosts"} {
		if r := RemoveRisk(name); r != "" {
			t.Errorf("RemoveRisk(%q) = %q, want none", name, r)
		}
	}
}
