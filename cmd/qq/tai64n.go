package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/tai64n"
)

func newTai64nCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "tai64n",
		Short: "put a TAI64N time stamp before each line (stdin to stdout)",
		Long: `qq tai64n copies standard input to standard output, putting before each
line the TAI64N label of the moment its first byte was read and a space,
exactly as daemontools' tai64n does: @4000000037c219bf2ef02e94 text. Like
tai64n it reads the clock to the microsecond, so the label's nanoseconds
end in 500. A last line without a newline is stamped and copied without
one. Output is flushed whenever qq waits for input.

qq's own output is plain text, so that it can be stamped this way.

Examples:
  qq list | qq tai64n >> /var/log/qq/actions
  some-job 2>&1 | qq tai64n | qq tai64nlocal`,
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
