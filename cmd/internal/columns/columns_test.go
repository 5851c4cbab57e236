package columns

import (
	"slices"
	"strings"
	"testing"
)

func TestWidth(t *testing.T) {
	for _, c := range []struct {
		s string
		w int
	}{
		{"abc", 3}, {"日本語", 6}, {"🙂", 2}, {"👨‍👩‍👧", 2}, {"🇩🇪", 2}, {"e\u0301", 1}, {"", 0},
	} {
		if got := Width(c.s); got != c.w {
			t.Errorf("Width(%q) = %d, want %d", c.s, got, c.w)
		}
	}
}

func TestTruncate(t *testing.T) {
	for _, c := range []struct {
		s    string
		w    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello world", 5, "hell…"},
		{"日本語テキスト", 5, "日本…"},      // 4 cells of text, the third character would straddle
		{"日本語テキスト", 6, "日本…"},      // 5 cells: 日本 (4) + … (1); 語 does not fit in the one left
		{"ab🙂cd", 4, "ab…"},        // the emoji would need cells 3 and 4, leaving none for …
		{"a👨‍👩‍👧bc", 4, "a👨‍👩‍👧…"}, // a family emoji is one cluster of width 2
		{"abc", 1, "…"},
		{"abc", 0, ""},
	} {
		got := Truncate(c.s, c.w)
		if got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.s, c.w, got, c.want)
		}
		if Width(got) > c.w {
			t.Errorf("Truncate(%q, %d) is %d cells wide", c.s, c.w, Width(got))
		}
	}
}

func TestPad(t *testing.T) {
	if got := Pad("日本", 6, false); got != "日本  " {
		t.Errorf("left: %q", got)
	}
	if got := Pad("42", 5, true); got != "   42" {
		t.Errorf("right: %q", got)
	}
}

func TestWrap(t *testing.T) {
	got := Wrap("remove the info file and the mess file", 12)
	want := []string{"remove the", "info file", "and the mess", "file"}
	if !slices.Equal(got, want) {
		t.Errorf("Wrap = %q, want %q", got, want)
	}
	got = Wrap("abcdefghij klm", 4)
	want = []string{"abcd", "efgh", "ij", "klm"}
	if !slices.Equal(got, want) {
		t.Errorf("Wrap long word = %q, want %q", got, want)
	}
	for _, l := range Wrap("日本語のテキストをここで折り返す", 7) {
		if Width(l) > 7 {
			t.Errorf("line %q wider than 7", l)
		}
	}
}

func TestFit(t *testing.T) {
	// ID (never cut or hidden), QUEUED (hidden first), AGE, SENDER, SUBJECT.
	cols := []Column{
		{Natural: 8},
		{Natural: 19, Drop: 2},
		{Natural: 5},
		{Natural: 30, Min: 20},
		{Natural: 50, Min: 20, Drop: 1},
	}
	cost := func(w []int) int {
		n := 1
		for _, x := range w {
			if x >= 0 {
				n += x + 3
			}
		}
		return n
	}
	for _, c := range []struct {
		total int
		want  []int
	}{
		{0, []int{8, 19, 5, 30, 50}},   // no limit
		{200, []int{8, 19, 5, 30, 50}}, // room for all
		{120, []int{8, 19, 5, 28, 44}}, // cut in proportion to how far above the minimum
		{80, []int{8, -1, 5, 24, 30}},  // QUEUED hidden, the rest shrink
		{50, []int{8, -1, 5, 27, -1}},  // SUBJECT hidden too
		{30, []int{8, -1, 5, 20, -1}},  // too narrow: minimums, wider than asked
	} {
		got := Fit(cols, c.total, 3, 1)
		if !slices.Equal(got, c.want) {
			t.Errorf("Fit(%d) = %v, want %v", c.total, got, c.want)
		}
		if c.total > 0 && cost(got) > c.total && c.total >= 40 {
			t.Errorf("Fit(%d) = %v costs %d", c.total, got, cost(got))
		}
	}
}

func TestStream(t *testing.T) {
	var b strings.Builder
	s := NewStream(&b, Layout{Width: 30}, Spec{Name: "ID", Right: true, Width: 4}, Spec{Name: "SENDER", Width: 40, Min: 8},
		Spec{Name: "QUEUED", Width: 19, Drop: 1})
	s.Row(Cell{Text: "12", Right: true}, Cell{Text: "someone@example.com"}, Cell{Text: "2026-11-22 12:00:00"})
	s.Close("1 messages")
	want := "┌──────┬─────────────────────┐\n" +
		"│ ID   │ SENDER              │\n" +
		"├──────┼─────────────────────┤\n" +
		"│   12 │ someone@example.com │\n" +
		"└──────┴─────────────────────┘\n" +
		"1 messages\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
	var wide strings.Builder
	s = NewStream(&wide, Layout{Width: 30, Wide: true}, Spec{Name: "ID", Width: 4}, Spec{Name: "SENDER", Width: 8, Min: 8})
	s.Row(Cell{Text: "12"}, Cell{Text: "someone@example.com"})
	if !strings.Contains(wide.String(), "│ someone@example.com │") {
		t.Errorf("Wide cut a cell:\n%s", wide.String())
	}
}

// FuzzFitText: whatever the text, a cut cell is never wider than asked
// and keeps a prefix of the text; wrapped lines are never wider than the
// line unless a single grapheme cluster is.
func FuzzFitText(f *testing.F) {
	for _, s := range []string{"hello world", "日本語のテキスト", "a👨‍👩‍👧b🇩🇪c", "e\u0301e\u0301", "\x00\xff", ""} {
		f.Add(s, 5)
	}
	f.Fuzz(func(t *testing.T, s string, w int) {
		w = w%100 + 1
		if w < 1 {
			w = -w + 1
		}
		cut := Truncate(s, w)
		if Width(cut) > w {
			t.Errorf("Truncate(%q, %d) = %q is %d wide", s, w, cut, Width(cut))
		}
		if cut != s && !strings.HasPrefix(s, strings.TrimSuffix(cut, Ellipsis)) {
			t.Errorf("Truncate(%q, %d) = %q is not a prefix", s, w, cut)
		}
		if w >= 2 {
			for _, line := range Wrap(s, w) {
				if Width(line) > w && Width(line) > 2 {
					t.Errorf("Wrap(%q, %d) has line %q of width %d", s, w, line, Width(line))
				}
			}
		}
	})
}

// TestValues: strings are text, numbers are right-aligned, cells stay as
// they are, anything else is printed.
func TestValues(t *testing.T) {
	painted := Cell{Text: "x", Paint: func(s string) string { return "<" + s + ">" }}
	got := Values("a", 42, int64(-1), uint64(7), 1.5, painted, true)
	want := []struct {
		text  string
		right bool
	}{{"a", false}, {"42", true}, {"-1", true}, {"7", true}, {"1.5", true}, {"x", false}, {"true", false}}
	if len(got) != len(want) {
		t.Fatalf("Values made %d cells, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Text != w.text || got[i].Right != w.right {
			t.Errorf("cell %d = %q right %v, want %q right %v", i, got[i].Text, got[i].Right, w.text, w.right)
		}
	}
	if got[5].Painted() != "<x>" || got[0].Painted() != "a" {
		t.Errorf("Painted: %q, %q", got[5].Painted(), got[0].Painted())
	}
}
