package qmailqueue

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/control"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"golang.org/x/sys/unix"
)

// fixture is a small queue made by the builder, with the original bytes of
// every message's files, to check removals against.
type fixture struct {
	b     *queuetest.Builder
	q     *Queue
	files map[uint64]map[string][]byte // id → kind → content
	locks map[string]unix.Stat_t
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	b := queuetest.NewT(t, queuetest.Options{Split: 7})
	q, err := Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{b: b, q: q, files: map[uint64]map[string][]byte{}, locks: lockStats(t, b.Dir())}
}

func lockStats(t *testing.T, queueDir string) map[string]unix.Stat_t {
	t.Helper()
	out := map[string]unix.Stat_t{}
	for _, name := range []string{"sendmutex", "tcpto", "trigger"} {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(queueDir, "lock", name), &st); err != nil {
			t.Fatal(err)
		}
		out[name] = st
	}
	return out
}

// checkLocks checks that lock/ files kept inode, type, mode, size and mtime.
func (f *fixture) checkLocks(t *testing.T) {
	t.Helper()
	for name, after := range lockStats(t, f.b.Dir()) {
		b := f.locks[name]
		if b.Ino != after.Ino || b.Mode != after.Mode || b.Size != after.Size || b.Mtim != after.Mtim {
			t.Errorf("lock/%s changed", name)
		}
	}
}

func (f *fixture) add(t *testing.T, m queuetest.Message) uint64 {
	t.Helper()
	id, err := f.b.Add(m)
	if err != nil {
		t.Fatal(err)
	}
	f.snapshot(t, id)
	return id
}

func (f *fixture) addBroken(t *testing.T, kind queuetest.Broken, m queuetest.Message) uint64 {
	t.Helper()
	id, err := f.b.AddBroken(kind, m)
	if err != nil {
		t.Fatal(err)
	}
	f.snapshot(t, id)
	return id
}

func (f *fixture) snapshot(t *testing.T, id uint64) {
	t.Helper()
	f.files[id] = map[string][]byte{}
	for _, k := range f.b.Present(id) {
		// Read without touching the atime: qmail's 36 h rule reads it.
		file, err := OpenQueueFile(f.b.Path(k, id), 0, MaxLinksTodo)
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(file)
		file.Close()
		if err != nil {
			t.Fatal(err)
		}
		f.files[id][k] = data
	}
}

// intact reports whether the message's files are exactly as snapshotted.
func (f *fixture) intact(id uint64) bool {
	kinds := f.b.Present(id)
	if len(kinds) != len(f.files[id]) {
		return false
	}
	for _, k := range kinds {
		data, err := os.ReadFile(f.b.Path(k, id))
		if err != nil || !bytes.Equal(data, f.files[id][k]) {
			return false
		}
	}
	return true
}

// plan scans the queue as qq rm plans: every message, with fingerprints.
func (f *fixture) plan(t *testing.T, want ...uint64) []Target {
	t.Helper()
	var targets []Target
	_, err := f.q.Scan(context.Background(), ScanOptions{Fields: FieldFingerprint | FieldHeader}, func(m *Message) error {
		if slices.Contains(want, m.ID) {
			targets = append(targets, TargetOf(m))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(targets, func(a, b Target) int { return int(a.ID) - int(b.ID) })
	return targets
}

var (
	now   = time.Now().Truncate(time.Second)
	spam  = queuetest.Message{Sender: "promo@cheap-meds.example", Header: "Subject: Free Pupil Enlargement", Body: []byte("buy\n"), Birth: now.Add(-48 * time.Hour)}
	other = queuetest.Message{Sender: "alice@example.com", Header: "Subject: lunch", Recipients: []queuetest.Recipient{{Addr: "bob@example.org", Remote: true}}, Birth: now.Add(-time.Hour)}
)

func rcpts(rs ...queuetest.Recipient) []queuetest.Recipient { return rs }

// addSpam adds a spam message with one pending remote recipient.
func (f *fixture) addSpam(t *testing.T) uint64 {
	t.Helper()
	m := spam
	m.Recipients = rcpts(queuetest.Recipient{Addr: "a@victim.example", Remote: true})
	return f.add(t, m)
}

// newRun opens a fresh quarantine and starts a run in it.
func newRun(t *testing.T) (*Quarantine, *QuarantineRun) {
	t.Helper()
	z, err := OpenQuarantine(filepath.Join(t.TempDir(), "quarantine"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { z.Close() })
	run, err := z.NewRun("test", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	return z, run
}

func TestRemoveWithQuarantine(t *testing.T) {
	f := newFixture(t)
	m := spam
	m.Recipients = rcpts(queuetest.Recipient{Addr: "a@victim.example", Remote: true},
		queuetest.Recipient{Addr: "b@victim.example", Remote: true, Done: true},
		queuetest.Recipient{Addr: "vuser-c@virt.example"})
	m.Bounce = "<b@victim.example>:\nSorry. (#5.1.1)\n\n"
	s5 := f.add(t, m)
	m = spam
	m.State = queuetest.Queued
	m.Recipients = rcpts(queuetest.Recipient{Addr: "d@victim.example", Remote: true})
	s4 := f.add(t, m)
	m.State = queuetest.QueuedNoIntd
	s4b := f.add(t, m)
	old := spam
	old.Birth = now.Add(-37 * time.Hour)
	oldS2 := f.addBroken(t, queuetest.MessOnly, old)
	young := spam
	young.Birth = now.Add(-time.Hour)
	youngS3 := f.addBroken(t, queuetest.MessIntd, young)
	m = spam
	m.Recipients = rcpts(queuetest.Recipient{Addr: "e@victim.example", Remote: true})
	noMess := f.addBroken(t, queuetest.InfoNoMess, m)
	keep := f.add(t, other)

	targets := f.plan(t, s5, s4, s4b, oldS2, youngS3, noMess)
	if len(targets) != 6 {
		t.Fatalf("plan found %d of 6 messages", len(targets))
	}
	z, err := OpenQuarantine(filepath.Join(t.TempDir(), "quarantine"))
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	rw := &Rewrite{VirtualDomains: control.NewMap([]control.ListEntry{{Line: 1, Value: "virt.example:vuser"}}, true)}
	run, err := z.NewRun("qq rm --match pupil", rw, now)
	if err != nil {
		t.Fatal(err)
	}
	got := map[uint64]Outcome{}
	stats, err := f.q.Remove(context.Background(), targets, RemoveOptions{Quarantine: run, Now: now, Batch: 2}, func(r Result) {
		got[r.Target.ID] = r.Outcome
		if r.Err != nil {
			t.Errorf("%d: %v", r.Target.ID, r.Err)
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := run.Close(); err != nil {
		t.Fatal(err)
	}
	want := map[uint64]Outcome{s5: Done, s4: Done, s4b: Done, oldS2: Done, youngS3: Refused, noMess: Done}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if stats.Done != 5 || stats.Refused != 1 {
		t.Errorf("stats %+v", stats)
	}
	for id, o := range want {
		kinds := f.b.Present(id)
		if o == Done && len(kinds) != 0 {
			t.Errorf("%d: files left: %v", id, kinds)
		}
	}
	if !f.intact(youngS3) || !f.intact(keep) {
		t.Errorf("a message that was not to be removed changed")
	}
	f.checkLocks(t)

	entries, problems, err := LoadQuarantine(z.Dir)
	if err != nil || len(problems) > 0 {
		t.Fatalf("load quarantine: %v %v", err, problems)
	}
	if len(entries) != 5 {
		t.Fatalf("%d quarantine entries, want 5", len(entries))
	}
	byID := map[uint64]QuarantineEntry{}
	for _, e := range entries {
		byID[e.ID] = e
		if e.Reason != "qq rm --match pupil" || e.Run != run.Name() {
			t.Errorf("%d: reason %q run %q", e.ID, e.Reason, e.Run)
		}
		if e.ID == noMess {
			if e.Mess != "" {
				t.Errorf("info without mess got a mess file %q", e.Mess)
			}
			continue
		}
		data, err := os.ReadFile(e.MessPath(z.Dir))
		if err != nil || !bytes.Equal(data, f.files[e.ID]["mess"]) {
			t.Errorf("%d: quarantined mess differs from the original (%v)", e.ID, err)
		}
		if !e.Linked {
			t.Errorf("%d: copied, not linked, on the same filesystem", e.ID)
		}
	}
	e := byID[s5]
	wantRcpts := []QuarantinedRecipient{
		{Address: "c@virt.example", Channel: "local", QueuedAs: "vuser-c@virt.example"},
		{Address: "a@victim.example", Channel: "remote"},
	}
	if diff := cmp.Diff(wantRcpts, e.Recipients); diff != "" {
		t.Errorf("S5 recipients (-want +got):\n%s", diff)
	}
	if e.Sender != "promo@cheap-meds.example" || e.Done != 1 || !e.Bouncing || e.State != "S5" ||
		e.Subject != "Free Pupil Enlargement" || !e.Birth.Equal(spam.Birth) {
		t.Errorf("S5 entry: %+v", e)
	}
	if r := byID[s4].Recipients; len(r) != 1 || r[0].Address != "d@victim.example" || r[0].Channel != "unknown" {
		t.Errorf("S4 recipients: %+v", r)
	}
	if e.InQueue(f.q) {
		t.Errorf("removed message reported as still in the queue")
	}
}

func TestRemoveWithoutQuarantine(t *testing.T) {
	f := newFixture(t)
	id := f.addSpam(t)
	keep := f.add(t, other)
	stats, err := f.q.Remove(context.Background(), f.plan(t, id), RemoveOptions{}, nil)
	if err != nil || stats.Done != 1 || stats.Bytes != int64(len(f.files[id]["mess"])) {
		t.Fatalf("stats %+v, err %v", stats, err)
	}
	if kinds := f.b.Present(id); len(kinds) > 0 {
		t.Errorf("files left: %v", kinds)
	}
	if !f.intact(keep) {
		t.Errorf("the other message changed")
	}
}

// TestRemoveIDReuse replaces messages between the plan and the removal, the
// way a reused inode number does: the new message must not be removed.
func TestRemoveIDReuse(t *testing.T) {
	f := newFixture(t)
	resent, reused, gone := f.addSpam(t), f.addSpam(t), f.addSpam(t)
	targets := f.plan(t, resent, reused, gone)

	// resent: same inode, but info rewritten (another sender, new ctime).
	if err := os.WriteFile(f.b.Path("info", resent), []byte("Fsomeone@else.example\x00"), 0o600); err != nil {
		t.Fatal(err)
	}
	f.snapshot(t, resent)
	// reused: the message leaves the queue and a new one gets its number.
	for _, k := range f.b.Present(reused) {
		os.Remove(f.b.Path(k, reused))
	}
	gotReuse := false
	for range 50 {
		id := f.add(t, other)
		if id == reused {
			gotReuse = true
			break
		}
	}
	if !gotReuse {
		// The file system did not hand the inode out again: put a new
		// message's files under the old name (what a reuse looks like
		// to a reader: same name, other inode).
		id := f.add(t, other)
		for _, k := range f.b.Present(id) {
			if err := os.Rename(f.b.Path(k, id), f.b.Path(k, reused)); err != nil {
				t.Fatal(err)
			}
		}
	}
	f.snapshot(t, reused)
	// gone: finished by qmail-send meanwhile.
	for _, k := range f.b.Present(gone) {
		os.Remove(f.b.Path(k, gone))
	}

	got := map[uint64]Outcome{}
	_, err := f.q.Remove(context.Background(), targets, RemoveOptions{}, func(r Result) { got[r.Target.ID] = r.Outcome })
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint64]Outcome{resent: Changed, reused: Changed, gone: Vanished}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("outcomes (-want +got):\n%s", diff)
	}
	if !f.intact(resent) || !f.intact(reused) {
		t.Errorf("a replaced message was touched")
	}
	t.Logf("inode reused by the file system: %v", gotReuse)
}

// TestRemoveCancelled stops a removal between batches: every message is
// intact or gone with a quarantine copy, and the error is ctx's.
func TestRemoveCancelled(t *testing.T) {
	f := newFixture(t)
	var ids []uint64
	for range 6 {
		ids = append(ids, f.addSpam(t))
	}
	z, run := newRun(t)
	ctx, cancel := context.WithCancel(context.Background())
	batches := 0
	stats, err := f.q.Remove(ctx, f.plan(t, ids...), RemoveOptions{Quarantine: run, Batch: 2, BeforeUnlink: func([]uint64) {
		batches++
		if batches == 2 {
			cancel()
		}
	}}, nil)
	run.Close()
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if stats.Done != 4 {
		t.Errorf("done %d, want 4 (two batches of 2)", stats.Done)
	}
	entries, _, _ := LoadQuarantine(z.Dir)
	kept := map[uint64]bool{}
	for _, e := range entries {
		kept[e.ID] = true
	}
	for _, id := range ids {
		if !f.intact(id) && (len(f.b.Present(id)) != 0 || !kept[id]) {
			t.Errorf("%d: neither intact nor removed with a quarantine copy", id)
		}
	}
}

// TestQuarantineCopy puts the quarantine on another file system (tmpfs),
// where the mess file cannot be linked and is copied instead.
func TestQuarantineCopy(t *testing.T) {
	if _, err := os.Stat("/dev/shm"); err != nil {
		t.Skip("no /dev/shm")
	}
	dir, err := os.MkdirTemp("/dev/shm", "qq-quarantine-")
	if err != nil {
		t.Skip(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	f := newFixture(t)
	var st1, st2 unix.Stat_t
	if unix.Stat(dir, &st1) != nil || unix.Stat(f.b.Dir(), &st2) != nil || st1.Dev == st2.Dev {
		t.Skip("/dev/shm is on the queue's file system")
	}
	m := spam
	m.Recipients = rcpts(queuetest.Recipient{Addr: "a@victim.example", Remote: true})
	m.Body = bytes.Repeat([]byte("x"), 200000)
	id := f.add(t, m)
	z, err := OpenQuarantine(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	run, err := z.NewRun("test", nil, now)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.q.Remove(context.Background(), f.plan(t, id), RemoveOptions{Quarantine: run}, nil); err != nil {
		t.Fatal(err)
	}
	run.Close()
	entries, _, _ := LoadQuarantine(dir)
	if len(entries) != 1 || entries[0].Linked {
		t.Fatalf("entries %+v, want one copy", entries)
	}
	data, err := os.ReadFile(entries[0].MessPath(dir))
	if err != nil || !bytes.Equal(data, f.files[id]["mess"]) {
		t.Errorf("copy differs from the original")
	}
}

// TestRemoveNoMessIDReused: a message without mess (info without mess)
// does not hold its ID, so qmail-queue may be handed that inode number
// between the re-check and the unlinks. The new message's mess, intd and
// todo must survive; the removal reports the target as Changed.
func TestRemoveNoMessIDReused(t *testing.T) {
	f := newFixture(t)
	m := spam
	m.Recipients = rcpts(queuetest.Recipient{Addr: "e@victim.example", Remote: true})
	noMess := f.addBroken(t, queuetest.InfoNoMess, m)
	targets := f.plan(t, noMess)
	if len(targets) != 1 {
		t.Fatalf("plan found %d of 1 message", len(targets))
	}
	newFiles := []string{f.b.Path("mess", noMess), f.b.Path("intd", noMess), f.b.Path("todo", noMess)}
	got := map[uint64]Outcome{}
	_, err := f.q.Remove(context.Background(), targets, RemoveOptions{BeforeUnlink: func([]uint64) {
		// What qmail-queue does with the number: mess first, then intd
		// and todo.
		for _, p := range newFiles {
			if err := os.WriteFile(p, []byte("new message\n"), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}}, func(r Result) { got[r.Target.ID] = r.Outcome })
	if err != nil {
		t.Fatal(err)
	}
	if got[noMess] != Changed {
		t.Errorf("outcome %v, want Changed", got[noMess])
	}
	for _, p := range newFiles {
		if _, err := os.Lstat(p); err != nil {
			t.Errorf("the new message's %s was removed: %v", p, err)
		}
	}
}
