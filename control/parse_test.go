package control

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseLine(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"\n", ""},
		{"example.com", "example.com"},
		{"example.com \t \n", "example.com"},
		{"example.com\r\n", "example.com\r"}, // qmail does not strip CR
		{"  lead\nsecond\n", "  lead"},       // nor leading whitespace
		{"first\nsecond", "first"},
		{"# not a comment\n", "# not a comment"},
		{"a\x00b\n", "a\x00b"},
	}
	for _, tt := range tests {
		if got := ParseLine([]byte(tt.in)); got != tt.want {
			t.Errorf("ParseLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestParseInt(t *testing.T) {
	tests := []struct {
		in   string
		want int
		ok   bool
	}{
		{"", 0, false},
		{"abc", 0, false},
		{" 5", 0, false}, // leading space: the default stays
		{"+5", 0, false},
		{"5", 5, true},
		{"604800 seconds", 604800, true}, // trailing junk ignored
		{"007", 7, true},
		{"2147483647", 2147483647, true},
		{"2147483648", -2147483648, true}, // stored into a C int
		{"4294967297", 1, true},
		{"18446744073709551617", 1, true}, // scan_ulong wraps
	}
	for _, tt := range tests {
		got, ok := ParseInt(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseInt(%q) = %d, %v; want %d, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestParseList(t *testing.T) {
	in := "# comment\n" +
		"\n" +
		"Example.COM\n" +
		"trailing \t \n" +
		"  leading\n" +
		" # not a comment\n" +
		"crlf\r\n" +
		"a\x00b\n" +
		"\x00hidden\n" +
		"   \n" +
		"last-without-newline"
	want := []ListEntry{
		{3, "Example.COM"},
		{4, "trailing"},
		{5, "  leading"},
		{6, " # not a comment"},
		{7, "crlf\r"},
		{8, "a"},
		{8, "b"},
		{11, "last-without-newline"},
	}
	if diff := cmp.Diff(want, ParseList([]byte(in))); diff != "" {
		t.Errorf("ParseList (-want +got):\n%s", diff)
	}
	if got := ParseList(nil); got != nil {
		t.Errorf("ParseList(nil) = %v", got)
	}
}

func TestMap(t *testing.T) {
	entries := ParseList([]byte("example.com:relay1\nEXAMPLE.com:relay2\nno-colon\n:default\nÄ.example:x\n"))
	m := NewMap(entries, true)
	tests := []struct {
		key   string
		value string
		line  int
		ok    bool
	}{
		{"example.com", "relay2", 2, true}, // the last duplicate wins
		{"Example.Com", "relay2", 2, true},
		{"no-colon", "", 0, false}, // lines without ':' are ignored
		{"", "default", 4, true},
		{"ä.example", "", 0, false}, // only A-Z fold
		{"Ä.EXAMPLE", "x", 5, true},
	}
	for _, tt := range tests {
		e, ok := m.Lookup(tt.key)
		if ok != tt.ok || e.Value != tt.value || e.Line != tt.line {
			t.Errorf("Lookup(%q) = %+v, %v; want %q line %d, %v", tt.key, e, ok, tt.value, tt.line, tt.ok)
		}
	}
	plain := NewMap(entries, false)
	if _, ok := plain.Lookup("no-colon"); !ok {
		t.Errorf("a plain map must hold lines without ':'")
	}
}

// FuzzParseList checks the invariants of qmail's list reading on any
// input: entries never end in whitespace, are never empty unless split at
// a NUL, and never start with '#' on their line.
func FuzzParseList(f *testing.F) {
	f.Add([]byte("# c\n\nexample.com \n  lead\ncr\r\na\x00b\nlast"))
	f.Add([]byte("604800\n"))
	f.Add([]byte("example.com:relay.example.net:2525\n:default\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		lines := splitLines(data)
		for _, e := range ParseList(data) {
			if e.Line < 1 || e.Line > len(lines) {
				t.Fatalf("entry %+v: line out of range (%d lines)", e, len(lines))
			}
			if strings.ContainsRune(e.Value, '\n') {
				t.Fatalf("entry %q holds a newline", e.Value)
			}
			if !strings.Contains(lines[e.Line-1], "\x00") {
				if e.Value == "" || strings.HasSuffix(e.Value, " ") || strings.HasSuffix(e.Value, "\t") || e.Value[0] == '#' {
					t.Fatalf("bad entry %q from line %q", e.Value, lines[e.Line-1])
				}
			}
		}
		line := ParseLine(data)
		if strings.ContainsRune(line, '\n') || strings.HasSuffix(line, " ") || strings.HasSuffix(line, "\t") {
			t.Fatalf("ParseLine gave %q", line)
		}
		if n, ok := ParseInt(line); ok != (line != "" && line[0] >= '0' && line[0] <= '9') || (!ok && n != 0) {
			t.Fatalf("ParseInt(%q) = %d, %v", line, n, ok)
		}
		NewMap(ParseList(data), true)
		AnalyzeAddrList(data)
		AnalyzeHostList(data)
		MoreRcptHostsKeys(data)
		if got := joinLines(splitLines(data)); len(data) > 0 && string(got) != strings.TrimSuffix(string(data), "\n")+"\n" {
			t.Fatalf("splitLines/joinLines lost bytes: %q → %q", data, got)
		}
	})
}
