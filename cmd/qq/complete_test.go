package main

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/spf13/cobra"
)

// TestCompletionFormats checks that what completion offers for --format
// (a command's formats annotation) is what the command accepts: every
// command is run with a format it does not offer and its usage error lists
// the real ones; a command without the annotation takes any --format.
func TestCompletionFormats(t *testing.T) {
	a := newApp(nil, nil, nil, func(string) string { return "" })
	root := newRootCmd(a)
	choose := regexp.MustCompile(`choose one of: (.*)`)
	dir := t.TempDir()
	seen := map[string]bool{}
	cmdutil.VisitCommands(root, func(cmd *cobra.Command) {
		if !cmd.Runnable() || cmd.Hidden || cmd == root || strings.HasPrefix(cmd.CommandPath(), "qq completion") {
			return
		}
		path := cmd.CommandPath()
		args := append(strings.Fields(strings.TrimPrefix(path, "qq ")), "--qmail-dir", dir, "--format", "no-such-format")
		// Commands that need arguments get one that passes cobra's count
		// check; formats are checked before anything is read.
		for _, extra := range [][]string{nil, {"1"}, {"1", "2"}} {
			_, _, stderr := runQQ(t, context.Background(), append(slices.Clone(args), extra...)...)
			if m := choose.FindStringSubmatch(stderr); m != nil {
				seen[path] = true
				got := strings.Split(m[1], ", ")
				if want := cmdutil.OfferedFormats(cmd); !slices.Equal(got, want) {
					t.Errorf("%s offers --format %v; completion offers %v", path, got, want)
				}
				return
			}
		}
	})
	cmdutil.VisitCommands(root, func(cmd *cobra.Command) {
		if len(cmdutil.OfferedFormats(cmd)) > 0 && !seen[cmd.CommandPath()] {
			t.Errorf("%s declares --format values but accepted --format no-such-format", cmd.CommandPath())
		}
	})
}
