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
		Long: `Remove messages from the queue: those given by ID (arguments, or
--ids-from FILE, - for stdin), or those the filters select. Removing every
message needs the word ALL instead.

qq first shows the plan: how many messages, how many bytes, in which states,
the most frequent senders and subjects, and a sample of IDs. On a terminal it
then asks; without one (cron) it needs --yes. --dry-run shows the plan only.

The change itself runs with qmail-send verified stopped (see STOPPING QMAIL).
Right before a message is touched qq reads it again and leaves it alone if
its ID now names another message (IDs are inode numbers, reused as soon as a
message leaves the queue) or if it changed; messages qmail-queue may still be
writing (no todo, no info, younger than 36 h) are left alone too. Files are
unlinked in the order that keeps every message in a state qmail-send copes
with, even after a crash: intd, todo, local, remote, bounce, info, and mess
last. lock/ is never touched.

QUARANTINE
  By default every removed message is kept, before its first file is
  unlinked, in a run directory of the quarantine (--quarantine DIR, default
  qq-quarantine next to the queue directory, mode 0700): its mess file (a
  hard link on the same file system, so a flood costs no copying) and a
  manifest line with its sender, pending recipients, birth, size, subject
  and this command line. qq quarantine list shows it, qq requeue puts
  messages back, qq quarantine purge --older-than 7d empties it.
  --no-quarantine removes without a copy.

OUTPUT
  plain  the plan, then one summary line (the default); with --quiet only
         the summary line
  json   one JSON object: counts and every message with its outcome
         (planned, done, changed, vanished, refused, failed)

` + filterHelp + `

` + maintenanceHelp + `

EXAMPLES
  qq rm --match '^Subject: Free Pupil' --dry-run
  qq rm --sender-domain cheap-meds.example --yes
  qq list --older 6d --format ids | qq rm --ids-from - --yes
  qq rm 9995400 9995417
  qq rm ALL --no-quarantine --yes

EXIT STATUS
  0 removed (messages left alone are reported), 1 nothing matched or not
  confirmed, 2 usage error or no terminal to confirm on, 3 a message could
  not be removed, 111 qmail-send could not be stopped or a lock is held,
  130 interrupted (the services are restored first).`,
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
