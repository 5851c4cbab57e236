package main

import (
	"bufio"
	"cmp"
	"context"
	"fmt"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

type requeueOptions struct {
	entries    entryFlags
	all        bool
	again      bool
	yes        bool
	dryRun     bool
	qmailQueue string
	file       string
	from       string
	fromGiven  bool
	to         []string
	args       []string
	filtered   bool // a filter flag was given
}

func newRequeueCmd(a *app) *cobra.Command {
	opts := &requeueOptions{}
	cmd := &cobra.Command{
		Use:         "requeue [ENTRY…] [--all] [filters] | --file FILE --from ADDR --to ADDR…",
		GroupID:     groupQueue,
		Short:       "put quarantined messages, or a message file, back into the queue",
		Long:        longHelp("requeue"),
		Annotations: cmdutil.Formats(cmdutil.FormatPlain, plainFormats...),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			opts.fromGiven = cmd.Flags().Changed("from")
			opts.filtered = cmdutil.SelectionGiven(cmd, nil, "all", "again", "yes", "dry-run", "qmail-queue",
				"quarantine", "body-limit", "case", "file", "from", "to")
			return runRequeue(cmd.Context(), a, opts)
		},
	}
	opts.entries.addFlags(cmd)
	f := cmd.Flags()
	f.BoolVar(&opts.all, "all", false, "every quarantined message not yet requeued")
	f.BoolVar(&opts.again, "again", false, "also requeue entries requeued before")
	f.BoolVarP(&opts.yes, "yes", "y", false, "do it without asking")
	f.BoolVarP(&opts.dryRun, "dry-run", "n", false, "list what would be requeued")
	f.StringVar(&opts.qmailQueue, "qmail-queue", "", "the qmail-queue `PROGRAM` (default $QMAILQUEUE or <qmail-dir>/bin/qmail-queue)")
	f.StringVar(&opts.file, "file", "", "queue the message in `FILE` (with --from and --to)")
	f.StringVar(&opts.from, "from", "", "envelope sender `ADDR` for --file (<> or \"\" for the null sender)")
	f.StringArrayVar(&opts.to, "to", nil, "envelope recipient `ADDR` for --file (repeatable)")
	return cmd
}

// injector returns the qmail-queue to run: --qmail-queue, else as
// qmailqueue.InjectorFor finds it.
func (a *app) injector(flag string) *qmailqueue.Injector {
	return qmailqueue.InjectorFor(cmp.Or(flag, a.getenv("QMAILQUEUE")), a.qmailDir)
}

func runRequeue(ctx context.Context, a *app, opts *requeueOptions) error {
	format := a.output
	if opts.file != "" || opts.fromGiven || len(opts.to) > 0 {
		if len(opts.args) > 0 || opts.all || opts.filtered {
			return cmdutil.UsageErrorf("--file, --from and --to queue one message; they cannot be combined with entries, --all or filters")
		}
		return requeueFile(a, opts, format)
	}
	if len(opts.args) == 0 && !opts.all && !opts.filtered {
		return cmdutil.UsageErrorf("qq requeue needs ENTRY arguments, filters or --all (or --file, --from and --to)")
	}
	dir, entries, err := opts.entries.load(a, opts.args)
	if err != nil {
		return err
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	out := bufio.NewWriter(a.stdout)
	defer out.Flush()
	emit := func(r qmailqueue.RequeueResult) {
		v := r.Report()
		switch {
		case format == cmdutil.FormatJSON:
			writeJSON(out, v)
		case r.Outcome == qmailqueue.RequeueRefused || r.Outcome == qmailqueue.RequeueFailed:
			a.warnf("%s %s", v.Entry, v.Describe("requeued"))
		default:
			fmt.Fprintf(out, "%s\t%s\n", v.Entry, v.Describe("requeued"))
		}
	}
	plan := qmailqueue.PlanRequeue(q, entries, opts.again)
	for _, r := range plan.Refused {
		emit(r)
	}
	n := len(plan.Todo)
	if n == 0 {
		out.Flush()
		return a.nothingMatched("qq requeue: nothing to requeue in %s", dir)
	}
	if opts.dryRun {
		for i := range plan.Todo {
			emit(qmailqueue.RequeueResult{Entry: &plan.Todo[i]})
		}
		return nil
	}
	out.Flush()
	if err := a.confirm(opts.yes, fmt.Sprintf("Requeue %d messages?", n), fmt.Sprintf("requeue %d messages", n)); err != nil {
		return err
	}
	stats, err := plan.Apply(ctx, q, dir, a.injector(opts.qmailQueue), func(r qmailqueue.RequeueResult) {
		if r.Outcome == qmailqueue.Requeued && r.Err != nil {
			a.warnf("%v", r.Err)
		}
		emit(r)
	})
	if err != nil && ctx.Err() == nil {
		return quarantineErr(err)
	}
	stats.Refused += len(plan.Refused)
	summary := "qq requeue: " + stats.Summary(n, nil)
	if format == cmdutil.FormatJSON {
		if !a.quiet {
			fmt.Fprintln(a.stderr, summary)
		}
	} else {
		fmt.Fprintln(out, summary)
	}
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case stats.Temporary:
		return cmdutil.WithCode(cmdutil.ExitTempFail, stats.Err())
	}
	return stats.Err()
}

// requeueFile queues one message file with the envelope of --from and --to.
func requeueFile(a *app, opts *requeueOptions, format string) error {
	switch {
	case opts.file == "":
		return cmdutil.UsageErrorf("--from and --to need --file, the message to queue")
	case !opts.fromGiven:
		return cmdutil.UsageErrorf("--file needs --from, the envelope sender (--from '' for the null sender)")
	case len(opts.to) == 0:
		return cmdutil.UsageErrorf("--file needs at least one --to recipient")
	}
	from, to, err := qmailqueue.EnvelopeArgs(opts.from, opts.to)
	if err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	r, err := q.InjectFile(a.injector(opts.qmailQueue), opts.file, from, to)
	switch {
	case err != nil:
		return err
	case r.Outcome == qmailqueue.RequeueFailed && r.Temporary():
		return cmdutil.WithCode(cmdutil.ExitTempFail, r.Err)
	case r.Outcome == qmailqueue.RequeueFailed:
		return r.Err
	case r.Err != nil:
		a.warnf("%v", r.Err)
	}
	v := r.Report()
	v.Entry = opts.file
	if format == cmdutil.FormatJSON {
		return writeJSON(a.stdout, v)
	}
	_, err = fmt.Fprintf(a.stdout, "%s\t%s\n", opts.file, v.Describe("queued"))
	return err
}
