package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/shell"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

type topOptions struct {
	filter  filterFlags
	top     report.TopArgs
	workers int
	args    []string
	// rmArgs are the global and filter flags of this command line, given
	// again to every qq rm command printed (--format rm).
	rmArgs []string
	watch  watchFlags
}

func newTopCmd(a *app) *cobra.Command {
	opts := &topOptions{}
	cmd := &cobra.Command{
		Use:         "top [ID…] [--by KEY] [filters]",
		GroupID:     groupQueue,
		Short:       "find who fills the queue: messages grouped by sender, recipient, subject, host or size",
		Long:        longHelp("top"),
		Annotations: cmdutil.Formats("", cmdutil.FormatTable, cmdutil.FormatPlain, cmdutil.FormatJSON, "ids", "rm"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			opts.top.GroupSet = cmd.Flags().Changed("group")
			opts.rmArgs = commandLineFilterArgs(cmd, args)
			if opts.watch.on {
				return opts.watch.run(cmd.Context(), a, "qq top --by "+opts.top.By, func(a *app) error { return runTop(cmd.Context(), a, opts) })
			}
			return runTop(cmd.Context(), a, opts)
		},
	}
	opts.filter.addFlags(cmd.Flags())
	f := cmd.Flags()
	f.StringVar(&opts.top.By, "by", "sender", "group by `KEY`: sender, sender-domain, rcpt, rcpt-domain, subject, ip, helo, size, attachment")
	f.IntVar(&opts.top.Hop, "hop", 1, "with --by ip or helo, use the `N`th Received hop (1 = the nearest)")
	f.StringVar(&opts.top.Sort, "sort", "count", "sort groups by `ORDER`: count, bytes, name, age (oldest first)")
	f.IntVar(&opts.top.Limit, "limit", 0, "show at most `N` groups (0: all)")
	f.StringVar(&opts.top.Group, "group", "", "show only the group `NAME` (as printed; <> for the null sender, \"\" for none)")
	opts.watch.addFlags(f)
	f.IntVar(&opts.workers, "workers", 0, "read files with `N` goroutines (default: the number of CPUs)")
	return cmd
}

func runTop(ctx context.Context, a *app, opts *topOptions) error {
	format := a.output
	top, err := opts.top.Parse()
	if err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	if format == "ids" && !top.GroupSet {
		return cmdutil.UsageErrorf("--format ids lists the messages of one group: add --group NAME")
	}
	now := a.now()
	q, filter, err := a.openFiltered(&opts.filter, now, opts.args)
	if err != nil {
		return err
	}
	a.page()
	out := bufio.NewWriterSize(a.stdout, 64<<10)
	defer out.Flush()

	if format == "ids" {
		return topIDs(ctx, a, q, out, filter, top, opts.workers)
	}
	g := report.NewGrouper(top.Key, top.Hop)
	stats, err := report.Collect(ctx, q, g, filter, opts.workers)
	if err != nil {
		return err
	}
	groups := top.Groups(g)
	total := g.Total()
	opts.watch.messages = total.Messages
	tv := topView{a: a, key: top.Key, hop: top.Hop, now: now, lifetime: q.Lifetime, rmArgs: opts.rmArgs, filter: filter}
	switch format {
	case cmdutil.FormatJSON:
		err = writeJSON(out, report.NewTopJSON(top.Key, top.Hop, groups, total, g.Len(), now, tv.rmFilter))
	case cmdutil.FormatPlain:
		for _, grp := range groups {
			fmt.Fprintf(out, "%d\t%d\t%d\t%s\t%s\t%s\n", grp.Messages, grp.Recipients, grp.Bytes,
				timeOrDash(grp.Oldest), timeOrDash(grp.Newest), tv.name(grp.Name))
		}
	case "rm":
		for _, grp := range groups {
			tv.writeRm(out, grp)
		}
	default:
		if len(groups) > 0 {
			tv.table(out, groups, total, g.Len())
		}
	}
	return a.endRead(out, err, stats.Vanished, len(groups) == 0 && (!filter.IsZero() || top.GroupSet))
}

// topIDs streams the IDs of the messages of one group: no grouping is
// kept, so memory does not grow with the queue.
func topIDs(ctx context.Context, a *app, q *qmailqueue.Queue, out *bufio.Writer, filter *qmailqueue.Filter, top report.Top, workers int) error {
	printed := 0
	stats, err := report.EachInGroup(ctx, q, top.Key, top.Hop, top.Group, filter, workers, func(m *qmailqueue.Message) error {
		writeID(out, m.ID)
		printed++
		return nil
	})
	return a.endRead(out, err, stats.Vanished, printed == 0)
}

// topView renders groups for one grouping.
type topView struct {
	a        *app
	key      report.Key
	hop      int
	now      time.Time
	lifetime time.Duration // the queue lifetime, which colours the oldest ages
	rmArgs   []string
	filter   *qmailqueue.Filter
}

// name shows a group name for people (Key.DisplayName), made safe.
func (tv topView) name(n string) string {
	if tv.key == report.KeySubject {
		return tv.a.esc().field(tv.key.DisplayName(n, tv.hop))
	}
	return printable(tv.key.DisplayName(n, tv.hop))
}

// title is the heading of the name column.
func (tv topView) title() string {
	if tv.key == report.KeySize {
		return "SIZE RANGE"
	}
	return strings.ToUpper(tv.key.String())
}

func (tv topView) table(out io.Writer, groups []report.Group, total report.Group, count int) {
	t := tv.a.newTable(out, col{Name: tv.title(), Max: 60, Min: 16}, col{Name: "MESSAGES", Right: true},
		col{Name: "RCPTS", Right: true, Drop: 2}, col{Name: "SIZE", Right: true},
		col{Name: "OLDEST", Right: true}, col{Name: "NEWEST", Right: true, Drop: 1})
	for _, g := range groups {
		t.row(tv.name(g.Name), g.Messages, g.Recipients, qmailqueue.FormatSize(g.Bytes), tv.oldest(g.Oldest), tv.age(g.Newest))
	}
	label := fmt.Sprintf("TOTAL (%d groups)", count)
	if len(groups) < count {
		label = fmt.Sprintf("TOTAL (%d of %d groups shown)", len(groups), count)
	}
	t.setFooter(label, total.Messages, total.Recipients, qmailqueue.FormatSize(total.Bytes), tv.oldest(total.Oldest), tv.age(total.Newest))
	t.render()
}

func (tv topView) age(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return qmailqueue.FormatAge(tv.now.Sub(t))
}

// oldest is the age of a group's oldest message, coloured as qq list
// colours ages: yellow past three quarters of the queue lifetime, red in
// its last hour (the group is about to bounce).
func (tv topView) oldest(t time.Time) cell {
	if t.IsZero() {
		return cell{Text: "-", Right: true}
	}
	return tv.a.ageCell(tv.now.Sub(t), tv.lifetime)
}

func timeOrDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return rfc3339(t)
}

// rmFilter returns the qq rm arguments that select exactly the messages of
// group g (Key.SelectArgs), this command's own filters included.
func (tv topView) rmFilter(g report.Group) ([]string, bool) {
	return tv.key.SelectArgs(g.Name, tv.hop, tv.filter, tv.rmArgs)
}

// writeRm prints the qq rm command that selects group g, or a comment with
// the --format ids pipeline when no filter does.
func (tv topView) writeRm(out *bufio.Writer, g report.Group) {
	if args, ok := tv.rmFilter(g); ok {
		fmt.Fprintf(out, "qq rm %s  # %s\n", shell.Join(args), g.Summary())
		return
	}
	fmt.Fprintf(out, "# %s: %s; no filter selects exactly this group:\n#   qq top %s | qq rm --ids-from -\n",
		tv.name(g.Name), g.Summary(), shell.Join(tv.key.ListArgs(g.Name, tv.hop, tv.rmArgs)))
}

// commandLineFilterArgs returns the global queue-location flags and the
// filter flags and ID arguments of this command line, as arguments to give
// another qq command (qq rm) so that it selects the same messages.
func commandLineFilterArgs(cmd *cobra.Command, args []string) []string {
	var probe filterFlags
	fs := pflag.NewFlagSet("probe", pflag.ContinueOnError)
	probe.addFlags(fs)
	return cmdutil.FilterArgs(cmd, args, locationFlags, fs)
}
