package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/progress"
	"github.com/qqmail/qq/cmd/internal/shell"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/svc"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"golang.org/x/term"
)

// This file is what qq rm and qq expire share: the plan (what a filter
// selects, shown before anything changes), the confirmation, the progress
// bar, the per-message warnings and the JSON report.

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
	all := false
	var ids []string
	for _, arg := range args {
		if arg == allWord {
			all = true
			continue
		}
		ids = append(ids, arg)
	}
	filter, err := p.filter.build(a.now(), ids, a.stdin)
	if err != nil {
		return nil, err
	}
	switch {
	case all && !filter.IsZero():
		return nil, usageErrorf("%s ALL selects every message; it cannot be combined with IDs or filters", verb)
	case !all && filter.IsZero():
		return nil, usageErrorf("qq %s needs message IDs, filters, or the word ALL to select every message", verb)
	}
	if p.sample < 0 {
		return nil, usageErrorf("--sample must not be negative")
	}
	return filter, nil
}

// writePlan prints the plan for people: what, how much, in which states, a
// sample of senders, subjects and IDs.
func writePlan(w io.Writer, p *qmailqueue.Plan, what string, sample int) {
	out := bufio.NewWriter(w)
	defer out.Flush()
	fmt.Fprintf(out, "%s: %d messages, %s\n", what, len(p.Items), humanBytes(p.Bytes))
	var states []string
	for _, s := range []qmailqueue.State{qmailqueue.StatePreprocessed, qmailqueue.StateQueued, qmailqueue.StateWriting, qmailqueue.StateMessOnly, qmailqueue.StateBroken} {
		if n := p.States[s]; n > 0 {
			states = append(states, fmt.Sprintf("%d %s (%s)", n, s, s.Code()))
		}
	}
	fmt.Fprintf(out, "  states:    %s\n", strings.Join(states, ", "))
	if p.Bouncing > 0 {
		fmt.Fprintf(out, "  bouncing:  %d\n", p.Bouncing)
	}
	writeTop(out, "senders:  ", &p.Senders, len(p.Items), sample, printable)
	writeTop(out, "subjects: ", &p.Subjects, len(p.Items), sample, printableText)
	if sample > 0 {
		var ids []string
		for _, it := range p.Items[:min(sample, len(p.Items))] {
			ids = append(ids, strconv.FormatUint(it.Target.ID, 10))
		}
		more := ""
		if len(p.Items) > sample {
			more = fmt.Sprintf(" … (%d of %d)", sample, len(p.Items))
		}
		fmt.Fprintf(out, "  IDs:       %s%s\n", strings.Join(ids, " "), more)
	}
}

func writeTop(out *bufio.Writer, label string, c *qmailqueue.Tally, total, n int, clean func(string) string) {
	top := c.Top(n)
	if len(top) == 0 {
		return
	}
	width := len(strconv.Itoa(top[0].Count))
	shown := 0
	for i, v := range top {
		prefix := "             "
		if i == 0 {
			prefix = "  " + label + " "
		}
		fmt.Fprintf(out, "%s%*d  %s\n", prefix, width, v.Count, clean(v.Value))
		shown += v.Count
	}
	if rest := total - shown; rest > 0 {
		fmt.Fprintf(out, "             %*d  (others)\n", width, rest)
	}
}

// confirm asks the person at the terminal whether to go ahead. It reads
// the answer from stdin when stdin is a terminal, else from /dev/tty when
// stderr is one (qq rm --ids-from - with a pipe on stdin). Without a
// terminal it refuses: cron jobs must say --yes.
func (a *app) confirm(question, refusal string) (bool, error) {
	in, closeIn := a.terminalInput()
	if in == nil {
		return false, usageErrorf("refusing to %s without confirmation: no terminal to ask on; add --yes to go ahead", refusal)
	}
	defer closeIn()
	fmt.Fprintf(a.stderr, "%s [y/N] ", question)
	line, err := bufio.NewReader(interruptible(a.ctx, in)).ReadString('\n')
	if errors.Is(err, context.Canceled) {
		fmt.Fprintf(a.stderr, "\nqq: interrupted; nothing changed\n")
		return false, interrupted(err)
	}
	if err != nil && line == "" {
		fmt.Fprintln(a.stderr)
		return false, nil
	}
	switch strings.ToLower(strings.TrimSpace(line)) {
	case "y", "yes":
		return true, nil
	}
	return false, nil
}

// terminalInput returns where to read a confirmation from, or nil when
// nobody is there to answer. QQ_FORCE_TTY=1 makes stdin count as a
// terminal (tests).
func (a *app) terminalInput() (io.Reader, func()) {
	if a.getenv("QQ_FORCE_TTY") == "1" || isTerminal(a.stdin) {
		return a.stdin, func() {}
	}
	if !a.stderrTTY {
		return nil, nil
	}
	tty, err := os.Open("/dev/tty")
	if err != nil {
		return nil, nil
	}
	return tty, func() { tty.Close() }
}

// progressBar shows how far a change got, on stderr when stderr is a
// terminal and qq is not quiet; otherwise its methods do nothing.
type progressBar struct {
	pw      progress.Writer
	tracker *progress.Tracker
	done    chan struct{}
}

func (a *app) newProgressBar(what string, total int, show bool) *progressBar {
	if !show || !a.stderrTTY || a.quiet || total == 0 {
		return &progressBar{}
	}
	pw := progress.NewWriter()
	pw.SetOutputWriter(a.stderr)
	// go-pretty watches the terminal size only when it writes to stdout.
	if f, ok := a.stderr.(*os.File); ok {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil {
			pw.SetTerminalWidth(w)
		}
	}
	pw.SetUpdateFrequency(100 * time.Millisecond)
	pw.SetAutoStop(false)
	pw.SetTrackerLength(30)
	pw.Style().Visibility.ETA = true
	pw.Style().Visibility.Value = true
	t := &progress.Tracker{Message: what, Total: int64(total), Units: progress.UnitsDefault}
	pw.AppendTracker(t)
	b := &progressBar{pw: pw, tracker: t, done: make(chan struct{})}
	go func() { pw.Render(); close(b.done) }()
	return b
}

func (b *progressBar) increment() {
	if b != nil && b.tracker != nil {
		b.tracker.Increment(1)
	}
}

// stop draws the bar a last time and waits until it has. An interrupted
// change leaves the bar where it stopped, never "done!".
func (b *progressBar) stop() {
	if b == nil || b.pw == nil {
		return
	}
	if b.tracker.Value() >= b.tracker.Total {
		b.tracker.MarkAsDone()
	}
	// Let the renderer draw the final state before stopping it.
	time.Sleep(150 * time.Millisecond)
	b.pw.Stop()
	<-b.done
}

// changeJSON is the JSON report of qq rm and qq expire (one object).
type changeJSON struct {
	Command       string              `json:"command"`
	DryRun        bool                `json:"dry_run"`
	Selected      int                 `json:"selected"`
	SelectedBytes int64               `json:"selected_bytes"`
	Done          int                 `json:"done"`
	DoneBytes     int64               `json:"done_bytes"`
	Changed       int                 `json:"changed"`
	Vanished      int                 `json:"vanished"`
	Refused       int                 `json:"refused"`
	Failed        int                 `json:"failed"`
	Quarantine    *string             `json:"quarantine"`
	Messages      []changeMessageJSON `json:"messages"`
}

// changeMessageJSON is one message of a change report. Outcome is planned
// (dry run), done, changed, vanished, refused or failed.
type changeMessageJSON struct {
	ID      uint64 `json:"id"`
	Size    int64  `json:"size"`
	Sender  string `json:"sender"`
	Subject string `json:"subject"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	Error   string `json:"error,omitempty"`
}

// newChangeJSON starts a report with every planned message.
func newChangeJSON(command string, p *qmailqueue.Plan, dryRun bool) *changeJSON {
	r := &changeJSON{Command: command, DryRun: dryRun, Selected: len(p.Items), SelectedBytes: p.Bytes,
		Messages: make([]changeMessageJSON, len(p.Items))}
	for i, it := range p.Items {
		r.Messages[i] = changeMessageJSON{ID: it.Target.ID, Size: it.Size, Sender: it.Sender, Subject: it.Target.Subject, Outcome: "planned"}
	}
	return r
}

// maxWarnings bounds the per-message warnings printed; the summary counts
// the rest.
const maxWarnings = 20

// changeView renders a change's result: warnings about the messages left
// alone, the JSON report and the summary line.
type changeView struct {
	a      *app
	plan   *qmailqueue.Plan
	res    *qmailqueue.ChangeResult
	report *changeJSON // nil unless --format json
	// services is set when the change ran inside the stop → change →
	// restart cycle, so an interruption can say whether they came back.
	services bool
}

// interrupted is the line an interrupted change ends with, e.g. "qq rm:
// interrupted after 812 of 20000 messages; services restored; the rest
// untouched". summary's "qq rm:" prefix names the command.
func (v *changeView) interrupted(summary string, err error) string {
	command, _, _ := strings.Cut(summary, ":")
	s := v.res.Stats
	line := fmt.Sprintf("%s: interrupted after %d of %d messages", command, s.Done+s.Changed+s.Vanished+s.Refused+s.Failed, len(v.plan.Items))
	switch {
	case errors.Is(err, svc.ErrRestore):
		line += "; services NOT restored (see below)"
	case v.services:
		line += "; services restored"
	}
	return line + "; the rest untouched"
}

// warnings prints what was left alone, after the progress bar is gone.
func (v *changeView) warnings() {
	verb := v.plan.Op.String()
	warned := 0
	for i, o := range v.res.Outcomes {
		if o.Outcome == 0 || o.Outcome == qmailqueue.Done || o.Outcome == qmailqueue.Vanished {
			continue
		}
		warned++
		if warned > maxWarnings {
			continue
		}
		msg := fmt.Sprintf("%d not %s: %s", v.plan.Items[i].Target.ID, verb, o.Reason)
		if o.Err != nil {
			msg += ": " + o.Err.Error()
		}
		v.a.warnf("%s", msg)
	}
	if warned > maxWarnings {
		v.a.warnf("… and %d more messages not %s (see --format json)", warned-maxWarnings, verb)
	}
}

// summary is the one line a change ends with, for people and for logs.
func (v *changeView) summary(what string) string {
	s := v.res.Stats
	var left []string
	for _, part := range []struct {
		n    int
		what string
	}{{s.Changed, "changed since the plan"}, {s.Vanished, "already gone"}, {s.Refused, "refused"}, {s.Failed, "failed"}} {
		if part.n > 0 {
			left = append(left, fmt.Sprintf("%d %s", part.n, part.what))
		}
	}
	line := fmt.Sprintf("%s %d of %d messages (%s)", what, s.Done, len(v.plan.Items), humanBytes(s.Bytes))
	if len(left) > 0 {
		line += "; " + strings.Join(left, ", ")
	}
	return line
}

// failed returns the error a change with failed messages ends with (exit
// 3), or nil.
func (v *changeView) failed() error {
	if v.res.Failed == 0 {
		return nil
	}
	return fmt.Errorf("%d messages could not be %s", v.res.Failed, v.plan.Op)
}

// output ends a changing command: the warnings, then the JSON report on
// stdout (and the summary line on stderr unless --quiet), or the summary
// line on stdout. A change interrupted by ^C (err is context.Canceled)
// ends with a line saying how far it got instead.
func (v *changeView) output(summary string, err error) error {
	v.warnings()
	if errors.Is(err, context.Canceled) {
		summary = v.interrupted(summary, err)
	}
	if v.report == nil {
		_, err := fmt.Fprintln(v.a.stdout, summary)
		return err
	}
	s := v.res.Stats
	v.report.Done, v.report.DoneBytes, v.report.Changed = s.Done, s.Bytes, s.Changed
	v.report.Vanished, v.report.Refused, v.report.Failed = s.Vanished, s.Refused, s.Failed
	for i, o := range v.res.Outcomes {
		if o.Outcome == 0 {
			continue
		}
		m := &v.report.Messages[i]
		m.Outcome, m.Reason = o.Outcome.String(), o.Reason
		if o.Err != nil {
			m.Error = o.Err.Error()
		}
	}
	if err := writeJSON(v.a.stdout, v.report); err != nil {
		return err
	}
	if !v.a.quiet {
		fmt.Fprintln(v.a.stderr, summary)
	}
	return nil
}

// commandLine is qq's command line as the user typed it, for the
// quarantine's record of why messages were removed.
func commandLine(cmd *cobra.Command, args []string) string {
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				parts = append(parts, "--"+f.Name+"="+shell.Quote(v))
			}
			return
		}
		if f.Value.Type() == "bool" {
			parts = append(parts, "--"+f.Name)
			return
		}
		parts = append(parts, "--"+f.Name+"="+shell.Quote(f.Value.String()))
	})
	for _, a := range args {
		parts = append(parts, shell.Quote(a))
	}
	return strings.Join(parts, " ")
}

// errDeclined ends a command whose confirmation was answered no: exit 1,
// nothing done.
var errDeclined = withCode(exitNoMatch, errors.New("not confirmed; nothing changed"))

// planPrompt is what a changing command says about its plan.
type planPrompt struct {
	command  string // "rm", "expire": the JSON report's command and the messages' prefix
	nothing  string // e.g. "nothing removed"
	what     string // the plan's heading, e.g. "to remove (kept in DIR)"
	question string // the confirmation question on a terminal
	refusal  string // what is refused without a terminal, e.g. "remove 12 messages"
	warn     func() // extra warnings after the plan, or nil
}

// present shows the plan and settles whether the change goes ahead. It
// returns the JSON report to fill (nil unless --format json) and go=false
// when there is nothing more to do: a dry run (its output written). Nothing
// matched gives errNothingMatched, a declined confirmation errDeclined.
func (a *app) present(p *qmailqueue.Plan, flags *planFlags, format string, pr planPrompt) (report *changeJSON, proceed bool, err error) {
	if len(p.Items) == 0 {
		if !a.quiet {
			fmt.Fprintf(a.stderr, "qq %s: no message matched; %s\n", pr.command, pr.nothing)
		}
		return nil, false, errNothingMatched
	}
	var human io.Writer = a.stdout
	if format == formatJSON {
		human = a.stderr
	}
	if !a.quiet {
		writePlan(human, p, pr.what, flags.sample)
		if pr.warn != nil {
			pr.warn()
		}
	}
	if format == formatJSON {
		report = newChangeJSON(pr.command, p, flags.dryRun)
	}
	if flags.dryRun {
		if report != nil {
			return nil, false, writeJSON(a.stdout, report)
		}
		if !a.quiet {
			fmt.Fprintf(a.stdout, "dry run: %s\n", pr.nothing)
		}
		return nil, false, nil
	}
	if !flags.yes {
		ok, err := a.confirm(pr.question, pr.refusal)
		if err != nil {
			return nil, false, err
		}
		if !ok {
			return nil, false, errDeclined
		}
	}
	return report, true, nil
}
