package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/qqmail/qq/msgview"
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
		Use:         "show ID… | -",
		GroupID:     groupQueue,
		Short:       "show messages: envelope, state, retry and expiry, bounce report, headers",
		Long:        longHelp("show"),
		Annotations: cmdutil.Formats("text", "text", cmdutil.FormatJSON),
		Args:        cobra.MinimumNArgs(1),
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

func runShow(ctx context.Context, a *app, opts *showOptions) error {
	format := a.output
	if opts.raw && (opts.body || a.format != "") {
		return cmdutil.UsageErrorf("--raw writes the message as it is; it goes with neither --body nor --format")
	}
	if opts.part != "" {
		if opts.raw || opts.body || a.format != "" || len(opts.ids) != 1 {
			return cmdutil.UsageErrorf("--part writes one part of one message; it goes with one ID and neither --raw, --body nor --format")
		}
		if !qmailqueue.ValidPartNumber(opts.part) {
			return cmdutil.UsageErrorf("--part %q: want a part number as qq show lists them (1, 2, 2.1)", opts.part)
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
			if err := q.CopyMessage(out, id); err != nil {
				return noMatchCode(err)
			}
			continue
		}
		if opts.part != "" {
			return a.writePart(out, q, id, opts.part)
		}
		d, err := msgview.Load(q, id, opts.body)
		if errors.Is(err, qmailqueue.ErrNotFound) {
			out.Flush()
			fmt.Fprintf(a.stderr, "qq: %v\n", err)
			missing++
			continue
		}
		if err != nil {
			return err
		}
		if logSource := cmp.Or(opts.log, a.getenv("QQ_LOG_DIR")); logSource != "" {
			attempts, err := lastAttempts(ctx, a, logSource, d.Msg)
			if err != nil {
				return err
			}
			d.Attempts = &attempts
		}
		if format == cmdutil.FormatJSON {
			if err := writeJSON(out, msgview.NewShowJSON(d, now, estimated)); err != nil {
				return err
			}
			continue
		}
		if i > 0 {
			out.WriteString("\n")
		}
		style := msgview.Style{Bad: func(s string) string { return a.paint(s, ui.Bad).Painted() },
			Warn: func(s string) string { return a.paint(s, ui.Warn).Painted() },
			Age:  func(age, lifetime time.Duration) string { return a.ageCell(age, lifetime).Painted() }}
		if err := msgview.WriteText(out, d, msgview.TextOptions{Now: now, Estimated: estimated, Terminal: a.stdoutTTY, Style: style}); err != nil {
			return err
		}
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if missing > 0 {
		return &cmdutil.SilentError{Code: cmdutil.ExitNoMatch}
	}
	return nil
}

// noMatchCode gives a message not in the queue, or a part it has not,
// qq show's "no such message" exit status (1).
func noMatchCode(err error) error {
	var pe *qmailqueue.PartError
	if errors.Is(err, qmailqueue.ErrNotFound) || errors.As(err, &pe) {
		return cmdutil.WithCode(cmdutil.ExitNoMatch, err)
	}
	return err
}

// lastAttempts returns the last attempt to each recipient of m from
// qmail-send's log at source (sendlog.MessageAttempts), for qq show and
// qq browse.
func lastAttempts(ctx context.Context, a *app, source string, m *qmailqueue.Message) ([]sendlog.Attempt, error) {
	log, err := a.openLog(ctx, source)
	if err != nil {
		return nil, err
	}
	return sendlog.MessageAttempts(ctx, log, &sendlog.Parser{Location: a.location(false)}, m.ID, m.Birth)
}

// writePart writes MIME part number of message id, decoded. On a terminal
// only text is written, made safe; anything else wants a file.
func (a *app) writePart(out *bufio.Writer, q *qmailqueue.Queue, id uint64, number string) error {
	if !a.stdoutTTY {
		return noMatchCode(q.WritePart(out, id, number))
	}
	// On a terminal: decode into a bounded buffer first, to refuse binary
	// content before printing anything and to escape control bytes.
	p, text, cut, err := q.PartText(id, number, qmailqueue.DefaultBodyLimit)
	if err != nil {
		return noMatchCode(err)
	}
	if !strings.HasPrefix(p.Type, "text/") {
		return fmt.Errorf("message %d: part %s is %s, not text: redirect it to a file (qq show --part %s %d > FILE)", id, number, p.Type, number, id)
	}
	out.WriteString(a.esc().text(text))
	if cut {
		fmt.Fprintf(out, "\n(part longer than %s: the rest is not shown on a terminal; redirect it to a file)\n", qmailqueue.FormatSize(qmailqueue.DefaultBodyLimit))
	}
	return nil
}
