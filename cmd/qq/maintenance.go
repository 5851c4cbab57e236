package main

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/svc"
	"github.com/spf13/pflag"
)

// maintenanceFlags are the flags of the stop → change → restart cycle, shared
// by every command that changes queue files: addFlags on the command's flag
// set, then build in its run function.
type maintenanceFlags struct {
	services     []string
	stopCommand  string
	startCommand string
	timeout      time.Duration
	keepDown     bool
	noSvc        bool

	searched bool // build looked for the default service and found none
}

// addFlags defines the cycle's flags on fs.
func (f *maintenanceFlags) addFlags(fs *pflag.FlagSet) {
	fs.StringArrayVar(&f.services, "service", nil, "stop and restart service `DIR` around the change (repeatable; DIR=SUPERVISEDIR for a supervise directory elsewhere)")
	fs.StringVar(&f.stopCommand, "stop-command", "", "shell `CMD` that stops a qmail not run by supervise (needs --start-command)")
	fs.StringVar(&f.startCommand, "start-command", "", "shell `CMD` that starts it again")
	cmdutil.DurationFlag(fs, &f.timeout, "timeout", svc.DefaultTimeout, "how long to wait for qmail-send to stop, and for services to come back")
	fs.BoolVar(&f.keepDown, "keep-down", false, "leave the services down afterwards (a batch of runs; end it with 'qq svc up')")
	fs.BoolVar(&f.noSvc, "no-svc", false, "stop and start nothing; still refuse if qmail-send holds lock/sendmutex")
}

// build turns the flags into the cycle for the queue a works on.
func (f *maintenanceFlags) build(a *app) (*svc.Maintenance, error) {
	switch {
	case f.noSvc && (len(f.services) > 0 || f.stopCommand != "" || f.startCommand != ""):
		return nil, cmdutil.UsageErrorf("--no-svc cannot be combined with --service, --stop-command or --start-command")
	case (f.stopCommand == "") != (f.startCommand == ""):
		return nil, cmdutil.UsageErrorf("--stop-command and --start-command go together")
	case f.timeout <= 0:
		return nil, cmdutil.UsageErrorf("--timeout must be positive, not %s", f.timeout)
	}
	m := svc.ForQueue(a.queueDir)
	m.Timeout, m.KeepDown = f.timeout, f.keepDown
	if a.stderrTTY && !a.quiet {
		m.Progress = func(s string) { fmt.Fprintf(a.stderr, "qq: %s\n", s) }
	}
	m.ShellCommands(f.stopCommand, f.startCommand)
	if !f.noSvc {
		var err error
		m.Services, f.searched, err = a.finder().CycleServices(f.services, f.stopCommand == "")
		if err != nil {
			return nil, serviceArgErr(err)
		}
	}
	return m, nil
}

// explain gives a cycle's error its exit code (111 for a temporary failure)
// and, where qq could not stop qmail-send, says what it looked for.
func (f *maintenanceFlags) explain(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, svc.ErrCannotStop) && f.searched {
		err = fmt.Errorf("%w (no service found at %s; give --service DIR, or --stop-command and --start-command)",
			err, strings.Join(new(svc.Finder).QmailSendPlaces(), ", "))
	}
	return svcErr(err)
}

// svcErr maps the supervisor and lock protocol's temporary failures to exit
// 111; other errors keep their usual code.
func svcErr(err error) error {
	if svc.IsTemporary(err) {
		return cmdutil.WithCode(cmdutil.ExitTempFail, err)
	}
	return err
}
