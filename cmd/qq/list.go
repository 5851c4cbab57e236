package main

import (
	"bufio"
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/qqmail/qq/msgview"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

type listOptions struct {
	filter  filterFlags
	headers bool
	sort    string
	reverse bool
	limit   int
	workers int
	args    []string
}

func newListCmd(a *app) *cobra.Command {
	opts := &listOptions{}
	cmd := &cobra.Command{
		Use:         "list [ID…] [filters]",
		Aliases:     []string{"ls"},
		GroupID:     groupQueue,
		Short:       "list the messages in the queue",
		Long:        longHelp("list"),
		Annotations: cmdutil.Formats("", cmdutil.FormatTable, cmdutil.FormatPlain, cmdutil.FormatJSON, "ids", "qread"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runList(cmd.Context(), a, opts)
		},
	}
	opts.filter.addFlags(cmd.Flags())
	cmd.Flags().BoolVar(&opts.headers, "headers", false, "read each message's headers and show the subject")
	cmd.Flags().StringVar(&opts.sort, "sort", "", "sort by `KEY`: age (oldest first), size (largest first), sender, id")
	cmd.Flags().BoolVar(&opts.reverse, "reverse", false, "reverse the --sort order")
	cmd.Flags().IntVar(&opts.limit, "limit", 0, "print at most `N` messages")
	cmd.Flags().IntVar(&opts.workers, "workers", 0, "read files with `N` goroutines (default: the number of CPUs)")
	return cmd
}

func runList(ctx context.Context, a *app, opts *listOptions) error {
	format := a.output
	if opts.limit < 0 {
		return cmdutil.UsageErrorf("--limit must not be negative")
	}
	less, need, err := qmailqueue.MessageOrder(opts.sort)
	if err != nil {
		return cmdutil.UsageErrorf("--sort %v", err)
	}
	now := a.now()
	q, filter, err := a.openFiltered(&opts.filter, now, opts.args)
	if err != nil {
		return err
	}
	scan := qmailqueue.ScanOptions{Fields: need, Filter: filter, Workers: opts.workers}
	if format != "ids" {
		scan.Fields |= qmailqueue.FieldSize | qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients
	}
	scan.InfoOnly = format == "qread" // the messages qmail-qread lists: those with an info file
	if opts.headers {
		scan.Fields |= qmailqueue.FieldHeader
	}

	a.page()
	out := bufio.NewWriterSize(a.stdout, 64<<10)
	defer out.Flush()
	emit, finish := listWriter(a, format, out, q, now, opts.headers)

	lo := qmailqueue.ListOptions{Order: less, Reverse: opts.reverse, Limit: opts.limit}
	if less != nil {
		lo.Progress = a.countReads("qq list: sorting")
	}
	stats, printed, err := q.List(ctx, scan, lo, emit)
	if err != nil {
		if format == "qread" {
			// qmail-qread's last words on a directory it cannot read, and its exit code.
			qmailqueue.NewQreadWriter(out).Fatal(q.Dir, err)
			return cmdutil.WithCode(cmdutil.ExitTempFail, err)
		}
		return err
	}
	return a.endRead(out, finish(), stats.Vanished, printed == 0 && !filter.IsZero())
}

// listWriter returns a function that outputs one message in the chosen
// format and one that ends the output (the table is rendered at the end).
func listWriter(a *app, format string, out *bufio.Writer, q *qmailqueue.Queue, now time.Time, headers bool) (emit func(*qmailqueue.Message), finish func() error) {
	finish = func() error { return nil }
	switch format {
	case "ids":
		emit = func(m *qmailqueue.Message) { writeID(out, m.ID) }
	case "qread":
		qw := qmailqueue.NewQreadWriter(out)
		emit = func(m *qmailqueue.Message) { qw.Write(m) }
	case cmdutil.FormatJSON:
		estimated := a.nextRetryEstimated()
		emit = func(m *qmailqueue.Message) { writeJSON(out, msgview.NewMessageJSON(m, q.Lifetime, now, estimated)) }
	case cmdutil.FormatPlain:
		emit = func(m *qmailqueue.Message) {
			pending := m.PendingAddresses()
			fmt.Fprintf(out, "%d\t%s\t%d\t%s\t%s\t%d/%d\t%s", m.ID, rfc3339(m.Birth), m.Size, msgview.Flags(m),
				printable(angle(m.Sender)), len(pending), len(m.Recipients), printable(strings.Join(pending, ",")))
			if headers && m.Header != nil {
				out.WriteString("\t" + a.esc().field(m.Header.Subject()))
			}
			out.WriteByte('\n')
		}
	default:
		emit, finish = listTable(a, out, q, now, headers)
	}
	return emit, finish
}

// writeID writes one message ID on a line of its own (--format ids),
// without allocating.
func writeID(out *bufio.Writer, id uint64) {
	out.Write(strconv.AppendUint(out.AvailableBuffer(), id, 10))
	out.WriteByte('\n')
}

// listColumns are the columns of qq list's table. On a narrow terminal
// QUEUED goes first (AGE says the same), then SUBJECT; SENDER, RECIPIENTS
// and SUBJECT are cut to share what is left.
var listColumns = []col{
	{Name: "ID", Right: true, Width: 10},
	{Name: "QUEUED", Width: 19, Drop: 3},
	{Name: "AGE", Right: true, Width: 6},
	{Name: "SIZE", Right: true, Width: 10},
	{Name: "FLAGS", Width: 5},
	{Name: "SENDER", Width: 40, Min: 14},
	{Name: "RECIPIENTS", Width: 40, Min: 14, Drop: 1},
	{Name: "SUBJECT", Width: 60, Min: 16, Drop: 2},
}

// listTable streams messages as a table: each row is written as it is
// scanned, so the first screen shows at once even on a large queue.
func listTable(a *app, out *bufio.Writer, q *qmailqueue.Queue, now time.Time, headers bool) (emit func(*qmailqueue.Message), finish func() error) {
	cols := listColumns
	if !headers {
		cols = cols[:len(cols)-1]
	}
	t := a.newStreamTable(out, cols...)
	emit = func(m *qmailqueue.Message) {
		row := []any{m.ID, m.Birth.UTC().Format("2006-01-02 15:04:05"), a.ageCell(now.Sub(m.Birth), q.Lifetime),
			qmailqueue.FormatSize(m.Size), a.flagsCell(m), printable(angle(m.Sender)), msgview.RecipientSummary(m)}
		if headers {
			subject := ""
			if m.Header != nil {
				subject = a.esc().field(m.Header.Subject())
			}
			row = append(row, subject)
		}
		t.row(row...)
	}
	finish = func() error {
		t.close(fmt.Sprintf("%d messages", t.Rows()))
		return nil
	}
	return emit, finish
}

// flagsCell is the FLAGS column in colour: broken or with a problem in
// red, bouncing in yellow, not yet preprocessed dimmed.
func (a *app) flagsCell(m *qmailqueue.Message) cell {
	f := msgview.Flags(m)
	switch {
	case m.State == qmailqueue.StateBroken || len(m.Problems) > 0:
		return a.paint(f, ui.Bad)
	case m.Bouncing:
		return a.paint(f, ui.Warn)
	case m.State == qmailqueue.StateQueued:
		return a.paint(f, ui.Dim)
	}
	return cell{Text: f}
}
