package main

import (
	"cmp"
	"context"
	"errors"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/qqmail/qq/browse"
	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/sendlog"
	"github.com/spf13/cobra"
)

type browseOptions struct {
	interval   time.Duration
	query      string
	log        string
	quarantine string
	qmailQueue string
	maint      maintenanceFlags
	cmdline    string
}

func newBrowseCmd(a *app) *cobra.Command {
	opts := &browseOptions{}
	cmd := &cobra.Command{
		Use:     "browse [--filter QUERY]",
		GroupID: groupQueue,
		Short:   "browse the queue interactively: overview, groups, messages; filter, remove, expire, requeue",
		Long:    longHelp("browse"),
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.cmdline = cmdutil.CommandLine(cmd, args)
			return runBrowse(cmd.Context(), a, opts)
		},
	}
	f := cmd.Flags()
	cmdutil.DurationFlag(f, &opts.interval, "interval", 2*time.Second, "refresh every `AGE`")
	f.StringVar(&opts.query, "filter", "", "start with the filter `QUERY` (as typed after /)")
	f.StringVar(&opts.log, "log", "", "qmail-send's log `DIR` or file: show the last delivery attempts")
	opts.maint.addFlags(f)
	addQuarantineFlag(cmd, &opts.quarantine)
	f.StringVar(&opts.qmailQueue, "qmail-queue", "", "the qmail-queue `PROGRAM` that requeues (default $QMAILQUEUE or <qmail-dir>/bin/qmail-queue)")
	return cmd
}

func runBrowse(ctx context.Context, a *app, opts *browseOptions) error {
	if !a.stdoutTTY || !isTerminal(a.stdin) && a.getenv("QQ_FORCE_TTY") != "1" {
		return cmdutil.UsageErrorf("qq browse needs a terminal; for scripts use qq stat, qq top and qq list")
	}
	if opts.interval <= 0 {
		return cmdutil.UsageErrorf("--interval must be positive")
	}
	if _, err := qmailqueue.ParseQuery(opts.query); err != nil {
		return cmdutil.UsageErrorf("--filter: %v", err)
	}
	qdir, err := a.quarantineDir(opts.quarantine)
	if err != nil {
		return err
	}
	maint, err := opts.maint.build(a)
	if err != nil {
		return err
	}
	maint.Progress = nil // the screen shows progress; stderr would scribble on it
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	rewrite, err := qmailqueue.ReadRewrite(a.controlDir)
	if err != nil {
		return err
	}
	apply := func(ctx context.Context, p *qmailqueue.Plan, progress func()) (*qmailqueue.ChangeResult, error) {
		ao := qmailqueue.ApplyOptions{Reason: opts.cmdline, Rewrite: rewrite, Now: a.now(), Cycle: maint.Run,
			Progress: func(qmailqueue.Result) { progress() }}
		if p.Op == qmailqueue.OpRemove {
			ao.QuarantineDir = qdir // opened and locked before anything stops
		}
		if a.beforeChange != nil {
			ao.Started = a.beforeChange
		}
		res, err := p.Apply(ctx, q, ao)
		return res, opts.maint.explain(quarantineErr(err))
	}
	bo := browse.Options{Queue: q, Interval: opts.interval, Now: a.now, Query: opts.query, Apply: apply, NoColor: !a.color,
		Quarantine: qdir, Injector: a.injector(opts.qmailQueue)}
	if source := cmp.Or(opts.log, a.getenv("QQ_LOG_DIR")); source != "" {
		bo.Attempts = func(ctx context.Context, m *qmailqueue.Message) ([]sendlog.Attempt, error) {
			return lastAttempts(ctx, a, source, m)
		}
	}
	err = browse.Run(bo, tea.WithContext(ctx), tea.WithInput(a.stdin), tea.WithOutput(a.stdout))
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return interrupted(ctx.Err())
	}
	return err
}
