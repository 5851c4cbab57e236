package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

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
		Use:     "list [ID…] [filters]",
		Aliases: []string{"ls"},
		GroupID: groupQueue,
		Short:   "list the messages in the queue",
		Long:    longHelp("list"),
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

// errLimitReached stops a streaming scan once --limit messages are out.
var errLimitReached = errors.New("limit reached")

func runList(ctx context.Context, a *app, opts *listOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON, "ids", "qread")
	if err != nil {
		return err
	}
	if opts.limit < 0 {
		return usageErrorf("--limit must not be negative")
	}
	less, need, err := sortKey(opts.sort)
	if err != nil {
		return err
	}
	now := a.now()
	filter, err := opts.filter.build(now, opts.args, a.stdin)
	if err != nil {
		return err
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	scan := qmailqueue.ScanOptions{Fields: need, Filter: filter, Workers: opts.workers}
	switch format {
	case "ids":
	case "qread":
		scan.InfoOnly = true
		scan.Fields |= qmailqueue.FieldSize | qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients
	default:
		scan.Fields |= qmailqueue.FieldSize | qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients
	}
	if opts.headers {
		scan.Fields |= qmailqueue.FieldHeader
	}

	a.page()
	out := bufio.NewWriterSize(a.stdout, 64<<10)
	defer out.Flush()
	emit, finish := listWriter(a, format, out, q, now, opts.headers)

	var stats qmailqueue.ScanStats
	printed := 0
	if less == nil {
		stats, err = q.Scan(ctx, scan, func(m *qmailqueue.Message) error {
			emit(m)
			printed++
			if opts.limit > 0 && printed >= opts.limit {
				return errLimitReached
			}
			return nil
		})
	} else {
		var all []*qmailqueue.Message
		reads := a.countReads("qq list: sorting")
		stats, err = q.Scan(ctx, scan, func(m *qmailqueue.Message) error {
			all = append(all, m)
			reads.Add()
			return nil
		})
		reads.End()
		if err == nil {
			slices.SortStableFunc(all, less)
			if opts.reverse {
				slices.Reverse(all)
			}
			if opts.limit > 0 && len(all) > opts.limit {
				all = all[:opts.limit]
			}
			for _, m := range all {
				emit(m)
			}
			printed = len(all)
		}
	}
	if err != nil && !errors.Is(err, errLimitReached) {
		if format == "qread" {
			return qreadFatal(out, q, err)
		}
		return err
	}
	if err := finish(); err != nil {
		return err
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if stats.Vanished > 0 {
		a.warnf("%d messages left the queue while it was read", stats.Vanished)
	}
	if printed == 0 && !filter.IsZero() {
		return errNothingMatched
	}
	return nil
}

// sortKey returns the comparison for --sort and the fields it needs.
func sortKey(key string) (func(a, b *qmailqueue.Message) int, qmailqueue.Fields, error) {
	switch key {
	case "":
		return nil, 0, nil
	case "age":
		return func(a, b *qmailqueue.Message) int {
			return cmp.Or(a.Birth.Compare(b.Birth), cmp.Compare(a.ID, b.ID))
		}, qmailqueue.FieldBirth, nil
	case "size":
		return func(a, b *qmailqueue.Message) int {
			return cmp.Or(cmp.Compare(b.Size, a.Size), cmp.Compare(a.ID, b.ID))
		}, qmailqueue.FieldSize, nil
	case "sender":
		return func(a, b *qmailqueue.Message) int {
			return cmp.Or(strings.Compare(strings.ToLower(a.Sender), strings.ToLower(b.Sender)), cmp.Compare(a.ID, b.ID))
		}, qmailqueue.FieldEnvelope, nil
	case "id":
		return func(a, b *qmailqueue.Message) int { return cmp.Compare(a.ID, b.ID) }, 0, nil
	}
	return nil, 0, usageErrorf("--sort %q: choose age, size, sender or id", key)
}

// listWriter returns a function that outputs one message in the chosen
// format and one that ends the output (the table is rendered at the end).
func listWriter(a *app, format string, out *bufio.Writer, q *qmailqueue.Queue, now time.Time, headers bool) (emit func(*qmailqueue.Message), finish func() error) {
	finish = func() error { return nil }
	switch format {
	case "ids":
		buf := make([]byte, 0, 24)
		emit = func(m *qmailqueue.Message) {
			buf = strconv.AppendUint(buf[:0], m.ID, 10)
			buf = append(buf, '\n')
			out.Write(buf)
		}
	case "qread":
		qw := &qreadWriter{w: out}
		emit = qw.write
	case formatJSON:
		estimated := a.nextRetryEstimated()
		emit = func(m *qmailqueue.Message) {
			v := newMessageJSON(m, q, now)
			v.NextRetryEstimated = estimated && v.NextRetry != nil
			writeJSON(out, v)
		}
	case formatPlain:
		emit = func(m *qmailqueue.Message) {
			pending := pendingAddresses(m)
			fmt.Fprintf(out, "%d\t%s\t%d\t%s\t%s\t%d/%d\t%s", m.ID, rfc3339(m.Birth), m.Size, flags(m),
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
			humanBytes(m.Size), a.flagsCell(m), printable(angle(m.Sender)), recipientSummary(m)}
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
	f := flags(m)
	switch {
	case m.State == qmailqueue.StateBroken || len(m.Problems) > 0:
		return a.paint(f, colorBad)
	case m.Bouncing:
		return a.paint(f, colorWarn)
	case m.State == qmailqueue.StateQueued:
		return a.paint(f, colorDim)
	}
	return cell{Text: f}
}

// pendingAddresses lists the recipients not yet done.
func pendingAddresses(m *qmailqueue.Message) []string {
	var p []string
	for _, r := range m.Recipients {
		if !r.Done {
			p = append(p, r.Address)
		}
	}
	return p
}

// recipientSummary shows the first pending recipient and how many more.
func recipientSummary(m *qmailqueue.Message) string {
	pending := pendingAddresses(m)
	switch len(pending) {
	case 0:
		return fmt.Sprintf("(none pending of %d)", len(m.Recipients))
	case 1:
		return printable(pending[0])
	}
	return fmt.Sprintf("%s (+%d)", printable(pending[0]), len(pending)-1)
}
