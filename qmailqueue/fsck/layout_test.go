package fsck

import (
	"context"
	iofs "io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"golang.org/x/sys/unix"
)

// TestLayout breaks the directories and lock files of a queue: missing
// split subdirectories and directories, missing lock files, an extra split
// subdirectory holding a message file, a stray file. A repair recreates
// what hier.c makes and moves the file; the stray stays.
func TestLayout(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 5})
	id, err := b.Add(testMessage("a@example.org", testBirth))
	if err != nil {
		t.Fatal(err)
	}
	want := deliverable(t, b.Dir())
	dir := b.Dir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	empty := (id + 1) % 5 // a split subdirectory without our message
	must(os.Remove(filepath.Join(dir, "local", itoa(empty))))
	must(os.Remove(filepath.Join(dir, "bounce")))
	must(os.Remove(filepath.Join(dir, "lock", "trigger")))
	must(os.Remove(filepath.Join(dir, "lock", "tcpto")))
	must(os.Mkdir(filepath.Join(dir, "mess", "5"), 0o750))
	must(os.Rename(b.Path("mess", id), filepath.Join(dir, "mess", "5", idString(id))))
	must(os.WriteFile(filepath.Join(dir, "info", "1", "core"), []byte("x"), 0o600))

	r, findings := checkQueue(t, dir, Options{})
	if r.Split != 5 {
		t.Errorf("split %d, want 5", r.Split)
	}
	wantCodes := []string{"error missing-dir", "error missing-dir", "error lock-missing", "error lock-missing",
		"info stray", "error wrong-split", "warning extra-split-dir"}
	if diff := cmp.Diff(wantCodes, codes(findings)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s\n%s", diff, describe(findings))
	}
	_, _, log := repairQueue(t, dir, Options{})
	r, findings = checkQueue(t, dir, Options{})
	if diff := cmp.Diff([]string{"info stray"}, codes(findings)); diff != "" {
		t.Errorf("after repair (-want +got):\n%s\nlog:\n%s", diff, strings.Join(log, "\n"))
	}
	if !r.Clean() {
		t.Error("not clean")
	}
	if diff := cmp.Diff(want, deliverable(t, dir)); diff != "" {
		t.Errorf("messages (-want +got):\n%s", diff)
	}
	for _, c := range []struct {
		rel  string
		mode iofs.FileMode
		typ  uint32
		size int64
	}{
		{"local/" + itoa(empty), 0o700, unix.S_IFDIR, -1},
		{"bounce", 0o700, unix.S_IFDIR, -1},
		{"lock/trigger", 0o622, unix.S_IFIFO, 0},
		{"lock/tcpto", 0o644, unix.S_IFREG, 1024},
	} {
		var st unix.Stat_t
		if err := unix.Lstat(filepath.Join(dir, c.rel), &st); err != nil {
			t.Errorf("%s: %v", c.rel, err)
			continue
		}
		if st.Mode&unix.S_IFMT != c.typ || iofs.FileMode(st.Mode&0o7777) != c.mode || (c.size >= 0 && st.Size != c.size) {
			t.Errorf("%s: mode %o size %d, want type %o mode %o size %d", c.rel, st.Mode, st.Size, c.typ, c.mode, c.size)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "mess", "5")); err == nil {
		t.Error("mess/5 is still there")
	}
	if _, err := qmailqueue.Open(dir); err != nil {
		t.Errorf("the reader cannot open the repaired queue: %v", err)
	}
}

func itoa(n uint64) string { return idString(n) }

// TestLockFilesNeverTouched: lock files of the wrong type, size or mode
// are reported and never changed by a repair.
func TestLockFilesNeverTouched(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	dir := b.Dir()
	trigger := filepath.Join(dir, "lock", "trigger")
	if err := os.Remove(trigger); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(trigger, nil, 0o622); err != nil {
		t.Fatal(err)
	}
	tcpto := filepath.Join(dir, "lock", "tcpto")
	if err := os.Truncate(tcpto, 10); err != nil {
		t.Fatal(err)
	}
	mutex := filepath.Join(dir, "lock", "sendmutex")
	if err := os.Chmod(mutex, 0o644); err != nil {
		t.Fatal(err)
	}
	var before []unix.Stat_t
	for _, p := range []string{trigger, tcpto, mutex} {
		var st unix.Stat_t
		unix.Lstat(p, &st)
		before = append(before, st)
	}
	_, fs := checkQueue(t, dir, Options{})
	want := []string{"error lock-type", "error lock-mode", "error lock-type"}
	if diff := cmp.Diff(want, codes(fs)); diff != "" {
		t.Fatalf("findings (-want +got):\n%s\n%s", diff, describe(fs))
	}
	for _, f := range fs {
		if len(f.Actions) != 0 || !strings.HasPrefix(f.Repair, "none: qq never changes an existing lock file") {
			t.Errorf("%s: actions %v, repair %q", f.Code, f.Actions, f.Repair)
		}
	}
	repairQueue(t, dir, Options{})
	for i, p := range []string{trigger, tcpto, mutex} {
		var st unix.Stat_t
		unix.Lstat(p, &st)
		if st.Ino != before[i].Ino || st.Mode != before[i].Mode || st.Size != before[i].Size || st.Mtim != before[i].Mtim {
			t.Errorf("%s changed", p)
		}
	}
}

// TestSplitDiscovery: a non-prime split is a warning; a split subdirectory
// missing from mess/ does not hide the split the other directories agree
// on.
func TestSplitDiscovery(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 4})
	if err := os.Remove(filepath.Join(b.Dir(), "mess", "3")); err != nil {
		t.Fatal(err)
	}
	r, findings := checkQueue(t, b.Dir(), Options{})
	if r.Split != 4 {
		t.Errorf("split %d, want 4", r.Split)
	}
	if diff := cmp.Diff([]string{"warning split-not-prime", "error missing-dir"}, codes(findings)); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	// A whole split directory missing: created with its subdirectories.
	if err := os.RemoveAll(filepath.Join(b.Dir(), "local")); err != nil {
		t.Fatal(err)
	}
	if _, findings := checkQueue(t, b.Dir(), Options{}); len(findings) != 3 || len(findings[1].Files) != 5 || findings[1].Files[0] != "local" {
		t.Errorf("local/ missing:\n%s", describe(findings))
	}
	repairQueue(t, b.Dir(), Options{})
	if _, findings := checkQueue(t, b.Dir(), Options{}); len(findings) != 1 || findings[0].Code != CodeSplitNotPrime {
		t.Errorf("after repair:\n%s", describe(findings))
	}
	if r, _ := checkQueue(t, b.Dir(), Options{Split: 6}); r.Split != 6 {
		t.Errorf("given split ignored: %d", r.Split)
	}
	empty := t.TempDir()
	for _, d := range []string{"mess", "info", "lock"} {
		os.Mkdir(filepath.Join(empty, d), 0o700)
	}
	if _, _, err := CheckAll(context.Background(), empty, Options{Owners: selfOwners()}); err == nil || !strings.Contains(err.Error(), "cannot tell the split") {
		t.Errorf("no split subdirectories: err %v", err)
	}
	if _, _, err := CheckAll(context.Background(), t.TempDir(), Options{Owners: selfOwners()}); err == nil || !strings.Contains(err.Error(), "not a qmail queue") {
		t.Errorf("empty directory: err %v", err)
	}
}

// testOwners are made-up ids, as on a machine whose qmail users differ.
var testOwners = queuetest.Owners{Qmailq: 5001, Qmails: 5002, Qmailr: 5003, Qmail: 5004}

func fsckOwners(o queuetest.Owners) *Owners {
	return &Owners{Qmailq: o.Qmailq, Qmails: o.Qmails, Qmailr: o.Qmailr, Qmail: o.Qmail}
}

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root to give files made-up owners")
	}
}

// TestOwnersModes gives files and directories wrong owners and modes; a
// repair restores those of docs/queue.md §1.1 and §3.8, except on lock files.
func TestOwnersModes(t *testing.T) {
	needRoot(t)
	b := queuetest.NewT(t, queuetest.Options{Split: 5, Owners: &testOwners})
	id, err := b.Add(testMessage("a@example.org", testBirth))
	if err != nil {
		t.Fatal(err)
	}
	queued := testMessage("q@example.org", testBirth)
	queued.State = queuetest.Queued
	qid, err := b.Add(queued)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Owners: fsckOwners(testOwners)}
	if r, findings := checkQueue(t, b.Dir(), opts); !r.Clean() || len(findings) != 0 {
		t.Fatalf("fresh queue:\n%s", describe(findings))
	}
	dir := b.Dir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Lchown(b.Path("mess", id), 0, 0))                      // spawn refuses: error
	must(os.Chmod(b.Path("info", id), 0o644))                      // wider: warning
	must(os.Chmod(b.Path("remote", id), 0o400))                    // narrower: error
	must(os.Lchown(b.Path("todo", qid), 5001, 0))                  // group of todo is the caller's: fine
	must(os.Lchown(filepath.Join(dir, "info", "2"), 0, 0))         // dir owner
	must(os.Chmod(filepath.Join(dir, "todo"), 0o755))              // dir mode wider
	must(os.Chmod(filepath.Join(dir, "lock", "sendmutex"), 0o640)) // never repaired

	_, findings := checkQueue(t, dir, opts)
	want := []string{"error dir-owner", "warning dir-mode", "error lock-mode",
		"error file-owner", "error file-mode"}
	if diff := cmp.Diff(sorted(want), sorted(codes(findings))); diff != "" {
		t.Fatalf("findings (-want +got):\n%s\n%s", diff, describe(findings))
	}
	_, _, log := repairQueue(t, dir, opts)
	_, findings = checkQueue(t, dir, opts)
	if diff := cmp.Diff([]string{"error lock-mode"}, codes(findings)); diff != "" {
		t.Errorf("after repair (-want +got):\n%s\nlog:\n%s", diff, strings.Join(log, "\n"))
	}
	for _, c := range []struct {
		path     string
		uid, gid uint32
		mode     iofs.FileMode
	}{
		{b.Path("mess", id), 5001, 0, 0o644}, // group: the caller's, as qmail-queue leaves it
		{b.Path("info", id), 5002, 5004, 0o600},
		{b.Path("remote", id), 5002, 5004, 0o600},
		{filepath.Join(dir, "info", "2"), 5002, 5004, 0o700},
		{filepath.Join(dir, "todo"), 5001, 5004, 0o750},
		{filepath.Join(dir, "lock", "sendmutex"), 5002, 5004, 0o640},
	} {
		var st unix.Stat_t
		must(unix.Lstat(c.path, &st))
		if st.Uid != c.uid || st.Gid != c.gid || iofs.FileMode(st.Mode&0o7777) != c.mode {
			t.Errorf("%s: %d:%d %o, want %d:%d %o", c.path, st.Uid, st.Gid, st.Mode&0o7777, c.uid, c.gid, c.mode)
		}
	}
}

func sorted(s []string) []string {
	s = append([]string(nil), s...)
	sort.Strings(s)
	return s
}

// TestOwnersFromQueue: with qmail's users unknown here, the owners of the
// queue's own directories are the reference, and a note says so.
func TestOwnersFromQueue(t *testing.T) {
	needRoot(t)
	b := queuetest.NewT(t, queuetest.Options{Split: 3, Owners: &testOwners})
	id, err := b.Add(testMessage("a@example.org", testBirth))
	if err != nil {
		t.Fatal(err)
	}
	r, fs, err := CheckAll(context.Background(), b.Dir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 0 || r.Owners != *fsckOwners(testOwners) {
		t.Errorf("owners %+v, findings:\n%s", r.Owners, describe(fs))
	}
	if len(r.Notes) != 1 || !strings.Contains(r.Notes[0], "qmails = owner of info/ (5002)") {
		t.Errorf("notes %q", r.Notes)
	}
	if err := os.Lchown(b.Path("local", id), 5001, 5004); err != nil {
		t.Fatal(err)
	}
	_, fs, _ = CheckAll(context.Background(), b.Dir(), Options{})
	if diff := cmp.Diff([]string{"error file-owner"}, codes(fs)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// walkTree describes every file under dir: path, type, mode, owner, size.
func walkTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(path string, d iofs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		var st unix.Stat_t
		if err := unix.Lstat(path, &st); err != nil {
			return err
		}
		out = append(out, strings.Join([]string{rel, typeName(st.Mode), iofs.FileMode(st.Mode & 0o7777).String(),
			itoa(uint64(st.Uid)), itoa(uint64(st.Gid)), itoa(uint64(st.Size * int64(st.Mode&unix.S_IFMT/unix.S_IFREG&1)))}, " "))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestCreate makes queues as hier.c does and compares them with the
// builder's (an independent rendering of hier.c).
func TestCreate(t *testing.T) {
	var owners *queuetest.Owners
	o := UnknownOwners
	if os.Geteuid() == 0 {
		owners, o = &testOwners, *fsckOwners(testOwners)
	}
	for _, bigTodo := range []bool{false, true} {
		base := t.TempDir()
		want := filepath.Join(base, "want")
		wb, err := queuetest.New(want, queuetest.Options{Split: 7, BigTodo: bigTodo, Owners: owners})
		if err != nil {
			t.Fatal(err)
		}
		wb.Close()
		got := filepath.Join(base, "got")
		var log []string
		if err := Create(got, CreateOptions{Split: 7, BigTodo: bigTodo, Owners: o, Log: func(s Step) { log = append(log, s.String()) }}); err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(walkTree(t, want), walkTree(t, got)); diff != "" {
			t.Errorf("big-todo %v (-builder +Create):\n%s", bigTodo, diff)
		}
		if !strings.HasPrefix(log[0], "done: mkdir . (") || !strings.HasPrefix(log[len(log)-1], "done: mkfifo lock/trigger") {
			t.Errorf("log: %q … %q", log[0], log[len(log)-1])
		}
		q, err := qmailqueue.Open(got)
		if err != nil || q.Split != 7 || q.BigTodo != bigTodo {
			t.Errorf("reader: %v %+v", err, q)
		}
		if err := Create(got, CreateOptions{Split: 7}); err == nil || !strings.Contains(err.Error(), "not empty") {
			t.Errorf("create over a queue: %v", err)
		}
	}
}

// TestResplit moves a queue to another split and back, as qmail-upq does.
func TestResplit(t *testing.T) {
	for _, bigTodo := range []bool{false, true} {
		dir := filepath.Join(t.TempDir(), "queue")
		if _, err := queuetest.Sample(dir, queuetest.SampleOptions{Count: 150, Seed: 5, Split: 5, BigTodo: bigTodo, NoLargeMessage: true}); err != nil {
			t.Fatal(err)
		}
		want := deliverable(t, dir)
		for _, split := range []int{11, 3} {
			plan, err := PlanResplit(dir, split)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := plan.Execute(context.Background(), ExecOptions{}); err != nil {
				t.Fatal(err)
			}
			q, err := qmailqueue.Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			if q.Split != split || q.BigTodo != bigTodo {
				t.Errorf("after resplit: split %d big-todo %v", q.Split, q.BigTodo)
			}
			if r, fs := checkQueue(t, dir, Options{}); !r.Clean() {
				t.Errorf("resplit %d: not clean:\n%s", split, describe(fs))
			}
			if diff := cmp.Diff(want, deliverable(t, dir)); diff != "" {
				t.Errorf("resplit %d: (-want +got):\n%s", split, diff)
			}
		}
	}
}

// TestTransient: states that may pass while qmail runs are marked so.
func TestTransient(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	if _, err := b.AddBroken(queuetest.InfoAndTodo, testMessage("a@example.org", testBirth)); err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddBroken(queuetest.MessOnly, testMessage("b@example.org", testBirth)); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		running Running
		want    map[Code]bool
	}{
		{RunningNo, map[Code]bool{CodeInfoAndTodo: false, CodeOrphanYoung: true}},
		{RunningYes, map[Code]bool{CodeInfoAndTodo: true, CodeOrphanYoung: true}},
	} {
		_, fs := checkQueue(t, b.Dir(), Options{QmailSend: c.running})
		got := map[Code]bool{}
		for _, f := range fs {
			got[f.Code] = f.Transient
		}
		if diff := cmp.Diff(c.want, got); diff != "" {
			t.Errorf("running %s (-want +got):\n%s", c.running, diff)
		}
	}
}

// TestProbeQmailSend finds a lock on lock/sendmutex in the kernel's lock
// table without opening the file.
func TestProbeQmailSend(t *testing.T) {
	if _, err := os.Stat(procLocks); err != nil {
		t.Skip("no /proc/locks here")
	}
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	if r, err := ProbeQmailSend(b.Dir()); err != nil || r != RunningNo {
		t.Fatalf("unlocked: %s %v", r, err)
	}
	f, err := os.OpenFile(filepath.Join(b.Dir(), "lock", "sendmutex"), os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		t.Fatal(err)
	}
	if r, err := ProbeQmailSend(b.Dir()); err != nil || r != RunningYes {
		t.Errorf("locked: %s %v", r, err)
	}
	os.Remove(filepath.Join(b.Dir(), "lock", "sendmutex"))
	if r, _ := ProbeQmailSend(b.Dir()); r != RunningUnknown {
		t.Errorf("missing sendmutex: %s", r)
	}
}
