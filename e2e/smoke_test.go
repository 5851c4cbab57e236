package e2e

import (
	"testing"

	"github.com/qqmail/qq/e2e/realqmail"
)

func TestSmoke(t *testing.T) {
	q := realqmail.Start(t)
	q.Inject("ok-sender@remote.invalid", "Subject: hi\n\nbody\n", "ok-1@remote.invalid", "defer-1@"+realqmail.Domain, "box@"+realqmail.Domain, "x-1@remote.invalid")
	q.WaitIdle()
	t.Logf("qread:\n%s\nqstat:\n%s\nlog:\n%s", q.Qread(), q.Qstat(), q.LogText())
	t.Logf("sink: %+v", q.Sink.Deliveries())
}
