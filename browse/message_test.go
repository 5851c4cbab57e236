package browse

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/sendlog"
	"github.com/qqmail/qq/tai64n"
	"golang.org/x/sys/unix"
)

// logAttempts returns an Options.Attempts reading qmail-send's log in dir,
// as qq browse --log DIR wires it.
func logAttempts(dir string) func(ctx context.Context, m *qmailqueue.Message) ([]sendlog.Attempt, error) {
	return func(ctx context.Context, m *qmailqueue.Message) ([]sendlog.Attempt, error) {
		log, err := sendlog.OpenSource(dir, nil)
		if err != nil {
			return nil, err
		}
		return sendlog.MessageAttempts(ctx, log, &sendlog.Parser{Location: time.UTC}, m.ID, m.Birth)
	}
}

// TestMessageViewShowsLogAttempts opens a message whose delivery qmail-send
// logged as deferred, with a log directory given, and checks that the
// message view shows the attempt, hostile bytes escaped; without a log the
// section is absent, and a log that cannot be read says so.
func TestMessageViewShowsLogAttempts(t *testing.T) {
	q := testQueue(t)
	m := newTestModel(t, q, nil)
	press(t, m, "3") // oldest first: the 3-hour-old message from alice
	msg := m.rows[m.entries.ID(0)]
	if msg == nil || msg.Sender != "alice@good.example" {
		t.Fatalf("first row %+v", msg)
	}
	stamp := func(t time.Time) string { return tai64n.FromTime(t).String() }
	logDir := filepath.Join(t.TempDir(), "log")
	if err := os.Mkdir(logDir, 0o755); err != nil {
		t.Fatal(err)
	}
	lines := fmt.Sprintf("%[1]s new msg %[3]d\n%[1]s info msg %[3]d: bytes 5100 from <alice@good.example> qp 4243 uid 0\n"+
		"%[2]s starting delivery 7: msg %[3]d to remote victim@example.org\n"+
		"%[2]s delivery 7: deferral: Connection_refused.\x1b[2J_(#4.4.1)/\n", stamp(msg.Birth), stamp(msg.Birth.Add(time.Minute)), msg.ID)
	if err := os.WriteFile(filepath.Join(logDir, "current"), []byte(lines), 0o644); err != nil {
		t.Fatal(err)
	}

	view := func(attempts func(context.Context, *qmailqueue.Message) ([]sendlog.Attempt, error)) string {
		m.opts.Attempts = attempts
		press(t, m, "enter")
		defer press(t, m, "esc")
		if m.screen != ScreenMessage || m.detail == nil || m.detail.msg == nil {
			t.Fatal("no message view")
		}
		return m.View()
	}
	v := view(logAttempts(logDir))
	for _, want := range []string{
		"Last delivery attempts (qmail-send's log):",
		" remote victim@example.org: deferral",
		`Connection_refused.\x1b[2J_(#4.4.1)/`,
	} {
		if !strings.Contains(v, want) {
			t.Errorf("message view lacks %q:\n%s", want, v)
		}
	}
	if strings.Contains(v, "\x1b[2J") {
		t.Error("an escape sequence from the log reached the screen raw")
	}
	if v := view(nil); strings.Contains(v, "Last delivery attempts") {
		t.Errorf("without a log, the view shows attempts:\n%s", v)
	}
	if v := view(logAttempts(filepath.Join(logDir, "missing"))); !strings.Contains(v, "(log: ") {
		t.Errorf("an unreadable log is not reported:\n%s", v)
	}
	// A message the log does not mention.
	press(t, m, "down")
	if v := view(logAttempts(logDir)); !strings.Contains(v, "Last delivery attempts: none in the log") {
		t.Errorf("a message the log does not mention:\n%s", v)
	}
}

// TestMessageViewMarksEstimatedRetry: while qmail-send holds
// lock/sendmutex, the message view marks the next retry as an estimate
// ("≈"), as qq show does; with qmail-send stopped it does not.
func TestMessageViewMarksEstimatedRetry(t *testing.T) {
	q := testQueue(t)
	m := newTestModel(t, q, nil)
	press(t, m, "3") // oldest first: alice's message, delivered remotely
	view := func() string {
		press(t, m, "enter")
		defer press(t, m, "esc")
		if m.screen != ScreenMessage || m.detail == nil || m.detail.msg == nil {
			t.Fatal("no message view")
		}
		return m.View()
	}
	if v := view(); !strings.Contains(v, "Next retry:") || strings.Contains(v, "≈") {
		t.Errorf("qmail-send stopped: want an exact next retry:\n%s", v)
	}
	// qmail-send holds lock/sendmutex while it runs (docs/queue.md §5.1).
	mutex, err := os.OpenFile(filepath.Join(q.Dir, "lock", "sendmutex"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer mutex.Close()
	if err := unix.Flock(int(mutex.Fd()), unix.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	if v := view(); !strings.Contains(v, "Next retry:") || !strings.Contains(v, "≈") {
		t.Errorf("qmail-send running: want the next retry marked ≈:\n%s", v)
	}
}
