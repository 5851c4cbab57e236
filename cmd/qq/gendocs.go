package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/qqmail/qq/cmd/internal/mandoc"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
	"github.com/spf13/pflag"
)

// newGenDocsCmd is the hidden command `make man` and `make install` use to
// write a man page per command (qq.1, qq-list.1, …) and the shell
// completion scripts from the command tree itself, so they never drift
// from --help.
func newGenDocsCmd() *cobra.Command {
	var manDir, complDir, date string
	cmd := &cobra.Command{
		Use:    "gen-docs --man DIR [--completions DIR] [--date YYYY-MM-DD]",
		Short:  "write man pages and shell completions (for packagers)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if manDir == "" && complDir == "" {
				return asUsage(cmd, fmt.Errorf("give --man DIR, --completions DIR or both"))
			}
			root := cmd.Root()
			if manDir != "" {
				// The date is a flag so that packages build reproducibly
				// (the Makefile passes the last commit's date).
				day, err := time.Parse(time.DateOnly, date)
				if err != nil {
					return asUsage(cmd, fmt.Errorf("--date: %w", err))
				}
				if err := os.MkdirAll(manDir, 0o755); err != nil {
					return err
				}
				root.DisableAutoGenTag = true
				markdownSafe(root)
				header := &doc.GenManHeader{Section: "1", Date: &day, Source: "qq " + version, Manual: "qq manual"}
				if err := doc.GenManTree(root, header, manDir); err != nil {
					return fmt.Errorf("man pages: %w", err)
				}
			}
			if complDir != "" {
				return writeCompletions(root, complDir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&manDir, "man", "", "write man pages (section 1) into `DIR`")
	cmd.Flags().StringVar(&complDir, "completions", "", "write qq.bash, _qq (zsh) and qq.fish into `DIR`")
	cmd.Flags().StringVar(&date, "date", "2026-01-01", "the `DATE` the man pages carry")
	return cmd
}

// writeCompletions writes the bash, zsh and fish completion scripts.
func writeCompletions(root *cobra.Command, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for name, gen := range map[string]func(string) error{
		"qq.bash": func(p string) error { return root.GenBashCompletionFileV2(p, true) },
		"_qq":     root.GenZshCompletionFile,
		"qq.fish": func(p string) error { return root.GenFishCompletionFile(p, true) },
	} {
		if err := gen(filepath.Join(dir, name)); err != nil {
			return fmt.Errorf("completion %s: %w", name, err)
		}
	}
	return nil
}

// markdownSafe rewrites the help texts of cmd and its descendants so that
// cobra's man page generator, which reads them as Markdown, prints them as
// written: without it "<qmail-dir>" vanishes as an HTML tag and "*" or "_"
// turn into emphasis. Indented lines (examples, tables) become code blocks,
// which keep their line breaks. Only gen-docs calls it: the tree is not
// used for anything else afterwards.
func markdownSafe(cmd *cobra.Command) {
	cmd.Short = mandoc.Escape(cmd.Short, 0)
	cmd.Long = mandoc.Text(cmd.Long)
	cmd.Example = mandoc.Text(cmd.Example)
	for _, fs := range []*pflag.FlagSet{cmd.LocalNonPersistentFlags(), cmd.PersistentFlags()} {
		// Backquotes in a flag's usage mark its value's name (pflag's
		// convention); Markdown shows them as code, which reads right.
		fs.VisitAll(func(f *pflag.Flag) { f.Usage = mandoc.Escape(f.Usage, '`') })
	}
	for _, sub := range cmd.Commands() {
		markdownSafe(sub)
	}
}
