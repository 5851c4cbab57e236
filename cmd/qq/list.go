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

	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
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
		Long: `List the messages in the queue: preprocessed ones (as qmail-qread) and
those not yet preprocessed (only in todo/, which qmail-qread skips).

Output streams in queue order unless --sort is given. Formats:
  table   a table (the default on a terminal)
  plain   one tab-separated line per message: ID, birth (RFC 3339), size,
          flags, <sender>, pending/total recipients, pending recipients
          (comma-separated), subject with --headers (the default when piped)
  json    JSON Lines, one object per message (schema in README.md)
  ids     one message ID per line, for qq rm --ids-from -
  qread   byte-identical to qmail-qread (preprocessed messages only)

Flags column: T not yet preprocessed, W being written or orphaned (S2/S3),
X broken (info without mess), L/R recipients pending on the local/remote
channel, B bouncing, ! a problem with one of the message's files.

` + filterHelp + `

EXAMPLES
  qq list
  qq list --sender-domain cheap-meds.example --format ids
  qq list --subject 'pupil' --older 2d --headers
  qq list --sort size --limit 10
  qq list --format qread`,
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
		stats, err = q.Scan(ctx, scan, func(m *qmailqueue.Message) error {
			all = append(all, m)
			return nil
		})
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
		emit = func(m *qmailqueue.Message) { writeJSON(out, newMessageJSON(m, q, now)) }
	case formatPlain:
		emit = func(m *qmailqueue.Message) {
			pending := pendingAddresses(m)
			fmt.Fprintf(out, "%d\t%s\t%d\t%s\t%s\t%d/%d\t%s", m.ID, rfc3339(m.Birth), m.Size, flags(m),
				printable(angle(m.Sender)), len(pending), len(m.Recipients), printable(strings.Join(pending, ",")))
			if headers && m.Header != nil {
				out.WriteString("\t" + printableText(m.Header.Subject()))
			}
			out.WriteByte('\n')
		}
	default:
		t := a.newTable(out)
		header := table.Row{"ID", "QUEUED", "AGE", "SIZE", "FLAGS", "SENDER", "RECIPIENTS"}
		if headers {
			header = append(header, "SUBJECT")
		}
		t.AppendHeader(header)
		t.SetColumnConfigs([]table.ColumnConfig{
			{Name: "SIZE", Align: text.AlignRight},
			{Name: "SENDER", WidthMax: 40, WidthMaxEnforcer: text.Trim},
			{Name: "RECIPIENTS", WidthMax: 40, WidthMaxEnforcer: text.Trim},
			{Name: "SUBJECT", WidthMax: 50, WidthMaxEnforcer: text.Trim},
		})
		rows := 0
		emit = func(m *qmailqueue.Message) {
			row := table.Row{m.ID, m.Birth.UTC().Format("2006-01-02 15:04:05"), humanAge(now.Sub(m.Birth)),
				humanBytes(m.Size), flags(m), printable(angle(m.Sender)), recipientSummary(m)}
			if headers {
				subject := ""
				if m.Header != nil {
					subject = printableText(m.Header.Subject())
				}
				row = append(row, subject)
			}
			t.AppendRow(row)
			rows++
		}
		finish = func() error {
			if rows > 0 {
				t.AppendFooter(table.Row{fmt.Sprintf("%d messages", rows)})
				t.Render()
			}
			return nil
		}
	}
	return emit, finish
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
