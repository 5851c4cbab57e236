package main

import "github.com/qqmail/qq/cmd/internal/cmdutil"

// The exit statuses, documented in README.md and in the root command's
// help (cmdutil.ExitOK …).
const (
	exitOK          = cmdutil.ExitOK
	exitNoMatch     = cmdutil.ExitNoMatch
	exitUsage       = cmdutil.ExitUsage
	exitError       = cmdutil.ExitError
	exitInternal    = cmdutil.ExitInternal
	exitTempFail    = cmdutil.ExitTempFail
	exitInterrupted = cmdutil.ExitInterrupted
)

// The errors that carry an exit status, under the names the commands use.
type (
	usageError  = cmdutil.UsageError
	silentError = cmdutil.SilentError
)

var (
	usageErrorf       = cmdutil.UsageErrorf
	asUsage           = cmdutil.AsUsage
	withCode          = cmdutil.WithCode
	exitCode          = cmdutil.ExitStatus
	errNothingMatched = cmdutil.ErrNothingMatched
)
