package browse

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

var testNow = time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)

// testQueue makes a queue with a flood of 5 messages from one sender and
// 2 others.
func testQueue(t testing.TB) *qmailqueue.Queue {
	t.Helper()
	b := queuetest.NewT(t, queuetest.Options{})
	add := func(sender, subject string, age time.Duration, size int) {
		_, err := b.Add(queuetest.Message{Sender: sender, Recipients: []queuetest.Recipient{{Addr: "victim@example.org", Remote: true}},
			Header: "Subject: " + subject + "\n", Body: []byte(strings.Repeat("x", size) + "\n"), Birth: testNow.Add(-age)})
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 5 {
		add("news@spammer.example", "Free money", time.Duration(i+1)*time.Minute, 100)
	}
	add("alice@good.example", "Minutes", 3*time.Hour, 5000)
	add("bob@good.example", "Lunch", 2*time.Hour, 10)
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// drive runs cmd and feeds what it returns back into the model, until no
// command is left (the refresh clock is off in tests).
func drive(t *testing.T, m *Model, cmd tea.Cmd) {
	t.Helper()
	queue := []tea.Cmd{cmd}
	for len(queue) > 0 {
		c := queue[0]
		queue = queue[1:]
		if c == nil {
			continue
		}
		got := make(chan tea.Msg, 1)
		go func() { got <- c() }()
		var msg tea.Msg
		select {
		case msg = <-got:
		case <-time.After(20 * time.Second):
			t.Fatal("a command did not return")
		}
		switch msg := msg.(type) {
		case tea.BatchMsg:
			queue = append(queue, msg...)
		case progressTick, tea.QuitMsg, nil:
		default:
			_, next := m.Update(msg)
			queue = append(queue, next)
		}
	}
}

func press(t *testing.T, m *Model, keys ...string) {
	t.Helper()
	for _, k := range keys {
		var msg tea.KeyMsg
		switch k {
		case "enter":
			msg = tea.KeyMsg{Type: tea.KeyEnter}
		case "esc":
			msg = tea.KeyMsg{Type: tea.KeyEsc}
		case "down":
			msg = tea.KeyMsg{Type: tea.KeyDown}
		case "space":
			msg = tea.KeyMsg{Type: tea.KeySpace, Runes: []rune{' '}}
		case "ctrl+c":
			msg = tea.KeyMsg{Type: tea.KeyCtrlC}
		default:
			msg = tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
		}
		_, cmd := m.Update(msg)
		drive(t, m, cmd)
	}
}

func newTestModel(t *testing.T, q *qmailqueue.Queue, apply Applier) *Model {
	m := New(Options{Queue: q, Now: func() time.Time { return testNow }, Apply: apply, NoColor: true})
	m.noTick = true
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	drive(t, m, m.Init())
	return m
}

// engineApplier applies plans as qq rm does, with a cycle that stops
// nothing (no service in a test) and a quarantine in dir.
func engineApplier(q *qmailqueue.Queue, dir string) Applier {
	return func(ctx context.Context, p *qmailqueue.Plan, progress func()) (*qmailqueue.ChangeResult, error) {
		qr, err := qmailqueue.OpenQuarantine(dir)
		if err != nil {
			return nil, err
		}
		defer qr.Close()
		return p.Apply(ctx, q, qmailqueue.ApplyOptions{Quarantine: qr, Reason: "test", Now: testNow,
			Cycle:    func(ctx context.Context, change func(context.Context) error) error { return change(ctx) },
			Progress: func(qmailqueue.Result) { progress() }})
	}
}

func TestOverview(t *testing.T) {
	m := newTestModel(t, testQueue(t), nil)
	if m.summary.Messages != 7 || !m.haveSum {
		t.Fatalf("summary %+v", m.summary)
	}
	v := m.View()
	for _, want := range []string{"messages       7", "(first refresh)", "bytes", "oldest"} {
		if !strings.Contains(v, want) {
			t.Errorf("overview lacks %q:\n%s", want, v)
		}
	}
	if n := strings.Count(v, "\n") + 1; n != 24 {
		t.Errorf("overview has %d lines, want 24", n)
	}
}

func TestGroupsAndList(t *testing.T) {
	m := newTestModel(t, testQueue(t), nil)
	press(t, m, "2")
	if m.screen != ScreenGroups || len(m.groups) != 3 || m.groups[0].Name != "news@spammer.example" || m.groups[0].Messages != 5 {
		t.Fatalf("groups %+v", m.groups)
	}
	press(t, m, "g") // sender-domain
	if len(m.groups) != 2 || m.groups[0].Name != "spammer.example" {
		t.Fatalf("sender-domain groups %+v", m.groups)
	}
	press(t, m, "enter")
	if m.screen != ScreenList || m.entries.Len() != 5 {
		t.Fatalf("screen %v, %d entries", m.screen, m.entries.Len())
	}
	// Oldest first: the 5-minute-old one.
	if first := m.rows[m.entries.ID(0)]; first == nil || testNow.Sub(first.Birth) != 5*time.Minute {
		t.Fatalf("first row %+v", first)
	}
	press(t, m, "s") // size
	if m.sortKey != SortSize {
		t.Fatal("sort key not size")
	}
	press(t, m, "enter")
	if m.screen != ScreenMessage || m.detail == nil || m.detail.msg == nil {
		t.Fatal("no message view")
	}
	v := m.View()
	for _, want := range []string{"Sender:      <news@spammer.example>", "Subject: Free money", "Body (decoded text parts):", "Expires:"} {
		if !strings.Contains(v, want) {
			t.Errorf("message view lacks %q:\n%s", want, v)
		}
	}
	press(t, m, "esc", "esc")
	if m.screen != ScreenGroups {
		t.Errorf("esc esc: screen %v", m.screen)
	}
}

func TestFilterQuery(t *testing.T) {
	m := newTestModel(t, testQueue(t), nil)
	press(t, m, "/")
	for _, r := range "sender-domain:good.example size>1k" {
		press(t, m, string(r))
	}
	press(t, m, "enter")
	if m.filtering || m.query != "sender-domain:good.example size>1k" || m.summary.Messages != 1 {
		t.Fatalf("filter %q, filtering %v, messages %d, err %q", m.query, m.filtering, m.summary.Messages, m.filterErr)
	}
	if !strings.Contains(m.View(), "filter: sender-domain:good.example size>1k") {
		t.Errorf("status line lacks the filter:\n%s", m.View())
	}
	// A bad query keeps the prompt open and says why.
	press(t, m, "/", "x", "enter") // appends to the query: size>1kx
	if !m.filtering || !strings.Contains(m.filterErr, `larger: bad size "1kx"`) {
		t.Fatalf("bad query: filtering %v, err %q", m.filtering, m.filterErr)
	}
	press(t, m, "esc")
	if m.filtering || m.query != "sender-domain:good.example size>1k" {
		t.Fatalf("esc: filtering %v, query %q", m.filtering, m.query)
	}
}

// TestFilterQueryHelo checks the helo: term, which the browser gets from
// the filter registry like every flag: the nearest hop's HELO name.
func TestFilterQueryHelo(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{})
	for _, helo := range []string{"WIN-4J5K2M8Q", "mx.example.net", "win-other"} {
		_, err := b.Add(queuetest.Message{Sender: "a@example.com", Recipients: []queuetest.Recipient{{Addr: "b@example.org", Remote: true}},
			Header: "Received: from unknown (HELO " + helo + ") (203.0.113.66)\n  by mail.example.com with SMTP; d\n", Body: []byte("x\n"), Birth: testNow})
		if err != nil {
			t.Fatal(err)
		}
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	m := newTestModel(t, q, nil)
	press(t, m, "/")
	for _, r := range "helo:^win-" {
		press(t, m, string(r))
	}
	press(t, m, "enter")
	if m.filtering || m.query != "helo:^win-" || m.summary.Messages != 2 {
		t.Fatalf("filter %q, filtering %v, messages %d, err %q", m.query, m.filtering, m.summary.Messages, m.filterErr)
	}
}

func TestMarkGroupAndRemove(t *testing.T) {
	q := testQueue(t)
	qdir := filepath.Join(t.TempDir(), "quarantine")
	m := newTestModel(t, q, engineApplier(q, qdir))
	press(t, m, "2", "enter", "a")
	if len(m.marks) != 5 {
		t.Fatalf("%d marked, want 5", len(m.marks))
	}
	press(t, m, "d")
	if m.plan == nil || len(m.plan.Items) != 5 || m.plan.Op != qmailqueue.OpRemove {
		t.Fatalf("plan %+v, err %q", m.plan, m.planErr)
	}
	if v := m.View(); !strings.Contains(v, "Remove 5 messages") || !strings.Contains(v, "news@spammer.example") {
		t.Errorf("dialog:\n%s", v)
	}
	// n cancels: nothing changes.
	press(t, m, "n")
	if m.plan != nil || m.summary.Messages != 7 {
		t.Fatalf("after n: plan %v, messages %d", m.plan, m.summary.Messages)
	}
	press(t, m, "d", "y")
	if m.applying || !strings.Contains(m.result, "5 done") || m.summary.Messages != 2 || len(m.marks) != 0 {
		t.Fatalf("after y: applying %v, result %q, messages %d", m.applying, m.result, m.summary.Messages)
	}
	runs, err := filepath.Glob(filepath.Join(qdir, "*", "*"))
	if err != nil || len(runs) == 0 {
		t.Errorf("quarantine holds %v (%v)", runs, err)
	}
}

// TestMarksWhilePlanning changes the marks while the plan of a removal is
// being made: the plan's filter reads the marks themselves, not a copy,
// so the change must go to a copy, and the plan selects the messages
// marked when d was pressed (go test -race checks the reading).
func TestMarksWhilePlanning(t *testing.T) {
	q := testQueue(t)
	m := newTestModel(t, q, engineApplier(q, filepath.Join(t.TempDir(), "qr")))
	press(t, m, "2", "enter", "a")
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{'d'}})
	if cmd == nil {
		t.Fatal("d made no plan")
	}
	planned := make(chan tea.Msg)
	go func() { planned <- cmd() }()
	press(t, m, "space", "space") // unmark the first two while the scan runs
	if len(m.marks) != 3 {
		t.Fatalf("%d marked after unmarking two, want 3", len(m.marks))
	}
	m.Update(<-planned)
	if m.plan == nil || len(m.plan.Items) != 5 {
		t.Fatalf("plan %+v, err %q: want the 5 marked at d", m.plan, m.planErr)
	}
	if m.planning != 0 || m.marksShared {
		t.Errorf("after the plan: planning %d, shared %v", m.planning, m.marksShared)
	}
	press(t, m, "n", "space") // the cursor's row (the third) is unmarked
	if len(m.marks) != 2 {
		t.Errorf("%d marked, want 2", len(m.marks))
	}
}

func TestExpireOne(t *testing.T) {
	q := testQueue(t)
	m := newTestModel(t, q, engineApplier(q, filepath.Join(t.TempDir(), "qr")))
	press(t, m, "3", "e")
	if m.plan == nil || len(m.plan.Items) != 1 || m.plan.Op != qmailqueue.OpExpire {
		t.Fatalf("plan %+v", m.plan)
	}
	id := m.plan.Items[0].Target.ID
	press(t, m, "y")
	if !strings.Contains(m.result, "1 done") {
		t.Fatalf("result %q", m.result)
	}
	msg, err := q.Message(id, qmailqueue.FieldEnvelope)
	if err != nil || !msg.Birth.Before(testNow.Add(-q.Lifetime)) {
		t.Errorf("message %d birth %v after expire (%v)", id, msg.Birth, err)
	}
}

func TestHelpAndQuit(t *testing.T) {
	m := newTestModel(t, testQueue(t), nil)
	press(t, m, "?")
	if !m.help || !strings.Contains(m.View(), "Keys") {
		t.Fatal("no help")
	}
	press(t, m, "x")
	if m.help {
		t.Fatal("help still shown")
	}
	_, cmd := m.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("q")})
	if cmd == nil || cmd() != tea.Quit() || m.ctx.Err() == nil {
		t.Fatal("q does not quit")
	}
}

// TestUnchangedQueueNotRescanned checks that a refresh of an unchanged
// queue compares the directory stamp and skips the scan.
func TestUnchangedQueueNotRescanned(t *testing.T) {
	m := newTestModel(t, testQueue(t), nil)
	msg := m.startScan(false)()
	if r := msg.(scanResult); r.summary != nil {
		t.Error("unchanged queue scanned again")
	}
	m.scanning = false
	os.Remove(filepath.Join(m.q.Dir, "bounce", "nothing")) // no change
	if r := m.startScan(true)().(scanResult); r.summary == nil {
		t.Error("forced refresh did not scan")
	}
}

// TestListSorts checks each order of the message list.
func TestListSorts(t *testing.T) {
	m := newTestModel(t, testQueue(t), nil)
	press(t, m, "3")
	first := func() *qmailqueue.Message { return m.rows[m.entries.ID(0)] }
	if m.sortKey != SortAge || testNow.Sub(first().Birth) != 3*time.Hour {
		t.Errorf("age: first %+v", first())
	}
	press(t, m, "s")
	if m.sortKey != SortSize || first().Sender != "alice@good.example" {
		t.Errorf("size: first %+v", first())
	}
	press(t, m, "s")
	last := m.rows[m.entries.ID(m.entries.Len()-1)]
	if m.sortKey != SortSender || first().Sender != "alice@good.example" || m.rows[m.entries.ID(1)].Sender != "bob@good.example" || last == nil {
		t.Errorf("sender: first %+v", first())
	}
}
