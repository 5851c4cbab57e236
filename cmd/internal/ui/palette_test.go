package ui

import (
	"testing"
	"time"
)

// TestPalette: each meaning has its colour when colour is on, and text
// stays as it is when it is off.
func TestPalette(t *testing.T) {
	on, off := Palette{On: true}, Palette{}
	for _, c := range []struct {
		m    Meaning
		want string
	}{
		{Bad, "\x1b[91;1mx\x1b[0m"},
		{Warn, "\x1b[33mx\x1b[0m"},
		{Good, "\x1b[32mx\x1b[0m"},
		{Dim, "\x1b[2mx\x1b[0m"},
		{Plain, "x"},
	} {
		if got := on.Text("x", c.m); got != c.want {
			t.Errorf("on.Text(x, %d) = %q, want %q", c.m, got, c.want)
		}
		if got := off.Text("x", c.m); got != "x" {
			t.Errorf("off.Text(x, %d) = %q, want x", c.m, got)
		}
		if cell := on.Cell("x", c.m); cell.Text != "x" {
			t.Errorf("on.Cell(x, %d).Text = %q: colour codes belong in Paint", c.m, cell.Text)
		}
	}
}

// TestPaletteAge: an age is right-aligned, yellow past three quarters of
// the lifetime, red in its last hour, and plain without a lifetime.
func TestPaletteAge(t *testing.T) {
	p := Palette{On: true}
	week := 7 * 24 * time.Hour
	for _, c := range []struct {
		age, lifetime time.Duration
		want          string
	}{
		{time.Hour, week, "1h"},
		{week * 3 / 4, week, "\x1b[33m1h\x1b[0m"},
		{week - time.Hour, week, "\x1b[91;1m1h\x1b[0m"},
		{2 * week, week, "\x1b[91;1m1h\x1b[0m"},
		{2 * week, 0, "1h"},
	} {
		cell := p.Age("1h", c.age, c.lifetime)
		if got := cell.Painted(); got != c.want || !cell.Right {
			t.Errorf("Age(%s of %s) = %q (right %v), want %q right-aligned", c.age, c.lifetime, got, cell.Right, c.want)
		}
	}
}

// TestPaletteSeverity: severity words in any case get their colour,
// other words none.
func TestPaletteSeverity(t *testing.T) {
	p := Palette{On: true}
	for word, want := range map[string]Meaning{
		"error": Bad, "CRITICAL": Bad, "UNKNOWN": Bad, "warning": Warn, "WARNING": Warn,
		"info": Dim, "OK": Good, "ok": Good, "repaired": Plain,
	} {
		if got, w := p.Severity(word).Painted(), p.Text(word, want); got != w {
			t.Errorf("Severity(%q) = %q, want %q", word, got, w)
		}
	}
}
