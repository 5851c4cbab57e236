package qmailqueue_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

func TestBounceReports(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 7})
	rcpt := []queuetest.Recipient{{Addr: "a@remote.test", Remote: true}}
	bouncing, err := b.Add(queuetest.Message{Sender: "s@x.test", Recipients: rcpt, Bounce: "<x@local.test>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"})
	if err != nil {
		t.Fatal(err)
	}
	plain, err := b.Add(queuetest.Message{Sender: "s@x.test", Recipients: rcpt})
	if err != nil {
		t.Fatal(err)
	}
	linked, err := b.Add(queuetest.Message{Sender: "s@x.test", Recipients: rcpt, Bounce: "<y@local.test>:\nno.\n\n"})
	if err != nil {
		t.Fatal(err)
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	m, err := q.Message(bouncing, 0)
	if err != nil {
		t.Fatal(err)
	}
	reports, err := q.BounceReports(m)
	if err != nil || len(reports) != 1 || reports[0].Recipient != "x@local.test" || len(m.Problems) != 0 {
		t.Errorf("bouncing message: %+v, %v, problems %v", reports, err, m.Problems)
	}
	m, err = q.Message(plain, 0)
	if err != nil {
		t.Fatal(err)
	}
	if reports, err := q.BounceReports(m); err != nil || reports != nil {
		t.Errorf("message not bouncing: %+v, %v", reports, err)
	}
	// A bounce file replaced by a symbolic link is refused, as a problem.
	path := b.Path("bounce", linked)
	target := filepath.Join(t.TempDir(), "elsewhere")
	if err := os.WriteFile(target, []byte("<z@local.test>:\nsecret\n\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, path); err != nil {
		t.Fatal(err)
	}
	m, err = q.Message(linked, 0)
	if err != nil {
		t.Fatal(err)
	}
	m.Bouncing = true
	reports, err = q.BounceReports(m)
	if err != nil || reports != nil || len(m.Problems) == 0 || !m.Problems[len(m.Problems)-1].Refused {
		t.Errorf("linked bounce file: %+v, %v, problems %+v; want a refusal", reports, err, m.Problems)
	}
}
