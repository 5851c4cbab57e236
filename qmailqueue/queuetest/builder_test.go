package queuetest

import (
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// birth is the time of the example run in docs/queue.md §3.2.
var birth = time.Date(2026, 11, 22, 9, 0, 12, 0, time.UTC)

func stat(t *testing.T, path string) (fs.FileInfo, *syscall.Stat_t) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi, fi.Sys().(*syscall.Stat_t)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, _ := stat(t, path)
	if got := fi.Mode(); got != want {
		t.Errorf("%s: mode %v, want %v", path, got, want)
	}
}

func wantMtime(t *testing.T, path string, want time.Time) {
	t.Helper()
	fi, _ := stat(t, path)
	if !fi.ModTime().Equal(want) {
		t.Errorf("%s: mtime %v, want %v", path, fi.ModTime().UTC(), want.UTC())
	}
}

func wantAbsent(t *testing.T, path string) {
	t.Helper()
	if _, err := os.Lstat(path); err == nil {
		t.Errorf("%s exists, want it absent", path)
	}
}

// subdirs returns the sorted names of the directories in dir.
func subdirs(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		if e.IsDir() {
			names = append(names, e.Name())
		}
	}
	return names
}

func numbered(n int) []string {
	var names []string
	for i := range n {
		names = append(names, strconv.Itoa(i))
	}
	// ReadDir sorts by name: "0", "1", "10", "11", ...
	slices.Sort(names)
	return names
}

func TestNewLayout(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"default", Options{}},
		{"split7-bigtodo", Options{Split: 7, BigTodo: true}},
		{"split1", Options{Split: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewT(t, tc.opts)
			split := tc.opts.Split
			if split == 0 {
				split = 23
			}
			if b.Split() != split || b.BigTodo() != tc.opts.BigTodo {
				t.Fatalf("Split() = %d, BigTodo() = %v", b.Split(), b.BigTodo())
			}
			wantMode(t, b.Dir(), fs.ModeDir|0o750)
			if diff := cmp.Diff([]string{"bounce", "info", "intd", "local", "lock", "mess", "pid", "remote", "todo"}, subdirs(t, b.Dir())); diff != "" {
				t.Errorf("queue/ (-want +got):\n%s", diff)
			}
			modes := map[string]fs.FileMode{
				"pid": 0o700, "intd": 0o700, "todo": 0o750, "bounce": 0o700, "mess": 0o750,
				"info": 0o700, "local": 0o700, "remote": 0o700, "lock": 0o750,
			}
			for name, mode := range modes {
				dir := filepath.Join(b.Dir(), name)
				wantMode(t, dir, fs.ModeDir|mode)
				var want []string
				switch name {
				case "mess", "info", "local", "remote":
					want = numbered(split)
				case "todo", "intd":
					if tc.opts.BigTodo {
						want = numbered(split)
					}
				}
				if diff := cmp.Diff(want, subdirs(t, dir)); diff != "" {
					t.Errorf("%s/ subdirectories (-want +got):\n%s", name, diff)
				}
				for _, sub := range want {
					wantMode(t, filepath.Join(dir, sub), fs.ModeDir|mode)
				}
			}
			lock := filepath.Join(b.Dir(), "lock")
			wantMode(t, filepath.Join(lock, "sendmutex"), 0o600)
			wantMode(t, filepath.Join(lock, "tcpto"), 0o644)
			wantMode(t, filepath.Join(lock, "trigger"), fs.ModeNamedPipe|0o622)
			if got := readFile(t, filepath.Join(lock, "sendmutex")); got != "" {
				t.Errorf("sendmutex holds %q", got)
			}
			if got := readFile(t, filepath.Join(lock, "tcpto")); got != strings.Repeat("\x00", 1024) {
				t.Errorf("tcpto is %d bytes, not 1024 NULs", len(got))
			}
		})
	}
}

func TestNewUmaskDoesNotMatter(t *testing.T) {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	b := NewT(t, Options{Split: 2})
	wantMode(t, filepath.Join(b.Dir(), "lock", "trigger"), fs.ModeNamedPipe|0o622)
	wantMode(t, filepath.Join(b.Dir(), "mess"), fs.ModeDir|0o750)
	id, err := b.Add(Message{Sender: "a@b.example", Recipients: []Recipient{{Addr: "c@d.example", Remote: true}}})
	if err != nil {
		t.Fatal(err)
	}
	wantMode(t, b.Path("mess", id), 0o644)
}

func TestNewRefusesNonEmptyDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := New(dir, Options{}); err == nil || !strings.Contains(err.Error(), "not empty") {
		t.Errorf("New on a non-empty dir: err = %v", err)
	}
	if _, err := New(filepath.Join(dir, "no", "parent"), Options{}); err == nil {
		t.Error("New without a parent directory succeeded")
	}
	if _, err := New(filepath.Join(dir, "q"), Options{Split: -1}); err == nil {
		t.Error("New with a negative split succeeded")
	}
	empty := filepath.Join(dir, "empty")
	if err := os.Mkdir(empty, 0o777); err != nil {
		t.Fatal(err)
	}
	b, err := New(empty, Options{Split: 3})
	if err != nil {
		t.Fatalf("New on an empty dir: %v", err)
	}
	wantMode(t, b.Dir(), fs.ModeDir|0o750)
}

// The example message of docs/queue.md §3.5 and §3.7.
func specMessage() Message {
	return Message{
		Sender: "sender@remote.test",
		Recipients: []Recipient{
			{Addr: "good@remote.test", Remote: true, Done: true},
			{Addr: "defer1@remote.test", Remote: true},
			{Addr: "good2@remote.test", Remote: true, Done: true},
			{Addr: "test@local.test"},
			{Addr: "nosuchbox@local.test", Done: true},
		},
		Header: "Subject: test\nTo: good@remote.test",
		Body:   []byte("Hello.\n"),
		Birth:  birth,
		UID:    65534,
		PID:    18709,
		Bounce: "<nosuchbox@local.test>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n",
	}
}

func TestAddPreprocessed(t *testing.T) {
	b := NewT(t, Options{})
	id, err := b.Add(specMessage())
	if err != nil {
		t.Fatal(err)
	}
	n := strconv.FormatUint(id%23, 10)
	name := strconv.FormatUint(id, 10)
	mess := filepath.Join(b.Dir(), "mess", n, name)
	if b.Path("mess", id) != mess {
		t.Errorf("Path(mess) = %s, want %s", b.Path("mess", id), mess)
	}
	_, st := stat(t, mess)
	if st.Ino != id {
		t.Errorf("mess inode %d, name %d", st.Ino, id)
	}
	if st.Nlink != 1 {
		t.Errorf("mess has %d links", st.Nlink)
	}
	wantMode(t, mess, 0o644)
	wantMtime(t, mess, birth)
	want := "Received: (qmail 18709 invoked by uid 65534); 22 Nov 2026 09:00:12 -0000\n" +
		"Subject: test\nTo: good@remote.test\n\nHello.\n"
	if got := readFile(t, mess); got != want {
		t.Errorf("mess:\n%q\nwant\n%q", got, want)
	}

	files := map[string]struct {
		content string
		mtime   time.Time
	}{
		"info":   {"Fsender@remote.test\x00", birth},
		"remote": {"Dgood@remote.test\x00Tdefer1@remote.test\x00Dgood2@remote.test\x00", birth.Add(400 * time.Second)},
		"local":  {"Ttest@local.test\x00Dnosuchbox@local.test\x00", birth.Add(100 * time.Second)},
		"bounce": {"<nosuchbox@local.test>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n", birth},
	}
	for kind, f := range files {
		path := b.Path(kind, id)
		if got := readFile(t, path); got != f.content {
			t.Errorf("%s = %q, want %q", kind, got, f.content)
		}
		wantMode(t, path, 0o600)
		wantMtime(t, path, f.mtime)
	}
	if b.Path("bounce", id) != filepath.Join(b.Dir(), "bounce", name) {
		t.Errorf("bounce is split: %s", b.Path("bounce", id))
	}
	wantAbsent(t, b.Path("intd", id))
	wantAbsent(t, b.Path("todo", id))
	if entries, _ := os.ReadDir(filepath.Join(b.Dir(), "pid")); len(entries) != 0 {
		t.Errorf("pid/ is not empty: %v", entries)
	}
	got, err := b.Files(id)
	if err != nil {
		t.Fatal(err)
	}
	wantFiles := []string{"bounce/" + name, "info/" + n + "/" + name, "local/" + n + "/" + name, "mess/" + n + "/" + name, "remote/" + n + "/" + name}
	if diff := cmp.Diff(wantFiles, got); diff != "" {
		t.Errorf("Files (-want +got):\n%s", diff)
	}
}

func TestAddChannelsOnlyWhenNeeded(t *testing.T) {
	b := NewT(t, Options{Split: 3})
	id, err := b.Add(Message{Sender: "", Recipients: []Recipient{{Addr: "a@x.example", Remote: true}}, Birth: birth, Invoked: "for bounce"})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, b.Path("info", id)); got != "F\x00" {
		t.Errorf("info of the null sender = %q", got)
	}
	wantAbsent(t, b.Path("local", id))
	wantAbsent(t, b.Path("bounce", id))
	if got := readFile(t, b.Path("mess", id)); !strings.HasPrefix(got, "Received: (qmail 10000 invoked for bounce); 22 Nov 2026 09:00:12 -0000\n\n") {
		t.Errorf("mess = %q", got)
	}
	// No recipients at all: only info (qmail-send puts it in pqdone).
	id2, err := b.Add(Message{Sender: "x@y.example", Birth: birth})
	if err != nil {
		t.Fatal(err)
	}
	files, _ := b.Files(id2)
	if len(files) != 2 {
		t.Errorf("files of a message without recipients: %v", files)
	}
}

func TestAddQueued(t *testing.T) {
	for _, bigTodo := range []bool{false, true} {
		t.Run("bigtodo="+strconv.FormatBool(bigTodo), func(t *testing.T) {
			b := NewT(t, Options{BigTodo: bigTodo})
			m := Message{
				Sender: "sender@remote.test",
				Recipients: []Recipient{
					{Addr: "user@remote.test", Remote: true},
					{Addr: "test@local.test", Done: true},
					{Addr: "nosuchbox@local.test"},
				},
				Birth: birth, UID: 65534, PID: 18709, State: Queued,
				Bounce: "ignored",
			}
			id, err := b.Add(m)
			if err != nil {
				t.Fatal(err)
			}
			todo, intd := b.Path("todo", id), b.Path("intd", id)
			name := strconv.FormatUint(id, 10)
			wantTodo := filepath.Join(b.Dir(), "todo", name)
			if bigTodo {
				wantTodo = filepath.Join(b.Dir(), "todo", strconv.FormatUint(id%23, 10), name)
			}
			if todo != wantTodo {
				t.Errorf("todo path %s, want %s", todo, wantTodo)
			}
			// docs/queue.md §3.3: od -c todo/9995400.
			want := "u65534\x00p18709\x00Fsender@remote.test\x00Tuser@remote.test\x00Ttest@local.test\x00Tnosuchbox@local.test\x00"
			if got := readFile(t, todo); got != want {
				t.Errorf("todo = %q, want %q", got, want)
			}
			_, stTodo := stat(t, todo)
			_, stIntd := stat(t, intd)
			if stTodo.Ino != stIntd.Ino || stTodo.Nlink != 2 {
				t.Errorf("todo inode %d links %d, intd inode %d", stTodo.Ino, stTodo.Nlink, stIntd.Ino)
			}
			if stTodo.Ino == id {
				t.Error("todo has the message's inode")
			}
			wantMode(t, todo, 0o644)
			wantMtime(t, todo, birth)
			wantMtime(t, b.Path("mess", id), birth)
			for _, kind := range []string{"info", "local", "remote", "bounce"} {
				wantAbsent(t, b.Path(kind, id))
			}

			m.State = QueuedNoIntd
			id2, err := b.Add(m)
			if err != nil {
				t.Fatal(err)
			}
			wantAbsent(t, b.Path("intd", id2))
			_, st := stat(t, b.Path("todo", id2))
			if st.Nlink != 1 {
				t.Errorf("todo without intd has %d links", st.Nlink)
			}
			wantMtime(t, b.Path("todo", id2), birth)
		})
	}
}

func TestAddDefaultsAndErrors(t *testing.T) {
	b := NewT(t, Options{Split: 4})
	before := time.Now().Truncate(time.Second)
	var ids []uint64
	for range 3 {
		id, err := b.Add(Message{Sender: "a@b.example", Recipients: []Recipient{{Addr: "c@d.example", Remote: true}}})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	for i, id := range ids {
		env := readFile(t, b.Path("mess", id))
		if want := "Received: (qmail " + strconv.Itoa(10000+i) + " invoked by uid 0); "; !strings.HasPrefix(env, want) {
			t.Errorf("message %d starts %q, want %q", i, env, want)
		}
		fi, _ := stat(t, b.Path("info", id))
		if fi.ModTime().Before(before) || fi.ModTime().After(time.Now()) {
			t.Errorf("default birth %v is not now", fi.ModTime())
		}
	}
	for _, m := range []Message{
		{Sender: "a\x00b"},
		{Sender: "a", Recipients: []Recipient{{Addr: "x\x00"}}},
		{Sender: "a", State: State(9)},
	} {
		if _, err := b.Add(m); err == nil {
			t.Errorf("Add(%+v) succeeded", m)
		}
	}
}

// TestOptionsNow: a message without a birth is born at Options.Now, so
// its Received line, size and times are the same on any day, in any zone.
func TestOptionsNow(t *testing.T) {
	kiritimati := time.FixedZone("LINT", 14*3600)
	for _, c := range []struct {
		now      time.Time
		received string
	}{
		{time.Date(2028, 3, 1, 13, 59, 59, 500, kiritimati), "Received: (qmail 10000 invoked by uid 0); 29 Feb 2028 23:59:59 -0000\n"},
		{time.Date(2027, 2, 28, 0, 0, 0, 0, time.UTC), "Received: (qmail 10000 invoked by uid 0); 28 Feb 2027 00:00:00 -0000\n"},
		{time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC), "Received: (qmail 10000 invoked by uid 0); 4 Dec 2026 09:00:00 -0000\n"},
	} {
		b := NewT(t, Options{Split: 3, Now: c.now})
		id, err := b.Add(Message{Sender: "a@b.example", Recipients: []Recipient{{Addr: "c@d.example", Remote: true}}})
		if err != nil {
			t.Fatal(err)
		}
		if mess := readFile(t, b.Path("mess", id)); mess != c.received+"\n" {
			t.Errorf("now %v: mess %q, want %q", c.now, mess, c.received+"\n")
		}
		wantMtime(t, b.Path("info", id), c.now.Truncate(time.Second))
	}
}

func TestDate822(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want string
	}{
		{time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), "2 Jan 2026 03:04:05 -0000"},
		{time.Date(2026, 11, 22, 9, 0, 12, 0, time.UTC), "22 Nov 2026 09:00:12 -0000"},
		{time.Date(2026, 1, 2, 1, 0, 0, 0, time.FixedZone("", 2*3600)), "1 Jan 2026 23:00:00 -0000"},
	} {
		if got := date822(tc.t); got != tc.want {
			t.Errorf("date822(%v) = %q, want %q", tc.t, got, tc.want)
		}
	}
}

func TestNextRetry(t *testing.T) {
	b0 := time.Unix(1795338012, 0)
	for _, tc := range []struct {
		age    int64
		remote bool
		want   int64
	}{
		{0, false, 100}, {0, true, 400},
		{100, false, 400}, {400, true, 1600},
		{399, true, 39 * 39}, {401, true, 1600},
		{-50, true, 400}, {-50, false, 100}, // birth in the future: n = 0
		{577600, true, 780 * 780}, {592900, false, 780 * 780},
	} {
		got := NextRetry(b0, b0.Add(time.Duration(tc.age)*time.Second), tc.remote).Unix() - b0.Unix()
		if got != tc.want {
			t.Errorf("NextRetry(age %d, remote %v) = birth+%d, want birth+%d", tc.age, tc.remote, got, tc.want)
		}
	}
}

func TestIsqrt(t *testing.T) {
	for x := int64(0); x < 100000; x++ {
		if got, want := isqrt(x), int64(math.Sqrt(float64(x))); got != want {
			t.Fatalf("isqrt(%d) = %d, want %d", x, got, want)
		}
	}
	for _, x := range []int64{1 << 40, 1<<40 - 1, 999999999999} {
		r := isqrt(x)
		if r*r > x || (r+1)*(r+1) <= x {
			t.Errorf("isqrt(%d) = %d", x, r)
		}
	}
}

func TestOwnersAsRoot(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("chown needs root")
	}
	o := &Owners{Qmailq: 7001, Qmails: 7002, Qmailr: 7003, Qmail: 7004}
	b := NewT(t, Options{Split: 3, Owners: o})
	owner := func(path string, uid, gid int) {
		t.Helper()
		_, st := stat(t, path)
		if int(st.Uid) != uid || (gid != -1 && int(st.Gid) != gid) {
			t.Errorf("%s: owner %d:%d, want %d:%d", path, st.Uid, st.Gid, uid, gid)
		}
	}
	owner(b.Dir(), 7001, 7004)
	for _, d := range []string{"pid", "intd", "todo", "mess", "mess/2", "lock"} {
		owner(filepath.Join(b.Dir(), d), 7001, 7004)
	}
	for _, d := range []string{"bounce", "info", "info/0", "local/1", "remote/2"} {
		owner(filepath.Join(b.Dir(), d), 7002, 7004)
	}
	owner(filepath.Join(b.Dir(), "lock/tcpto"), 7003, 7004)
	owner(filepath.Join(b.Dir(), "lock/sendmutex"), 7002, 7004)
	owner(filepath.Join(b.Dir(), "lock/trigger"), 7002, 7004)

	m := specMessage()
	id, err := b.Add(m)
	if err != nil {
		t.Fatal(err)
	}
	owner(b.Path("mess", id), 7001, os.Getegid()) // group: the caller's (docs/queue.md §3.8)
	for _, k := range []string{"info", "local", "remote", "bounce"} {
		owner(b.Path(k, id), 7002, 7004)
	}
	m.State = Queued
	id, err = b.Add(m)
	if err != nil {
		t.Fatal(err)
	}
	owner(b.Path("todo", id), 7001, os.Getegid())
}

func TestOpen(t *testing.T) {
	b := NewT(t, Options{Split: 5, BigTodo: true})
	id1, err := b.Add(specMessage())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Open(b.Dir(), Options{Split: 23}); err == nil {
		t.Error("Open with the wrong split succeeded")
	}
	o, err := Open(b.Dir(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	if o.Split() != 5 || !o.BigTodo() {
		t.Errorf("Open found split %d, big-todo %v", o.Split(), o.BigTodo())
	}
	id2, err := o.Add(specMessage())
	if err != nil || id2 == id1 {
		t.Fatalf("Add after Open: id %d (first %d), err %v", id2, id1, err)
	}
	if _, err := Open(t.TempDir(), Options{}); err == nil {
		t.Error("Open of a non-queue succeeded")
	}
	nb := NewT(t, Options{Split: 2})
	if _, err := Open(nb.Dir(), Options{BigTodo: true}); err == nil {
		t.Error("Open with big-todo of a plain queue succeeded")
	}
}

func TestSetTimesAndPathPanics(t *testing.T) {
	b := NewT(t, Options{Split: 2})
	id, err := b.Add(specMessage())
	if err != nil {
		t.Fatal(err)
	}
	old := birth.Add(-37 * time.Hour)
	rel, _ := filepath.Rel(b.Dir(), b.Path("mess", id))
	if err := b.SetTimes(rel, old, old); err != nil {
		t.Fatal(err)
	}
	wantMtime(t, b.Path("mess", id), old)
	if err := b.SetTimes("mess/0/nope", old, old); err == nil {
		t.Error("SetTimes of a missing file succeeded")
	}
	defer func() {
		if recover() == nil {
			t.Error("Path with an unknown kind did not panic")
		}
	}()
	b.Path("nope", 1)
}
