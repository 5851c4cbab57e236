package main

import (
	"errors"
	"fmt"
	"io/fs"
	"time"

	"github.com/qqmail/qq/control"
	"github.com/qqmail/qq/qmailqueue"
)

// openQueue opens the queue named by the global options, with qmail-send's
// queuelifetime read from the control directory.
func (a *app) openQueue() (*qmailqueue.Queue, error) {
	q, err := qmailqueue.Open(a.queueDir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w (use --qmail-dir or --queue to point at the queue)", err)
		}
		return nil, err
	}
	lifetime, err := readQueueLifetime(a.controlDir)
	if err != nil {
		return nil, err
	}
	q.Lifetime = lifetime
	return q, nil
}

// readQueueLifetime reads control/queuelifetime as qmail-send does, with
// control_readint: the leading digits of the first line, else the default
// (docs/queue.md §5.2, §7.1).
func readQueueLifetime(controlDir string) (time.Duration, error) {
	data, exists, err := control.ReadFile(controlDir, "queuelifetime")
	if err != nil {
		return 0, fmt.Errorf("read queuelifetime: %w", err)
	}
	if !exists {
		return qmailqueue.DefaultLifetime, nil
	}
	n, ok := control.ParseInt(control.ParseLine(data))
	if !ok || n < 0 {
		return qmailqueue.DefaultLifetime, nil
	}
	return time.Duration(n) * time.Second, nil
}

// clock returns the time qq reasons with: QQ_NOW (RFC 3339) pins it for
// reproducible test output, otherwise the real time.
func (a *app) clock() time.Time {
	if v := a.getenv("QQ_NOW"); v != "" {
		if t, err := time.Parse(time.RFC3339, v); err == nil {
			return t
		}
	}
	return a.now()
}
