package main

import (
	"bufio"
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue/sendlog"
)

type logSummaryOptions struct {
	source string
	since  string
	until  string
	top    int
	utc    bool
}

func newLogSummaryCmd(a *app) *cobra.Command {
	opts := &logSummaryOptions{}
	cmd := &cobra.Command{
		Use:         "summary [flags] [DIR|FILE|-]",
		Short:       "totals, failure and deferral reasons, delays and senders from qmail-send's log",
		Long:        longHelp("log-summary"),
		Annotations: cmdutil.Formats("", tableFormats...),
		Args:        cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.source = args[0]
			}
			return withCmdPath(cmd, runLogSummary(cmd.Context(), a, opts))
		},
	}
	f := cmd.Flags()
	f.StringVar(&opts.since, "since", "", "count lines logged at or after `TIME`")
	f.StringVar(&opts.until, "until", "", "count lines logged at or before `TIME`")
	f.IntVar(&opts.top, "top", 10, "list the `N` most frequent reasons, domains and senders")
	f.BoolVar(&opts.utc, "utc", false, "print times in UTC")
	return cmd
}

func runLogSummary(ctx context.Context, a *app, opts *logSummaryOptions) error {
	format := a.output
	if opts.top < 0 {
		return cmdutil.UsageErrorf("--top must not be negative")
	}
	loc := a.location(opts.utc)
	rng, err := sendlog.ParseRange(opts.since, opts.until, a.now(), loc)
	if err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	log, err := a.openLog(ctx, opts.source)
	if err != nil {
		return err
	}
	sum, err := sendlog.Summarize(ctx, log, &sendlog.Parser{Location: loc}, rng.Since, rng.Until, opts.top)
	if err != nil {
		return interrupted(err)
	}
	a.page()
	if format == cmdutil.FormatJSON {
		return writeJSON(a.stdout, sendlog.NewSummaryView(sum))
	}
	sections := sum.Sections()
	cell := func(c any) string { return a.esc().line(sendlog.CellText(c, loc, format == cmdutil.FormatTable)) }
	if format == cmdutil.FormatPlain {
		w := bufio.NewWriter(a.stdout)
		for _, sec := range sections {
			for _, r := range sec.Rows {
				w.WriteString(sec.Record)
				for _, c := range r {
					w.WriteByte('\t')
					w.WriteString(cell(c))
				}
				w.WriteByte('\n')
			}
		}
		return w.Flush()
	}
	for i, sec := range sections {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		cols := make([]col, len(sec.Header))
		for i, h := range sec.Header {
			cols[i] = col{Name: h, Min: 8}
		}
		t := a.newTable(a.stdout, cols...)
		t.Title = sec.Title
		for _, r := range sec.Rows {
			row := make([]any, len(r))
			for i, c := range r {
				row[i] = cell(c)
			}
			t.row(row...)
		}
		if err := t.render(); err != nil {
			return err
		}
	}
	return nil
}
