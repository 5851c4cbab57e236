package main

import (
	"bufio"
	"context"
	"fmt"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/spf13/cobra"
)

type statOptions struct {
	filter filterFlags
	full   bool
	args   []string
	watch  watchFlags
}

func newStatCmd(a *app) *cobra.Command {
	opts := &statOptions{}
	cmd := &cobra.Command{
		Use:         "stat [filters]",
		GroupID:     groupQueue,
		Short:       "summarize the queue: messages, states, pending channels, bytes, oldest",
		Long:        longHelp("stat"),
		Annotations: cmdutil.Formats("", cmdutil.FormatTable, cmdutil.FormatPlain, cmdutil.FormatJSON, "qstat"),
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			if opts.watch.on {
				return opts.watch.run(cmd.Context(), a, "qq stat", func(a *app) error { return runStat(cmd.Context(), a, opts) })
			}
			return runStat(cmd.Context(), a, opts)
		},
	}
	opts.filter.addFlags(cmd.Flags())
	opts.watch.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&opts.full, "full", false, "also report bytes and the oldest message (a stat per file)")
	return cmd
}

func runStat(ctx context.Context, a *app, opts *statOptions) error {
	format := a.output
	now := a.now()
	q, filter, err := a.openFiltered(&opts.filter, now, nil)
	if err != nil {
		return err
	}
	if format == "qstat" {
		if !filter.IsZero() {
			return cmdutil.UsageErrorf("--format qstat counts files as qmail-qstat does; it takes no filters")
		}
		mess, todo, err := q.QstatCounts(ctx)
		if err != nil {
			return err
		}
		return qmailqueue.WriteQstat(a.stdout, mess, todo)
	}
	s, err := q.Summarize(ctx, filter, opts.full)
	if err != nil {
		return err
	}
	opts.watch.messages = s.Messages
	v := report.NewStat(s, q, now)
	out := bufio.NewWriter(a.stdout)
	switch format {
	case cmdutil.FormatJSON:
		err = writeJSON(out, v)
	case cmdutil.FormatPlain:
		for _, kv := range v.Rows(now) {
			fmt.Fprintf(out, "%s %v\n", kv.Key, kv.Value)
		}
	default:
		t := a.newTable(out, col{Name: "", Min: 10}, col{Name: "", Right: true})
		t.NoHeader = true
		for _, kv := range v.Rows(now) {
			value := cell{Text: kv.Human}
			switch {
			case kv.Value == 0:
			case kv.Key == "broken":
				value = a.paint(kv.Human, ui.Bad)
			case kv.Key == "bouncing" || kv.Key == "writing":
				value = a.paint(kv.Human, ui.Warn)
			case kv.Key == "oldest":
				value = a.ageCell(now.Sub(s.Oldest), q.Lifetime)
				value.Text = kv.Human
			}
			t.row(kv.Label, value)
		}
		err = t.render()
	}
	return a.endRead(out, err, s.Vanished, s.Messages == 0 && !filter.IsZero())
}
