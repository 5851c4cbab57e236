package svc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"syscall"
	"time"
)

// ExitError is a command run by [Exec] that exited with a status other
// than 0.
type ExitError struct {
	Name string // the command, argv[0]
	Code int    // its exit status
}

func (e *ExitError) Error() string { return fmt.Sprintf("%s exited with status %d", e.Name, e.Code) }

// execWaitDelay is how long Exec waits after TERM before it kills the
// command and stops waiting for its output.
const execWaitDelay = 30 * time.Second

// Exec runs argv with the given standard streams, typically as the change
// of a [Maintenance] cycle (qq svc exec). When ctx is cancelled the command
// gets TERM first, since it may be changing the queue, and is killed only
// after 30 seconds; Exec then returns ctx's error. A command that exits
// with a status other than 0 gives an [*ExitError].
func Exec(ctx context.Context, argv []string, stdin io.Reader, stdout, stderr io.Writer) error {
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = stdin, stdout, stderr
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = execWaitDelay
	err := cmd.Run()
	if ctx.Err() != nil {
		return fmt.Errorf("%s: %w", argv[0], ctx.Err())
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) && ee.Exited() {
		return &ExitError{Name: argv[0], Code: ee.ExitCode()}
	}
	return err
}
