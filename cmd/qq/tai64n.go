package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/tai64n"
)

func newTai64nCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:     "tai64n",
		Short:   "put a TAI64N time stamp before each line (stdin to stdout)",
		Long:    longHelp("tai64n"),
		GroupID: groupService,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			return runTai64n(cmd.Context(), a)
		},
	}
}

func runTai64n(ctx context.Context, a *app) error {
	if err := tai64n.Stamp(a.stdout, interruptible(ctx, a.stdin), a.now); err != nil {
		return interrupted(fmt.Errorf("tai64n: %w", err))
	}
	return nil
}
