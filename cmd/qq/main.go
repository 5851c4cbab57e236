// Command qq inspects and repairs qmail mail queues and manages qmail's
// control files. See README.md for the commands, the exit codes and the
// safety model.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
)

// main stays thin: every deferred function in run finishes before the single
// os.Exit here (gofmt's gofmtMain pattern). SIGINT, SIGTERM and SIGHUP cancel
// the context, so that a command in the middle of changing the queue can
// restore the services it stopped (svc.Maintenance) before qq exits. A panic
// anywhere in the command is reported by cmdutil.Guard as an internal error
// (exit 70), after the deferred functions on the way up have run.
func main() {
	ctx, stop := signalContext()
	code := cmdutil.Guard(os.Stderr, func() int { return run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv) })
	stop()
	os.Exit(code)
}

// signalContext is cancelled by SIGINT, SIGTERM or SIGHUP. The test binary
// run as qq (script_test.go) uses it too, so that tests can interrupt qq.
func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM, syscall.SIGHUP)
}
