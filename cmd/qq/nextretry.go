package main

import "github.com/qqmail/qq/qmailqueue/fsck"

// nextRetryEstimated tells whether the next_retry qq shows is an estimate.
// While qmail-send runs it keeps each message's real retry time in memory
// and writes it into the local/remote files' times only when it stops
// (docs/queue.md §5.1), so qq's value, computed from the birth and those times, can
// be wrong then: text output marks it with "≈", JSON with
// "next_retry_estimated": true. With qmail-send stopped the value is exact.
// Running is told from the kernel's lock table, as fsck does, without
// opening lock/sendmutex.
func (a *app) nextRetryEstimated() bool {
	running, err := fsck.ProbeQmailSend(a.queueDir)
	return err == nil && running == fsck.RunningYes
}
