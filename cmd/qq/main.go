// Command qq inspects and repairs qmail mail queues and manages qmail's
// control files. See README.md for the commands, the exit codes and the
// safety model.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// main stays thin: every deferred function in run finishes before the single
// os.Exit here (gofmt's gofmtMain pattern).
func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	stop()
	os.Exit(code)
}
