package main

import (
	"fmt"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/mandoc"
	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"
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
				return cmdutil.AsUsage(cmd, fmt.Errorf("give --man DIR, --completions DIR or both"))
			}
			root := cmd.Root()
			if manDir != "" {
				// The date is a flag so that packages build reproducibly
				// (the Makefile passes the last commit's date).
				day, err := time.Parse(time.DateOnly, date)
				if err != nil {
					return cmdutil.AsUsage(cmd, fmt.Errorf("--date: %w", err))
				}
				header := &doc.GenManHeader{Section: "1", Date: &day, Source: "qq " + version, Manual: "qq manual"}
				if err := mandoc.WriteManPages(root, manDir, header); err != nil {
					return err
				}
			}
			if complDir != "" {
				return mandoc.WriteCompletions(root, complDir)
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&manDir, "man", "", "write man pages (section 1) into `DIR`")
	cmd.Flags().StringVar(&complDir, "completions", "", "write qq.bash, _qq (zsh) and qq.fish into `DIR`")
	cmd.Flags().StringVar(&date, "date", "2026-01-01", "the `DATE` the man pages carry")
	return cmd
}
