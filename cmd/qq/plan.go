package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/svc"
	"github.com/spf13/pflag"
)

// This file is what qq rm and qq expire share: the flow of a change
// (runChange) through qmailqueue's change engine, the plan shown before
// anything changes, the confirmation (which qq requeue uses too), the
// per-message warnings and the summary line.

// allWord is the argument that selects every message for a changing
// command; filters or IDs select fewer.
const allWord = "ALL"

// planFlags are the flags of every command that changes what a filter
// selects.
type planFlags struct {
	filter filterFlags
	yes    bool
	dryRun bool
	sample int
}

func (p *planFlags) addFlags(fs *pflag.FlagSet) {
	p.filter.addFlags(fs)
	fs.BoolVarP(&p.yes, "yes", "y", false, "do it without asking (needed when there is no terminal to ask on)")
	fs.BoolVarP(&p.dryRun, "dry-run", "n", false, "show the plan and change nothing")
	fs.IntVar(&p.sample, "sample", 10, "show at most `N` IDs, senders and subjects in the plan")
}

// selection builds the filter from the flags and the arguments: message
// IDs, or the word ALL for every message. Selecting everything without
// saying ALL, or ALL with filters, is a usage error.
func (p *planFlags) selection(a *app, verb string, args []string) (*qmailqueue.Filter, error) {
	// The word ALL selects every message; the other arguments are IDs.
	ids := slices.DeleteFunc(slices.Clone(args), func(arg string) bool { return arg == allWord })
	all := len(ids) < len(args)
	filter, err := p.filter.build(a.now(), ids, a.stdin)
	if err != nil {
		return nil, err
	}
	switch {
	case all && !filter.IsZero():
		return nil, cmdutil.UsageErrorf("%s ALL selects every message; it cannot be combined with IDs or filters", verb)
	case !all && filter.IsZero():
		return nil, cmdutil.UsageErrorf("qq %s needs message IDs, filters, or the word ALL to select every message", verb)
	}
	if p.sample < 0 {
		return nil, cmdutil.UsageErrorf("--sample must not be negative")
	}
	return filter, nil
}

// writePlan prints the plan for people: what, how much, then its summary
// (qmailqueue.Plan.SummaryLines) with a sample of senders, subjects and IDs.
func writePlan(w io.Writer, p *qmailqueue.Plan, what string, sample int) {
	out := bufio.NewWriter(w)
	defer out.Flush()
	fmt.Fprintf(out, "%s: %d messages, %s\n", what, len(p.Items), qmailqueue.FormatSize(p.Bytes))
	for _, line := range p.SummaryLines(sample, printable, printableText) {
		fmt.Fprintln(out, line)
	}
}

// confirm asks the person at the terminal whether to go ahead (ui.Ask),
// unless yes (--yes) says so already; an answer other than y or yes gives
// errDeclined. It reads the answer from stdin when stdin is a terminal,
// else from /dev/tty when stderr is one (qq rm --ids-from - with a pipe on
// stdin); QQ_FORCE_TTY=1 makes stdin count as a terminal (tests). Without
// a terminal it refuses: cron jobs must say --yes.
func (a *app) confirm(yes bool, question, refusal string) error {
	if yes {
		return nil
	}
	in, closeIn := ui.TerminalInput(a.stdin, a.getenv("QQ_FORCE_TTY") == "1" || isTerminal(a.stdin), a.stderrTTY)
	if in == nil {
		return cmdutil.UsageErrorf("refusing to %s without confirmation: no terminal to ask on; add --yes to go ahead", refusal)
	}
	defer closeIn()
	ok, err := ui.Ask(interruptible(a.ctx, in), a.stderr, question)
	switch {
	case errors.Is(err, context.Canceled):
		fmt.Fprintf(a.stderr, "\nqq: interrupted; nothing changed\n")
		return interrupted(err)
	case !ok:
		return errDeclined
	}
	return nil
}

// maxWarnings bounds the per-message warnings printed; the summary counts
// the rest.
const maxWarnings = 20

// changeCommand is what tells qq rm and qq expire apart in the flow they
// share ([runChange]): flags → plan → present → confirm → apply → result.
type changeCommand struct {
	name     string // "rm": the JSON report's command and the messages' prefix
	op       qmailqueue.ChangeOp
	flags    *planFlags
	args     []string
	what     string                   // the plan's heading, e.g. "to remove (kept in DIR)"
	question string                   // the confirmation question, with %d for the count
	warn     func(p *qmailqueue.Plan) // extra warnings after the plan, or nil
	services bool                     // the change runs in the stop → change → restart cycle
	explain  func(err error) error    // gives the change's error its exit code; nil keeps it
	// setup checks the command's own flags and fills the apply options
	// before the queue is opened; nil for none.
	setup func(apply *qmailqueue.ApplyOptions) error
	// after runs once the change ran with error err: a note for the
	// summary line, and an error that ends the command once the result is
	// out; nil for none.
	after func(q *qmailqueue.Queue, res *qmailqueue.ChangeResult, err error) (note string, fail error)
}

// runChange runs a changing command: it plans the change, presents the
// plan, asks for confirmation, applies it with a progress bar and renders
// the result.
func runChange(ctx context.Context, a *app, c *changeCommand) error {
	format := a.output
	filter, err := c.flags.selection(a, c.name, c.args)
	if err != nil {
		return err
	}
	apply := qmailqueue.ApplyOptions{Now: a.now()}
	if c.setup != nil {
		if err := c.setup(&apply); err != nil {
			return err
		}
	}
	q, err := a.openQueue()
	if err != nil {
		return err
	}
	p, err := q.PlanChange(ctx, c.op, filter)
	if err != nil {
		return err
	}
	report, proceed, err := a.present(p, c, format)
	if !proceed {
		return err
	}
	// The progress bar is drawn on stderr when it is a terminal, for plain
	// output, unless --quiet; a nil bar does nothing.
	var bar *ui.ProgressBar
	apply.Started = func() {
		if a.beforeChange != nil {
			a.beforeChange()
		}
		if format == cmdutil.FormatPlain && a.stderrTTY && !a.quiet {
			bar = ui.StartProgressBar(a.stderr, c.op.Gerund(), len(p.Items))
		}
	}
	apply.Progress = func(qmailqueue.Result) { bar.Increment() }
	apply.Finished = func() { bar.Stop() } // before the services come back up
	res, err := p.Apply(ctx, q, apply)
	explain := c.explain
	if explain == nil {
		explain = func(err error) error { return err }
	}
	if !res.Started {
		return explain(err)
	}
	summary := fmt.Sprintf("qq %s: %s", c.name, res.Summary(p))
	var fail error
	if c.after != nil {
		var note string
		if note, fail = c.after(q, res, err); note != "" {
			summary += "; " + note
		}
	}
	if werr := a.changeOutput(c, p, res, report, summary, err); werr != nil {
		return werr
	}
	switch {
	case err != nil:
		return explain(err)
	case fail != nil:
		return fail
	}
	return res.Err(p)
}

// changeOutput ends a changing command: warnings about the messages left
// alone, then the JSON report on stdout (and the summary line on stderr
// unless --quiet), or the summary line on stdout. A change interrupted by
// ^C (err is context.Canceled) ends with a line saying how far it got
// instead, e.g. "qq rm: interrupted after 812 of 20000 messages; services
// restored; the rest untouched".
func (a *app) changeOutput(c *changeCommand, p *qmailqueue.Plan, res *qmailqueue.ChangeResult, report *qmailqueue.ChangeReport, summary string, err error) error {
	warnings, more := res.Warnings(p, maxWarnings)
	for _, w := range warnings {
		a.warnf("%s", w)
	}
	if more > 0 {
		a.warnf("… and %d more messages not %s (see --format json)", more, p.Op)
	}
	if errors.Is(err, context.Canceled) {
		note := ""
		switch {
		case errors.Is(err, svc.ErrRestore):
			note = "services NOT restored (see below)"
		case c.services:
			note = "services restored"
		}
		summary = fmt.Sprintf("qq %s: %s", c.name, res.Interrupted(p, note))
	}
	if report == nil {
		_, err := fmt.Fprintln(a.stdout, summary)
		return err
	}
	report.Record(res)
	if err := writeJSON(a.stdout, report); err != nil {
		return err
	}
	if !a.quiet {
		fmt.Fprintln(a.stderr, summary)
	}
	return nil
}

// nothingMatched ends a command whose selection is empty: the line
// format and args make on stderr, unless --quiet, then exit status 1
// (cmdutil.ErrNothingMatched).
func (a *app) nothingMatched(format string, args ...any) error {
	if !a.quiet {
		fmt.Fprintf(a.stderr, format+"\n", args...)
	}
	return cmdutil.ErrNothingMatched
}

// errDeclined ends a command whose confirmation was answered no: exit 1,
// nothing done.
var errDeclined = cmdutil.WithCode(cmdutil.ExitNoMatch, errors.New("not confirmed; nothing changed"))

// present shows the plan and settles whether the change goes ahead. It
// returns the JSON report to fill (nil unless --format json) and go=false
// when there is nothing more to do: a dry run (its output written). Nothing
// matched gives cmdutil.ErrNothingMatched, a declined confirmation
// errDeclined.
func (a *app) present(p *qmailqueue.Plan, c *changeCommand, format string) (report *qmailqueue.ChangeReport, proceed bool, err error) {
	nothing := "nothing " + p.Op.String()
	if len(p.Items) == 0 {
		return nil, false, a.nothingMatched("qq %s: no message matched; %s", c.name, nothing)
	}
	var human io.Writer = a.stdout
	if format == cmdutil.FormatJSON {
		human = a.stderr
	}
	if !a.quiet {
		writePlan(human, p, c.what, c.flags.sample)
		if c.warn != nil {
			c.warn(p)
		}
	}
	if format == cmdutil.FormatJSON {
		report = p.Report(c.name, c.flags.dryRun)
	}
	if c.flags.dryRun {
		if report != nil {
			return nil, false, writeJSON(a.stdout, report)
		}
		if !a.quiet {
			fmt.Fprintf(a.stdout, "dry run: %s\n", nothing)
		}
		return nil, false, nil
	}
	if err := a.confirm(c.flags.yes, fmt.Sprintf(c.question, len(p.Items)), fmt.Sprintf("%s %d messages", c.op.Verb(), len(p.Items))); err != nil {
		return nil, false, err
	}
	return report, true, nil
}
