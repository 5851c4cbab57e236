package ui

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

func TestDigitGroups(t *testing.T) {
	for n, want := range map[int64]string{0: "0", 999: "999", 1000: "1,000", 44102: "44,102", 1234567: "1,234,567", -1000: "-1,000"} {
		if got := DigitGroups(n); got != want {
			t.Errorf("DigitGroups(%d) = %q, want %q", n, got, want)
		}
	}
}

// TestCounter: a sorted listing shows how many messages it has read, then
// clears the line before the output starts; off a terminal it is silent.
func TestCounter(t *testing.T) {
	var out bytes.Buffer
	c := StartCounter(&out, "qq list: sorting", true)
	for range 5 {
		c.Add()
	}
	time.Sleep(300 * time.Millisecond)
	c.End()
	if s := out.String(); !strings.Contains(s, "\rqq list: sorting: 5 messages read…") || !strings.HasSuffix(s, "\r\x1b[K") {
		t.Errorf("counter wrote %q", s)
	}
	out.Reset()
	c = StartCounter(&out, "x", false)
	c.Add()
	c.End()
	if out.Len() != 0 {
		t.Errorf("a counter on a non-terminal wrote %q", out.String())
	}
}

// TestPagerCat: "cat" means no pager.
func TestPagerCat(t *testing.T) {
	env := func(k string) string {
		if k == "QQ_PAGER" {
			return "cat"
		}
		return ""
	}
	if p := StartPager(nil, nil, env); p != nil {
		t.Errorf("QQ_PAGER=cat started a pager")
	}
}

func TestClosest(t *testing.T) {
	names := []string{"set", "get", "unset", "list", "sender", "sender-domain"}
	for typed, want := range map[string]string{
		"sett":  `"set"`,
		"lsit":  `"list" or "set"`, // both two edits away
		"gt":    `"get"`,
		"sendr": `"sender"`,
		"xyzzy": ``,
	} {
		got := ""
		if near := Closest(typed, names); len(near) > 0 {
			got = OrList(near)
		}
		if got != want {
			t.Errorf("Closest(%q) = %s, want %s", typed, got, want)
		}
	}
	if got := OrList([]string{"--a", "--b", "--c"}); got != "--a, --b or --c" {
		t.Errorf("OrList of flags = %s", got)
	}
}

func TestUseColor(t *testing.T) {
	for _, c := range []struct {
		mode string
		env  map[string]string
		tty  bool
		want bool
	}{
		{"auto", nil, true, true},
		{"auto", nil, false, false},
		{"always", map[string]string{"NO_COLOR": "1"}, false, true},
		{"never", map[string]string{"FORCE_COLOR": "1"}, true, false},
		{"auto", map[string]string{"NO_COLOR": "0"}, true, false},
		{"auto", map[string]string{"FORCE_COLOR": "1"}, false, true},
		{"auto", map[string]string{"FORCE_COLOR": "0"}, false, false},
		{"auto", map[string]string{"CLICOLOR_FORCE": "1"}, false, true},
		{"auto", map[string]string{"TERM": "dumb"}, true, false},
	} {
		if got := UseColor(c.mode, func(k string) string { return c.env[k] }, c.tty); got != c.want {
			t.Errorf("UseColor(%s, %v, tty=%v) = %v, want %v", c.mode, c.env, c.tty, got, c.want)
		}
	}
}

func TestColorMode(t *testing.T) {
	for _, m := range []string{"auto", "always", "never"} {
		if err := ColorMode(m); err != nil {
			t.Errorf("ColorMode(%q) = %v", m, err)
		}
	}
	if err := ColorMode("yes"); err == nil || err.Error() != `--color must be auto, always or never, not "yes"` {
		t.Errorf("ColorMode(yes) = %v", err)
	}
}

// TestTerminalWidth: $COLUMNS wins when it is a positive number; a pipe
// has no width.
func TestTerminalWidth(t *testing.T) {
	for cols, want := range map[string]int{"120": 120, "0": 0, "-5": 0, "wide": 0, "": 0} {
		env := func(k string) string {
			if k == "COLUMNS" {
				return cols
			}
			return ""
		}
		if got := TerminalWidth(&bytes.Buffer{}, env); got != want {
			t.Errorf("TerminalWidth with COLUMNS=%q = %d, want %d", cols, got, want)
		}
	}
	if IsTerminal(&bytes.Buffer{}) {
		t.Error("a buffer is a terminal")
	}
}

// TestClockFromEnv: QQ_NOW pins the clock; without it (or unreadable) it
// is the real time.
func TestClockFromEnv(t *testing.T) {
	pinned := ClockFromEnv(func(k string) string {
		if k == "QQ_NOW" {
			return "2026-11-22T12:00:00Z"
		}
		return ""
	})
	if got := pinned(); !got.Equal(time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("pinned clock = %s", got)
	}
	for _, v := range []string{"", "yesterday"} {
		before := time.Now()
		if got := ClockFromEnv(func(string) string { return v })(); got.Before(before) {
			t.Errorf("QQ_NOW=%q: clock %s is not the real time", v, got)
		}
	}
}
