package main

import (
	"errors"
	"fmt"
	"io/fs"

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
	lifetime, err := qmailqueue.ReadLifetime(a.controlDir)
	if err != nil {
		return nil, err
	}
	q.Lifetime = lifetime
	return q, nil
}
