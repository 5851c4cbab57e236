package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue/fsck"
	"github.com/spf13/cobra"
)

type fsckOptions struct {
	maint      maintenanceFlags
	repair     bool
	dryRun     bool
	create     string
	split      int
	bigTodo    bool
	resplit    int
	quarantine string
	owners     []string
	workers    int
	cmdline    string // recorded with what the repair saves
}

// Exit statuses of qq fsck besides the common ones.
const exitFindings = 1 // warnings or errors found (or left after --repair)

func newFsckCmd(a *app) *cobra.Command {
	opts := &fsckOptions{}
	cmd := &cobra.Command{
		Use:         "fsck [--repair [--dry-run]] | --create DIR | --resplit N",
		GroupID:     groupQueue,
		Short:       "check a queue and repair it (after a crash or a restore from backup)",
		Long:        longHelp("fsck"),
		Annotations: cmdutil.Formats("", tableFormats...),
		Args:        cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := opts.validate(cmd); err != nil {
				return err
			}
			opts.cmdline = cmdutil.CommandLine(cmd, args)
			switch {
			case opts.create != "":
				return runFsckCreate(a, opts)
			case opts.resplit > 0:
				return runFsckResplit(cmd.Context(), a, opts)
			}
			return runFsck(cmd.Context(), a, opts)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&opts.repair, "repair", false, "repair what can be repaired, with qmail-send stopped")
	f.BoolVarP(&opts.dryRun, "dry-run", "n", false, "with --repair or --resplit: print the plan, change nothing")
	f.StringVar(&opts.create, "create", "", "make a new empty queue at `DIR` as qmail's install does")
	f.IntVar(&opts.split, "split", 0, "with --create: the split `N` (default 23); otherwise the queue's split when its directories cannot tell")
	f.BoolVar(&opts.bigTodo, "big-todo", false, "with --create: split todo and intd too (the big-todo patch)")
	f.IntVar(&opts.resplit, "resplit", 0, "move the queue to split `N` (qmail-send stopped)")
	f.StringVar(&opts.quarantine, "quarantine", "", "save removed and rewritten files under `DIR` (default qq-quarantine next to the queue)")
	f.StringArrayVar(&opts.owners, "owner", nil, "an owner id as `ROLE=ID`, ROLE being qmailq, qmails, qmailr (uids) or qmail (gid); repeatable")
	f.IntVar(&opts.workers, "workers", 0, "check `N` split subdirectories at once (default: the number of CPUs)")
	opts.maint.addFlags(f)
	return cmd
}

// validate rejects flag combinations that make no sense.
func (o *fsckOptions) validate(cmd *cobra.Command) error {
	modes := 0
	for _, set := range []bool{o.repair, o.create != "", cmd.Flags().Changed("resplit")} {
		if set {
			modes++
		}
	}
	switch {
	case modes > 1:
		return cmdutil.UsageErrorf("--repair, --create and --resplit exclude each other")
	case cmd.Flags().Changed("resplit") && o.resplit < 1:
		return cmdutil.UsageErrorf("--resplit must be a positive number, not %d", o.resplit)
	case o.split < 0:
		return cmdutil.UsageErrorf("--split must be a positive number, not %d", o.split)
	case o.dryRun && !o.repair && !cmd.Flags().Changed("resplit"):
		return cmdutil.UsageErrorf("--dry-run goes with --repair or --resplit")
	case o.bigTodo && o.create == "":
		return cmdutil.UsageErrorf("--big-todo goes with --create")
	case o.workers < 0:
		return cmdutil.UsageErrorf("--workers must not be negative")
	}
	return nil
}

// checkOptions builds the library options from the flags, with the owners
// to check against (fsck.OwnerReference: --owner, then $QQ_OWNERS, then
// this machine's users).
func (o *fsckOptions) checkOptions(a *app) (fsck.Options, error) {
	owners, err := fsck.OwnerReference(o.owners, a.getenv("QQ_OWNERS"))
	if err != nil {
		return fsck.Options{}, cmdutil.UsageErrorf("%v", err)
	}
	qdir, err := a.quarantineDir(o.quarantine)
	if err != nil {
		return fsck.Options{}, err
	}
	return fsck.Options{Split: o.split, Owners: &owners, Now: a.now(), Workers: o.workers, QuarantineDir: qdir}, nil
}

// queueErr adds a hint to errors about the queue directory itself.
func queueErr(err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w (use --qmail-dir or --queue to point at the queue)", err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w (qq fsck reads every queue file: run it as root)", err)
	}
	return err
}

func runFsck(ctx context.Context, a *app, opts *fsckOptions) error {
	format := a.output
	copts, err := opts.checkOptions(a)
	if err != nil {
		return err
	}
	if !opts.repair {
		a.page()
	}
	out := bufio.NewWriterSize(a.stdout, 64<<10)
	defer out.Flush()
	w := newFindingWriter(a, format, out)

	if !opts.repair {
		r, err := fsck.CheckLive(ctx, a.queueDir, copts, func(f *fsck.Finding) error {
			w.finding(f)
			return nil
		})
		if err != nil {
			return queueErr(err)
		}
		w.flush()
		return w.summary(r, nil)
	}
	if opts.dryRun {
		r, findings, plan, err := fsck.PlanLive(ctx, a.queueDir, copts)
		if err != nil {
			return queueErr(err)
		}
		for _, f := range findings {
			w.finding(f)
		}
		w.flush()
		w.plan(plan)
		return w.summary(r, plan)
	}

	m, err := opts.maint.build(a)
	if err != nil {
		return err
	}
	created, err := fsck.PrepareSendMutex(a.queueDir, len(m.Services) > 0, copts.Owners)
	switch {
	case err != nil:
		return err
	case created:
		a.warnf("created the missing %s as qmail's install does (qmails:qmail 0600)", m.SendMutex)
	}
	if !opts.maint.noSvc && len(opts.maint.services) < 2 {
		a.warnf("injectors such as qmail-smtpd can still write to todo/ and intd/ while qmail-send is stopped (fsck leaves such young messages alone); --service /service/qmail-smtpd stops them too")
	}
	res, err := fsck.Repair(ctx, a.queueDir, copts, m.Run, fsck.ExecOptions{
		QuarantineDir: copts.QuarantineDir, Reason: opts.cmdline, Now: a.now(), Log: w.step})
	if err != nil {
		if res.CheckErr != nil {
			err = queueErr(err)
		}
		return opts.maint.explain(quarantineErr(err))
	}
	for _, f := range res.Remaining {
		w.finding(f)
	}
	w.flush()
	if res.Steps.Quarantine != "" && !a.quiet {
		fmt.Fprintf(a.stderr, "qq: fsck: saved files are in %s\n", res.Steps.Quarantine)
	}
	if res.ExecErr != nil {
		if err := w.summary(res.After, nil); err != nil && !errors.Is(err, errFindings) {
			return err
		}
		return fmt.Errorf("fsck --repair: %d steps failed: %w", res.Steps.Failed, res.ExecErr)
	}
	return w.summary(res.After, nil)
}

// errFindings ends qq fsck with exit status 1: something to look at.
var errFindings = &cmdutil.SilentError{Code: exitFindings}

func runFsckCreate(a *app, opts *fsckOptions) error {
	owners, err := fsck.OwnerReference(opts.owners, a.getenv("QQ_OWNERS"))
	if err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	out := bufio.NewWriter(a.stdout)
	defer out.Flush()
	create := fsck.CreateOptions{Split: opts.split, BigTodo: opts.bigTodo, Owners: owners,
		Log: func(s fsck.Step) { fmt.Fprintln(out, s) }}
	for _, w := range create.Settle(os.Geteuid()) {
		a.warnf("%s", w)
	}
	if err := fsck.Create(opts.create, create); err != nil {
		return err
	}
	return out.Flush()
}

func runFsckResplit(ctx context.Context, a *app, opts *fsckOptions) error {
	out := bufio.NewWriter(a.stdout)
	defer out.Flush()
	if opts.dryRun {
		plan, err := fsck.PlanResplit(a.queueDir, opts.resplit)
		if err != nil {
			return queueErr(err)
		}
		newFindingWriter(a, cmdutil.FormatPlain, out).plan(plan)
		return out.Flush()
	}
	if w := fsck.SplitWarning(opts.resplit); w != "" {
		a.warnf("%s", w)
	}
	m, err := opts.maint.build(a)
	if err != nil {
		return err
	}
	res, err := fsck.Resplit(ctx, a.queueDir, opts.resplit, m.Run, fsck.ExecOptions{Now: a.now(),
		Log: func(s fsck.Step) { fmt.Fprintln(out, s) }})
	if err != nil {
		if res.CheckErr != nil {
			err = queueErr(err)
		}
		return opts.maint.explain(err)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if res.ExecErr != nil {
		return fmt.Errorf("fsck --resplit: %d steps failed: %w", res.Steps.Failed, res.ExecErr)
	}
	if !a.quiet {
		fmt.Fprintf(a.stderr, "qq: fsck: moved the queue to split %d (%d steps); rebuild qmail with conf-split %d before starting it\n", opts.resplit, res.Steps.Done, opts.resplit)
	}
	return nil
}

// findingWriter prints findings, steps and the summary in one format.
type findingWriter struct {
	a      *app
	format string
	out    *bufio.Writer
	t      *tableView
	rows   int
}

func newFindingWriter(a *app, format string, out *bufio.Writer) *findingWriter {
	w := &findingWriter{a: a, format: format, out: out}
	if format == cmdutil.FormatTable {
		w.t = a.newTable(out, col{Name: "SEVERITY"}, col{Name: "CODE", Min: 10, Wrap: true}, col{Name: "ID"},
			col{Name: "FILES", Max: 30, Min: 10, Wrap: true}, col{Name: "PROBLEM", Max: 40, Min: 16, Wrap: true},
			col{Name: "QMAIL-SEND", Max: 40, Min: 12, Wrap: true, Drop: 1}, col{Name: "REPAIR", Max: 40, Min: 16, Wrap: true})
	}
	return w
}

func (w *findingWriter) finding(f *fsck.Finding) {
	id := "-"
	if f.HasID {
		id = strconv.FormatUint(f.ID, 10)
	}
	problem := f.Problem
	if f.Transient {
		problem += " (may be transient)"
	}
	switch w.format {
	case cmdutil.FormatJSON:
		writeJSON(w.out, f.View())
	case cmdutil.FormatPlain:
		transient := ""
		if f.Transient {
			transient = "transient"
		}
		fmt.Fprintf(w.out, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", f.Severity, f.Code, id, printable(strings.Join(f.Files, ",")),
			printable(f.Problem), f.Qmail, printable(f.Repair), transient)
	default:
		w.t.row(w.a.severityCell(f.Severity.String()), string(f.Code), id, printable(strings.Join(f.Files, " ")), printable(problem), f.Qmail, printable(f.Repair))
		w.rows++
	}
}

// flush renders the table, if any rows.
func (w *findingWriter) flush() {
	if w.t != nil && w.rows > 0 {
		w.t.render()
		w.rows = 0
		w.t.Reset()
	}
}

// plan prints a repair plan (--dry-run).
func (w *findingWriter) plan(p *fsck.Plan) {
	for _, u := range p.Units {
		if w.format == cmdutil.FormatJSON {
			for _, v := range u.Views() {
				writeJSON(w.out, v)
			}
			continue
		}
		for _, line := range u.Lines() {
			fmt.Fprintln(w.out, printable(line))
		}
	}
}

// step prints one step of a running repair as it is done.
func (w *findingWriter) step(s fsck.Step) {
	if w.format == cmdutil.FormatJSON {
		writeJSON(w.out, s.View())
	} else {
		fmt.Fprintln(w.out, printable(s.String()))
	}
	w.out.Flush()
}

// summary prints the summary (stderr, or a JSON line) and returns the exit
// status error: nil when clean, errFindings otherwise.
func (w *findingWriter) summary(r *fsck.Report, p *fsck.Plan) error {
	if w.format == cmdutil.FormatJSON {
		writeJSON(w.out, r.View())
	}
	if err := w.out.Flush(); err != nil {
		return err
	}
	if !w.a.quiet {
		for _, line := range r.Summary(p) {
			fmt.Fprintf(w.a.stderr, "qq: fsck: %s\n", line)
		}
	}
	if !r.Clean() {
		return errFindings
	}
	return nil
}
