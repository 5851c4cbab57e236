package browse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
)

// TestScreensFit draws every screen at 80×24 and checks that each is 24
// lines of at most 80 cells. With QQ_SCREENS_OUT=FILE it also writes the
// captures there (for README.md).
func TestScreensFit(t *testing.T) {
	q := testQueue(t)
	// Not under the test's temporary directory, whose name the queue's
	// starts with: unTemp tells the two apart by the start of their names.
	qz, err := os.MkdirTemp("", "qz-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(qz) })
	qdir := filepath.Join(qz, "quarantine")
	m := New(Options{Queue: q, Now: func() time.Time { return testNow }, Apply: engineApplier(q, qdir), NoColor: true,
		Quarantine: qdir, Injector: standinInjector(t, q.Dir)})
	m.noTick = true
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	drive(t, m, m.Init())
	var captures []string
	capture := func(name string) {
		v := m.View()
		lines := strings.Split(v, "\n")
		if len(lines) != 24 {
			t.Errorf("%s: %d lines, want 24", name, len(lines))
		}
		for i, l := range lines {
			if w := lipgloss.Width(l); w > 80 {
				t.Errorf("%s line %d: %d cells wide: %q", name, i+1, w, l)
			}
		}
		captures = append(captures, "#### "+name+"\n\n```\n"+unTemp(v, map[string]string{m.opts.Injector.Path: "/var/qmail/bin/qmail-queue"},
			map[string]string{q.Dir: "/var/qmail/queue", qdir: "/var/qmail/qq-quarantine"})+"\n```\n")
	}
	capture("overview")
	press(t, m, "2")
	capture("groups")
	press(t, m, "enter", "space")
	capture("messages")
	press(t, m, "enter")
	capture("message")
	press(t, m, "esc", "a", "d")
	capture("remove dialog")
	press(t, m, "n", "/")
	for _, r := range "sender:news@spammer.example older:2m" {
		press(t, m, string(r))
	}
	capture("filter")
	press(t, m, "esc", "?")
	capture("keys")
	press(t, m, "x", "2", "enter", "d", "y", "4")
	capture("quarantine")
	press(t, m, "down", "enter")
	capture("quarantined message")
	press(t, m, "esc", "space", "space", "R")
	capture("requeue dialog")
	press(t, m, "y")
	capture("requeued")
	if out := os.Getenv("QQ_SCREENS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(strings.Join(captures, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// unTemp writes the test's temporary paths in a capture as the usual
// ones: a path in full, padded to its length (inside the dialog's box), or
// one of cut at the end of a line, where the screen's width cut it.
func unTemp(v string, full, cut map[string]string) string {
	lines := strings.Split(v, "\n")
	for i, l := range lines {
		for tmp, usual := range full {
			l = strings.ReplaceAll(l, tmp, usual+strings.Repeat(" ", max(0, len(tmp)-len(usual))))
		}
		l = strings.TrimRight(l, " ")
		for tmp, usual := range cut {
			for k := len(tmp); k >= 10; k-- {
				if strings.HasSuffix(l, tmp[:k]) {
					l = l[:len(l)-k] + usual
					break
				}
			}
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}
