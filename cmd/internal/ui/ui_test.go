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
