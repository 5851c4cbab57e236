package browse

import (
	"os"
	"strings"
	"testing"

	"github.com/charmbracelet/lipgloss"
)

// TestScreensFit draws every screen at 80×24 and checks that each is 24
// lines of at most 80 cells. With QQ_SCREENS_OUT=FILE it also writes the
// captures there (for README.md).
func TestScreensFit(t *testing.T) {
	q := testQueue(t)
	m := newTestModel(t, q, engineApplier(q, t.TempDir()))
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
		captures = append(captures, "### "+name+"\n\n```\n"+strings.ReplaceAll(v, q.Dir, "/var/qmail/queue")+"\n```\n")
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
	if out := os.Getenv("QQ_SCREENS_OUT"); out != "" {
		if err := os.WriteFile(out, []byte(strings.Join(captures, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
