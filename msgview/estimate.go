package msgview

import "github.com/qqmail/qq/qmailqueue/fsck"

// NextRetryEstimated tells whether the next retry shown for the messages
// of the queue in queueDir is an estimate. While qmail-send runs it keeps
// each message's real retry time in memory and writes it into the local
// and remote files' times only when it stops (docs/queue.md §5.1), so a
// next retry computed from the birth and those times can be wrong then:
// text marks it with "≈" ([TextOptions].Estimated), JSON with
// "next_retry_estimated": true. With qmail-send stopped the value is
// exact. Running is told from the kernel's lock table
// ([fsck.ProbeQmailSend]), without opening lock/sendmutex.
func NextRetryEstimated(queueDir string) bool {
	running, err := fsck.ProbeQmailSend(queueDir)
	return err == nil && running == fsck.RunningYes
}
