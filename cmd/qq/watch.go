package main

import (
	"context"
	"errors"
	"io"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/cmd/internal/ui"
	"github.com/spf13/pflag"
)

// watchFlags are --watch and --interval of qq stat and qq top: run the
// command again and again, like watch(1).
type watchFlags struct {
	on       bool
	interval time.Duration
	// count stops after that many refreshes (hidden; for tests). 0: until
	// interrupted.
	count int
	// messages is set by each run of the command: the messages it counted,
	// for the header's change since the last refresh.
	messages int
}

func (w *watchFlags) addFlags(fs *pflag.FlagSet) {
	fs.BoolVar(&w.on, "watch", false, "refresh every --interval until interrupted (in place on a terminal, like watch)")
	cmdutil.DurationFlag(fs, &w.interval, "interval", 2*time.Second, "with --watch, refresh every `AGE`")
	fs.IntVar(&w.count, "count", 0, "with --watch, stop after `N` refreshes")
	fs.MarkHidden("count")
}

// run runs the command once and then every interval (ui.Watch), each
// run's output replacing the last on a terminal. A run that matches
// nothing is shown like any other. ^C ends it with exit status 130, as
// qq log -f, the terminal restored.
func (w *watchFlags) run(ctx context.Context, a *app, title string, once func(a *app) error) error {
	if w.interval <= 0 {
		return cmdutil.UsageErrorf("--interval must be positive")
	}
	if w.count < 0 {
		return cmdutil.UsageErrorf("--count must not be negative")
	}
	watch := ui.Watch{Title: title, Interval: w.interval, Count: w.count, Out: a.stdout, TTY: a.stdoutTTY, Now: a.now}
	err := watch.Run(ctx, func(out io.Writer) (int, error) {
		run := *a
		run.stdout = out
		w.messages = 0
		if err := once(&run); err != nil && !errors.Is(err, cmdutil.ErrNothingMatched) {
			return 0, err
		}
		return w.messages, nil
	})
	if err != nil {
		return interrupted(err)
	}
	return nil
}
