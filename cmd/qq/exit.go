package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"runtime/debug"

	"github.com/qqmail/qq/qmailqueue"
)

// Exit codes, documented in README.md and in the root command's help. They
// follow grep for "nothing matched" and qmail for "temporary failure".
const (
	exitOK          = 0   // success: something was listed, shown or done
	exitNoMatch     = 1   // nothing matched the filters, or a message ID is not in the queue
	exitUsage       = 2   // bad command line: unknown flag, bad regex, bad size or duration
	exitError       = 3   // the queue or a file could not be read: missing, permission denied, malformed
	exitInternal    = 70  // internal error: a bug in qq (a panic), reported with its stack (EX_SOFTWARE of sysexits.h)
	exitTempFail    = 111 // temporary failure: a lock is held, a service would not stop; try again later
	exitInterrupted = 130 // interrupted by SIGINT or SIGTERM
)

// usageError is a mistake on the command line. It carries the command's path
// so the hint can point at the right --help.
type usageError struct {
	cmdPath string
	err     error
}

func (e *usageError) Error() string { return e.err.Error() }
func (e *usageError) Unwrap() error { return e.err }

// usageErrorf makes a usageError; the command path is filled in by the root
// command when the error passes through it.
func usageErrorf(format string, args ...any) error {
	return &usageError{cmdPath: "qq", err: fmt.Errorf(format, args...)}
}

// exitError attaches an explicit exit code to an error.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

// withCode returns err carrying the given exit code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

// silentError ends the command with an exit code but prints nothing more:
// the command has already said what there was to say.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// errNothingMatched ends a command whose filters selected no message.
var errNothingMatched = &silentError{code: exitNoMatch}

// exitCode maps an error to the documented exit code.
func exitCode(err error) int {
	var (
		panicked *qmailqueue.PanicError
		silent   *silentError
		coded    *codedError
		usage    *usageError
	)
	switch {
	case errors.As(err, &panicked):
		return exitInternal
	case errors.As(err, &silent):
		return silent.code
	case errors.As(err, &coded):
		return coded.code
	case errors.As(err, &usage):
		return exitUsage
	case errors.Is(err, context.Canceled):
		return exitInterrupted
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, fs.ErrPermission):
		return exitError
	}
	return exitError
}

// guard runs fn, which runs a command, and turns a panic in it into the
// internal-error report: the last resort behind every other error path, so
// that no input ends qq with Go's panic trace and exit status 2, which reads
// as a usage error.
func guard(stderr io.Writer, fn func() int) (code int) {
	defer func() {
		if v := recover(); v != nil {
			code = reportInternal(stderr, &qmailqueue.PanicError{Value: v, Stack: debug.Stack()})
		}
	}()
	return fn()
}

// reportInternal prints a bug report for a panic, recovered in the main
// goroutine or in a worker, and returns exitInternal.
func reportInternal(stderr io.Writer, p *qmailqueue.PanicError) int {
	fmt.Fprintf(stderr, "qq: internal error: %v, please report\n%s", p.Value, p.Stack)
	return exitInternal
}
