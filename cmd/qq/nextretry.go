package main

import "github.com/qqmail/qq/msgview"

// nextRetryEstimated tells whether the next_retry qq shows is an estimate:
// qmail-send runs (msgview.NextRetryEstimated).
func (a *app) nextRetryEstimated() bool { return msgview.NextRetryEstimated(a.queueDir) }
