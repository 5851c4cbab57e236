package main

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newQuarantineCmd builds "qq quarantine" and its subcommands.
func newQuarantineCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "quarantine",
		GroupID: groupQueue,
		Short:   "list and purge the messages qq rm and qq fsck kept",
		Long:    longHelp("quarantine"),
	}
	cmd.AddCommand(newQuarantineListCmd(a), newQuarantinePurgeCmd(a))
	return cmd
}

// entryFlags select quarantine entries: ENTRY arguments, the shared
// filters (applied to the kept messages), or everything.
type entryFlags struct {
	filter     filterFlags
	quarantine string
	requeued   bool        // qq quarantine purge --requeued
	olderThan  *pflag.Flag // the deprecated name of --older
}

func (f *entryFlags) addFlags(cmd *cobra.Command) {
	fs := cmd.Flags()
	f.filter.addFlags(fs)
	// In the quarantine an entry's age is the time since qq rm removed the
	// message, for every quarantine command. --older-than, purge's first
	// name for it, stays as a hidden alias with the same meaning.
	fs.Lookup("older").Usage = "removed from the queue longer ago than `AGE` (90m, 7d, 2w)"
	fs.Lookup("newer").Usage = "removed from the queue less long ago than `AGE`"
	fs.StringVar(&f.filter.spec.Older, "older-than", "", "the same as --older")
	fs.MarkHidden("older-than")
	f.olderThan = fs.Lookup("older-than")
	addQuarantineFlag(cmd, &f.quarantine)
}

// selection returns the quarantine directory and the selection the
// arguments and the filters make (every entry with neither).
func (f *entryFlags) selection(a *app, args []string) (string, qmailqueue.EntrySelection, error) {
	dir, err := a.quarantineDir(f.quarantine)
	if err != nil {
		return "", qmailqueue.EntrySelection{}, err
	}
	refs, err := qmailqueue.ParseEntryRefs(args)
	if err != nil {
		return "", qmailqueue.EntrySelection{}, cmdutil.UsageErrorf("%v", err)
	}
	filter, err := f.filter.build(a.now(), nil, a.stdin)
	if err != nil {
		return "", qmailqueue.EntrySelection{}, err
	}
	if f.olderThan != nil && f.olderThan.Changed {
		a.warnf("--older-than is deprecated: use --older, which means the same here")
	}
	return dir, qmailqueue.EntrySelection{Refs: refs, Filter: filter, Now: a.now(), Requeued: f.requeued}, nil
}

// load reads the quarantine and returns the entries the arguments and the
// filters select, with the quarantine directory. Manifest problems are
// printed as warnings.
func (f *entryFlags) load(a *app, args []string) (string, []qmailqueue.QuarantineEntry, error) {
	dir, sel, err := f.selection(a, args)
	if err != nil {
		return "", nil, err
	}
	entries, problems, err := sel.Load(dir)
	warnProblems(a, dir, problems)
	return dir, entries, err
}

// warnProblems prints the problems of a quarantine's catalogue as warnings.
func warnProblems(a *app, dir string, problems []string) {
	for _, p := range problems {
		a.warnf("quarantine %s: %s", dir, p)
	}
}

// --- qq quarantine list -----------------------------------------------------

type quarantineListOptions struct {
	entries entryFlags
	args    []string
}

func newQuarantineListCmd(a *app) *cobra.Command {
	opts := &quarantineListOptions{}
	cmd := &cobra.Command{
		Use:         "list [ENTRY…] [filters]",
		Aliases:     []string{"ls"},
		Short:       "list the quarantined messages",
		Long:        longHelp("quarantine-list"),
		Annotations: cmdutil.Formats("", tableFormats...),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runQuarantineList(cmd.Context(), a, opts)
		},
	}
	opts.entries.addFlags(cmd)
	return cmd
}

func runQuarantineList(ctx context.Context, a *app, opts *quarantineListOptions) error {
	format := a.output
	dir, sel, err := opts.entries.selection(a, opts.args)
	if err != nil {
		return err
	}
	q, _ := a.openQueue() // only for "still in queue"; a missing queue is fine
	a.page()
	out := bufio.NewWriter(a.stdout)
	defer out.Flush()
	t := a.newTable(out, col{Name: "ENTRY"}, col{Name: "KIND", Drop: 4}, col{Name: "REMOVED", Drop: 3}, col{Name: "SIZE", Right: true},
		col{Name: "SENDER", Max: 35, Min: 16}, col{Name: "RECIPIENTS", Max: 35, Min: 16, Drop: 1},
		col{Name: "STATUS"}, col{Name: "SUBJECT", Max: 40, Min: 16, Drop: 2})
	// The entries are streamed (EntrySelection.Each): plain and JSON lines
	// hold none of them, whatever the size of the quarantine.
	var count int
	var bytes int64
	problems, err := sel.Each(dir, func(e *qmailqueue.QuarantineEntry) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		count++
		bytes += e.Size
		status := e.Status(q)
		switch format {
		case cmdutil.FormatJSON:
			return writeJSON(out, e.View(dir, status))
		case cmdutil.FormatPlain:
			_, rcpts := e.Envelope()
			_, err := fmt.Fprintf(out, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", e.Name(), rfc3339(e.RemovedAt), e.Size, printable(e.SenderText()),
				printable(strings.Join(rcpts, ",")), status, a.esc().field(e.Subject))
			return err
		}
		t.row(e.Name(), string(e.Kind), e.RemovedAt.UTC().Format("2006-01-02 15:04:05"), qmailqueue.FormatSize(e.Size),
			printable(e.SenderText()), printable(e.RecipientSummary()), a.statusCell(e, status), a.esc().field(e.Subject))
		return nil
	})
	if err == nil && format == cmdutil.FormatTable && count > 0 {
		t.setFooter(fmt.Sprintf("%d messages, %s, in %s", count, qmailqueue.FormatSize(bytes), dir))
		err = t.render()
	}
	if err == nil {
		err = out.Flush()
	}
	warnProblems(a, dir, problems)
	switch {
	case err != nil:
		return err
	case count == 0:
		return a.nothingMatched("qq quarantine: no message in %s matched", dir)
	}
	return nil
}

// statusCell colours an entry's status by what it asks of the admin:
// yellow for a copy whose message is still in the queue or a run that was
// interrupted (qq fsck --repair and purge settle them), dim for what was
// requeued already.
func (a *app) statusCell(e *qmailqueue.QuarantineEntry, status string) cell {
	switch {
	case e.RequeuedAt != nil:
		return a.paint(status, ui.Dim)
	case e.Kind == qmailqueue.KindUnlisted || status == qmailqueue.StatusInQueue:
		return a.paint(status, ui.Warn)
	}
	return cell{Text: status}
}

// --- qq quarantine purge ----------------------------------------------------

type quarantinePurgeOptions struct {
	entries  entryFlags
	all      bool
	dryRun   bool
	args     []string
	selected bool
}

func newQuarantinePurgeCmd(a *app) *cobra.Command {
	opts := &quarantinePurgeOptions{}
	cmd := &cobra.Command{
		Use:   "purge [ENTRY…] [--older AGE] [--requeued] [--all] [filters]",
		Short: "delete quarantined messages for good",
		Long:  longHelp("quarantine-purge"),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			opts.selected = cmdutil.SelectionGiven(cmd, args, "dry-run", "quarantine", "body-limit", "case")
			return runQuarantinePurge(cmd.Context(), a, opts)
		},
	}
	opts.entries.addFlags(cmd)
	cmd.Flags().BoolVar(&opts.entries.requeued, "requeued", false, "only entries already requeued")
	cmd.Flags().BoolVar(&opts.all, "all", false, "every entry")
	cmd.Flags().BoolVarP(&opts.dryRun, "dry-run", "n", false, "list what would be purged and purge nothing")
	return cmd
}

func runQuarantinePurge(ctx context.Context, a *app, opts *quarantinePurgeOptions) error {
	if !opts.selected {
		return cmdutil.UsageErrorf("qq quarantine purge needs ENTRY arguments, --older, --requeued, filters, or --all")
	}
	dir, entries, err := opts.entries.load(a, opts.args)
	if err != nil {
		return err
	}
	if len(entries) == 0 {
		return a.nothingMatched("qq quarantine purge: nothing in %s matched", dir)
	}
	if opts.dryRun {
		if !a.quiet {
			for _, e := range entries {
				fmt.Fprintf(a.stdout, "%s\t%s\n", e.Name(), rfc3339(e.RemovedAt))
			}
			fmt.Fprintf(a.stdout, "dry run: %s\n", qmailqueue.PurgeSummary(entries, dir, false))
		}
		return nil
	}
	if err := qmailqueue.PurgeEntries(dir, entries); err != nil {
		return quarantineErr(err)
	}
	fmt.Fprintf(a.stdout, "qq quarantine purge: %s\n", qmailqueue.PurgeSummary(entries, dir, true))
	return nil
}
