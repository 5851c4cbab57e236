package main

import (
	"bufio"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue"
)

// The beginning and the end that the commands reading the queue (list,
// top, shape, stat, check) share.

// openFiltered builds the filter of a reading command's filter flags and
// ID arguments and opens the queue.
func (a *app) openFiltered(ff *filterFlags, now time.Time, args []string) (*qmailqueue.Queue, *qmailqueue.Filter, error) {
	filter, err := ff.build(now, args, a.stdin)
	if err != nil {
		return nil, nil, err
	}
	q, err := a.openQueue()
	return q, filter, err
}

// endRead ends a reading command once its output is written: err, the
// output's error, first; then out flushed; a warning when vanished
// messages left the queue while it was read; and
// cmdutil.ErrNothingMatched when none, a filter selected nothing.
func (a *app) endRead(out *bufio.Writer, err error, vanished int, none bool) error {
	if err == nil {
		err = out.Flush()
	}
	if err != nil {
		return err
	}
	if vanished > 0 {
		a.warnf("%d messages left the queue while it was read", vanished)
	}
	if none {
		return cmdutil.ErrNothingMatched
	}
	return nil
}
