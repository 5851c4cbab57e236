package mandoc

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
)

func TestMarkdownSafe(t *testing.T) {
	root := &cobra.Command{Use: "qq", Short: "qmail <queue>"}
	root.PersistentFlags().String("queue", "", "queue `DIR` (default <qmail-dir>/queue)")
	sub := &cobra.Command{Use: "list", Long: "List *all*.\n  qq list | wc", Run: func(*cobra.Command, []string) {}}
	sub.Flags().String("sender", "", "sender_address")
	root.AddCommand(sub)
	MarkdownSafe(root)
	if root.Short != `qmail \<queue\>` {
		t.Errorf("Short = %q", root.Short)
	}
	if got := root.PersistentFlags().Lookup("queue").Usage; got != "queue `DIR` (default \\<qmail-dir\\>/queue)" {
		t.Errorf("persistent flag usage = %q", got)
	}
	if want := "List \\*all\\*.\n\n      qq list | wc"; sub.Long != want {
		t.Errorf("subcommand Long = %q, want %q", sub.Long, want)
	}
	if got := sub.Flags().Lookup("sender").Usage; got != `sender\_address` {
		t.Errorf("flag usage = %q", got)
	}
}

func TestWriteCompletions(t *testing.T) {
	root := &cobra.Command{Use: "qq"}
	root.AddCommand(&cobra.Command{Use: "list", Run: func(*cobra.Command, []string) {}})
	dir := filepath.Join(t.TempDir(), "completions")
	if err := WriteCompletions(root, dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
		if info, err := e.Info(); err != nil || info.Size() == 0 {
			t.Errorf("%s is empty (%v)", e.Name(), err)
		}
	}
	if want := []string{"_qq", "qq.bash", "qq.fish"}; !slices.Equal(names, want) {
		t.Errorf("wrote %q, want %q", names, want)
	}
}

func TestWriteManPages(t *testing.T) {
	root := &cobra.Command{Use: "qq", Long: "Reads <qmail-dir>/queue."}
	root.AddCommand(&cobra.Command{Use: "list", Short: "list messages", Run: func(*cobra.Command, []string) {}})
	dir := filepath.Join(t.TempDir(), "man")
	if err := WriteManPages(root, dir, &doc.GenManHeader{Section: "1", Manual: "qq manual"}); err != nil {
		t.Fatal(err)
	}
	page, err := os.ReadFile(filepath.Join(dir, "qq.1"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(page), "<qmail-dir>/queue") || strings.Contains(string(page), "Auto generated") {
		t.Errorf("qq.1:\n%s", page)
	}
	if _, err := os.Stat(filepath.Join(dir, "qq-list.1")); err != nil {
		t.Error(err)
	}
}
