package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"golang.org/x/sys/unix"
)

// openPTY opens a pseudo-terminal pair (posix_openpt, unlockpt, ptsname
// by hand, as golang.org/x/sys/unix has no openpty), sized cols×rows.
func openPTY(t *testing.T, cols, rows int) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Skipf("unlockpt: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Skipf("ptsname: %v", err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("open pts: %v", err)
	}
	if err := unix.IoctlSetWinsize(int(s.Fd()), unix.TIOCSWINSZ, &unix.Winsize{Row: uint16(rows), Col: uint16(cols)}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close(); s.Close() })
	return m, s
}

// screen collects what the program writes to the terminal.
type screen struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

var ansiSeq = regexp.MustCompile(`\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\a]*\a`)

// waitFor waits until the output since the last mark shows want (escape
// sequences removed), and returns it.
func (s *screen) waitFor(t *testing.T, want string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		s.mu.Lock()
		text := ansiSeq.ReplaceAllString(s.buf.String(), "")
		s.mu.Unlock()
		if strings.Contains(text, want) {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t.Fatalf("the screen never showed %q; it shows:\n%s", want, ansiSeq.ReplaceAllString(s.buf.String(), ""))
}

// TestBrowseInPTY runs qq browse on a pseudo-terminal over a queue with a
// flood: filter the flood, mark it, remove it with confirmation, quit; then
// checks the queue, the quarantine and the terminal's restored state. No
// service is stopped (--no-svc: no qmail-send runs here, and the cycle
// still checks lock/sendmutex is free).
func TestBrowseInPTY(t *testing.T) {
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
	master, slave := openPTY(t, 80, 24)
	out := &screen{}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			out.mu.Lock()
			out.buf.Write(buf[:n])
			out.mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	env := map[string]string{"QQ_QMAIL_DIR": dir, "TERM": "xterm", "NO_COLOR": "1"}
	getenv := func(k string) string { return env[k] }
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	exit := make(chan int, 1)
	go func() {
		exit <- run(ctx, []string{"browse", "--no-svc", "--interval", "1h"}, slave, slave, slave, getenv)
	}()
	keys := func(s string) {
		if _, err := master.WriteString(s); err != nil {
			t.Fatal(err)
		}
	}
	out.waitFor(t, "messages       23")
	keys("/")
	out.waitFor(t, "enter apply")
	keys("sender-domain:cheap-meds.example\r")
	out.waitFor(t, "filter: sender-domain:cheap-meds.example")
	keys("3")
	out.waitFor(t, "all messages: 20")
	keys("a")
	out.waitFor(t, "marked: 20")
	keys("d")
	out.waitFor(t, "Remove 20 messages")
	keys("y")
	out.waitFor(t, "20 done")
	keys("q")
	select {
	case code := <-exit:
		if code != 0 {
			t.Fatalf("qq browse exited %d", code)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("qq browse did not quit")
	}
	out.mu.Lock()
	raw := out.buf.String()
	out.mu.Unlock()
	if !strings.Contains(raw, "\x1b[?1049h") || !strings.HasSuffix(strings.TrimRight(raw, "\r\n"), "\x1b[?1049l") && !strings.Contains(raw[max(0, len(raw)-64):], "\x1b[?1049l") {
		t.Errorf("the alternate screen was not left at the end: %q", raw[max(0, len(raw)-80):])
	}
	q, err := qmailqueue.Open(filepath.Join(dir, "queue"))
	mustDo(t, err)
	s, err := q.Summarize(context.Background(), nil, false)
	mustDo(t, err)
	if s.Messages != 3 {
		t.Errorf("%d messages left in the queue, want the 3 others", s.Messages)
	}
	qdir, err := qmailqueue.QuarantineDirFor(q.Dir, "")
	mustDo(t, err)
	entries, _, err := qmailqueue.LoadQuarantine(qdir)
	mustDo(t, err)
	if len(entries) != 20 {
		t.Errorf("%d messages in the quarantine, want 20", len(entries))
	}
	for _, e := range entries {
		if sender, _ := e.Envelope(); sender != spamMsg.Sender {
			t.Errorf("quarantined a message from %q", sender)
		}
	}
}
