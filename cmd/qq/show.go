package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/sendlog"
	"github.com/spf13/cobra"
)

type showOptions struct {
	raw  bool
	body bool
	part string // --part N: write that MIME part, decoded
	log  string // --log: qmail-send's log, for the last delivery attempts
	ids  []string
}

func newShowCmd(a *app) *cobra.Command {
	opts := &showOptions{}
	cmd := &cobra.Command{
		Use:     "show ID… | -",
		GroupID: groupQueue,
		Short:   "show messages: envelope, state, retry and expiry, bounce report, headers",
		Long:    longHelp("show"),
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.ids = args
			return runShow(cmd.Context(), a, opts)
		},
	}
	cmd.Flags().BoolVar(&opts.raw, "raw", false, "write the message file verbatim")
	cmd.Flags().BoolVar(&opts.body, "body", false, "also print the decoded text of the body")
	cmd.Flags().StringVar(&opts.part, "part", "", "write MIME part `N` of one message, decoded")
	cmd.Flags().StringVar(&opts.log, "log", "", "qmail-send's log `DIR` or file: add the last delivery attempts")
	return cmd
}

// showJSON extends the list schema with what only show reports.
type showJSON struct {
	messageJSON
	BounceReport []bounceJSON      `json:"bounce_report"`
	AllHeaders   []headerFieldJSON `json:"all_headers"`
	MIMEParts    []mimePartJSON    `json:"mime_parts"`
	MIMECut      bool              `json:"mime_truncated,omitempty"`
	Body         *string           `json:"body,omitempty"`
	LastAttempts *[]attemptJSON    `json:"last_attempts,omitempty"`
}

// attemptJSON is the last delivery attempt to one recipient, from the log.
type attemptJSON struct {
	Channel   string `json:"channel"`
	Recipient string `json:"recipient"`
	Started   string `json:"started"`
	Outcome   string `json:"outcome"` // success, deferral, failure, or "" while running
	Text      string `json:"text"`
	Lost      bool   `json:"lost"`
}

// mimePartJSON is one MIME part in qq show's JSON.
type mimePartJSON struct {
	Number      string `json:"number"`
	Depth       int    `json:"depth"`
	Type        string `json:"type"`
	Charset     string `json:"charset,omitempty"`
	Filename    string `json:"filename,omitempty"`
	Disposition string `json:"disposition,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
	Size        int64  `json:"size"`
	Attachment  bool   `json:"attachment"`
}

type bounceJSON struct {
	Recipient string `json:"recipient"`
	Text      string `json:"text"`
}

type headerFieldJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

func runShow(ctx context.Context, a *app, opts *showOptions) error {
	format, err := a.formatFor("text", "text", formatJSON)
	if err != nil {
		return err
	}
	if opts.raw && (opts.body || a.format != "") {
		return usageErrorf("--raw writes the message as it is; it goes with neither --body nor --format")
	}
	if opts.part != "" {
		if opts.raw || opts.body || a.format != "" || len(opts.ids) != 1 {
			return usageErrorf("--part writes one part of one message; it goes with one ID and neither --raw, --body nor --format")
		}
		if !qmailqueue.ValidPartNumber(opts.part) {
			return usageErrorf("--part %q: want a part number as qq show lists them (1, 2, 2.1)", opts.part)
		}
	}
	// "-" reads IDs from standard input, one per line, as --ids-from -
	// does: qq list --format ids … | qq show -.
	ff := filterFlags{}
	args := slices.DeleteFunc(slices.Clone(opts.ids), func(s string) bool { return s == "-" })
	if len(args) < len(opts.ids) {
		ff.idsFrom = "-"
	}
	ids, err := ff.ids(args, a.stdin)
	if err != nil {
		return err
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	a.page()
	out := bufio.NewWriter(a.stdout)
	defer out.Flush()
	now := a.now()
	estimated := a.nextRetryEstimated()
	var missing int
	for i, id := range ids {
		if err := ctx.Err(); err != nil {
			return err
		}
		if opts.raw {
			if err := writeRaw(out, q, id); err != nil {
				return err
			}
			continue
		}
		if opts.part != "" {
			return a.writePart(out, q, id, opts.part)
		}
		m, err := q.Message(id, qmailqueue.FieldSize|qmailqueue.FieldEnvelope|qmailqueue.FieldRecipients|qmailqueue.FieldHeader|qmailqueue.FieldParts)
		if errors.Is(err, qmailqueue.ErrNotFound) {
			out.Flush()
			fmt.Fprintf(a.stderr, "qq: %v\n", err)
			missing++
			continue
		}
		if err != nil {
			return err
		}
		bounce, err := q.BounceReports(m)
		if err != nil {
			return err
		}
		var attempts *[]attemptJSON
		if logSource := cmp.Or(opts.log, a.getenv("QQ_LOG_DIR")); logSource != "" {
			if attempts, err = lastAttempts(ctx, a, logSource, m); err != nil {
				return err
			}
		}
		var body *string
		if opts.body {
			text, err := readBody(q, m)
			if err != nil {
				return err
			}
			body = &text
		}
		if format == formatJSON {
			v := showJSON{messageJSON: newMessageJSON(m, q, now), BounceReport: []bounceJSON{}, AllHeaders: []headerFieldJSON{}, Body: body, LastAttempts: attempts}
			v.NextRetryEstimated = estimated && v.NextRetry != nil
			for _, b := range bounce {
				v.BounceReport = append(v.BounceReport, bounceJSON{Recipient: b.Recipient, Text: b.Text})
			}
			for _, f := range m.Header.Fields() {
				v.AllHeaders = append(v.AllHeaders, headerFieldJSON{Name: f.Name, Value: f.Value})
			}
			v.MIMEParts = []mimePartJSON{}
			if m.MIME != nil {
				for _, p := range m.MIME.Parts {
					v.MIMEParts = append(v.MIMEParts, mimePartJSON{Number: p.Number, Depth: p.Depth, Type: p.Type, Charset: p.Charset,
						Filename: p.Filename, Disposition: p.Disposition, Encoding: p.Encoding, Size: p.Size, Attachment: p.IsAttachment()})
				}
				v.MIMECut = m.MIME.Truncated
			}
			if err := writeJSON(out, v); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			out.WriteString("\n")
		}
		writeShowText(a, out, a.esc(), q, m, bounce, body, attempts, now, estimated)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if missing > 0 {
		return &silentError{code: exitNoMatch}
	}
	return nil
}

// openMess opens the message file of id; a message not in the queue is
// qq show's "no such message" (exit 1). A mess file that is not a plain
// queue file (a link, FIFO, extra hard links) is refused with its reason
// (qmailqueue.OpenQueueFile), before a byte is written.
func openMess(q *qmailqueue.Queue, id uint64) (*os.File, error) {
	f, err := q.OpenMessage(id, 0)
	if errors.Is(err, os.ErrNotExist) {
		return nil, withCode(exitNoMatch, fmt.Errorf("message %d: %w", id, qmailqueue.ErrNotFound))
	}
	return f, err
}

// writeRaw copies the message file verbatim.
func writeRaw(w io.Writer, q *qmailqueue.Queue, id uint64) error {
	f, err := openMess(q, id)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(w, f)
	return err
}

// readBody returns the decoded text parts of a message's body, from at most
// MaxBodyRead bytes of its mess file; a mess file refused as not a plain
// queue file, or whose header block is over HeaderLimit, gives no body (its
// problem is shown).
func readBody(q *qmailqueue.Queue, m *qmailqueue.Message) (string, error) {
	for _, p := range m.Problems {
		if p.Refused && strings.HasPrefix(p.File, "mess/") {
			return "", nil
		}
	}
	if m.Header != nil && m.Header.Truncated {
		// The body starts past the header qq reads (HeaderLimit); the
		// problem on the message says so.
		return "", nil
	}
	f, err := q.OpenMessage(m.ID, m.MessInode)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return qmailqueue.BodyText(f, qmailqueue.MaxBodyRead-qmailqueue.HeaderLimit)
}

func writeShowText(a *app, out *bufio.Writer, esc escaper, q *qmailqueue.Queue, m *qmailqueue.Message, bounce []qmailqueue.BounceReport, body *string, attempts *[]attemptJSON, now time.Time, estimated bool) {
	tw := tabwriter.NewWriter(out, 0, 8, 2, ' ', 0)
	fmt.Fprintf(tw, "Message:\t#%d (split %d)\n", m.ID, m.Split)
	state := cell{Text: stateText(m.State)}
	if m.State == qmailqueue.StateBroken || len(m.Problems) > 0 {
		state = a.paint(state.Text, colorBad)
	}
	fmt.Fprintf(tw, "State:\t%s (%s)\n", paintText(state), m.State.Code())
	fmt.Fprintf(tw, "Queued at:\t%s (%s ago)\n", m.Birth.UTC().Format("2006-01-02 15:04:05 MST"), paintText(a.ageCell(now.Sub(m.Birth), q.Lifetime)))
	fmt.Fprintf(tw, "Size:\t%d bytes (%s)\n", m.Size, humanBytes(m.Size))
	fmt.Fprintf(tw, "Sender:\t%s\n", printable(angle(m.Sender)))
	if m.HasQP {
		fmt.Fprintf(tw, "qp / uid:\t%s / %s\n", printable(m.QP), printable(m.UID))
	}
	if next, ok := m.NextRetry(now); ok {
		fmt.Fprintf(tw, "Next retry:\t%s%s (%s)\n", estimateMark(estimated), next.UTC().Format("2006-01-02 15:04:05 MST"), relative(next.Sub(now)))
	} else if m.State == qmailqueue.StateQueued {
		fmt.Fprintf(tw, "Next retry:\tat preprocessing (qmail-send's next todo scan)\n")
	}
	exp := m.Expires(q.Lifetime)
	fmt.Fprintf(tw, "Expires:\t%s (%s; queuelifetime %ds)\n", exp.UTC().Format("2006-01-02 15:04:05 MST"), relative(exp.Sub(now)), int64(q.Lifetime/time.Second))
	bouncing := "no"
	if m.Bouncing {
		bouncing = paintText(a.paint("yes", colorWarn)) + " (a bounce is sent when the last recipient is done)"
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
		fmt.Fprintf(tw, "  %s\t%s\t%s\n", r.Channel, status, printable(r.Address))
	}
	tw.Flush()
	if attempts != nil {
		if len(*attempts) == 0 {
			out.WriteString("Last delivery attempts: none in the log\n")
		} else {
			out.WriteString("Last delivery attempts (qmail-send's log):\n")
		}
		for _, d := range *attempts {
			outcome := d.Outcome
			switch {
			case d.Lost:
				outcome = "lost (qmail-send stopped before it logged a result)"
			case outcome == "":
				outcome = "in progress"
			}
			fmt.Fprintf(out, "  %s %s %s: %s\n", d.Started, d.Channel, printable(d.Recipient), outcome)
			if d.Text != "" {
				out.WriteString("    " + esc.field(d.Text) + "\n")
			}
		}
	}
	if len(bounce) > 0 {
		out.WriteString("Bounce report (bounce/" + fmt.Sprint(m.ID) + "):\n")
		for _, b := range bounce {
			fmt.Fprintf(out, "  <%s>:\n", printable(b.Recipient))
			for _, line := range strings.Split(b.Text, "\n") {
				out.WriteString("    " + esc.field(line) + "\n")
			}
		}
	}
	if len(m.Problems) > 0 {
		out.WriteString("Problems:\n")
		for _, p := range m.Problems {
			out.WriteString("  " + esc.field(p.String()) + "\n")
		}
	}
	if m.Header != nil {
		out.WriteString("Headers:\n")
		for _, f := range m.Header.Fields() {
			out.WriteString("  " + esc.field(f.Name+": "+f.Value) + "\n")
		}
		if m.Header.Truncated {
			fmt.Fprintf(out, "  (header block longer than %d bytes; cut there)\n", qmailqueue.HeaderLimit)
		}
	}
	if m.MIME != nil && len(m.MIME.Parts) > 0 {
		writeMIMEText(out, m.MIME)
	}
	if body != nil {
		out.WriteString("Body (decoded text parts):\n")
		out.WriteString(esc.text(*body))
		if !strings.HasSuffix(*body, "\n") {
			out.WriteString("\n")
		}
	}
}

// stateText explains a state in words.
func stateText(s qmailqueue.State) string {
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

// relative says "in 5m" or "5m ago".
func relative(d time.Duration) string {
	if d < 0 {
		return humanAge(-d) + " ago"
	}
	return "in " + humanAge(d)
}

// lastAttempts finds the message's history in qmail-send's log (IDs are
// reused: the history whose info line matches the birth is taken) and
// returns the last attempt to each recipient. A message the log does not
// mention has no attempts; that is not an error.
func lastAttempts(ctx context.Context, a *app, source string, m *qmailqueue.Message) (*[]attemptJSON, error) {
	log, err := a.openLog(ctx, source)
	if err != nil {
		return nil, err
	}
	loc := a.location(false)
	last, err := sendlog.LastAttempts(ctx, log, &sendlog.Parser{Location: loc}, m.ID, m.Birth)
	if err != nil {
		return nil, err
	}
	attempts := []attemptJSON{}
	for _, d := range last {
		started, _ := d.Started.AppendLocal(nil, loc)
		attempts = append(attempts, attemptJSON{Channel: d.Channel, Recipient: d.Recipient, Started: string(started),
			Outcome: d.Outcome.String(), Text: d.Text, Lost: d.Lost})
	}
	return &attempts, nil
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
		fmt.Fprintf(tw, "  %s\t%s\t%s", number, printableText(typ), humanBytes(p.Size))
		if len(notes) > 0 {
			fmt.Fprintf(tw, "\t%s", printableText(strings.Join(notes, " ")))
		}
		tw.Write([]byte("\n"))
	}
	tw.Flush()
	if s.Truncated {
		out.WriteString("  (structure cut short: " + printableText(s.Note) + ")\n")
	}
}

// writePart writes MIME part number of message id, decoded. On a terminal
// only text is written, made safe; anything else wants a file.
func (a *app) writePart(out *bufio.Writer, q *qmailqueue.Queue, id uint64, number string) error {
	f, err := openMess(q, id)
	if err != nil {
		return err
	}
	defer f.Close()
	if !a.stdoutTTY {
		if _, err := qmailqueue.ExtractPart(f, number, out); err != nil {
			return withCode(exitNoMatch, fmt.Errorf("message %d: %w", id, err))
		}
		return nil
	}
	// On a terminal: decode into a bounded buffer first, to refuse binary
	// content before printing anything and to escape control bytes.
	var buf limitedBuffer
	buf.limit = qmailqueue.DefaultBodyLimit
	p, err := qmailqueue.ExtractPart(f, number, &buf)
	if err != nil && !errors.Is(err, errBufferFull) {
		return withCode(exitNoMatch, fmt.Errorf("message %d: %w", id, err))
	}
	if !strings.HasPrefix(p.Type, "text/") {
		return fmt.Errorf("message %d: part %s is %s, not text: redirect it to a file (qq show --part %s %d > FILE)", id, number, p.Type, number, id)
	}
	out.WriteString(a.esc().text(buf.String()))
	if errors.Is(err, errBufferFull) {
		fmt.Fprintf(out, "\n(part longer than %s: the rest is not shown on a terminal; redirect it to a file)\n", humanBytes(buf.limit))
	}
	return nil
}

// errBufferFull is returned by limitedBuffer once its limit is reached.
var errBufferFull = errors.New("buffer full")

// limitedBuffer keeps at most limit bytes and then refuses more.
type limitedBuffer struct {
	strings.Builder
	limit int64
}

func (b *limitedBuffer) Write(p []byte) (int, error) {
	room := b.limit - int64(b.Len())
	if room <= 0 {
		return 0, errBufferFull
	}
	if int64(len(p)) > room {
		b.Builder.Write(p[:room])
		return int(room), errBufferFull
	}
	return b.Builder.Write(p)
}
