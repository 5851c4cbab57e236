package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/qqmail/qq/qmailqueue/sendlog"
	"github.com/qqmail/qq/tai64n"
)

type logTraceOptions struct {
	target string // a message ID or an address
	source string
	utc    bool
}

func newLogTraceCmd(a *app) *cobra.Command {
	opts := &logTraceOptions{}
	cmd := &cobra.Command{
		Use:   "trace [flags] ID|ADDRESS [DIR|FILE|-]",
		Short: "the history of a message in qmail-send's log",
		Long:  longHelp("log-trace"),
		Args:  cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.target = args[0]
			if len(args) == 2 {
				opts.source = args[1]
			}
			return withCmdPath(cmd, runLogTrace(cmd.Context(), a, opts))
		},
	}
	cmd.Flags().BoolVar(&opts.utc, "utc", false, "print times in UTC")
	return cmd
}

func runLogTrace(ctx context.Context, a *app, opts *logTraceOptions) error {
	format, err := a.formatFor(formatPlain, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	log, err := a.openLog(ctx, opts.source)
	if err != nil {
		return err
	}
	loc := a.location(opts.utc)
	parser := &sendlog.Parser{Location: loc}
	hs, what, err := sendlog.Trace(ctx, log, parser, opts.target)
	var te *sendlog.TargetError
	if errors.As(err, &te) {
		return usageErrorf("%v", err)
	}
	if err != nil {
		return interrupted(err)
	}
	if len(hs) == 0 {
		return withCode(exitNoMatch, fmt.Errorf("%s: not in the log %s", what, log.Name()))
	}
	a.page()
	w := bufio.NewWriter(a.stdout)
	for i, h := range hs {
		if format == formatJSON {
			err = writeJSON(w, sendlog.NewHistoryView(h))
		} else {
			if i > 0 {
				w.WriteByte('\n')
			}
			writeHistory(w, h, loc, a.esc())
		}
		if err != nil {
			return err
		}
	}
	return w.Flush()
}

// writeHistory prints one history: a header, the log lines, and the last
// attempt per recipient.
func writeHistory(w *bufio.Writer, h *sendlog.History, loc *time.Location, esc escaper) {
	fmt.Fprintf(w, "msg %d", h.ID)
	if i := h.Info; i != nil {
		fmt.Fprintf(w, ": from <%s>, %d bytes, qp %d, uid %d\n", esc.line(i.Sender), i.Bytes, i.QP, i.UID)
	} else {
		fmt.Fprintf(w, ": no info msg line in the log\n")
	}
	fmt.Fprintf(w, "  %s\n", historyState(h, loc))
	var line []byte
	stamp := tai64n.LocalFormatter(loc)
	for _, e := range h.Events {
		line = appendLogLine(append(line[:0], "  "...), &e, []byte(e.Line), stamp, esc)
		w.Write(append(line, '\n'))
	}
	last := h.LastAttempts()
	if len(last) == 0 {
		return
	}
	fmt.Fprintf(w, "  last attempt per recipient:\n")
	for _, d := range last {
		fmt.Fprintf(w, "    %s %s: %s\n", d.Channel, esc.line(d.Recipient), esc.line(attemptText(d, loc)))
	}
}

// historyState says where a message stands and what happened to it.
func historyState(h *sendlog.History, loc *time.Location) string {
	var parts []string
	switch {
	case h.Ended:
		parts = append(parts, fmt.Sprintf("left the queue %s, %s after %s",
			readableTime(h.End, loc), durationText(h.End.Time().Sub(h.Birth().Time())), what(h)))
	case h.Superseded:
		parts = append(parts, "no end msg: a new msg for the same ID followed (qmail-send preprocessed it again, or the queue was changed by hand)")
	default:
		parts = append(parts, fmt.Sprintf("still queued at the end of the log (no end msg), since %s", readableTime(h.Birth(), loc)))
	}
	if h.Partial {
		parts = append(parts, "queued before the log begins")
	}
	s, f, z := h.Counts()
	attempts := fmt.Sprintf("attempts: %d (%d success, %d failure, %d deferral", len(h.Deliveries), s, f, z)
	if lost := len(h.Deliveries) - s - f - z; lost > 0 {
		attempts += fmt.Sprintf(", %d without result", lost)
	}
	parts = append(parts, attempts+")")
	for _, b := range h.Bounces {
		parts = append(parts, fmt.Sprintf("bounced %s (qp %d)", readableTime(b.At, loc), b.QP))
	}
	if h.TripleBounce {
		parts = append(parts, "triple bounce: the bounce was discarded")
	}
	if h.Warnings > 0 {
		parts = append(parts, fmt.Sprintf("%d warnings", h.Warnings))
	}
	return strings.Join(parts, "; ")
}

// what names the moment a history starts from.
func what(h *sendlog.History) string {
	if h.Info != nil {
		return "its info msg"
	}
	if h.Partial {
		return "its first line"
	}
	return "its new msg"
}

// attemptText describes a delivery attempt.
func attemptText(d *sendlog.Delivery, loc *time.Location) string {
	switch {
	case d.Done():
		return fmt.Sprintf("%s %s: %s", d.Outcome, readableTime(d.Finished, loc), d.Text)
	case d.Lost:
		return fmt.Sprintf("started %s, result never logged (qmail-send stopped or restarted)", readableTime(d.Started, loc))
	}
	return fmt.Sprintf("running since %s", readableTime(d.Started, loc))
}

// readableTime prints a label as tai64nlocal does.
func readableTime(l tai64n.Label, loc *time.Location) string {
	b, ok := l.AppendLocal(nil, loc)
	if !ok {
		return l.String()
	}
	return string(b)
}

// durationText prints a duration rounded for people: 850ms, 42s, 13m44s,
// 3h05m, 2d04h.
func durationText(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return humanAge(d)
}
