package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue/sendlog"
)

type logTraceOptions struct {
	target string // a message ID or an address
	source string
	utc    bool
}

func newLogTraceCmd(a *app) *cobra.Command {
	opts := &logTraceOptions{}
	cmd := &cobra.Command{
		Use:         "trace [flags] ID|ADDRESS [DIR|FILE|-]",
		Short:       "the history of a message in qmail-send's log",
		Long:        longHelp("log-trace"),
		Annotations: cmdutil.Formats(cmdutil.FormatPlain, plainFormats...),
		Args:        cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.target = args[0]
			if len(args) == 2 {
				opts.source = args[1]
			}
			return withCmdPath(cmd, runLogTrace(cmd.Context(), a, opts))
		},
	}
	cmd.Flags().BoolVar(&opts.utc, "utc", false, "print times in UTC")
	return cmd
}

func runLogTrace(ctx context.Context, a *app, opts *logTraceOptions) error {
	format := a.output
	log, err := a.openLog(ctx, opts.source)
	if err != nil {
		return err
	}
	loc := a.location(opts.utc)
	parser := &sendlog.Parser{Location: loc}
	hs, what, err := sendlog.Trace(ctx, log, parser, opts.target)
	var te *sendlog.TargetError
	if errors.As(err, &te) {
		return cmdutil.UsageErrorf("%v", err)
	}
	if err != nil {
		return interrupted(err)
	}
	if len(hs) == 0 {
		return cmdutil.WithCode(cmdutil.ExitNoMatch, fmt.Errorf("%s: not in the log %s", what, log.Name()))
	}
	a.page()
	w := bufio.NewWriter(a.stdout)
	for i, h := range hs {
		if format == cmdutil.FormatJSON {
			err = writeJSON(w, sendlog.NewHistoryView(h))
		} else {
			if i > 0 {
				w.WriteByte('\n')
			}
			err = sendlog.WriteHistory(w, h, loc, a.esc().line)
		}
		if err != nil {
			return err
		}
	}
	return w.Flush()
}
