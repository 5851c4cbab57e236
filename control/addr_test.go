package control

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestCommandArg(t *testing.T) {
	tests := []struct{ in, verb, want string }{
		{"a@b", "FROM", "FROM:a@b"},
		{"<a@b>", "FROM", "FROM:<a@b>"},
		{"MAIL FROM:<a@b>", "FROM", "FROM:<a@b>"},
		{"mail   from:<a@b>", "FROM", "from:<a@b>"},
		{"FROM:<a@b>", "FROM", "FROM:<a@b>"},
		{"RCPT TO:<a@b>", "TO", "TO:<a@b>"},
		{"<>", "FROM", "FROM:<>"},
	}
	for _, tt := range tests {
		if got := CommandArg(tt.in, tt.verb); got != tt.want {
			t.Errorf("CommandArg(%q, %q) = %q, want %q", tt.in, tt.verb, got, tt.want)
		}
	}
}

func TestParseAddr(t *testing.T) {
	lip := &LocalIP{Host: "mail.example.com", IsMe: func(ip [4]byte) bool { return ip == [4]byte{192, 0, 2, 1} || ip == [4]byte{} }}
	tests := []struct {
		arg  string
		want string
		ok   bool
	}{
		{"FROM:<user@example.com>", "user@example.com", true},
		{"FROM:<user@example.com> SIZE=1000", "user@example.com", true},
		{"FROM:<>", "", true},
		{"FROM:user@example.com", "user@example.com", true},          // no brackets: up to a space
		{"FROM:  user@example.com SIZE=5", "user@example.com", true}, // spaces after ':' skipped
		{"FROM user@example.com", "", true},                          // no ':' and no '<': empty
		{"FROM:<@relay1,@relay2:user@example.com>", "user@example.com", true},
		{"FROM:<@relay-without-colon>", "", true},
		{`FROM:<"john doe"@example.com>`, "john doe@example.com", true},
		{`FROM:<"a>b"@example.com>`, "a>b@example.com", true}, // '>' quoted
		{`FROM:<a\>b@example.com>`, "a>b@example.com", true},  // '>' escaped
		{`FROM:<a\\b@example.com>`, `a\b@example.com`, true},
		{`FROM:<unterminated@example.com`, "unterminated@example.com", true},
		{"FROM:<box@[192.0.2.1]>", "box@mail.example.com", true},
		{"FROM:<box@[192.0.2.2]>", "box@[192.0.2.2]", true},
		{"FROM:<box@[192.0.2.1]x>", "box@[192.0.2.1]x", true},
		{"FROM:<box@[448.0.2.1]>", "box@mail.example.com", true}, // ip_scan keeps the low byte
		{"FROM:<box@[0.0.0.0]>", "box@mail.example.com", true},
		{"FROM:<a@b>\x00<c@d>", "a@b", true},
		{"FROM:<" + strings.Repeat("x", 899) + ">", strings.Repeat("x", 899), true},
		{"FROM:<" + strings.Repeat("x", 900) + ">", strings.Repeat("x", 900), false},
	}
	for _, tt := range tests {
		got, ok := ParseAddr(tt.arg, lip)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseAddr(%q) = %q, %v; want %q, %v", tt.arg, got, ok, tt.want, tt.ok)
		}
	}
	if got, _ := ParseAddr("FROM:<box@[192.0.2.1]>", nil); got != "box@[192.0.2.1]" {
		t.Errorf("without localiphost the literal must stay, got %q", got)
	}
}

func TestAddrListMatch(t *testing.T) {
	l := NewAddrList(ParseList([]byte("spammer@example.com\n@Evil.Example\n@evil.example\n postmaster@x.org\ncrlf@y.org\r\nbare\n")))
	tests := []struct {
		addr string
		line int
		ok   bool
	}{
		{"spammer@example.com", 1, true},
		{"SPAMMER@EXAMPLE.COM", 1, true},
		{"other@example.com", 0, false},
		{"anyone@evil.example", 3, true}, // the last duplicate
		{"anyone@mail.evil.example", 0, false},
		{"postmaster@x.org", 0, false}, // leading space never matches
		{"crlf@y.org", 0, false},       // trailing CR never matches
		{"bare@z.org", 0, false},       // a bare local part is not user@any
		{"bare", 6, true},              // … only the sender "bare" itself
		{"", 0, false},
	}
	for _, tt := range tests {
		e, ok := l.Match(tt.addr)
		if ok != tt.ok || e.Line != tt.line {
			t.Errorf("Match(%q) = %+v, %v; want line %d, %v", tt.addr, e, ok, tt.line, tt.ok)
		}
	}
}

func TestValidateAddrEntry(t *testing.T) {
	tests := []struct {
		in, want string
		reason   string // substring of the rejection, "" when accepted
		notes    int
	}{
		{"Spammer@Example.COM", "spammer@example.com", "", 0},
		{"@Example.com", "@example.com", "", 1},
		{"user@[192.0.2.1]", "user@[192.0.2.1]", "", 0},
		{"", "", "empty", 0},
		{"a b@example.com", "", "whitespace inside", 0},
		{" a@example.com", "", "leading whitespace", 0},
		{"a@example.com\r", "", "carriage return", 0},
		{"a\x01@example.com", "", "control byte", 0},
		{"*@example.com", "", "wildcards", 0},
		{"@*.example.com", "", "wildcards", 0},
		{`.*@example\.com`, "", "regular expressions", 0},
		{"postmaster", "", "bare local part", 0},
		{"user@", "", "empty domain", 0},
		{"@a@b.com", "", "second '@'", 0},
		{"#x@y.com", "", "comment", 0},
		{"user@exa_mple.com", "user@exa_mple.com", "", 0},
		{"user@exa!mple.com", "", "not allowed", 0},
	}
	for _, tt := range tests {
		got, notes, err := ValidateAddrEntry("badmailfrom", tt.in, false)
		if tt.reason != "" {
			var ve *ValueError
			if !errors.As(err, &ve) || !strings.Contains(ve.Reason, tt.reason) {
				t.Errorf("ValidateAddrEntry(%q) error %v, want one with %q", tt.in, err, tt.reason)
			}
			continue
		}
		if err != nil || got != tt.want || len(notes) != tt.notes {
			t.Errorf("ValidateAddrEntry(%q) = %q, %q, %v; want %q with %d notes", tt.in, got, notes, err, tt.want, tt.notes)
		}
	}
	// A wildcard is refused with a hint at --regex; other refusals are not.
	if _, _, err := ValidateAddrEntry("badmailfrom", "*@example.com", false); err == nil || !strings.HasSuffix(err.Error(), "(if qmail-smtpd has the qregex patch, add it with --regex)") {
		t.Errorf("wildcard entry: %v, want the --regex hint", err)
	}
	if _, _, err := ValidateAddrEntry("badmailfrom", "regular expressions", false); err == nil || strings.Contains(err.Error(), "--regex") {
		t.Errorf("entry with a space: %v, want no --regex hint", err)
	}
	if _, _, err := Validate("badmailfrom", "*@example.com"); err == nil || strings.Contains(err.Error(), "--regex") {
		t.Errorf("qq control set: %v, want no --regex hint (it has no --regex)", err)
	}
	got, _, err := ValidateAddrEntry("badmailfrom", `^Spam\S+@Example\.COM$`, true)
	if err != nil || got != `^spam\S+@example\.com$` {
		t.Errorf("regex entry = %q, %v; escapes must keep their case", got, err)
	}
	if _, _, err := ValidateAddrEntry("badmailfrom", `(unclosed@x`, true); err == nil {
		t.Errorf("an invalid regular expression was accepted")
	}
}

func TestLooksLikeRegex(t *testing.T) {
	for s, want := range map[string]bool{
		"user@example.com":      false,
		"user+tag@example.com":  false,
		"user@[192.0.2.1]":      false,
		"@[192.0.2.1]":          false,
		`.*@example\.com`:       true,
		"^spam":                 true,
		"user@[a-z].example":    true,
		"(foo|bar)@example.com": true,
		"x?@y.com":              true,
	} {
		if got := LooksLikeRegex(s); got != want {
			t.Errorf("LooksLikeRegex(%q) = %v", s, got)
		}
	}
}

func TestAnalyzeAddrList(t *testing.T) {
	in := "# comment\n" +
		"ok@example.com\n" +
		" lead@example.com\n" +
		"crlf@example.com\r\n" +
		"postmaster\n" +
		"OK@Example.com\n" +
		`.*@spam\.example` + "\n" +
		"@.example.org\n"
	codes := func(l Line) []string {
		var cs []string
		for _, p := range l.Problems {
			cs = append(cs, p.Code)
		}
		return cs
	}
	var got [][]string
	var never []bool
	for _, l := range AnalyzeAddrList([]byte(in)) {
		got = append(got, append([]string{l.Entry}, codes(l)...))
		never = append(never, l.NeverMatches())
	}
	want := [][]string{
		{"ok@example.com"},
		{" lead@example.com", "leading-whitespace"},
		{"crlf@example.com\r", "trailing-cr"},
		{"postmaster", "bare-local-part"},
		{"OK@Example.com", "duplicate"},
		{`.*@spam\.example`, "regex"},
		{"@.example.org", "dot-domain"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("AnalyzeAddrList (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]bool{false, true, true, true, false, true, true}, never); diff != "" {
		t.Errorf("NeverMatches (-want +got):\n%s", diff)
	}
}

// FuzzParseAddr checks addrparse on any argument: it never panics, the
// result is never longer than the input (plus the localiphost), it stops
// at NUL, and an unquoted, unescaped '>' never survives.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"FROM:<a@b>", "FROM:a@b c", `FROM:<"x>y"\@z@[192.0.2.1]>`, "FROM:<@r1,@r2:u@h>", "<>", "FROM:<box@[1.2.3.4]"} {
		f.Add(s)
	}
	lip := &LocalIP{Host: "local.example", IsMe: func([4]byte) bool { return true }}
	f.Fuzz(func(t *testing.T, arg string) {
		addr, ok := ParseAddr(arg, lip)
		if ok != (len(addr) <= MaxAddrLen) {
			t.Fatalf("ok = %v for a %d-byte address", ok, len(addr))
		}
		if strings.ContainsRune(addr, 0) {
			t.Fatalf("NUL in %q", addr)
		}
		if len(addr) > len(arg)+len(lip.Host) {
			t.Fatalf("%q grew into %q", arg, addr)
		}
		plain, _ := ParseAddr(arg, nil)
		if !strings.ContainsAny(arg, `"\`) && strings.Contains(arg, "<") && strings.Contains(plain, ">") {
			t.Fatalf("unquoted '>' kept in %q from %q", plain, arg)
		}
		l := NewAddrList([]ListEntry{{Line: 1, Value: plain}})
		if plain != "" {
			if _, ok := l.Match(plain); !ok {
				t.Fatalf("an address does not match itself: %q", plain)
			}
		}
		CommandArg(arg, "FROM")
		ValidateAddrEntry("badmailfrom", arg, false)
		ValidateAddrEntry("badmailfrom", arg, true)
	})
}

func TestAddrListCheck(t *testing.T) {
	l := NewAddrList(ParseList([]byte("spam@example.com\n@bad.example\n")))
	tests := []struct {
		input, verb string
		want        AddrCheck
	}{
		{"MAIL FROM:<Spam@Example.com>", "FROM", AddrCheck{Address: "Spam@Example.com", Rejected: true, Entry: MapEntry{Line: 1, Key: "spam@example.com"}}},
		{"<x@bad.example>", "TO", AddrCheck{Address: "x@bad.example", Rejected: true, Entry: MapEntry{Line: 2, Key: "@bad.example"}}},
		{"ok@good.example", "FROM", AddrCheck{Address: "ok@good.example"}},
	}
	for _, tt := range tests {
		if got := l.Check(tt.input, tt.verb, nil); got != tt.want {
			t.Errorf("Check(%q) = %+v, want %+v", tt.input, got, tt.want)
		}
	}
	if got := l.Check("<"+strings.Repeat("a", MaxAddrLen+1)+">", "FROM", nil); !got.SyntaxError || got.Rejected {
		t.Errorf("Check of a too long address = %+v, want a syntax error", got)
	}
}
