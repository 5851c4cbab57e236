package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/qqmail/qq/browse"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

type browseOptions struct {
	interval   time.Duration
	query      string
	log        string
	quarantine string
	maint      maintenanceFlags
	cmdline    string
}

func newBrowseCmd(a *app) *cobra.Command {
	opts := &browseOptions{}
	cmd := &cobra.Command{
		Use:     "browse [--filter QUERY]",
		GroupID: groupQueue,
		Short:   "browse the queue interactively: overview, groups, messages; filter, remove, expire",
		Long: `A full-screen view of the queue that refreshes every --interval: an
overview (messages, todo, bouncing, bytes, oldest, the change per minute,
a sparkline of the last refreshes), groups (top senders, sender domains,
recipient domains, subjects, IPs, HELOs), the messages of a group or of
the whole queue (sorted by age, size or sender; details are read only for
the rows on screen), and one message (envelope, retry and expiry, headers,
MIME structure, decoded body, bounce report, and with --log or
$QQ_LOG_DIR the last delivery attempts).

/ filters with the filter flags written as a query: sender:ADDR rcpt:ADDR
sender-domain:D rcpt-domain:.D subject:RE header:NAME=RE match:RE body:RE
attachment:RE older:2h newer:30m size>1M size<10k id:N and the words
local remote todo bouncing case not.

Marked messages (space; a marks the whole list) are removed with d, to the
quarantine, through the same plan → confirm → stop → remove → restart
cycle as qq rm (the service flags are rm's), or expired with e. ? lists
the keys; q or ctrl+c leaves. Needs a terminal.

EXAMPLES
  qq browse
  qq browse --filter 'sender-domain:cheap-meds.example older:1h'
  qq browse --service /service/qmail-send --interval 5s`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.cmdline = commandLine(cmd, args)
			return runBrowse(cmd.Context(), a, opts)
		},
	}
	f := cmd.Flags()
	durationFlag(f, &opts.interval, "interval", 2*time.Second, "refresh every `AGE`")
	f.StringVar(&opts.query, "filter", "", "start with the filter `QUERY` (as typed after /)")
	f.StringVar(&opts.log, "log", "", "qmail-send's log `DIR` or file: show the last delivery attempts")
	opts.maint.addFlags(f)
	addQuarantineFlag(cmd, &opts.quarantine)
	return cmd
}

func runBrowse(ctx context.Context, a *app, opts *browseOptions) error {
	if !a.stdoutTTY || !isTerminal(a.stdin) && a.getenv("QQ_FORCE_TTY") != "1" {
		return usageErrorf("qq browse needs a terminal; for scripts use qq stat, qq top and qq list")
	}
	if opts.interval <= 0 {
		return usageErrorf("--interval must be positive")
	}
	if _, err := qmailqueue.ParseQuery(opts.query); err != nil {
		return usageErrorf("--filter: %v", err)
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
			qr, err := qmailqueue.OpenQuarantine(qdir)
			if err != nil {
				return nil, quarantineErr(err)
			}
			defer qr.Close()
			ao.Quarantine = qr
		}
		if a.beforeChange != nil {
			ao.Started = a.beforeChange
		}
		res, err := p.Apply(ctx, q, ao)
		return res, opts.maint.explain(err)
	}
	bo := browse.Options{Queue: q, Interval: opts.interval, Now: a.now, Query: opts.query, Apply: apply, NoColor: !a.color}
	if source := cmp.Or(opts.log, a.getenv("QQ_LOG_DIR")); source != "" {
		bo.Attempts = func(ctx context.Context, m *qmailqueue.Message) []string {
			at, err := lastAttempts(ctx, a, source, m)
			if err != nil {
				return []string{"(log: " + err.Error() + ")"}
			}
			var lines []string
			for _, d := range *at {
				outcome := cmp.Or(d.Outcome, "in progress")
				if d.Lost {
					outcome = "lost"
				}
				lines = append(lines, fmt.Sprintf("%s %s %s: %s %s", d.Started, d.Channel, d.Recipient, outcome, d.Text))
			}
			return lines
		}
	}
	err = browse.Run(bo, tea.WithContext(ctx), tea.WithInput(a.stdin), tea.WithOutput(a.stdout))
	if errors.Is(err, tea.ErrProgramKilled) && ctx.Err() != nil {
		return interrupted(ctx.Err())
	}
	return err
}
