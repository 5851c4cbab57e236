package msgview

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/sendlog"
	"github.com/qqmail/qq/termsafe"
)

// TextOptions say how WriteText lays a message out.
type TextOptions struct {
	// Now is the time ages, retries and expiry are counted from.
	Now time.Time
	// Estimated marks the next retry as an estimate (≈): qmail-send runs.
	Estimated bool
	// Terminal escapes every string from the queue and the log for a
	// terminal (termsafe); otherwise control bytes become _.
	Terminal bool
	// Style colours parts of the text; its zero value colours nothing.
	Style Style
}

// Style colours parts of the text; a nil function leaves its text as it
// is.
type Style struct {
	Bad  func(string) string // a broken state, or one with problems
	Warn func(string) string // bouncing
	// Age writes a message's age in a queue of the given lifetime; nil
	// writes qmailqueue.FormatAge.
	Age func(age, lifetime time.Duration) string
}

func paint(f func(string) string, s string) string {
	if f == nil {
		return s
	}
	return f(s)
}

const timeLayout = "2006-01-02 15:04:05 MST"

// WriteText writes qq show's text for one message: envelope, state, retry
// and expiry, recipients, the last attempts from the log, the bounce
// report, problems, headers, MIME structure and, when read, the body.
func WriteText(w io.Writer, d *Detail, o TextOptions) error {
	out := bufio.NewWriter(w)
	esc := termsafe.Escaper(o.Terminal)
	m, now := d.Msg, o.Now
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "Message:\t#%d (split %d)\n", m.ID, m.Split)
	state := StateText(m.State)
	if m.State == qmailqueue.StateBroken || len(m.Problems) > 0 {
		state = paint(o.Style.Bad, state)
	}
	fmt.Fprintf(tw, "State:\t%s (%s)\n", state, m.State.Code())
	age := qmailqueue.FormatAge(now.Sub(m.Birth))
	if o.Style.Age != nil {
		age = o.Style.Age(now.Sub(m.Birth), d.Lifetime)
	}
	fmt.Fprintf(tw, "Queued at:\t%s (%s ago)\n", m.Birth.UTC().Format(timeLayout), age)
	fmt.Fprintf(tw, "Size:\t%d bytes (%s)\n", m.Size, qmailqueue.FormatSize(m.Size))
	fmt.Fprintf(tw, "Sender:\t%s\n", termsafe.ASCIIOnly("<"+m.Sender+">"))
	if m.HasQP {
		fmt.Fprintf(tw, "qp / uid:\t%s / %s\n", termsafe.ASCIIOnly(m.QP), termsafe.ASCIIOnly(m.UID))
	}
	if next, ok := m.NextRetry(now); ok {
		mark := ""
		if o.Estimated {
			mark = "≈"
		}
		fmt.Fprintf(tw, "Next retry:\t%s%s (%s)\n", mark, next.UTC().Format(timeLayout), Relative(next.Sub(now)))
	} else if m.State == qmailqueue.StateQueued {
		fmt.Fprintf(tw, "Next retry:\tat preprocessing (qmail-send's next todo scan)\n")
	}
	exp := m.Expires(d.Lifetime)
	fmt.Fprintf(tw, "Expires:\t%s (%s; queuelifetime %ds)\n", exp.UTC().Format(timeLayout), Relative(exp.Sub(now)), int64(d.Lifetime/time.Second))
	bouncing := "no"
	if m.Bouncing {
		bouncing = paint(o.Style.Warn, "yes") + " (a bounce is sent when the last recipient is done)"
	}
	fmt.Fprintf(tw, "Bouncing:\t%s\n", bouncing)
	tw.Flush()

	fmt.Fprintf(out, "Recipients: %d, %d pending\n", len(m.Recipients), m.Pending())
	tw = tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	for _, r := range m.Recipients {
		status := "pending"
		if r.Done {
			status = "done"
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Channel, status, termsafe.ASCIIOnly(r.Address))
	}
	tw.Flush()
	if d.Attempts != nil {
		writeAttempts(out, esc, *d.Attempts)
	}
	if len(d.Bounce) > 0 {
		out.WriteString("Bounce report (bounce/" + strconv.FormatUint(m.ID, 10) + "):\n")
		for _, b := range d.Bounce {
			fmt.Fprintf(out, "  <%s>:\n", termsafe.ASCIIOnly(b.Recipient))
			for _, line := range strings.Split(b.Text, "\n") {
				out.WriteString("    " + esc.Field(line) + "\n")
			}
		}
	}
	if len(m.Problems) > 0 {
		out.WriteString("Problems:\n")
		for _, p := range m.Problems {
			out.WriteString("  " + esc.Field(p.String()) + "\n")
		}
	}
	if m.Header != nil {
		out.WriteString("Headers:\n")
		for _, f := range m.Header.Fields() {
			out.WriteString("  " + esc.Field(f.Name+": "+f.Value) + "\n")
		}
		if m.Header.Truncated {
			fmt.Fprintf(out, "  (header block longer than %d bytes; cut there)\n", qmailqueue.HeaderLimit)
		}
	}
	if m.MIME != nil && len(m.MIME.Parts) > 0 {
		writeMIMEText(out, m.MIME)
	}
	if d.Body != nil {
		out.WriteString("Body (decoded text parts):\n")
		out.WriteString(esc.Text(*d.Body))
		if !strings.HasSuffix(*d.Body, "\n") {
			out.WriteString("\n")
		}
	}
	return out.Flush()
}

// writeAttempts lists the last delivery attempts from the log.
func writeAttempts(out *bufio.Writer, esc termsafe.Escaper, attempts []sendlog.Attempt) {
	if len(attempts) == 0 {
		out.WriteString("Last delivery attempts: none in the log\n")
		return
	}
	out.WriteString("Last delivery attempts (qmail-send's log):\n")
	for _, d := range attempts {
		outcome := d.Outcome
		switch {
		case d.Lost:
			outcome = "lost (qmail-send stopped before it logged a result)"
		case outcome == "":
			outcome = "in progress"
		}
		fmt.Fprintf(out, "  %s %s %s: %s\n", d.Started, d.Channel, termsafe.ASCIIOnly(d.Recipient), outcome)
		if d.Text != "" {
			out.WriteString("    " + esc.Field(d.Text) + "\n")
		}
	}
}

// writeMIMEText lists the MIME structure, one part per line, indented by
// depth: number, type, charset, decoded size, then file name and an
// attachment mark.
func writeMIMEText(out *bufio.Writer, s *qmailqueue.MIMEStructure) {
	out.WriteString("MIME structure:\n")
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	for _, p := range s.Parts {
		number := p.Number
		if number == "" {
			number = "-"
		}
		typ := strings.Repeat("  ", p.Depth) + p.Type
		if p.Charset != "" {
			typ += "; charset=" + p.Charset
		}
		var notes []string
		if p.Filename != "" {
			notes = append(notes, strconv.Quote(p.Filename))
		}
		if p.IsAttachment() {
			notes = append(notes, "attachment")
		}
		fmt.Fprintf(tw, "  %s\t%s\t%s", number, termsafe.NoControls(typ), qmailqueue.FormatSize(p.Size))
		if len(notes) > 0 {
			fmt.Fprintf(tw, "\t%s", termsafe.NoControls(strings.Join(notes, " ")))
		}
		tw.Write([]byte("\n"))
	}
	tw.Flush()
	if s.Truncated {
		out.WriteString("  (structure cut short: " + termsafe.NoControls(s.Note) + ")\n")
	}
}

// StateText explains a state in words.
func StateText(s qmailqueue.State) string {
	switch s {
	case qmailqueue.StatePreprocessed:
		return "queued: preprocessed, being delivered"
	case qmailqueue.StateQueued:
		return "not yet preprocessed: waiting in todo/ for qmail-send"
	case qmailqueue.StateWriting:
		return "being written by qmail-queue, or left by one that died"
	case qmailqueue.StateMessOnly:
		return "message file only: qmail-queue starting, or an orphan qmail-send removes after 36 h"
	}
	return "broken: info without a message file; qmail-send defers it until it expires"
}

// Relative says "in 5m" or "5m ago".
func Relative(d time.Duration) string {
	if d < 0 {
		return qmailqueue.FormatAge(-d) + " ago"
	}
	return "in " + qmailqueue.FormatAge(d)
}

// Flags is the compact state column of listings: T not yet preprocessed,
// W being written or orphaned (S2/S3), X broken, L/R recipients pending on
// the local/remote channel, B bouncing, ! a problem with a file.
func Flags(m *qmailqueue.Message) string {
	var b strings.Builder
	switch m.State {
	case qmailqueue.StateQueued:
		b.WriteByte('T')
	case qmailqueue.StateMessOnly, qmailqueue.StateWriting:
		b.WriteByte('W')
	case qmailqueue.StateBroken:
		b.WriteByte('X')
	}
	if m.PendingOn(qmailqueue.ChannelLocal) || (m.Recipients == nil && m.LocalFile) {
		b.WriteByte('L')
	}
	if m.PendingOn(qmailqueue.ChannelRemote) || (m.Recipients == nil && m.RemoteFile) {
		b.WriteByte('R')
	}
	if m.Bouncing {
		b.WriteByte('B')
	}
	if len(m.Problems) > 0 {
		b.WriteByte('!')
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// RecipientSummary shows the first pending recipient and how many more.
func RecipientSummary(m *qmailqueue.Message) string {
	pending := m.PendingAddresses()
	switch len(pending) {
	case 0:
		return fmt.Sprintf("(none pending of %d)", len(m.Recipients))
	case 1:
		return termsafe.ASCIIOnly(pending[0])
	}
	return fmt.Sprintf("%s (+%d)", termsafe.ASCIIOnly(pending[0]), len(pending)-1)
}
