package main

import (
	"io"
	"io/fs"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// TestHelpTexts checks that every help file a command names exists, that
// every include is expanded, and that no file in help/ is left unused.
func TestHelpTexts(t *testing.T) {
	root := newRootCmd(newApp(strings.NewReader(""), io.Discard, io.Discard, func(string) string { return "" }))
	var walk func(*cobra.Command)
	long := map[string]bool{}
	walk = func(c *cobra.Command) {
		if strings.Contains(c.Long, "(help text ") || strings.Contains(c.Long, "{{") {
			t.Errorf("%s: help text not found or include left unexpanded:\n%s", c.CommandPath(), c.Long)
		}
		long[c.Long] = true
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)

	files, err := fs.Glob(helpFiles, "help/*.txt")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(file, "help/"), ".txt")
		if strings.HasPrefix(name, "_") {
			// A shared section is used if some command's text includes it.
			used := false
			section := helpText(name)
			for text := range long {
				used = used || strings.Contains(text, section)
			}
			if !used {
				t.Errorf("%s: no command includes it", file)
			}
			continue
		}
		used := false
		for text := range long {
			// Texts built with fmt.Sprintf start with the template's first
			// words up to the first verb.
			prefix, _, _ := strings.Cut(longHelp(name), "%")
			used = used || strings.HasPrefix(text, prefix)
		}
		if !used {
			t.Errorf("%s: no command uses it", file)
		}
	}
}
