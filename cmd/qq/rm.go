package main

import (
	"context"
	"errors"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
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
		Use:         "rm [ID… | ALL] [filters]",
		GroupID:     groupQueue,
		Short:       "remove messages from the queue, keeping a copy in the quarantine",
		Long:        longHelp("rm"),
		Annotations: cmdutil.Formats(cmdutil.FormatPlain, plainFormats...),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			opts.cmdline = cmdutil.CommandLine(cmd, args)
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
		return "", cmdutil.UsageErrorf("--%v", err)
	}
	return dir, err
}

func runRm(ctx context.Context, a *app, opts *rmOptions) error {
	c := &changeCommand{name: "rm", op: qmailqueue.OpRemove, flags: &opts.plan, args: opts.args,
		what: "to remove (no quarantine)", question: "Remove these %d messages?",
		services: !opts.maint.noSvc, explain: func(err error) error { return opts.maint.explain(quarantineErr(err)) }}
	c.setup = func(apply *qmailqueue.ApplyOptions) error {
		if opts.noQuarantine && opts.quarantine != "" {
			return cmdutil.UsageErrorf("--no-quarantine and --quarantine exclude each other")
		}
		qdir, err := a.quarantineDir(opts.quarantine)
		if err != nil {
			return err
		}
		maint, err := opts.maint.build(a)
		if err != nil {
			return err
		}
		apply.Cycle, apply.Reason = maint.Run, opts.cmdline
		if !opts.noQuarantine {
			c.what = "to remove (kept in " + qdir + ")"
			apply.QuarantineDir = qdir
			apply.Rewrite, err = qmailqueue.ReadRewrite(a.controlDir)
		}
		return err
	}
	return runChange(ctx, a, c)
}

// quarantineErr gives a busy quarantine its exit code, 111: another qq run
// holds it, try again later.
func quarantineErr(err error) error {
	if errors.Is(err, qmailqueue.ErrQuarantineBusy) {
		return cmdutil.WithCode(cmdutil.ExitTempFail, err)
	}
	return err
}
