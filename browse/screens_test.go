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
	qdir := filepath.Join(t.TempDir(), "quarantine")
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
		v = strings.ReplaceAll(strings.ReplaceAll(v, qdir, "/var/qmail/qq-quarantine"), q.Dir, "/var/qmail/queue")
		captures = append(captures, "#### "+name+"\n\n```\n"+v+"\n```\n")
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
	press(t, m, "down", "space", "space", "R")
	capture("requeue dialog")
	press(t, m, "y")
	capture("requeued")
	if out := os.Getenv("QQ_SCREENS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(strings.Join(captures, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
