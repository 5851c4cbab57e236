package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/tai64n"
)

type tai64nlocalOptions struct {
	utc   bool // print UTC
	epoch bool // print seconds.nanoseconds since the epoch
}

func newTai64nlocalCmd(a *app) *cobra.Command {
	opts := &tai64nlocalOptions{}
	cmd := &cobra.Command{
		Use:     "tai64nlocal [--utc | --epoch]",
		Short:   "turn TAI64N labels at line starts into readable times (stdin to stdout)",
		Long:    longHelp("tai64nlocal"),
		GroupID: groupService,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.utc && opts.epoch {
				return cmdutil.AsUsage(cmd, fmt.Errorf("--utc and --epoch cannot be used together"))
			}
			return runTai64nlocal(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.utc, "utc", false, "print times in UTC instead of the local zone")
	cmd.Flags().BoolVar(&opts.epoch, "epoch", false, "print seconds.nanoseconds since the epoch (tai64nfrac, for qmailanalog)")
	return cmd
}

func runTai64nlocal(ctx context.Context, a *app, opts *tai64nlocalOptions) error {
	format := tai64n.LocalFormatter(a.location(opts.utc))
	if opts.epoch {
		format = tai64n.Epoch
	}
	if err := tai64n.Localize(a.stdout, interruptible(ctx, a.stdin), format); err != nil {
		return interrupted(fmt.Errorf("tai64nlocal: %w", err))
	}
	return nil
}
