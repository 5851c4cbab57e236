package sendlog

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/tai64n"
)

// This file holds the text forms of sendlog's results for people: the
// lines of qq log and the histories of qq log trace, shared with the queue
// browser.

// AppendReadable appends the line e was parsed from with its time stamp
// made readable by stamp (tai64n.LocalFormatter prints it as tai64nlocal
// does), or raw as it is when the line has no stamp stamp can print.
func AppendReadable(dst []byte, e *Event, raw []byte, stamp tai64n.Formatter) []byte {
	if !e.HasStamp {
		return append(dst, raw...)
	}
	out, ok := stamp(dst, e.Stamp)
	if !ok {
		return append(dst, raw...)
	}
	out = append(out, ' ')
	return append(out, e.Line...)
}

// FormatDelay prints a duration rounded for people: 850ms, 42s, 13m44s,
// then as [qmailqueue.FormatAge] from an hour on (3h05m, 2d04h).
func FormatDelay(d time.Duration) string {
	switch {
	case d < 0:
		return "0s"
	case d < time.Second:
		return d.Round(time.Millisecond).String()
	case d < time.Hour:
		return d.Round(time.Second).String()
	}
	return qmailqueue.FormatAge(d)
}

// WriteHistory writes h as qq log trace prints it: a header naming the
// message, a line saying where it stands, its log lines with readable
// times in loc, and the last attempt per recipient. Text that comes from
// the log goes through escape, which may make it safe for a terminal
// (nil leaves it as it is).
func WriteHistory(w io.Writer, h *History, loc *time.Location, escape func(string) string) error {
	if escape == nil {
		escape = func(s string) string { return s }
	}
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "msg %d", h.ID)
	if i := h.Info; i != nil {
		fmt.Fprintf(bw, ": from <%s>, %d bytes, qp %d, uid %d\n", escape(i.Sender), i.Bytes, i.QP, i.UID)
	} else {
		fmt.Fprintf(bw, ": no info msg line in the log\n")
	}
	fmt.Fprintf(bw, "  %s\n", historyState(h, loc))
	var line []byte
	stamp := tai64n.LocalFormatter(loc)
	for _, e := range h.Events {
		line = AppendReadable(line[:0], &e, []byte(e.Line), stamp)
		fmt.Fprintf(bw, "  %s\n", escape(string(line)))
	}
	if last := h.LastAttempts(); len(last) > 0 {
		fmt.Fprintf(bw, "  last attempt per recipient:\n")
		for _, d := range last {
			fmt.Fprintf(bw, "    %s %s: %s\n", d.Channel, escape(d.Recipient), escape(attemptText(d, loc)))
		}
	}
	return bw.Flush()
}

// historyState says where a message stands and what happened to it.
func historyState(h *History, loc *time.Location) string {
	var parts []string
	switch {
	case h.Ended:
		parts = append(parts, fmt.Sprintf("left the queue %s, %s after %s",
			h.End.Local(loc), FormatDelay(h.End.Time().Sub(h.Birth().Time())), startName(h)))
	case h.Superseded:
		parts = append(parts, "no end msg: a new msg for the same ID followed (qmail-send preprocessed it again, or the queue was changed by hand)")
	default:
		parts = append(parts, fmt.Sprintf("still queued at the end of the log (no end msg), since %s", h.Birth().Local(loc)))
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
		parts = append(parts, fmt.Sprintf("bounced %s (qp %d)", b.At.Local(loc), b.QP))
	}
	if h.TripleBounce {
		parts = append(parts, "triple bounce: the bounce was discarded")
	}
	if h.Warnings > 0 {
		parts = append(parts, fmt.Sprintf("%d warnings", h.Warnings))
	}
	return strings.Join(parts, "; ")
}

// startName names the moment a history starts from.
func startName(h *History) string {
	if h.Info != nil {
		return "its info msg"
	}
	if h.Partial {
		return "its first line"
	}
	return "its new msg"
}

// attemptText describes a delivery attempt.
func attemptText(d *Delivery, loc *time.Location) string {
	switch {
	case d.Done():
		return fmt.Sprintf("%s %s: %s", d.Outcome, d.Finished.Local(loc), d.Text)
	case d.Lost:
		return fmt.Sprintf("started %s, result never logged (qmail-send stopped or restarted)", d.Started.Local(loc))
	}
	return fmt.Sprintf("running since %s", d.Started.Local(loc))
}
