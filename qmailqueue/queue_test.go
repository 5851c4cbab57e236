package qmailqueue_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

var birth = time.Date(2026, 11, 20, 9, 0, 18, 0, time.UTC)

func scanAll(t *testing.T, q *qmailqueue.Queue, opts qmailqueue.ScanOptions) ([]*qmailqueue.Message, qmailqueue.ScanStats) {
	t.Helper()
	var msgs []*qmailqueue.Message
	stats, err := q.Scan(context.Background(), opts, func(m *qmailqueue.Message) error {
		msgs = append(msgs, m)
		return nil
	})
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return msgs, stats
}

func mustOpen(t *testing.T, dir string) *qmailqueue.Queue {
	t.Helper()
	q, err := qmailqueue.Open(dir)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return q
}

func byID(msgs []*qmailqueue.Message) map[uint64]*qmailqueue.Message {
	m := map[uint64]*qmailqueue.Message{}
	for _, x := range msgs {
		m[x.ID] = x
	}
	return m
}

const all = qmailqueue.FieldSize | qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients

func TestOpenDiscoversLayout(t *testing.T) {
	for _, tc := range []struct {
		split   int
		bigTodo bool
	}{{23, false}, {7, false}, {23, true}, {1, false}} {
		b := queuetest.NewT(t, queuetest.Options{Split: tc.split, BigTodo: tc.bigTodo})
		q := mustOpen(t, b.Dir())
		if q.Split != tc.split || q.BigTodo != tc.bigTodo {
			t.Errorf("split %d big-todo %v: Open found split %d big-todo %v", tc.split, tc.bigTodo, q.Split, q.BigTodo)
		}
		if q.Lifetime != qmailqueue.DefaultLifetime {
			t.Errorf("Lifetime = %v", q.Lifetime)
		}
	}
}

func TestOpenErrors(t *testing.T) {
	tmp := t.TempDir()
	if _, err := qmailqueue.Open(filepath.Join(tmp, "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing dir: %v, want ErrNotExist", err)
	}
	if _, err := qmailqueue.Open(tmp); !errors.Is(err, qmailqueue.ErrNotQueue) || !strings.Contains(err.Error(), "mess/ is missing") {
		t.Errorf("empty dir: %v", err)
	}

	b := queuetest.NewT(t, queuetest.Options{Split: 7})
	if err := os.Remove(filepath.Join(b.Dir(), "info", "6")); err != nil {
		t.Fatal(err)
	}
	if _, err := qmailqueue.Open(b.Dir()); err == nil || !strings.Contains(err.Error(), "split mismatch: mess/ has 7 subdirectories but info/ has 6") {
		t.Errorf("split mismatch: %v", err)
	}

	b = queuetest.NewT(t, queuetest.Options{Split: 7})
	if err := os.Remove(filepath.Join(b.Dir(), "mess", "3")); err != nil {
		t.Fatal(err)
	}
	if _, err := qmailqueue.Open(b.Dir()); err == nil || !strings.Contains(err.Error(), "split subdirectory 3 is missing") {
		t.Errorf("gap in split: %v", err)
	}
}

func TestScanReadsEveryState(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 7})
	multi, err := b.Add(queuetest.Message{
		Sender: "sender@remote.test", Birth: birth,
		Recipients: []queuetest.Recipient{
			{Addr: "good@remote.test", Remote: true, Done: true},
			{Addr: "defer1@remote.test", Remote: true},
			{Addr: "joe@local.test"},
		},
		Header: "Subject: hello\n", Body: []byte("hi\n"),
		Bounce: "<x@local.test>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n",
	})
	if err != nil {
		t.Fatal(err)
	}
	todo, err := b.Add(queuetest.Message{Sender: "", Birth: birth.Add(time.Hour), State: queuetest.Queued, UID: 65534, PID: 18709,
		Recipients: []queuetest.Recipient{{Addr: "a@x.test"}, {Addr: "b@y.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	todoNoIntd, err := b.Add(queuetest.Message{Sender: "s@x.test", State: queuetest.QueuedNoIntd, Recipients: []queuetest.Recipient{{Addr: "a@x.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	messOnly, err := b.AddBroken(queuetest.MessOnly, queuetest.Message{Sender: "s@x.test", Recipients: []queuetest.Recipient{{Addr: "a@x.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	writing, err := b.AddBroken(queuetest.MessIntd, queuetest.Message{Sender: "s@x.test", Recipients: []queuetest.Recipient{{Addr: "a@x.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	broken, err := b.AddBroken(queuetest.InfoNoMess, queuetest.Message{Sender: "lost@x.test", Recipients: []queuetest.Recipient{{Addr: "a@x.test", Remote: true}}})
	if err != nil {
		t.Fatal(err)
	}

	q := mustOpen(t, b.Dir())
	msgs, stats := scanAll(t, q, qmailqueue.ScanOptions{Fields: all})
	if stats.Seen != 6 || stats.Matched != 6 || stats.Vanished != 0 {
		t.Errorf("stats = %+v", stats)
	}
	got := byID(msgs)

	m := got[multi]
	messSt, err := os.Stat(b.Path("mess", multi))
	if err != nil {
		t.Fatal(err)
	}
	want := &qmailqueue.Message{
		ID: multi, Split: int(multi % 7), State: qmailqueue.StatePreprocessed, Birth: birth, Size: messSt.Size(),
		Sender: "sender@remote.test", Bouncing: true, LocalFile: true, RemoteFile: true,
		Recipients: []qmailqueue.Recipient{
			{Address: "joe@local.test", Channel: qmailqueue.ChannelLocal},
			{Address: "good@remote.test", Channel: qmailqueue.ChannelRemote, Done: true},
			{Address: "defer1@remote.test", Channel: qmailqueue.ChannelRemote},
		},
		LocalMtime: birth.Add(100 * time.Second), RemoteMtime: birth.Add(400 * time.Second),
		MessInode: multi, EnvelopeCtime: m.EnvelopeCtime,
	}
	if m.EnvelopeCtime.IsZero() {
		t.Errorf("no envelope ctime")
	}
	if d := cmp.Diff(want, m); d != "" {
		t.Errorf("preprocessed message (-want +got):\n%s", d)
	}

	m = got[todo]
	if m.State != qmailqueue.StateQueued || m.Sender != "" || !m.HasQP || m.QP != "18709" || m.UID != "65534" ||
		!m.Birth.Equal(birth.Add(time.Hour)) || len(m.Recipients) != 2 || m.Recipients[1].Channel != qmailqueue.ChannelUnknown {
		t.Errorf("todo message = %+v", m)
	}
	if got[todoNoIntd].State != qmailqueue.StateQueued {
		t.Errorf("todo without intd: state %v", got[todoNoIntd].State)
	}
	if got[messOnly].State != qmailqueue.StateMessOnly || got[writing].State != qmailqueue.StateWriting {
		t.Errorf("S2/S3 states: %v, %v", got[messOnly].State, got[writing].State)
	}
	if m := got[broken]; m.State != qmailqueue.StateBroken || m.Sender != "lost@x.test" || len(m.Problems) != 1 || m.Problems[0].Msg != "file does not exist" {
		t.Errorf("info without mess = %+v", m)
	}
}

func TestScanOrderFollowsInfoDirectory(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	for range 40 {
		if _, err := b.Add(queuetest.Message{Sender: "s@x.test", Recipients: []queuetest.Recipient{{Addr: "r@y.test", Remote: true}}}); err != nil {
			t.Fatal(err)
		}
	}
	q := mustOpen(t, b.Dir())
	var want []uint64
	for n := range 3 {
		f, err := os.Open(filepath.Join(b.Dir(), "info", string(rune('0'+n))))
		if err != nil {
			t.Fatal(err)
		}
		names, _ := f.Readdirnames(-1)
		f.Close()
		for _, name := range names {
			id, _ := qmailqueue.ParseID(name)
			want = append(want, id)
		}
	}
	for _, workers := range []int{1, 2, 8} {
		msgs, _ := scanAll(t, q, qmailqueue.ScanOptions{Workers: workers, InfoOnly: true})
		var gotIDs []uint64
		for _, m := range msgs {
			gotIDs = append(gotIDs, m.ID)
		}
		if d := cmp.Diff(want, gotIDs); d != "" {
			t.Errorf("workers %d: order (-want +got):\n%s", workers, d)
		}
	}
}

func TestScanReportsBadRecords(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{})
	msg := queuetest.Message{Sender: "s@x.test", Recipients: []queuetest.Recipient{{Addr: "r@y.test", Remote: true}}}
	unknown, err := b.AddBroken(queuetest.UnknownRecordType, msg)
	if err != nil {
		t.Fatal(err)
	}
	partial, err := b.AddBroken(queuetest.PartialRecord, msg)
	if err != nil {
		t.Fatal(err)
	}
	empty, err := b.AddBroken(queuetest.EmptyInfo, msg)
	if err != nil {
		t.Fatal(err)
	}
	noF, err := b.AddBroken(queuetest.InfoWithoutF, msg)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := scanAll(t, mustOpen(t, b.Dir()), qmailqueue.ScanOptions{Fields: all})
	got := byID(msgs)
	for id, want := range map[uint64]string{unknown: "unknown record type", partial: "trailing partial record", empty: "empty, no F record", noF: "not F"} {
		m := got[id]
		if m == nil {
			t.Errorf("message %d not scanned", id)
			continue
		}
		found := slices.ContainsFunc(m.Problems, func(p qmailqueue.Problem) bool { return strings.Contains(p.Msg, want) })
		if !found {
			t.Errorf("message %d: problems %v, want one containing %q", id, m.Problems, want)
		}
	}
	if len(got[unknown].Recipients) == 0 {
		t.Errorf("recipients around an unknown record are still listed")
	}
}

func TestScanBigTodo(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 5, BigTodo: true})
	id, err := b.Add(queuetest.Message{Sender: "s@x.test", State: queuetest.Queued, Recipients: []queuetest.Recipient{{Addr: "r@y.test"}}})
	if err != nil {
		t.Fatal(err)
	}
	q := mustOpen(t, b.Dir())
	msgs, _ := scanAll(t, q, qmailqueue.ScanOptions{Fields: all})
	if len(msgs) != 1 || msgs[0].ID != id || msgs[0].State != qmailqueue.StateQueued || msgs[0].Sender != "s@x.test" {
		t.Fatalf("big-todo scan = %+v", msgs)
	}
	mess, todo, err := q.QstatCounts(context.Background())
	if err != nil || mess != 1 || todo != 1 {
		t.Errorf("QstatCounts = %d, %d, %v; want 1, 1", mess, todo, err)
	}
}

func TestMessageLookup(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{})
	id, err := b.Add(queuetest.Message{Sender: "s@x.test", Birth: birth, Header: "Subject: =?UTF-8?B?R3LDvMOfZQ==?=\nFrom: =?ISO-8859-1?Q?Andr=E9?= <a@x.test>\n",
		Recipients: []queuetest.Recipient{{Addr: "r@y.test", Remote: true}}})
	if err != nil {
		t.Fatal(err)
	}
	q := mustOpen(t, b.Dir())
	m, err := q.Message(id, all|qmailqueue.FieldHeader)
	if err != nil {
		t.Fatal(err)
	}
	if m.Sender != "s@x.test" || !m.Birth.Equal(birth) || m.Header.Subject() != "Grüße" || m.Header.Get("from") != "André <a@x.test>" {
		t.Errorf("Message = %+v, subject %q, from %q", m, m.Header.Subject(), m.Header.Get("from"))
	}
	if !strings.HasPrefix(m.Header.Fields()[0].Name, "Received") {
		t.Errorf("first header is %q, want qmail-queue's Received", m.Header.Fields()[0].Name)
	}
	if _, err := q.Message(id+1000000, all); !errors.Is(err, qmailqueue.ErrNotFound) {
		t.Errorf("unknown ID: %v", err)
	}
}

func TestSummarize(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	add := func(m queuetest.Message) {
		t.Helper()
		if _, err := b.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	local := []queuetest.Recipient{{Addr: "a@l.test"}}
	remote := []queuetest.Recipient{{Addr: "b@r.test", Remote: true}}
	add(queuetest.Message{Sender: "s@x.test", Birth: birth, Recipients: local})
	add(queuetest.Message{Sender: "s@x.test", Birth: birth.Add(-time.Hour), Recipients: remote, Bounce: "<c@l.test>:\nno.\n\n"})
	add(queuetest.Message{Sender: "s@x.test", Birth: birth, Recipients: append(local, remote...)})
	add(queuetest.Message{Sender: "s@x.test", Birth: birth, State: queuetest.Queued, Recipients: local})
	q := mustOpen(t, b.Dir())
	s, err := q.Summarize(context.Background(), nil, true)
	if err != nil {
		t.Fatal(err)
	}
	if s.Messages != 4 || s.ByState[qmailqueue.StatePreprocessed] != 3 || s.ByState[qmailqueue.StateQueued] != 1 ||
		s.LocalPending != 2 || s.RemotePending != 2 || s.Bouncing != 1 || !s.Oldest.Equal(birth.Add(-time.Hour)) || s.Bytes <= 0 {
		t.Errorf("Summary = %+v", s)
	}
	mess, todo, err := q.QstatCounts(context.Background())
	if err != nil || mess != 4 || todo != 1 {
		t.Errorf("QstatCounts = %d, %d, %v", mess, todo, err)
	}
}

// SummarizeEach gives Summarize's full summary and passes every counted
// message, with the extra fields read, to its callback; the callback's
// error stops the scan.
func TestSummarizeEach(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	for i := range 10 {
		if _, err := b.Add(queuetest.Message{Sender: fmt.Sprintf("s%d@x.test", i), Recipients: []queuetest.Recipient{{Addr: "a@l.test"}}}); err != nil {
			t.Fatal(err)
		}
	}
	q := mustOpen(t, b.Dir())
	ctx := context.Background()
	want, err := q.Summarize(ctx, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	senders := map[string]bool{}
	got, err := q.SummarizeEach(ctx, nil, qmailqueue.FieldEnvelope, func(m *qmailqueue.Message) error {
		senders[m.Sender] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("SummarizeEach differs from Summarize (-want +got):\n%s", d)
	}
	if len(senders) != 10 {
		t.Errorf("callback saw %d senders, want 10", len(senders))
	}
	stop := errors.New("stop")
	n := 0
	if _, err := q.SummarizeEach(ctx, nil, 0, func(*qmailqueue.Message) error { n++; return stop }); !errors.Is(err, stop) || n != 1 {
		t.Errorf("callback error: got %v after %d messages, want %v after 1", err, n, stop)
	}
}

// The listing-only counts of qq stat agree with a full scan on every state,
// including the broken ones.
func TestCountStatesAgreesWithScan(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 5})
	msg := queuetest.Message{Sender: "s@x.test", Recipients: []queuetest.Recipient{{Addr: "l@l.test"}, {Addr: "r@r.test", Remote: true}}}
	for i := range 30 {
		m := msg
		if i%4 == 0 {
			m.Bounce = "<x@y>:\nno.\n\n"
		}
		if i%5 == 0 {
			m.State = queuetest.Queued
		}
		if _, err := b.Add(m); err != nil {
			t.Fatal(err)
		}
	}
	for _, k := range []queuetest.Broken{queuetest.MessOnly, queuetest.MessIntd, queuetest.InfoNoMess, queuetest.InfoAndTodo, queuetest.LocalNoInfo} {
		if _, err := b.AddBroken(k, msg); err != nil {
			t.Fatal(err)
		}
	}
	q := mustOpen(t, b.Dir())
	fast, err := q.Summarize(context.Background(), nil, false)
	if err != nil {
		t.Fatal(err)
	}
	slow, err := q.Summarize(context.Background(), qmailqueue.NewFilter(), true)
	if err != nil {
		t.Fatal(err)
	}
	slow.Sized, slow.Bytes, slow.Oldest, slow.OldestID = false, 0, time.Time{}, 0
	if d := cmp.Diff(slow, fast); d != "" {
		t.Errorf("listing counts differ from the scan (-scan +counts):\n%s", d)
	}
}

func TestRecoverTo(t *testing.T) {
	done := make(chan error)
	go func() {
		var err error
		defer func() { done <- err }()
		defer qmailqueue.RecoverTo(&err)
		var s []int
		_ = s[3]
	}()
	err := <-done
	var p *qmailqueue.PanicError
	if !errors.As(err, &p) || !strings.HasPrefix(err.Error(), "internal error: runtime error: index out of range") || !bytes.Contains(p.Stack, []byte("TestRecoverTo")) {
		t.Fatalf("got %v", err)
	}
}

// A panic in a scan worker (here a bug planted in the filter: a header
// criterion without its regular expression) ends the scan with a
// *PanicError in the caller's goroutine instead of ending the process.
func TestScanWorkerPanicIsAnError(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	for range 5 {
		if _, err := b.Add(queuetest.Message{Sender: "a@b.example", Recipients: []queuetest.Recipient{{Addr: "c@d.example", Remote: true}},
			Header: "Subject: hi\n"}); err != nil {
			t.Fatal(err)
		}
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	f := qmailqueue.NewFilter()
	f.Headers = []qmailqueue.HeaderMatch{{Name: "Subject"}}
	_, err = q.Scan(context.Background(), qmailqueue.ScanOptions{Filter: f, Workers: 2}, func(*qmailqueue.Message) error { return nil })
	var p *qmailqueue.PanicError
	if !errors.As(err, &p) || !strings.Contains(err.Error(), "internal error") || len(p.Stack) == 0 {
		t.Fatalf("Scan = %v, want a *PanicError", err)
	}
}
