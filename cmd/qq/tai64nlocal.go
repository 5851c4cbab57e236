package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/tai64n"
)

type tai64nlocalOptions struct {
	utc   bool // print UTC
	epoch bool // print seconds.nanoseconds since the epoch
}

func newTai64nlocalCmd(a *app) *cobra.Command {
	opts := &tai64nlocalOptions{}
	cmd := &cobra.Command{
		Use:   "tai64nlocal [--utc | --epoch]",
		Short: "turn TAI64N labels at line starts into readable times (stdin to stdout)",
		Long: `qq tai64nlocal copies standard input to standard output. Where a line
starts with a TAI64N label, as multilog and tai64n write them
(@4000000037c219bf2ef02e94), the label becomes a readable time:
1999-08-24 04:04:05.787492500, in the local time zone (TZ) or, with --utc,
in UTC. Every other line is copied unchanged.

The output is byte for byte that of daemontools' tai64nlocal wherever that
program gives output. Unlike it, qq never crashes: a line whose label is
malformed (upper case, too short, out of range, "@zzzz") is copied
unchanged; every input line gives one output line, and a label at the very
end of the input without a newline is still converted. Memory use does not
depend on the length of lines. Output is flushed whenever qq waits for
input, so it can sit behind tail -f.

With --epoch the label becomes seconds and nanoseconds since the epoch,
1717232401.102468500, the fractional form qmailanalog's matchup reads (what
tai64nfrac prints, always zero-padded to nine digits).

Examples:
  qq tai64nlocal < /var/log/qmail/current | less
  tail -f /var/log/qmail/current | qq tai64nlocal --utc
  qq tai64nlocal --epoch < /var/log/qmail/current | matchup > out 5> pending`,
		GroupID: groupService,
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.utc && opts.epoch {
				return asUsage(cmd, fmt.Errorf("--utc and --epoch cannot be used together"))
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
