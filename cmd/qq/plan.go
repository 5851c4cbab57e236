package main

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jedib0t/go-pretty/v6/progress"
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

// counter counts values, keeping at most maxDistinct of them apart so that
// a queue of a million different senders cannot grow it without bound.
type counter struct {
	counts map[string]int
	other  int
}

const maxDistinct = 10000

func (c *counter) add(v string) {
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	if _, ok := c.counts[v]; !ok && len(c.counts) >= maxDistinct {
		c.other++
		return
	}
	c.counts[v]++
}

// top returns the n most frequent values, most frequent first.
func (c *counter) top(n int) []countedValue {
	var all []countedValue
	for v, k := range c.counts {
		all = append(all, countedValue{v, k})
	}
	slices.SortFunc(all, func(a, b countedValue) int {
		return cmp.Or(cmp.Compare(b.count, a.count), strings.Compare(a.value, b.value))
	})
	if len(all) > n {
		all = all[:n]
	}
	return all
}

type countedValue struct {
	value string
	count int
}

// plan is what a changing command is about to do: the messages selected,
// with the fingerprints that are checked again right before each change.
type plan struct {
	targets  []qmailqueue.Target // by ID
	sizes    []int64             // of targets[i]
	senders  []string            // of targets[i]
	bytes    int64
	states   map[qmailqueue.State]int
	bouncing int
	bySender counter
	bySubj   counter
	stats    qmailqueue.ScanStats
}

// makePlan scans the queue for what filter selects, reading fingerprints
// and the header of each selected message (for the subjects shown).
func makePlan(ctx context.Context, q *qmailqueue.Queue, filter *qmailqueue.Filter) (*plan, error) {
	p := &plan{states: map[qmailqueue.State]int{}}
	var err error
	p.stats, err = q.Scan(ctx, qmailqueue.ScanOptions{Fields: qmailqueue.FieldFingerprint | qmailqueue.FieldHeader, Filter: filter}, func(m *qmailqueue.Message) error {
		p.targets = append(p.targets, qmailqueue.TargetOf(m))
		p.sizes = append(p.sizes, m.Size)
		p.senders = append(p.senders, m.Sender)
		p.bytes += m.Size
		p.states[m.State]++
		if m.Bouncing {
			p.bouncing++
		}
		p.bySender.add(angle(m.Sender))
		subject := "(no subject)"
		if m.Header != nil && m.Header.Get("Subject") != "" {
			subject = m.Header.Subject()
		}
		p.bySubj.add(subject)
		return nil
	})
	p.sortByID()
	return p, err
}

// sortByID puts the plan in ID order, so that it reads the same every time.
func (p *plan) sortByID() {
	order := make([]int, len(p.targets))
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(i, j int) int { return cmp.Compare(p.targets[i].ID, p.targets[j].ID) })
	targets := make([]qmailqueue.Target, len(order))
	sizes := make([]int64, len(order))
	senders := make([]string, len(order))
	for k, i := range order {
		targets[k], sizes[k], senders[k] = p.targets[i], p.sizes[i], p.senders[i]
	}
	p.targets, p.sizes, p.senders = targets, sizes, senders
}

// write prints the plan for people: what, how much, in which states, a
// sample of senders, subjects and IDs.
func (p *plan) write(w io.Writer, what string, sample int) {
	out := bufio.NewWriter(w)
	defer out.Flush()
	fmt.Fprintf(out, "%s: %d messages, %s\n", what, len(p.targets), humanBytes(p.bytes))
	var states []string
	for _, s := range []qmailqueue.State{qmailqueue.StatePreprocessed, qmailqueue.StateQueued, qmailqueue.StateWriting, qmailqueue.StateMessOnly, qmailqueue.StateBroken} {
		if n := p.states[s]; n > 0 {
			states = append(states, fmt.Sprintf("%d %s (%s)", n, s, s.Code()))
		}
	}
	fmt.Fprintf(out, "  states:    %s\n", strings.Join(states, ", "))
	if p.bouncing > 0 {
		fmt.Fprintf(out, "  bouncing:  %d\n", p.bouncing)
	}
	p.writeTop(out, "senders:  ", &p.bySender, sample, printable)
	p.writeTop(out, "subjects: ", &p.bySubj, sample, printableText)
	if sample > 0 {
		var ids []string
		for _, t := range p.targets[:min(sample, len(p.targets))] {
			ids = append(ids, strconv.FormatUint(t.ID, 10))
		}
		more := ""
		if len(p.targets) > sample {
			more = fmt.Sprintf(" … (%d of %d)", sample, len(p.targets))
		}
		fmt.Fprintf(out, "  IDs:       %s%s\n", strings.Join(ids, " "), more)
	}
}

func (p *plan) writeTop(out *bufio.Writer, label string, c *counter, n int, clean func(string) string) {
	top := c.top(n)
	if len(top) == 0 {
		return
	}
	width := len(strconv.Itoa(top[0].count))
	shown := 0
	for i, v := range top {
		prefix := "             "
		if i == 0 {
			prefix = "  " + label + " "
		}
		fmt.Fprintf(out, "%s%*d  %s\n", prefix, width, v.count, clean(v.value))
		shown += v.count
	}
	if rest := len(p.targets) - shown; rest > 0 {
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
	if b.tracker != nil {
		b.tracker.Increment(1)
	}
}

// stop draws the bar a last time and waits until it has. An interrupted
// change leaves the bar where it stopped, never "done!".
func (b *progressBar) stop() {
	if b.pw == nil {
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
func newChangeJSON(command string, p *plan, dryRun bool) *changeJSON {
	r := &changeJSON{Command: command, DryRun: dryRun, Selected: len(p.targets), SelectedBytes: p.bytes,
		Messages: make([]changeMessageJSON, len(p.targets))}
	for i, t := range p.targets {
		r.Messages[i] = changeMessageJSON{ID: t.ID, Size: p.sizes[i], Sender: p.senders[i], Subject: t.Subject, Outcome: "planned"}
	}
	return r
}

// changeTracker follows a change message by message: progress, counts,
// warnings about messages left alone, and the JSON report.
type changeTracker struct {
	a       *app
	verb    string
	bar     *progressBar
	report  *changeJSON
	index   map[uint64]int
	stats   qmailqueue.Stats
	warned  int
	skipped []string
	// services is set when the change ran inside the stop → change →
	// restart cycle, so an interruption can say whether they came back.
	services bool
}

// maxWarnings bounds the per-message warnings printed; the summary counts
// the rest.
const maxWarnings = 20

func newChangeTracker(a *app, verb string, p *plan, report *changeJSON, bar *progressBar) *changeTracker {
	c := &changeTracker{a: a, verb: verb, bar: bar, report: report, index: make(map[uint64]int, len(p.targets))}
	for i, t := range p.targets {
		c.index[t.ID] = i
	}
	return c
}

// result records the outcome for one message.
func (c *changeTracker) result(r qmailqueue.Result) {
	c.bar.increment()
	switch r.Outcome {
	case qmailqueue.Done:
		c.stats.Done++
		c.stats.Bytes += r.Size
	case qmailqueue.Changed:
		c.stats.Changed++
	case qmailqueue.Vanished:
		c.stats.Vanished++
	case qmailqueue.Refused:
		c.stats.Refused++
	case qmailqueue.Failed:
		c.stats.Failed++
	}
	if i, ok := c.index[r.Target.ID]; ok && c.report != nil {
		m := &c.report.Messages[i]
		m.Outcome, m.Reason = r.Outcome.String(), r.Reason
		if r.Err != nil {
			m.Error = r.Err.Error()
		}
	}
	if r.Outcome == qmailqueue.Done || r.Outcome == qmailqueue.Vanished {
		return
	}
	msg := fmt.Sprintf("%d not %s: %s", r.Target.ID, c.verb, r.Reason)
	if r.Err != nil {
		msg += ": " + r.Err.Error()
	}
	c.warned++
	if c.warned <= maxWarnings {
		c.skipped = append(c.skipped, msg)
	}
}

// warnings prints what was left alone, after the progress bar is gone.
func (c *changeTracker) warnings() {
	for _, s := range c.skipped {
		c.a.warnf("%s", s)
	}
	if c.warned > maxWarnings {
		c.a.warnf("… and %d more messages not %s (see --format json)", c.warned-maxWarnings, c.verb)
	}
}

// interrupted is the line an interrupted change ends with, e.g. "qq rm:
// interrupted after 812 of 20000 messages; services restored; the rest
// untouched". summary's "qq rm:" prefix names the command.
func (c *changeTracker) interrupted(summary string, err error) string {
	command, _, _ := strings.Cut(summary, ":")
	s := c.stats
	line := fmt.Sprintf("%s: interrupted after %d of %d messages", command, s.Done+s.Changed+s.Vanished+s.Refused+s.Failed, len(c.index))
	switch {
	case errors.Is(err, svc.ErrRestore):
		line += "; services NOT restored (see below)"
	case c.services:
		line += "; services restored"
	}
	return line + "; the rest untouched"
}

// finish fills the report's counts.
func (c *changeTracker) finish() {
	if c.report == nil {
		return
	}
	s := c.stats
	c.report.Done, c.report.DoneBytes, c.report.Changed = s.Done, s.Bytes, s.Changed
	c.report.Vanished, c.report.Refused, c.report.Failed = s.Vanished, s.Refused, s.Failed
}

// summary is the one line a change ends with, for people and for logs.
func (c *changeTracker) summary(what string) string {
	s := c.stats
	var left []string
	for _, part := range []struct {
		n    int
		what string
	}{{s.Changed, "changed since the plan"}, {s.Vanished, "already gone"}, {s.Refused, "refused"}, {s.Failed, "failed"}} {
		if part.n > 0 {
			left = append(left, fmt.Sprintf("%d %s", part.n, part.what))
		}
	}
	line := fmt.Sprintf("%s %d of %d messages (%s)", what, s.Done, len(c.index), humanBytes(s.Bytes))
	if len(left) > 0 {
		line += "; " + strings.Join(left, ", ")
	}
	return line
}

// failed returns the error a change with failed messages ends with (exit
// 3), or nil.
func (c *changeTracker) failed() error {
	if c.stats.Failed == 0 {
		return nil
	}
	return fmt.Errorf("%d messages could not be %s", c.stats.Failed, c.verb)
}

// commandLine is qq's command line as the user typed it, for the
// quarantine's record of why messages were removed.
func commandLine(cmd *cobra.Command, args []string) string {
	parts := []string{cmd.CommandPath()}
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if sv, ok := f.Value.(pflag.SliceValue); ok {
			for _, v := range sv.GetSlice() {
				parts = append(parts, "--"+f.Name+"="+shellQuote(v))
			}
			return
		}
		if f.Value.Type() == "bool" {
			parts = append(parts, "--"+f.Name)
			return
		}
		parts = append(parts, "--"+f.Name+"="+shellQuote(f.Value.String()))
	})
	for _, a := range args {
		parts = append(parts, shellQuote(a))
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
func (a *app) present(p *plan, flags *planFlags, format string, pr planPrompt) (report *changeJSON, proceed bool, err error) {
	if len(p.targets) == 0 {
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
		p.write(human, pr.what, flags.sample)
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

// output ends a changing command: the JSON report on stdout (and the
// summary line on stderr unless --quiet), or the summary line on stdout.
// A change interrupted by ^C (err is context.Canceled) ends with a line
// saying how far it got instead.
func (c *changeTracker) output(summary string, err error) error {
	if errors.Is(err, context.Canceled) {
		summary = c.interrupted(summary, err)
	}
	if c.report == nil {
		_, err := fmt.Fprintln(c.a.stdout, summary)
		return err
	}
	if err := writeJSON(c.a.stdout, c.report); err != nil {
		return err
	}
	if !c.a.quiet {
		fmt.Fprintln(c.a.stderr, summary)
	}
	return nil
}
