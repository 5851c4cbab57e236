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
	q, err := qmailqueue.OpenWithLifetime(a.queueDir, a.controlDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%w (use --qmail-dir or --queue to point at the queue)", err)
	}
	return q, err
}
