package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/nagios"
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
		Use:     "check [--warn N] [--crit N] [thresholds] [filters]",
		GroupID: groupQueue,
		Short:   "monitoring plugin: queue size, age, bounces, floods and qmail-send, with thresholds",
		Long:    longHelp("check"),
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
		return &silentError{code: int(res.state)}
	}
	fmt.Fprintf(a.stdout, "QQ %s - %s\n", a.severityText("UNKNOWN"), oneLine(err.Error()))
	return withCode(int(nagios.Unknown), err)
}

// oneLine keeps a message on the status line.
func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// parseThreshold reads a pair of count flags, --warn-NAME and --crit-NAME
// (--warn and --crit when name is empty).
func parseThreshold(name, warn, crit string) (nagios.Threshold, error) {
	return parsePair(name, warn, crit, nagios.ParseCount)
}

// parseAgeThreshold reads a pair of age flags, in seconds.
func parseAgeThreshold(warn, crit string) (nagios.Threshold, error) {
	return parsePair("age", warn, crit, func(s string) (float64, error) {
		d, err := parseAge(s)
		return float64(d / time.Second), err
	})
}

// parsePair reads a pair of threshold flags; a mistake is a usage error
// naming the flag.
func parsePair(name, warn, crit string, parse func(string) (float64, error)) (nagios.Threshold, error) {
	flag := func(kind string) string {
		if name == "" {
			return "--" + kind
		}
		return "--" + kind + "-" + name
	}
	t, err := nagios.ParseThreshold(warn, crit, parse)
	var le *nagios.LimitError
	switch {
	case errors.As(err, &le) && le.Critical:
		return t, usageErrorf("%s: %v", flag("crit"), le.Err)
	case errors.As(err, &le):
		return t, usageErrorf("%s: %v", flag("warn"), le.Err)
	case errors.Is(err, nagios.ErrInverted):
		return t, usageErrorf("%s %s is above %s %s", flag("warn"), warn, flag("crit"), crit)
	}
	return t, err
}

func runCheck(ctx context.Context, a *app, opts *checkOptions) error {
	if len(opts.args) > 0 {
		return usageErrorf("qq check takes no arguments, got %q", opts.args)
	}
	if _, err := a.formatFor("nagios", "nagios"); err != nil {
		return err
	}
	messages, err := parseThreshold("", opts.warn, opts.crit)
	if err != nil {
		return err
	}
	todo, err := parseThreshold("todo", opts.warnTodo, opts.critTodo)
	if err != nil {
		return err
	}
	age, err := parseAgeThreshold(opts.warnAge, opts.critAge)
	if err != nil {
		return err
	}
	bouncing, err := parseThreshold("bouncing", opts.warnBouncing, opts.critBouncing)
	if err != nil {
		return err
	}
	sender, err := parseThreshold("sender", opts.warnSender, opts.critSender)
	if err != nil {
		return err
	}
	senderKey, err := report.ParseKey(opts.senderKey)
	if err != nil || (senderKey != report.KeySender && senderKey != report.KeySenderDomain) {
		return usageErrorf("--sender-key %q: choose sender or sender-domain", opts.senderKey)
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
	snapOpts := report.SnapshotOptions{Now: now, Filter: filter}
	floodCheck := sender.IsSet()
	if floodCheck {
		snapOpts.Senders = senderKey
	}
	snap, err := report.TakeSnapshot(ctx, q, snapOpts)
	if err != nil {
		return err
	}
	send := opts.service.read(a)

	var findings nagios.Findings
	add := findings.Add
	count := func(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }
	seconds := func(s float64) string { return report.CompactAge(time.Duration(s) * time.Second) }

	limits := report.CheckLimits{Messages: messages, Todo: todo, Age: age, Bouncing: bouncing, Sender: sender}
	res := limits.Judge(snap)
	add(res.Messages, fmt.Sprintf("%s (%s)", plural(snap.Messages, "message"), messages.Limit(res.Messages, count)))
	add(res.Todo, fmt.Sprintf("%d not preprocessed (%s)", snap.NotPreprocessed(), todo.Limit(res.Todo, count)))
	oldest := res.Oldest
	add(res.Age, fmt.Sprintf("oldest %s (%s)", humanAge(oldest), age.Limit(res.Age, seconds)))
	add(res.Bouncing, fmt.Sprintf("%d bouncing (%s)", snap.Bouncing, bouncing.Limit(res.Bouncing, count)))
	top := res.Top
	for i, g := range res.Flood {
		st := res.FloodStates[i]
		add(st, fmt.Sprintf("%s has %s (%s)", senderName(senderKey, g.Name), plural(g.Messages, "message"), sender.Limit(st, count)))
	}
	if res.MoreFlood > 0 {
		findings[len(findings)-1].Text += fmt.Sprintf(" and %d more", res.MoreFlood)
	}
	switch {
	case send.Checked && send.Err != nil:
		add(nagios.Unknown, "qmail-send state unknown: "+oneLine(send.Err.Error()))
	case send.Checked && (!send.Supervised || !send.Status.Up):
		add(nagios.Critical, "qmail-send "+send.Describe(now))
	case send.Checked && send.Status.Paused:
		add(nagios.Warning, "qmail-send "+send.Describe(now))
	}

	// The worst finding decides: CRITICAL, then WARNING, then UNKNOWN.
	state := findings.State()
	text := findings.Texts()
	if len(text) == 0 {
		text = append(text, fmt.Sprintf("%s, %d not preprocessed", plural(snap.Messages, "message"), snap.NotPreprocessed()))
		if !snap.Oldest.IsZero() {
			text[0] += ", oldest " + humanAge(oldest)
		}
		text[0] += fmt.Sprintf(", %d bouncing", snap.Bouncing)
		if floodCheck && top.Messages > 0 {
			text = append(text, fmt.Sprintf("top sender %s %d", senderName(senderKey, top.Name), top.Messages))
		}
		if send.Checked {
			text = append(text, "qmail-send "+send.Describe(now))
		}
	}

	perf := []string{
		fmt.Sprintf("messages=%d%s;0", snap.Messages, messages.Perf()),
		fmt.Sprintf("todo=%d%s;0", snap.NotPreprocessed(), todo.Perf()),
		fmt.Sprintf("oldest=%ds%s;0", int64(oldest/time.Second), age.Perf()),
		fmt.Sprintf("bouncing=%d%s;0", snap.Bouncing, bouncing.Perf()),
	}
	if floodCheck {
		perf = append(perf, fmt.Sprintf("top_sender=%d%s;0", top.Messages, sender.Perf()))
	}
	perf = append(perf, fmt.Sprintf("bytes=%dB;;;0", snap.Bytes))
	if send.Checked && send.Err == nil {
		up := 0
		if send.Up() {
			up = 1
		}
		perf = append(perf, fmt.Sprintf("qmail_send_up=%d;;;0;1", up))
	}
	fmt.Fprintf(a.stdout, "QQ %s - %s | %s\n", a.severityText(state.String()), strings.Join(text, ", "), strings.Join(perf, " "))
	if !send.Checked && !opts.service.noService {
		fmt.Fprintf(a.stdout, "qmail-send not checked: %s\n", send.NotFound)
	}
	return &checkResult{state: state}
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
