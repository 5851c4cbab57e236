package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

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
	cmd.Short = markdownEscape(cmd.Short, 0)
	cmd.Long = markdownText(cmd.Long)
	cmd.Example = markdownText(cmd.Example)
	for _, fs := range []*pflag.FlagSet{cmd.LocalNonPersistentFlags(), cmd.PersistentFlags()} {
		// Backquotes in a flag's usage mark its value's name (pflag's
		// convention); Markdown shows them as code, which reads right.
		fs.VisitAll(func(f *pflag.Flag) { f.Usage = markdownEscape(f.Usage, '`') })
	}
	for _, sub := range cmd.Commands() {
		markdownSafe(sub)
	}
}

// markdownText turns plain help text into Markdown that renders the same:
// plain lines are escaped, indented lines become code blocks (preceded by a
// blank line, which Markdown needs to end a paragraph).
func markdownText(s string) string {
	if s == "" {
		return s
	}
	lines := strings.Split(s, "\n")
	out := make([]string, 0, len(lines)+8)
	prevText := false
	for _, line := range lines {
		switch {
		case strings.TrimSpace(line) == "":
			out = append(out, "")
			prevText = false
		case line[0] == ' ' || line[0] == '\t':
			if prevText {
				out = append(out, "")
			}
			out = append(out, "    "+line)
			prevText = false
		default:
			out = append(out, markdownEscape(line, 0))
			prevText = true
		}
	}
	return strings.Join(out, "\n")
}

// markdownEscape backslash-escapes the characters Markdown gives a
// meaning, but keep.
func markdownEscape(s string, keep rune) string {
	var b strings.Builder
	for _, r := range s {
		if r != keep && strings.ContainsRune("\\`*_{}[]<>#|~", r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
