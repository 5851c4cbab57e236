package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/qqmail/qq/nagios"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/spf13/cobra"
)

type checkOptions struct {
	filter    filterFlags
	service   sendStateFlags
	senderKey string
	// Thresholds as given, "" when unset.
	warn, crit                 string
	warnTodo, critTodo         string
	warnAge, critAge           string
	warnBouncing, critBouncing string
	warnSender, critSender     string
	args                       []string
}

func newCheckCmd(a *app) *cobra.Command {
	opts := &checkOptions{}
	cmd := &cobra.Command{
		Use:         "check [--warn N] [--crit N] [thresholds] [filters]",
		GroupID:     groupQueue,
		Short:       "monitoring plugin: queue size, age, bounces, floods and qmail-send, with thresholds",
		Long:        longHelp("check"),
		Annotations: formats("nagios", "nagios"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return checkExit(a, runCheck(cmd.Context(), a, opts))
		},
	}
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return checkExit(a, err) })
	f := cmd.Flags()
	opts.filter.addFlags(f)
	opts.service.addFlags(f)
	f.StringVarP(&opts.warn, "warn", "w", "", "warn above `N` messages")
	f.StringVarP(&opts.crit, "crit", "c", "", "critical above `N` messages")
	f.StringVar(&opts.warnTodo, "warn-todo", "", "warn above `N` messages not yet preprocessed")
	f.StringVar(&opts.critTodo, "crit-todo", "", "critical above `N` messages not yet preprocessed")
	f.StringVar(&opts.warnAge, "warn-age", "", "warn when the oldest message is older than `AGE`")
	f.StringVar(&opts.critAge, "crit-age", "", "critical when the oldest message is older than `AGE`")
	f.StringVar(&opts.warnBouncing, "warn-bouncing", "", "warn above `N` bouncing messages")
	f.StringVar(&opts.critBouncing, "crit-bouncing", "", "critical above `N` bouncing messages")
	f.StringVar(&opts.warnSender, "warn-sender", "", "warn above `N` messages from one sender")
	f.StringVar(&opts.critSender, "crit-sender", "", "critical above `N` messages from one sender")
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
		return &silentError{Code: int(res.state)}
	}
	fmt.Fprintf(a.stdout, "QQ %s - %s\n", a.severityText("UNKNOWN"), oneLine(err.Error()))
	return withCode(int(nagios.Unknown), err)
}

// oneLine keeps a message on the status line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// parseThreshold reads the pair of flags --warn-NAME and --crit-NAME
// (--warn and --crit when name is empty); a mistake is a usage error
// naming the flag.
func parseThreshold(name, warn, crit string, parse func(string) (float64, error)) (nagios.Threshold, error) {
	if name != "" {
		name = "-" + name
	}
	t, err := nagios.ParseThresholdFlags("--warn"+name, warn, "--crit"+name, crit, parse)
	if err != nil {
		return t, usageErrorf("%v", err)
	}
	return t, nil
}

// parseAgeLimit reads an age limit, in seconds.
func parseAgeLimit(s string) (float64, error) {
	d, err := qmailqueue.ParseAge(s)
	return float64(d / time.Second), err
}

func runCheck(ctx context.Context, a *app, opts *checkOptions) error {
	if len(opts.args) > 0 {
		return usageErrorf("qq check takes no arguments, got %q", opts.args)
	}
	var limits report.CheckLimits
	for _, l := range []struct {
		name, warn, crit string
		parse            func(string) (float64, error)
		to               *nagios.Threshold
	}{
		{"", opts.warn, opts.crit, nagios.ParseCount, &limits.Messages},
		{"todo", opts.warnTodo, opts.critTodo, nagios.ParseCount, &limits.Todo},
		{"age", opts.warnAge, opts.critAge, parseAgeLimit, &limits.Age},
		{"bouncing", opts.warnBouncing, opts.critBouncing, nagios.ParseCount, &limits.Bouncing},
		{"sender", opts.warnSender, opts.critSender, nagios.ParseCount, &limits.Sender},
	} {
		var err error
		if *l.to, err = parseThreshold(l.name, l.warn, l.crit, l.parse); err != nil {
			return err
		}
	}
	senderKey, err := report.ParseSenderKey(opts.senderKey)
	if err != nil {
		return usageErrorf("--sender-key %v", err)
	}
	now := a.now()
	filter, err := opts.filter.build(now, nil, a.stdin)
	if err != nil {
		return err
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	send := opts.service.read(a)
	check := report.Check{Limits: limits, Senders: senderKey, Filter: filter, Now: now,
		Format: report.CheckFormat{Age: humanAge, AgeLimit: report.CompactAge, Name: func(n string) string { return senderName(senderKey, n) }}}
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

// senderName shows a sender or sender domain on the status line.
func senderName(key report.Key, name string) string {
	if name == "" {
		if key == report.KeySender {
			return "<>"
		}
		return "(no domain)"
	}
	return printable(name)
}
