package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

type rmOptions struct {
	plan         planFlags
	maint        maintenanceFlags
	quarantine   string
	noQuarantine bool
	args         []string
	cmdline      string
}

func newRmCmd(a *app) *cobra.Command {
	opts := &rmOptions{}
	cmd := &cobra.Command{
		Use:     "rm [ID… | ALL] [filters]",
		GroupID: groupQueue,
		Short:   "remove messages from the queue, keeping a copy in the quarantine",
		Long:    longHelp("rm"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			opts.cmdline = commandLine(cmd, args)
			return runRm(cmd.Context(), a, opts)
		},
	}
	opts.plan.addFlags(cmd.Flags())
	opts.maint.addFlags(cmd.Flags())
	addQuarantineFlag(cmd, &opts.quarantine)
	cmd.Flags().BoolVar(&opts.noQuarantine, "no-quarantine", false, "remove without keeping a copy")
	return cmd
}

// addQuarantineFlag defines --quarantine DIR.
func addQuarantineFlag(cmd *cobra.Command, dst *string) {
	cmd.Flags().StringVar(dst, "quarantine", "", "quarantine `DIR` (default: qq-quarantine next to the queue directory)")
}

// quarantineDir resolves --quarantine (qmailqueue.QuarantineDirFor); one
// inside the queue directory is a usage error.
func (a *app) quarantineDir(flag string) (string, error) {
	dir, err := qmailqueue.QuarantineDirFor(a.queueDir, flag)
	if errors.Is(err, qmailqueue.ErrQuarantineInQueue) {
		return "", usageErrorf("--%v", err)
	}
	return dir, err
}

func runRm(ctx context.Context, a *app, opts *rmOptions) error {
	format, err := a.formatFor(formatPlain, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	filter, err := opts.plan.selection(a, "rm", opts.args)
	if err != nil {
		return err
	}
	if opts.noQuarantine && opts.quarantine != "" {
		return usageErrorf("--no-quarantine and --quarantine exclude each other")
	}
	qdir, err := a.quarantineDir(opts.quarantine)
	if err != nil {
		return err
	}
	maint, err := opts.maint.build(a)
	if err != nil {
		return err
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	var rewrite *qmailqueue.Rewrite
	if !opts.noQuarantine {
		if rewrite, err = qmailqueue.ReadRewrite(a.controlDir); err != nil {
			return err
		}
	}

	p, err := q.PlanChange(ctx, qmailqueue.OpRemove, filter)
	if err != nil {
		return err
	}
	what := "to remove"
	if opts.noQuarantine {
		what += " (no quarantine)"
	} else {
		what += " (kept in " + qdir + ")"
	}
	n := len(p.Items)
	report, proceed, err := a.present(p, &opts.plan, format, planPrompt{
		command: "rm", nothing: "nothing removed", what: what,
		question: fmt.Sprintf("Remove these %d messages?", n),
		refusal:  fmt.Sprintf("remove %d messages", n),
	})
	if !proceed {
		return err
	}

	var bar *progressBar
	apply := qmailqueue.ApplyOptions{Reason: opts.cmdline, Rewrite: rewrite, Now: a.now()}
	// The progress bar is gone before the services come back up.
	apply.Cycle = func(ctx context.Context, change func(context.Context) error) error {
		return maint.Run(ctx, func(ctx context.Context) error {
			defer func() { bar.stop() }()
			return change(ctx)
		})
	}
	if !opts.noQuarantine {
		if apply.Quarantine, err = qmailqueue.OpenQuarantine(qdir); err != nil {
			return quarantineErr(err)
		}
		defer apply.Quarantine.Close()
	}
	apply.Started = func() {
		if a.beforeChange != nil {
			a.beforeChange()
		}
		bar = a.newProgressBar("removing", n, format == formatPlain)
	}
	apply.Progress = func(qmailqueue.Result) { bar.increment() }
	res, err := p.Apply(ctx, q, apply)
	if res.Started {
		v := &changeView{a: a, plan: p, res: res, report: report, services: !opts.maint.noSvc}
		summary := "qq rm: " + v.summary("removed")
		if res.QuarantineRun != "" && res.Done > 0 {
			summary += "; kept in " + res.QuarantineRun
			if report != nil {
				report.Quarantine = &res.QuarantineRun
			}
		}
		if werr := v.output(summary, err); werr != nil {
			return werr
		}
		if err == nil {
			return v.failed()
		}
	}
	return opts.maint.explain(err)
}

// quarantineErr gives a busy quarantine its exit code, 111: another qq run
// holds it, try again later.
func quarantineErr(err error) error {
	if errors.Is(err, qmailqueue.ErrQuarantineBusy) {
		return withCode(exitTempFail, err)
	}
	return err
}
