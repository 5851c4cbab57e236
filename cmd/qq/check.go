package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/nagios"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/spf13/cobra"
)

type checkOptions struct {
	filter    filterFlags
	service   sendStateFlags
	senderKey string
	limits    report.CheckArgs
	args      []string
}

func newCheckCmd(a *app) *cobra.Command {
	opts := &checkOptions{}
	cmd := &cobra.Command{
		Use:         "check [--warn N] [--crit N] [thresholds] [filters]",
		GroupID:     groupQueue,
		Short:       "monitoring plugin: queue size, age, bounces, floods and qmail-send, with thresholds",
		Long:        longHelp("check"),
		Annotations: cmdutil.Formats("nagios", "nagios"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return checkExit(a, runCheck(cmd.Context(), a, opts))
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return checkExit(a, err) })
	f := cmd.Flags()
	opts.filter.addFlags(f)
	opts.service.addFlags(f)
	f.StringVarP(&opts.limits.Warn, "warn", "w", "", "warn above `N` messages")
	f.StringVarP(&opts.limits.Crit, "crit", "c", "", "critical above `N` messages")
	f.StringVar(&opts.limits.WarnTodo, "warn-todo", "", "warn above `N` messages not yet preprocessed")
	f.StringVar(&opts.limits.CritTodo, "crit-todo", "", "critical above `N` messages not yet preprocessed")
	f.StringVar(&opts.limits.WarnAge, "warn-age", "", "warn when the oldest message is older than `AGE`")
	f.StringVar(&opts.limits.CritAge, "crit-age", "", "critical when the oldest message is older than `AGE`")
	f.StringVar(&opts.limits.WarnBouncing, "warn-bouncing", "", "warn above `N` bouncing messages")
	f.StringVar(&opts.limits.CritBouncing, "crit-bouncing", "", "critical above `N` bouncing messages")
	f.StringVar(&opts.limits.WarnSender, "warn-sender", "", "warn above `N` messages from one sender")
	f.StringVar(&opts.limits.CritSender, "crit-sender", "", "critical above `N` messages from one sender")
	f.StringVar(&opts.senderKey, "sender-key", "sender", "what --warn-sender counts per: `KEY` sender or sender-domain")
	return cmd
}

// checkResult ends qq check with a plugin exit code; the status line is
// already printed.
type checkResult struct{ state nagios.State }

func (r *checkResult) Error() string { return r.state.String() }

// checkExit turns runCheck's outcome into qq check's exit: a result's code
// as it is, and any error into UNKNOWN, with the plugin's status line on
// stdout (monitoring systems read only that) and qq's error on stderr.
func checkExit(a *app, err error) error {
	var res *checkResult
	switch {
	case err == nil:
		return nil
	case errors.As(err, &res):
		if res.state == nagios.OK {
			return nil
		}
		return &cmdutil.SilentError{Code: int(res.state)}
	}
	fmt.Fprintf(a.stdout, "QQ %s - %s\n", a.severityText("UNKNOWN"), oneLine(err.Error()))
	return cmdutil.WithCode(int(nagios.Unknown), err)
}

// oneLine keeps a message on the status line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

func runCheck(ctx context.Context, a *app, opts *checkOptions) error {
	if len(opts.args) > 0 {
		return cmdutil.UsageErrorf("qq check takes no arguments, got %q", opts.args)
	}
	limits, err := report.ParseCheckLimits(opts.limits)
	if err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	senderKey, err := report.ParseSenderKey(opts.senderKey)
	if err != nil {
		return cmdutil.UsageErrorf("--sender-key %v", err)
	}
	now := a.now()
	q, filter, err := a.openFiltered(&opts.filter, now, nil)
	if err != nil {
		return err
	}
	send := opts.service.read(a)
	check := report.Check{Limits: limits, Senders: senderKey, Filter: filter, Now: now, Format: report.DefaultCheckFormat(senderKey)}
	status, err := check.Run(ctx, q, checkSend(send, now))
	if err != nil {
		return err
	}
	fmt.Fprintln(a.stdout, nagios.StatusLine("QQ", a.severityText(status.State.String()), status.Texts, status.Perf))
	if !send.Checked && !opts.service.noService {
		fmt.Fprintf(a.stdout, "qmail-send not checked: %s\n", send.NotFound)
	}
	return &checkResult{state: status.State}
}
