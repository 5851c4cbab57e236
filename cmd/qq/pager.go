package main

import (
	"io"

	"github.com/qqmail/qq/cmd/internal/ui"
)

// page sends the rest of the command's standard output through a pager
// (ui.StartPager: $QQ_PAGER, $PAGER or less -FRX) when standard output is
// a real terminal and --no-pager is not given; QQ_FORCE_TTY (tests) does
// not start one. When the person quits the pager the command is cancelled
// (ui.ErrPagerQuit): there is nobody left to read its output, and qq ends
// quietly with exit 0.
func (a *app) page() {
	if a.pager != nil || a.noPager || !a.stdoutTTY {
		return
	}
	if a.pager = ui.StartPager(a.stdout, a.stderr, a.getenv); a.pager != nil {
		a.stdout = a.pager.Writer(func() {
			if a.cancel != nil {
				a.cancel(ui.ErrPagerQuit)
			}
		})
	}
}

// closePager waits until the person has quit the pager, if there is one,
// then gives the warnings held while it ran.
func (a *app) closePager() {
	if a.pager != nil {
		a.pager.Close()
	}
	for _, line := range a.afterPager {
		io.WriteString(a.stderr, line)
	}
	a.afterPager = nil
}

// countReads starts the count of messages read that a sorted listing shows
// on a terminal's stderr (not with --quiet) while it reads the queue.
func (a *app) countReads(what string) *ui.Counter {
	return ui.StartCounter(a.stderr, what, a.stderrTTY && !a.quiet)
}
