package termsafe

import (
	"strings"
	"testing"
	"unicode/utf8"
)

var tests = []struct {
	name, in, text, line string
}{
	{"plain ASCII", "Hello, world", "Hello, world", "Hello, world"},
	{"UTF-8 text", "Grüße 日本 😀", "Grüße 日本 😀", "Grüße 日本 😀"},
	{"tab and newline", "a\tb\nc", "a\tb\nc", `a\tb\nc`},
	{"CRLF", "a\r\nb", "a\r\nb", `a\r\nb`},
	{"lone CR overwrites the line", "safe\rEVIL", `safe\rEVIL`, `safe\rEVIL`},
	{"CR at the end", "a\r", `a\r`, `a\r`},
	{"OSC 52 clipboard", "\x1b]52;c;cm0gLXJmIH4=\x07", `\x1b]52;c;cm0gLXJmIH4=\x07`, `\x1b]52;c;cm0gLXJmIH4=\x07`},
	{"OSC 0 title", "\x1b]0;pwned\x1b\\", `\x1b]0;pwned\x1b\`, `\x1b]0;pwned\x1b\`},
	{"CSI 2J clear", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`, `\x1b[2J\x1b[H`},
	{"NUL, BEL, BS, DEL", "\x00\x07\x08\x7f", `\x00\x07\x08\x7f`, `\x00\x07\x08\x7f`},
	{"C1 CSI as UTF-8", "a\u009b2Jb\u0085", `a\u009b2Jb\u0085`, `a\u009b2Jb\u0085`},
	{"C1 as a raw byte", "a\x9b2J", `a\x9b2J`, `a\x9b2J`},
	{"invalid UTF-8", "\xeb\xeb\xebhelo=", `\xeb\xeb\xebhelo=`, `\xeb\xeb\xebhelo=`},
	{"truncated rune", "ok\xe6\x97", `ok\xe6\x97`, `ok\xe6\x97`},
	{"U+FFFD written out is kept", "\uFFFD", "\uFFFD", "\uFFFD"},
	{"first printable after C1", "\u00a0x", "\u00a0x", "\u00a0x"},
	{"empty", "", "", ""},
}

func TestTextAndLine(t *testing.T) {
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Text(tt.in); got != tt.text {
				t.Errorf("Text(%q) = %q, want %q", tt.in, got, tt.text)
			}
			if got := Line(tt.in); got != tt.line {
				t.Errorf("Line(%q) = %q, want %q", tt.in, got, tt.line)
			}
		})
	}
}

func TestNoAllocationWhenSafe(t *testing.T) {
	s := strings.Repeat("Subject: Grüße\t", 10)
	if n := testing.AllocsPerRun(100, func() { Text(s) }); n != 0 {
		t.Errorf("Text allocated %v times on safe input", n)
	}
}

// unsafeFor reports whether the terminal could act on something in out: a
// control byte the layout does not keep, a C1 control or invalid UTF-8.
func unsafeFor(out string, layout bool) (string, bool) {
	for i, r := range out {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(out[i:], "\uFFFD"):
			return "invalid UTF-8", true
		case r == '\t' || r == '\n':
			if !layout {
				return "tab or newline", true
			}
		case r == '\r':
			if !layout || !strings.HasPrefix(out[i:], "\r\n") {
				return "carriage return", true
			}
		case r < 0x20 || r == 0x7f || r >= 0x80 && r <= 0x9f:
			return "control " + string(r), true
		}
	}
	return "", false
}

func FuzzEscape(f *testing.F) {
	for _, tt := range tests {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text, line := Text(s), Line(s)
		if why, bad := unsafeFor(text, true); bad {
			t.Fatalf("Text(%q) = %q holds %s", s, text, why)
		}
		if why, bad := unsafeFor(line, false); bad {
			t.Fatalf("Line(%q) = %q holds %s", s, line, why)
		}
		// What is safe already comes back unchanged, and escaping is
		// idempotent: the escapes are printable ASCII.
		if _, bad := unsafeFor(s, false); !bad && (text != s || line != s) {
			t.Fatalf("safe %q changed to %q / %q", s, text, line)
		}
		if Text(text) != text || Line(line) != line {
			t.Fatalf("escaping %q twice changed it", s)
		}
		// Line and Text differ only in the layout characters.
		if strings.Count(text, "\n") != strings.Count(s, "\n") {
			t.Fatalf("Text(%q) changed the number of lines", s)
		}
	})
}
