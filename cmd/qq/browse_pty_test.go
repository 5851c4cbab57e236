package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// floodQueue makes a qmail home with a queue of 20 spam messages and 3
// others, and returns the home.
func floodQueue(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	b, err := queuetest.New(filepath.Join(dir, "queue"), queuetest.Options{})
	mustDo(t, err)
	t.Cleanup(func() { b.Close() })
	for range 20 {
		_, err := b.Add(spamMsg)
		mustDo(t, err)
	}
	for range 3 {
		_, err := b.Add(hamMsg)
		mustDo(t, err)
	}
	return dir
}

// typist returns a function that types keys on r's terminal.
func typist(t *testing.T, r *ptyRun) func(string) {
	return func(s string) {
		if _, err := r.master.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
}

// afterBrowse reads what qq browse left: the queue and its count of
// messages, and the entries and problems of its quarantine.
func afterBrowse(t *testing.T, queueDir string) (*qmailqueue.Queue, int, []qmailqueue.QuarantineEntry, []string) {
	t.Helper()
	q, err := qmailqueue.Open(queueDir)
	mustDo(t, err)
	s, err := q.Summarize(context.Background(), nil, false)
	mustDo(t, err)
	qdir, err := qmailqueue.QuarantineDirFor(q.Dir, "")
	mustDo(t, err)
	entries, problems, err := qmailqueue.LoadQuarantine(qdir)
	mustDo(t, err)
	return q, s.Messages, entries, problems
}

// TestBrowseInPTY runs qq browse on a pseudo-terminal over a queue with a
// flood: filter the flood, mark it, remove it with confirmation, quit; then
// checks the queue, the quarantine and the terminal's restored state. No
// service is stopped (--no-svc: no qmail-send runs here, and the cycle
// still checks lock/sendmutex is free).
func TestBrowseInPTY(t *testing.T) {
	dir := floodQueue(t)
	r := startPTY(t, 80, []string{"QQ_QMAIL_DIR=" + dir, "NO_COLOR=1"}, "browse", "--no-svc", "--interval", "1h")
	keys := typist(t, r)
	r.waitFor(t, "messages       23")
	keys("/")
	r.waitFor(t, "enter apply")
	keys("sender-domain:cheap-meds.example\r")
	r.waitFor(t, "filter: sender-domain:cheap-meds.example")
	keys("3")
	r.waitFor(t, "all messages: 20")
	keys("a")
	r.waitFor(t, "marked: 20")
	keys("d")
	r.waitFor(t, "Remove 20 messages")
	keys("y")
	r.waitFor(t, "20 done")
	keys("q")
	code, raw := r.wait(t)
	if code != 0 {
		t.Fatalf("qq browse exited %d", code)
	}
	if !strings.Contains(raw, "\x1b[?1049h") || !strings.Contains(raw[max(0, len(raw)-64):], "\x1b[?1049l") {
		t.Errorf("the alternate screen was not left at the end: %q", raw[max(0, len(raw)-80):])
	}
	_, messages, entries, _ := afterBrowse(t, filepath.Join(dir, "queue"))
	if messages != 3 {
		t.Errorf("%d messages left in the queue, want the 3 others", messages)
	}
	if len(entries) != 20 {
		t.Errorf("%d messages in the quarantine, want 20", len(entries))
	}
	for _, e := range entries {
		if sender, _ := e.Envelope(); sender != spamMsg.Sender {
			t.Errorf("quarantined a message from %q", sender)
		}
	}
}

// TestBrowseCtrlCInPTY checks that ctrl+c leaves at once with status 0
// and the terminal restored.
func TestBrowseCtrlCInPTY(t *testing.T) {
	dir := t.TempDir()
	b, err := queuetest.New(filepath.Join(dir, "queue"), queuetest.Options{})
	mustDo(t, err)
	t.Cleanup(func() { b.Close() })
	_, err = b.Add(hamMsg)
	mustDo(t, err)
	r := startPTY(t, 80, []string{"QQ_QMAIL_DIR=" + dir}, "browse", "--interval", "1h")
	r.waitFor(t, "messages       1")
	r.master.WriteString("\x03")
	code, raw := r.wait(t)
	if code != 0 || !strings.Contains(raw[max(0, len(raw)-64):], "\x1b[?1049l") {
		t.Errorf("exit %d, end of output %q", code, raw[max(0, len(raw)-80):])
	}
}

// TestNoTerminalQueries checks that a command on a terminal sends the
// terminal no queries (background colour, cursor position): bubbletea from
// v1.1 queries through lipgloss in its package init, in every command of
// the binary, waiting up to 5 s for an answer and eating typed-ahead keys;
// qq pins v0.27.0, which does not.
func TestNoTerminalQueries(t *testing.T) {
	dir := t.TempDir()
	b, err := queuetest.New(filepath.Join(dir, "queue"), queuetest.Options{})
	mustDo(t, err)
	t.Cleanup(func() { b.Close() })
	_, out := runPTY(t, 80, []string{"QQ_QMAIL_DIR=" + dir}, "stat")
	if strings.Contains(out, "\x1b]11;?") || strings.Contains(out, "\x1b[6n") {
		t.Errorf("qq stat queried the terminal: %q", out)
	}
}

// TestBrowseRequeueInPTY removes a flood to the quarantine from the
// browser, then requeues three of its messages from the quarantine screen
// through the qmail-queue stand-in ($QMAILQUEUE, as qq requeue honours
// it): the queue holds them again under new IDs, and the manifest marks
// those three, and only them, requeued as those IDs.
func TestBrowseRequeueInPTY(t *testing.T) {
	dir := floodQueue(t)
	queueDir := filepath.Join(dir, "queue")
	r := startPTY(t, 80, []string{"QQ_QMAIL_DIR=" + dir, "NO_COLOR=1", "QMAILQUEUE=qmail-queue", "QQ_TEST_QUEUE=" + queueDir},
		"browse", "--no-svc", "--interval", "1h")
	keys := typist(t, r)
	r.waitFor(t, "messages       23")
	keys("2")
	r.waitFor(t, "promo@cheap-meds.example")
	keys("\r")
	r.waitFor(t, "sender promo@cheap-meds.example: 20")
	keys("a")
	r.waitFor(t, "marked: 20")
	keys("d")
	r.waitFor(t, "Remove 20 messages")
	keys("y")
	r.waitFor(t, "20 done")
	keys("4")
	r.waitFor(t, "20 messages, 20 can be requeued")
	keys("j")
	keys(" ")
	keys(" ")
	keys(" ")
	r.waitFor(t, "marked: 3 in the quarantine")
	keys("R")
	r.waitFor(t, "Requeue 3 messages")
	keys("y")
	r.waitFor(t, "requeued 3 of 3 messages as ")
	r.waitFor(t, "17 can be requeued, 3 requeued")
	keys("q")
	if code, _ := r.wait(t); code != 0 {
		t.Fatalf("qq browse exited %d", code)
	}

	q, messages, entries, problems := afterBrowse(t, queueDir)
	if messages != 6 {
		t.Errorf("%d messages in the queue, want the 3 others and the 3 requeued", messages)
	}
	if len(entries) != 20 || len(problems) != 0 {
		t.Fatalf("%d entries in the quarantine (problems %q), want 20", len(entries), problems)
	}
	requeued := 0
	for _, e := range entries {
		if e.RequeuedAt == nil {
			continue
		}
		requeued++
		m, err := q.Message(e.RequeuedAs, qmailqueue.FieldEnvelope)
		if err != nil || m.Sender != spamMsg.Sender {
			t.Errorf("%s requeued as %d: %+v, %v", e.Name(), e.RequeuedAs, m, err)
		}
	}
	if requeued != 3 {
		t.Errorf("%d entries marked requeued in the manifest, want 3", requeued)
	}
}
