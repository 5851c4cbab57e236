package main

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ui"
)

// app carries what every command needs: the standard streams, whether they
// are terminals, the environment, the clock, and the global options.
type app struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	stdoutTTY      bool
	stderrTTY      bool
	getenv         func(string) string
	// now is the one clock qq reasons with: QQ_NOW (RFC 3339) pins it for
	// reproducible test output, otherwise it is the real time.
	now func() time.Time

	// Global options, resolved once in the root command's PersistentPreRunE.
	qmailDir   string // --qmail-dir, QQ_QMAIL_DIR, default /var/qmail
	queueDir   string // --queue, default <qmail-dir>/queue
	controlDir string // --control-dir, default <qmail-dir>/control
	format     string // --format as given
	output     string // the format the command writes: --format checked against what it offers, or its default (chooseFormat)
	colorMode  string // --color auto|always|never
	quiet      bool   // --quiet
	wide       bool   // --wide: tables are not cut to the terminal's width
	noPager    bool   // --no-pager
	color      bool   // resolved colour decision
	width      int    // the width tables fit, 0 for no limit (ui.TerminalWidth)

	pager      *ui.Pager               // the running pager, if output goes through one
	afterPager []string                // warnings given while the pager ran, said once it is closed (warnf)
	ctx        context.Context         // the command's context, for prompts (^C)
	cancel     context.CancelCauseFunc // cancels the command (its pager quit)

	// beforeChange, when set (tests only), runs inside the stop → change →
	// restart cycle right before qq rm changes the queue, to stand for
	// what may happen between the plan and the change.
	beforeChange func()
}

// defaultQmailDir is the qmail home when neither --qmail-dir nor QQ_QMAIL_DIR
// is given.
const defaultQmailDir = "/var/qmail"

// newApp builds an app over the given streams. A stream is a terminal only if
// it is an *os.File attached to one; QQ_FORCE_TTY=1 pretends both are (for
// tests and screenshots, like gh's GH_FORCE_TTY).
func newApp(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *app {
	a := &app{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv, now: ui.ClockFromEnv(getenv), ctx: context.Background()}
	force := getenv("QQ_FORCE_TTY") == "1"
	a.stdoutTTY = force || ui.IsTerminal(stdout)
	a.stderrTTY = force || ui.IsTerminal(stderr)
	return a
}

// isTerminal reports whether w is a terminal (ui.IsTerminal).
func isTerminal(w any) bool { return ui.IsTerminal(w) }

// resolveGlobals fills in the defaults of the global options and makes the
// colour decision. It runs before every command.
func (a *app) resolveGlobals() error {
	if a.qmailDir == "" {
		a.qmailDir = a.getenv("QQ_QMAIL_DIR")
	}
	if a.qmailDir == "" {
		a.qmailDir = defaultQmailDir
	}
	if a.queueDir == "" {
		a.queueDir = filepath.Join(a.qmailDir, "queue")
	}
	if a.controlDir == "" {
		a.controlDir = filepath.Join(a.qmailDir, "control")
	}
	if err := ui.ColorMode(a.colorMode); err != nil {
		return cmdutil.UsageErrorf("%v", err)
	}
	a.color = ui.UseColor(a.colorMode, a.getenv, a.stdoutTTY)
	a.width = ui.TerminalWidth(a.stdout, a.getenv)
	ui.EnableColors(a.color)
	return nil
}

// warnf prints a warning to stderr unless --quiet is set; what it quotes
// from files is escaped on a terminal.
func (a *app) warnf(format string, args ...any) {
	if a.quiet {
		return
	}
	line := fmt.Sprintf("qq: warning: %s\n", escaper(a.stderrTTY).line(fmt.Sprintf(format, args...)))
	if a.pager != nil {
		// The pager owns the terminal until it is quit: a warning
		// written now would be drawn into its screen, or scroll away
		// before the output it is about. closePager says it then.
		a.afterPager = append(a.afterPager, line)
		return
	}
	io.WriteString(a.stderr, line)
}

// run builds the command tree, runs it and returns its exit status: 0 on
// success or when the person quit the pager, else the status
// cmdutil.PrintError maps the error to, once it has printed it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	a := newApp(stdin, stdout, stderr, getenv)
	ctx, a.cancel = context.WithCancelCause(ctx)
	a.ctx = ctx
	defer a.cancel(nil)
	root := newRootCmd(a)
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	cmd, err := root.ExecuteContextC(ctx)
	a.closePager()
	if err == nil || (a.pager != nil && a.pager.Quit()) {
		// A pager the person quit ends qq quietly, as git does.
		return cmdutil.ExitOK
	}
	return cmdutil.PrintError(stderr, cmd, err, escaper(a.stderrTTY).line)
}
