package qmailqueue

import (
	"fmt"
	"time"

	"github.com/qqmail/qq/control"
)

// ReadLifetime reads control/queuelifetime from controlDir as qmail-send
// does, with control_readint: the leading digits of the first line, else
// [DefaultLifetime] (also for an absent file or a negative number).
func ReadLifetime(controlDir string) (time.Duration, error) {
	data, exists, err := control.ReadFile(controlDir, "queuelifetime")
	if err != nil {
		return 0, fmt.Errorf("read queuelifetime: %w", err)
	}
	if !exists {
		return DefaultLifetime, nil
	}
	n, ok := control.ParseInt(control.ParseLine(data))
	if !ok || n < 0 {
		return DefaultLifetime, nil
	}
	return time.Duration(n) * time.Second, nil
}

// OpenWithLifetime opens the queue in dir ([Open]) with its Lifetime read
// from controlDir's queuelifetime ([ReadLifetime]): the queue as
// qmail-send sees it, for ages, expiry and retry times.
func OpenWithLifetime(dir, controlDir string) (*Queue, error) {
	q, err := Open(dir)
	if err != nil {
		return nil, err
	}
	if q.Lifetime, err = ReadLifetime(controlDir); err != nil {
		return nil, err
	}
	return q, nil
}
