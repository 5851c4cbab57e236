package browse

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// TestHelperQmailQueue is not a test: the test binary re-executed by
// queuetest.StandinScript is the qmail-queue stand-in for the requeue tests.
func TestHelperQmailQueue(t *testing.T) { queuetest.StandinHelper(t) }

// standinInjector returns an injector running the stand-in on queueDir.
func standinInjector(t *testing.T, queueDir string) *qmailqueue.Injector {
	return &qmailqueue.Injector{Path: queuetest.StandinScript(t, queueDir)}
}

// quarantineModel returns a browser over testQueue with its flood of 5
// removed to a quarantine (through the browser, as a person would) and
// requeueing through the qmail-queue stand-in; the quarantine screen is
// open.
func quarantineModel(t *testing.T) (*Model, string) {
	t.Helper()
	q := testQueue(t)
	qdir := filepath.Join(t.TempDir(), "quarantine")
	m := New(Options{Queue: q, Now: func() time.Time { return testNow }, Apply: engineApplier(q, qdir), NoColor: true,
		Quarantine: qdir, Injector: standinInjector(t, q.Dir)})
	m.noTick = true
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	drive(t, m, m.Init())
	press(t, m, "2", "enter", "a", "d", "y")
	if m.summary.Messages != 2 {
		t.Fatalf("the flood was not removed: %d messages, result %q", m.summary.Messages, m.result)
	}
	press(t, m, "4")
	if m.screen != ScreenQuarantine || !m.qz.loaded {
		t.Fatalf("screen %v, loaded %v, err %q", m.screen, m.qz.loaded, m.qz.err)
	}
	return m, qdir
}

// requeuedEntries returns the quarantine's entries marked requeued.
func requeuedEntries(t *testing.T, qdir string) []qmailqueue.QuarantineEntry {
	t.Helper()
	all, _, err := qmailqueue.LoadQuarantine(qdir)
	if err != nil {
		t.Fatal(err)
	}
	var out []qmailqueue.QuarantineEntry
	for _, e := range all {
		if e.RequeuedAt != nil {
			out = append(out, e)
		}
	}
	return out
}

func TestQuarantineScreenAndRequeue(t *testing.T) {
	m, qdir := quarantineModel(t)
	// The newest run is open: its header and its 5 entries.
	if len(m.qz.runs) != 1 || len(m.qz.rows) != 6 || m.qz.runs[0].ready != 5 {
		t.Fatalf("runs %+v, %d rows", m.qz.runs, len(m.qz.rows))
	}
	v := m.View()
	for _, want := range []string{"4 quarantine", "1 run, 5 messages", "5 can be requeued", "<news@spammer.example>", "kept", "Made by  test"} {
		if !strings.Contains(v, want) {
			t.Errorf("quarantine screen lacks %q:\n%s", want, v)
		}
	}
	// Enter on the run closes it, and opens it again.
	press(t, m, "enter")
	if len(m.qz.rows) != 1 {
		t.Fatalf("closed run: %d rows", len(m.qz.rows))
	}
	press(t, m, "enter", "down", "space", "space")
	if len(m.qz.marks) != 2 {
		t.Fatalf("%d marked, want 2", len(m.qz.marks))
	}
	press(t, m, "R")
	if m.qz.plan == nil || len(m.qz.plan.plan.Todo) != 2 {
		t.Fatalf("plan %+v, status %q", m.qz.plan, m.statusLine)
	}
	if v := m.View(); !strings.Contains(v, "Requeue 2 messages") || !strings.Contains(v, "2 <news@spammer.example>") {
		t.Errorf("dialog:\n%s", v)
	}
	press(t, m, "n")
	if m.qz.plan != nil || len(requeuedEntries(t, qdir)) != 0 {
		t.Fatal("n requeued")
	}
	press(t, m, "R", "y")
	if m.applying || !strings.HasPrefix(m.result, "requeued 2 of 2 messages as ") {
		t.Fatalf("applying %v, result %q", m.applying, m.result)
	}
	if m.summary.Messages != 4 || len(m.qz.marks) != 0 {
		t.Errorf("after the requeue: %d messages in the queue, %d marks", m.summary.Messages, len(m.qz.marks))
	}
	// Each requeued entry is marked in its manifest with its new ID, a
	// message of the queue from the flood's sender.
	done := requeuedEntries(t, qdir)
	if len(done) != 2 {
		t.Fatalf("%d entries marked requeued, want 2", len(done))
	}
	for _, e := range done {
		msg, err := m.q.Message(e.RequeuedAs, qmailqueue.FieldEnvelope)
		if err != nil || msg.Sender != "news@spammer.example" {
			t.Errorf("entry %s requeued as %d: %+v, %v", e.Name(), e.RequeuedAs, msg, err)
		}
		if !strings.Contains(m.result, fmt.Sprint(e.RequeuedAs)) {
			t.Errorf("result %q lacks the new ID %d", m.result, e.RequeuedAs)
		}
	}
	if v := m.View(); !strings.Contains(v, "requeued as ") || !strings.Contains(v, "3 can be requeued, 2 requeued") {
		t.Errorf("quarantine screen after the requeue:\n%s", v)
	}
	// The requeued entries can be marked no more; the whole run marks the
	// 3 others.
	press(t, m, "home", "space")
	if len(m.qz.marks) != 3 {
		t.Fatalf("run marked %d entries, want the 3 not requeued", len(m.qz.marks))
	}
	press(t, m, "R", "y")
	if !strings.HasPrefix(m.result, "requeued 3 of 3") || m.summary.Messages != 7 || len(requeuedEntries(t, qdir)) != 5 {
		t.Fatalf("result %q, %d messages", m.result, m.summary.Messages)
	}
	// Nothing is left to requeue: the run is not planned again.
	press(t, m, "home", "R")
	if m.qz.plan != nil || !strings.Contains(m.statusLine, "nothing to requeue") {
		t.Errorf("plan %+v, status %q", m.qz.plan, m.statusLine)
	}
}

// TestRequeueUnderLock checks the quarantine's lock and the plan made again
// under it: a quarantine another qq holds is left alone, and an entry
// another qq requeued since the plan is not requeued twice.
func TestRequeueUnderLock(t *testing.T) {
	m, qdir := quarantineModel(t)
	press(t, m, "down", "space", "space", "R")
	if m.qz.plan == nil {
		t.Fatalf("no plan: %q", m.statusLine)
	}
	z, err := qmailqueue.OpenQuarantine(qdir)
	if err != nil {
		t.Fatal(err)
	}
	press(t, m, "y")
	if !strings.Contains(m.result, "nothing requeued") || !strings.Contains(m.result, "in use by another qq run") || m.summary.Messages != 2 {
		t.Errorf("with the lock taken: result %q, %d messages", m.result, m.summary.Messages)
	}
	// Another qq requeues the first marked entry while the dialog is up.
	press(t, m, "down", "space", "space", "R")
	if m.qz.plan == nil || len(m.qz.plan.plan.Todo) != 2 {
		t.Fatalf("plan %+v, status %q", m.qz.plan, m.statusLine)
	}
	first := m.qz.plan.plan.Todo[:1]
	if _, err := z.Requeue(context.Background(), m.q, m.opts.Injector, first, nil); err != nil {
		t.Fatal(err)
	}
	z.Close()
	press(t, m, "y")
	if !strings.HasPrefix(m.result, "requeued 1 of 2 messages") || !strings.Contains(m.result, "1 requeued or purged by another qq") {
		t.Errorf("result %q", m.result)
	}
	if m.summary.Messages != 4 || len(requeuedEntries(t, qdir)) != 2 {
		t.Errorf("%d messages in the queue, want 2 + 2 requeued once each", m.summary.Messages)
	}
}

// TestQuarantineRefusedAndFilter checks entries that cannot go back (an
// interrupted run's unlisted file), the problems count, and the filter
// applied to the quarantine.
func TestQuarantineRefusedAndFilter(t *testing.T) {
	m, qdir := quarantineModel(t)
	run := filepath.Join(qdir, "20261122T100000Z-1")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "777"), []byte("Subject: lost\n\nhi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	press(t, m, "r")
	if len(m.qz.runs) != 2 || len(m.qz.problems) != 2 {
		t.Fatalf("runs %+v, problems %q", m.qz.runs, m.qz.problems)
	}
	if v := m.View(); !strings.Contains(v, "2 runs, 6 messages") || !strings.Contains(v, "2 problems") || !strings.Contains(v, "▸ 20261122T100000Z-1  1 message, 0 can be requeued") {
		t.Errorf("screen:\n%s", v)
	}
	press(t, m, "end")
	if v := m.View(); !strings.Contains(v, "Problem  20261122T100000Z-1: no manifest.jsonl") {
		t.Errorf("the run's problems are not shown:\n%s", v)
	}
	press(t, m, "enter", "down", "space")
	if len(m.qz.marks) != 0 || !strings.Contains(m.statusLine, "20261122T100000Z-1/777 cannot be requeued: a file no manifest line describes") {
		t.Errorf("marks %v, status %q", m.qz.marks, m.statusLine)
	}
	if v := m.View(); !strings.Contains(v, "-   777            2h     18B  (unknown)              unlisted (interrupted run)") || !strings.Contains(v, "Cannot   a file no manifest line") {
		t.Errorf("screen:\n%s", v)
	}
	press(t, m, "up", "R")
	if m.qz.plan != nil || !strings.Contains(m.statusLine, "nothing to requeue here") {
		t.Errorf("a run with nothing to requeue: plan %+v, status %q", m.qz.plan, m.statusLine)
	}
	// The filter selects in the quarantine too (older: since the removal).
	press(t, m, "/")
	for _, r := range "subject:lost" {
		press(t, m, string(r))
	}
	press(t, m, "enter")
	if len(m.qz.entries) != 1 || m.qz.entries[0].ID != 777 {
		t.Errorf("filtered quarantine: %d entries", len(m.qz.entries))
	}
}

// TestRequeueCtrlC checks that ctrl+c during a requeue stops it before the
// next message, says so, and quits once the requeue has returned.
func TestRequeueCtrlC(t *testing.T) {
	m, qdir := quarantineModel(t)
	press(t, m, "home", "R")
	if m.qz.plan == nil || len(m.qz.plan.plan.Todo) != 5 {
		t.Fatalf("plan %+v", m.qz.plan)
	}
	_, run := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("y")})
	if !m.applying || !strings.Contains(m.View(), "requeueing 5 messages… 0/5") || !strings.Contains(m.View(), "ctrl+c stop after the message at hand") {
		t.Fatalf("not requeueing:\n%s", m.View())
	}
	// ctrl+c arrives before the requeue's command has run.
	if _, cmd := m.Update(tea.KeyMsg{Type: tea.KeyCtrlC}); cmd != nil {
		t.Fatal("quit before the requeue returned")
	}
	var done requeueDone
	for _, c := range run().(tea.BatchMsg) {
		if r, ok := c().(requeueDone); ok {
			done = r
		}
	}
	_, cmd := m.Update(done)
	if cmd == nil || cmd() != tea.Quit() {
		t.Fatal("no quit after the requeue returned")
	}
	if !strings.Contains(m.result, "requeued 0 of 5 messages; stopped") || len(requeuedEntries(t, qdir)) != 0 {
		t.Errorf("result %q", m.result)
	}
	select {
	case <-m.applyDone:
	default:
		t.Error("Run would wait for ever: applyDone is open")
	}
}

// TestQuarantineFsckSaves checks qq fsck's saves on the quarantine screen:
// one with its mess, info and remote goes back into the queue with its
// envelope read from them; one of a mess alone (the sender lost) cannot.
func TestQuarantineFsckSaves(t *testing.T) {
	m, qdir := quarantineModel(t)
	_, left, err := listQueue(context.Background(), m.q, nil, SortSender, nil, 0) // alice, bob
	if err != nil || left.Len() != 2 {
		t.Fatalf("queue %v, %v", left, err)
	}
	alice, bob := left.ID(0), left.ID(1)
	z, err := qmailqueue.OpenQuarantine(qdir)
	if err != nil {
		t.Fatal(err)
	}
	run, err := z.NewFsckRun(m.q.Dir, "qq fsck --repair", testNow.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	save := func(id uint64, kinds ...string) {
		for _, kind := range kinds {
			rel, _ := filepath.Rel(m.q.Dir, m.q.Path(kind, id))
			if _, err := run.SaveFile(m.q.Path(kind, id), rel, id, 0, kind == "info"); err != nil {
				t.Fatal(err)
			}
		}
	}
	save(alice, "remote", "info", "mess")
	save(bob, "mess")
	if err := errors.Join(run.Close(), z.Close()); err != nil {
		t.Fatal(err)
	}
	// fsck removes alice's files once saved (mess last).
	for _, kind := range []string{"remote", "info", "mess"} {
		if err := os.Remove(m.q.Path(kind, alice)); err != nil {
			t.Fatal(err)
		}
	}
	press(t, m, "r")
	if len(m.qz.runs) != 2 || m.qz.runs[0].name != run.Name() || m.qz.runs[0].ready != 1 {
		t.Fatalf("runs %+v", m.qz.runs)
	}
	// The fsck run is the newest, but the browser opened the first run it
	// saw: open this one.
	press(t, m, "home", "right")
	v := m.View()
	for _, want := range []string{"2 messages, 1 can be requeued", "<alice@good.example>   fsck save", "-   " + fmt.Sprint(bob)} {
		if !strings.Contains(v, want) {
			t.Errorf("screen lacks %q:\n%s", want, v)
		}
	}
	press(t, m, "space", "R")
	if m.qz.plan == nil || len(m.qz.plan.plan.Todo) != 1 || m.qz.plan.plan.Todo[0].ID != alice {
		t.Fatalf("plan %+v, status %q", m.qz.plan, m.statusLine)
	}
	press(t, m, "y")
	if !strings.HasPrefix(m.result, "requeued 1 of 1 messages as ") || m.summary.Messages != 2 {
		t.Fatalf("result %q, %d messages", m.result, m.summary.Messages)
	}
	done := requeuedEntries(t, qdir)
	if len(done) != 1 || done[0].ID != alice {
		t.Fatalf("requeued %+v", done)
	}
	msg, err := m.q.Message(done[0].RequeuedAs, qmailqueue.FieldEnvelope)
	if err != nil || msg.Sender != "alice@good.example" || len(msg.Recipients) != 1 || msg.Recipients[0].Address != "victim@example.org" {
		t.Errorf("requeued as %+v, %v", msg, err)
	}
}

// TestQuarantineHostileNames checks that a run directory and a file named
// with terminal controls are drawn safe.
func TestQuarantineHostileNames(t *testing.T) {
	m, qdir := quarantineModel(t)
	run := filepath.Join(qdir, "evil\x1b]0;pwned\x07\x1b[2J")
	if err := os.Mkdir(run, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(run, "x\x1b[31m"), []byte("hi\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	press(t, m, "r", "end", "right", "down", "space")
	for _, v := range []string{m.View(), m.statusLine} {
		if strings.ContainsAny(v, "\x07") || strings.Contains(v, "\x1b]") || strings.Contains(v, "\x1b[2J") || strings.Contains(v, "\x1b[31m") {
			t.Errorf("control bytes drawn raw: %q", v)
		}
	}
	if !strings.Contains(m.View(), "evil") {
		t.Errorf("the run is not shown:\n%s", m.View())
	}
}

// TestQuarantineEntryView checks the entry view: enter on an entry shows
// its envelope and its kept message; esc and q go back to the list; R
// requeues the entry shown.
func TestQuarantineEntryView(t *testing.T) {
	m, qdir := quarantineModel(t)
	press(t, m, "down", "enter")
	if m.qz.view == nil {
		t.Fatal("no entry view")
	}
	v := m.View()
	for _, want := range []string{"(removed)", "Status      kept", "Removed     2026-11-22 12:00:00 UTC by test", "Sender      <news@spammer.example>",
		"Recipients  1 pending", "  remote  <victim@example.org>", "Subject: Free money", "Body (decoded text parts):", "↑↓ scroll  esc back"} {
		if !strings.Contains(v, want) {
			t.Errorf("entry view lacks %q:\n%s", want, v)
		}
	}
	press(t, m, "esc")
	if m.qz.view != nil || m.screen != ScreenQuarantine {
		t.Fatal("esc: still in the entry view")
	}
	press(t, m, "enter", "q")
	if m.qz.view != nil || m.quitting {
		t.Fatalf("q: view %v, quitting %v", m.qz.view != nil, m.quitting)
	}
	press(t, m, "enter", "R")
	if m.qz.plan == nil || len(m.qz.plan.plan.Todo) != 1 {
		t.Fatalf("plan %+v, status %q", m.qz.plan, m.statusLine)
	}
	name := m.qz.plan.plan.Todo[0].Name()
	press(t, m, "y")
	done := requeuedEntries(t, qdir)
	if len(done) != 1 || done[0].Name() != name || m.qz.view != nil {
		t.Errorf("requeued %+v, want %s; view open %v", done, name, m.qz.view != nil)
	}
}
