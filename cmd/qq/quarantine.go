package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// newQuarantineCmd builds "qq quarantine" and its subcommands.
func newQuarantineCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "quarantine",
		GroupID: groupQueue,
		Short:   "list and purge the messages qq rm kept",
		Long: `qq rm keeps every message it removes in the quarantine (unless
--no-quarantine): one directory per run of qq rm, holding the mess files
and a manifest with each message's envelope, birth, subject and the command
line that removed it. qq quarantine list shows it, qq quarantine purge
empties it, qq requeue puts messages back into the queue.

An ENTRY is RUN/ID (as list prints it), a RUN directory name (all of its
messages), or an ID (the message of that ID in every run).`,
	}
	cmd.AddCommand(newQuarantineListCmd(a), newQuarantinePurgeCmd(a))
	return cmd
}

// entryFlags select quarantine entries: ENTRY arguments, the shared
// filters (applied to the kept messages), or everything.
type entryFlags struct {
	filter     filterFlags
	quarantine string
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
	fs.StringVar(&f.filter.older, "older-than", "", "the same as --older")
	fs.MarkHidden("older-than")
	f.olderThan = fs.Lookup("older-than")
	addQuarantineFlag(cmd, &f.quarantine)
}

// quarantineAgeHelp explains --older and --newer in the quarantine commands.
const quarantineAgeHelp = `In the quarantine, --older AGE and --newer AGE select by the time since
qq rm removed the message (REMOVED), not by its time in the queue.`

// entryRef is one ENTRY argument.
type entryRef struct {
	run string // "" for any run
	id  uint64 // 0 for every message of run
}

func parseEntryRef(arg string) (entryRef, error) {
	bad := usageErrorf("bad quarantine entry %q: want RUN/ID, RUN or ID", arg)
	run, idText, hasID := strings.Cut(arg, "/")
	if !hasID {
		if id, err := qmailqueue.ParseID(arg); err == nil {
			if id == 0 {
				return entryRef{}, bad
			}
			return entryRef{id: id}, nil
		}
	}
	if run == "" || run == "." || run == ".." || strings.ContainsRune(idText, '/') {
		return entryRef{}, bad
	}
	ref := entryRef{run: run}
	if hasID {
		id, err := qmailqueue.ParseID(idText)
		if err != nil || id == 0 {
			return entryRef{}, bad
		}
		ref.id = id
	}
	return ref, nil
}

func (r entryRef) matches(e *qmailqueue.QuarantineEntry) bool {
	return (r.run == "" || r.run == e.Run) && (r.id == 0 || r.id == e.ID)
}

// load reads the quarantine and returns the entries the arguments and the
// filters select (all of them with neither), with the quarantine directory.
// Manifest problems are printed as warnings.
func (f *entryFlags) load(a *app, args []string) (string, []qmailqueue.QuarantineEntry, error) {
	dir, err := a.quarantineDir(f.quarantine)
	if err != nil {
		return "", nil, err
	}
	var refs []entryRef
	for _, arg := range args {
		ref, err := parseEntryRef(arg)
		if err != nil {
			return "", nil, err
		}
		refs = append(refs, ref)
	}
	filter, err := f.filter.build(a.now(), nil, a.stdin)
	if err != nil {
		return "", nil, err
	}
	removed := f.removedAge(a, filter)
	all, problems, err := qmailqueue.LoadQuarantine(dir)
	if err != nil {
		return "", nil, err
	}
	for _, p := range problems {
		a.warnf("quarantine %s: %s", dir, p)
	}
	var out []qmailqueue.QuarantineEntry
	for i := range all {
		e := &all[i]
		if len(refs) > 0 && !anyRef(refs, e) {
			continue
		}
		if !removed(e) {
			continue
		}
		if !filter.IsZero() {
			ok, err := e.Matches(filter, dir)
			if err != nil {
				return "", nil, err
			}
			if !ok {
				continue
			}
		}
		out = append(out, *e)
	}
	return dir, out, nil
}

// removedAge takes --older and --newer out of filter, where they would
// select by the time a message spent in the queue, and returns the test
// they stand for in the quarantine: the time since qq rm removed it.
func (f *entryFlags) removedAge(a *app, filter *qmailqueue.Filter) func(*qmailqueue.QuarantineEntry) bool {
	if f.olderThan != nil && f.olderThan.Changed {
		a.warnf("--older-than is deprecated: use --older, which means the same here")
	}
	now, older, newer := a.now(), filter.OlderThan, filter.NewerThan
	filter.OlderThan, filter.NewerThan = 0, 0
	return func(e *qmailqueue.QuarantineEntry) bool {
		age := now.Sub(e.RemovedAt)
		return (older == 0 || age > older) && (newer == 0 || age < newer)
	}
}

func anyRef(refs []entryRef, e *qmailqueue.QuarantineEntry) bool {
	for _, r := range refs {
		if r.matches(e) {
			return true
		}
	}
	return false
}

// entryStatus says where a quarantined message is now: requeued (as which
// ID), still in the queue (a crash between the copy and the removal), or
// only here.
func entryStatus(e *qmailqueue.QuarantineEntry, q *qmailqueue.Queue) string {
	switch {
	case e.RequeuedAt != nil && e.RequeuedAs != 0:
		return "requeued as " + strconv.FormatUint(e.RequeuedAs, 10)
	case e.RequeuedAt != nil:
		return "requeued"
	case q != nil && e.InQueue(q):
		return "still in queue"
	}
	return "kept"
}

// --- qq quarantine list -----------------------------------------------------

type quarantineListOptions struct {
	entries entryFlags
	args    []string
}

func newQuarantineListCmd(a *app) *cobra.Command {
	opts := &quarantineListOptions{}
	cmd := &cobra.Command{
		Use:     "list [ENTRY…] [filters]",
		Aliases: []string{"ls"},
		Short:   "list the quarantined messages",
		Long: `List the messages in the quarantine, oldest run first: ENTRY (RUN/ID),
when it was removed, size, sender, pending recipients, subject, and its
status: kept, requeued as NEWID, or still in queue (qq stopped between
keeping the copy and removing the message; qq quarantine purge drops such
an entry without touching the queue).

Formats: table (the default on a terminal), plain (tab-separated: entry,
removed at, size, <sender>, recipients comma-separated, status, subject;
the default when piped), json (one object per line).

` + filterHelp + `

` + quarantineAgeHelp + `

EXAMPLES
  qq quarantine list
  qq quarantine list --sender-domain example.com --format json`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			return runQuarantineList(cmd.Context(), a, opts)
		},
	}
	opts.entries.addFlags(cmd)
	return cmd
}

// quarantineEntryJSON is the JSON view of a quarantine entry.
type quarantineEntryJSON struct {
	Entry      string          `json:"entry"`
	ID         uint64          `json:"id"`
	RemovedAt  string          `json:"removed_at"`
	Birth      string          `json:"birth"`
	Size       int64           `json:"size"`
	Sender     string          `json:"sender"`
	Recipients []recipientJSON `json:"recipients"`
	Subject    string          `json:"subject"`
	Reason     string          `json:"reason"`
	State      string          `json:"state"`
	Linked     bool            `json:"linked"`
	Mess       string          `json:"mess"`
	Status     string          `json:"status"`
	RequeuedAs *uint64         `json:"requeued_as"`
}

func runQuarantineList(ctx context.Context, a *app, opts *quarantineListOptions) error {
	format, err := a.formatFor("", formatTable, formatPlain, formatJSON)
	if err != nil {
		return err
	}
	dir, entries, err := opts.entries.load(a, opts.args)
	if err != nil {
		return err
	}
	q, _ := a.openQueue() // only for "still in queue"; a missing queue is fine
	a.page()
	out := bufio.NewWriter(a.stdout)
	defer out.Flush()
	t := a.newTable(out, col{Name: "ENTRY"}, col{Name: "REMOVED", Drop: 3}, col{Name: "SIZE", Right: true},
		col{Name: "SENDER", Max: 35, Min: 16}, col{Name: "RECIPIENTS", Max: 35, Min: 16, Drop: 1},
		col{Name: "STATUS"}, col{Name: "SUBJECT", Max: 40, Min: 16, Drop: 2})
	var bytes int64
	for i := range entries {
		e := &entries[i]
		if ctx.Err() != nil {
			return ctx.Err()
		}
		status := entryStatus(e, q)
		bytes += e.Size
		sender, rcpts := e.Envelope()
		switch format {
		case formatJSON:
			v := quarantineEntryJSON{Entry: e.Name(), ID: e.ID, RemovedAt: rfc3339(e.RemovedAt), Birth: rfc3339(e.Birth),
				Size: e.Size, Sender: sender, Recipients: []recipientJSON{}, Subject: e.Subject, Reason: e.Reason,
				State: e.State, Linked: e.Linked, Mess: e.MessPath(dir), Status: status}
			if e.RequeuedAt != nil {
				v.RequeuedAs = &e.RequeuedAs
			}
			for _, r := range e.Recipients {
				v.Recipients = append(v.Recipients, recipientJSON{Address: string(r.Address), Channel: r.Channel})
			}
			if err := writeJSON(out, v); err != nil {
				return err
			}
		case formatPlain:
			fmt.Fprintf(out, "%s\t%s\t%d\t%s\t%s\t%s\t%s\n", e.Name(), rfc3339(e.RemovedAt), e.Size, printable(angle(sender)),
				printable(strings.Join(rcpts, ",")), status, a.esc().field(e.Subject))
		default:
			r := "(none)"
			if len(rcpts) > 0 {
				r = printable(rcpts[0])
				if len(rcpts) > 1 {
					r += fmt.Sprintf(" (+%d)", len(rcpts)-1)
				}
			}
			t.row(e.Name(), e.RemovedAt.UTC().Format("2006-01-02 15:04:05"), humanBytes(e.Size),
				printable(angle(sender)), r, status, a.esc().field(e.Subject))
		}
	}
	if format == formatTable && len(entries) > 0 {
		t.setFooter(fmt.Sprintf("%d messages, %s, in %s", len(entries), humanBytes(bytes), dir))
		t.render()
	}
	if len(entries) == 0 {
		if !a.quiet {
			fmt.Fprintf(a.stderr, "qq quarantine: no message in %s matched\n", dir)
		}
		return errNothingMatched
	}
	return nil
}

// --- qq quarantine purge ----------------------------------------------------

type quarantinePurgeOptions struct {
	entries  entryFlags
	requeued bool
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
		Long: `Delete quarantined messages for good: their kept mess files and manifest
lines; a run left empty is removed. Select them with ENTRY arguments,
--older AGE (removed longer ago than AGE; --older-than is an old name for
it), --requeued (already put back), the filters, or --all. Several
selections combine with AND.

An entry whose message is still in the queue (qq stopped between keeping
the copy and removing the message) is purged like any other: the queue's
own file is never touched.

Meant for cron, so it does not ask; --dry-run lists what it would purge.

` + filterHelp + `

` + quarantineAgeHelp + `

EXAMPLES
  qq quarantine purge --older 7d
  qq quarantine purge 20261122T120000Z-4242
  qq quarantine purge --requeued --dry-run

EXIT STATUS
  0 purged, 1 nothing matched, 2 usage error, 111 the quarantine is in use
  by another qq run.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.args = args
			opts.selected = selectionGiven(cmd, args, "dry-run", "quarantine", "body-limit", "case")
			return runQuarantinePurge(cmd.Context(), a, opts)
		},
	}
	opts.entries.addFlags(cmd)
	cmd.Flags().BoolVar(&opts.requeued, "requeued", false, "only entries already requeued")
	cmd.Flags().BoolVar(&opts.all, "all", false, "every entry")
	cmd.Flags().BoolVarP(&opts.dryRun, "dry-run", "n", false, "list what would be purged and purge nothing")
	return cmd
}

// selectionGiven reports whether any selecting argument or flag of cmd was
// given: any of its own flags (not the global ones) but those in except.
func selectionGiven(cmd *cobra.Command, args []string, except ...string) bool {
	if len(args) > 0 {
		return true
	}
	given := false
	cmd.LocalFlags().VisitAll(func(f *pflag.Flag) {
		if f.Changed && !slices.Contains(except, f.Name) {
			given = true
		}
	})
	return given
}

func runQuarantinePurge(ctx context.Context, a *app, opts *quarantinePurgeOptions) error {
	if !opts.selected {
		return usageErrorf("qq quarantine purge needs ENTRY arguments, --older, --requeued, filters, or --all")
	}
	dir, entries, err := opts.entries.load(a, opts.args)
	if err != nil {
		return err
	}
	var purge []qmailqueue.QuarantineEntry
	var bytes int64
	for _, e := range entries {
		if opts.requeued && e.RequeuedAt == nil {
			continue
		}
		purge = append(purge, e)
		bytes += e.Size
	}
	if len(purge) == 0 {
		if !a.quiet {
			fmt.Fprintf(a.stderr, "qq quarantine purge: nothing in %s matched\n", dir)
		}
		return errNothingMatched
	}
	if opts.dryRun {
		if !a.quiet {
			for _, e := range purge {
				fmt.Fprintf(a.stdout, "%s\t%s\n", e.Name(), rfc3339(e.RemovedAt))
			}
			fmt.Fprintf(a.stdout, "dry run: would purge %d messages (%s) from %s\n", len(purge), humanBytes(bytes), dir)
		}
		return nil
	}
	z, err := qmailqueue.OpenQuarantine(dir)
	if err != nil {
		if errors.Is(err, qmailqueue.ErrQuarantineBusy) {
			return withCode(exitTempFail, err)
		}
		return err
	}
	defer z.Close()
	if err := z.Purge(purge); err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "qq quarantine purge: purged %d messages (%s) from %s\n", len(purge), humanBytes(bytes), dir)
	return nil
}
