// Package cmdutil holds the cobra conventions of the qq command that are
// not one command's, as gh keeps them in pkg/cmdutil: the exit statuses and
// the errors that carry them (usage, coded and silent errors, the mapping
// of an error to its status, the one error printer), rejecting unknown
// subcommands and suggesting flags, wrapping cobra's argument errors, the
// --format values a command declares and the choice among them, writing a
// command line back from its parsed flags, completion helpers, and the
// flag values several commands share (durations, hidden aliases). It knows
// nothing of queues, control files or services: cmd/qq does.
package cmdutil

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime/debug"
	"strings"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/spf13/cobra"
)

// Exit statuses, documented in README.md and in the root command's help.
// They follow grep for "nothing matched" and qmail for "temporary failure".
const (
	ExitOK          = 0   // success: something was listed, shown or done
	ExitNoMatch     = 1   // nothing matched the filters, or a message ID is not in the queue
	ExitUsage       = 2   // bad command line: unknown flag, bad regex, bad size or duration
	ExitError       = 3   // the queue or a file could not be read: missing, permission denied, malformed
	ExitInternal    = 70  // internal error: a bug in qq (a panic), reported with its stack (EX_SOFTWARE of sysexits.h)
	ExitTempFail    = 111 // temporary failure: a lock is held, a service would not stop; try again later
	ExitInterrupted = 130 // interrupted by SIGINT or SIGTERM
)

// UsageError is a mistake on the command line (exit 2). It carries the
// command's path so that the hint can point at the right --help.
type UsageError struct {
	CmdPath string // the command whose --help the hint names; "qq" until known
	Err     error
}

// Error is the mistake's message.
func (e *UsageError) Error() string { return e.Err.Error() }

// Unwrap returns the mistake.
func (e *UsageError) Unwrap() error { return e.Err }

// UsageErrorf makes a UsageError; the command path is filled in by the
// root command when the error passes through it.
func UsageErrorf(format string, args ...any) error {
	return &UsageError{CmdPath: "qq", Err: fmt.Errorf(format, args...)}
}

// AsUsage marks err as a usage error of cmd (exit 2), unless it already is
// one, whose hint it then points at cmd's help.
func AsUsage(cmd *cobra.Command, err error) error {
	if err == nil {
		return nil
	}
	var ue *UsageError
	if errors.As(err, &ue) {
		ue.CmdPath = cmd.CommandPath()
		return err
	}
	return &UsageError{CmdPath: cmd.CommandPath(), Err: err}
}

// CodedError attaches an explicit exit status to an error.
type CodedError struct {
	Code int
	Err  error
}

// Error is the error's message.
func (e *CodedError) Error() string { return e.Err.Error() }

// Unwrap returns the error that carries the status.
func (e *CodedError) Unwrap() error { return e.Err }

// WithCode returns err carrying the given exit status (nil for nil).
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &CodedError{Code: code, Err: err}
}

// SilentError ends the command with an exit status but prints nothing
// more: the command has already said what there was to say.
type SilentError struct{ Code int }

// Error says the status; it is never printed.
func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }

// ErrNothingMatched ends a command whose filters selected nothing: exit 1,
// silently.
var ErrNothingMatched = &SilentError{Code: ExitNoMatch}

// ExitStatus maps an error to its documented exit status: a panic is an
// internal error, a silent or coded error has its own, a usage error 2, an
// interruption 130, anything else 3.
func ExitStatus(err error) int {
	var (
		panicked *qmailqueue.PanicError
		silent   *SilentError
		coded    *CodedError
		usage    *UsageError
	)
	switch {
	case err == nil:
		return ExitOK
	case errors.As(err, &panicked):
		return ExitInternal
	case errors.As(err, &silent):
		return silent.Code
	case errors.As(err, &coded):
		return coded.Code
	case errors.As(err, &usage):
		return ExitUsage
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return ExitError
	}
	return ExitError
}

// Guard runs fn, which runs a command, and turns a panic in it into the
// internal-error report: the last resort behind every other error path, so
// that no input ends qq with Go's panic trace and exit status 2, which
// reads as a usage error.
func Guard(stderr io.Writer, fn func() int) (code int) {
	defer func() {
		if v := recover(); v != nil {
			code = ReportInternal(stderr, &qmailqueue.PanicError{Value: v, Stack: debug.Stack()})
		}
	}()
	return fn()
}

// ReportInternal prints a bug report for a panic, recovered in the main
// goroutine or in a worker (qmailqueue.PanicError), and returns
// ExitInternal.
func ReportInternal(stderr io.Writer, p *qmailqueue.PanicError) int {
	fmt.Fprintf(stderr, "qq: internal error: %v, please report\n%s", p.Value, p.Stack)
	return ExitInternal
}

// PrintError is the one place an error ending a command is printed, as
// "qq: …" on stderr (through escape, which makes what it quotes from files
// safe for a terminal), with a hint naming the right --help after a usage
// error; cmd is the command that ran, nil if none did. It returns the exit
// status. A silent error prints nothing, nor does a bare interruption (the
// command said how far it got); one joined with another error, such as
// services not restored, is printed.
func PrintError(stderr io.Writer, cmd *cobra.Command, err error, escape func(string) string) int {
	if strings.HasPrefix(err.Error(), "unknown command ") && !errors.As(err, new(*UsageError)) {
		// cobra reports unknown subcommands before any hook runs.
		err = &UsageError{CmdPath: "qq", Err: err}
	}
	var panicked *qmailqueue.PanicError
	if errors.As(err, &panicked) {
		return ReportInternal(stderr, panicked)
	}
	code := ExitStatus(err)
	if errors.As(err, new(*SilentError)) || err.Error() == context.Canceled.Error() {
		return code
	}
	fmt.Fprintf(stderr, "qq: %s\n", escape(err.Error()))
	var ue *UsageError
	if errors.As(err, &ue) {
		path := ue.CmdPath
		if cmd != nil && path == "qq" {
			path = cmd.CommandPath()
		}
		fmt.Fprintf(stderr, "qq: hint: see '%s --help'\n", path)
	}
	return code
}
