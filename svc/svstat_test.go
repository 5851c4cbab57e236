package svc

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// fakeSupervised makes a service directory whose supervise/ok FIFO has a
// reader (this test process), so that svstat and svok see a running
// supervisor, with status as the content of supervise/status. A nil status
// makes no status file.
func fakeSupervised(t *testing.T, dir string, status []byte, normallyDown bool) *Service {
	t.Helper()
	sup := filepath.Join(dir, "supervise")
	must(t, os.MkdirAll(sup, 0o700))
	for _, fifo := range []string{"ok", "control"} {
		must(t, unix.Mkfifo(filepath.Join(sup, fifo), 0o600))
		fd, err := unix.Open(filepath.Join(sup, fifo), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
		must(t, err)
		t.Cleanup(func() { unix.Close(fd) })
	}
	if status != nil {
		must(t, os.WriteFile(filepath.Join(sup, "status"), status, 0o644))
	}
	if normallyDown {
		must(t, os.WriteFile(filepath.Join(dir, "down"), nil, 0o644))
	}
	return NewService(dir)
}

// TestSvstatMatchesRealSvstat compares Svstat with Debian's svstat binary
// over real supervised services and hand-made supervise directories.
func TestSvstatMatchesRealSvstat(t *testing.T) {
	requireSupervise(t)
	root := t.TempDir()
	t.Chdir(root)
	mk := func(name, run string, down bool) *Service {
		dir := filepath.Join(root, name)
		must(t, os.MkdirAll(dir, 0o755))
		must(t, os.WriteFile(filepath.Join(dir, "run"), []byte("#!/bin/sh\n"+run), 0o755))
		if down {
			must(t, os.WriteFile(filepath.Join(dir, "down"), nil, 0o644))
		}
		return NewService(dir)
	}
	ctx := context.Background()

	// supervised starts a real supervise over a new service, sends it
	// letters, and waits until the service is up or down as asked.
	const sleeper = "exec sleep 100000\n"
	supervised := func(name, run string, down bool, letters, wait string) *Service {
		s := mk(name, run, down)
		startSupervise(t, s)
		if letters != "" {
			must(t, s.Send(letters))
		}
		var err error
		switch wait {
		case "up":
			_, err = s.WaitUp(ctx, 5*time.Second)
		case "down":
			_, err = s.WaitDown(ctx, 5*time.Second)
		case "exited":
			err = poll(ctx, 5*time.Second, func() (bool, error) {
				ok, err := s.Running()
				return !ok, err
			})
		}
		must(t, err)
		return s
	}
	up := supervised("up", sleeper, false, "", "up")
	normallyDownUp := supervised("normally-down-up", sleeper, true, "u", "up")
	paused := supervised("paused", sleeper, false, "", "up")
	must(t, paused.Send("p"))
	// TERM is trapped for a while: up, want down.
	stopping := supervised("stopping", "trap 'sleep 3; exit 0' TERM\nwhile :; do sleep 1; done\n", false, "", "up")
	down := supervised("down", sleeper, false, "d", "down")
	exited := supervised("exited", sleeper, false, "dx", "exited")

	must(t, stopping.Send("d"))
	must(t, poll(ctx, 5*time.Second, func() (bool, error) {
		st, err := stopping.ReadStatus()
		return st.Want == WantDown, err
	}))
	time.Sleep(100 * time.Millisecond)

	wantUpDown := fakeSupervised(t, filepath.Join(root, "want-up"), daemontoolsStatus(time.Now().Add(-time.Hour), 0, 0, 'u'), false)
	future := fakeSupervised(t, filepath.Join(root, "future"), daemontoolsStatus(time.Now().Add(time.Hour), 4242, 0, 'u'), true)
	runit := fakeSupervised(t, filepath.Join(root, "runit"), append(daemontoolsStatus(time.Now().Add(-90*time.Second), 77, 0, 'd'), 1, 1), false)
	garbled := fakeSupervised(t, filepath.Join(root, "garbled"), []byte("up (pid 123) 5 sec"), false)
	short := fakeSupervised(t, filepath.Join(root, "short"), []byte("short"), false)
	noStatus := fakeSupervised(t, filepath.Join(root, "no-status"), nil, false)
	unsupervised := mk("never-supervised", "exec true\n", false)
	must(t, os.WriteFile(filepath.Join(root, "a-file"), nil, 0o644))

	dirs := []string{
		up.Dir, normallyDownUp.Dir, paused.Dir, stopping.Dir, down.Dir, exited.Dir,
		wantUpDown.Dir, future.Dir, runit.Dir, garbled.Dir, short.Dir, noStatus.Dir,
		unsupervised.Dir, filepath.Join(root, "missing"), filepath.Join(root, "a-file"),
		"up", "./down", "a-file/x",
	}
	svstat := func() []string {
		out, err := exec.Command("svstat", dirs...).Output()
		must(t, err)
		return strings.Split(strings.TrimSuffix(string(out), "\n"), "\n")
	}
	// svstat counts whole seconds; a second may tick between the runs.
	before := svstat()
	var ours []string
	for _, dir := range dirs {
		ours = append(ours, Svstat(NewService(dir), time.Now()))
	}
	after := svstat()
	if len(before) != len(dirs) || len(after) != len(dirs) {
		t.Fatalf("svstat printed %d and %d lines for %d directories", len(before), len(after), len(dirs))
	}
	for i := range dirs {
		if ours[i] != before[i] && ours[i] != after[i] {
			t.Errorf("%s:\n svstat %q\n qq     %q", dirs[i], before[i], ours[i])
		}
	}
	for _, want := range []string{
		", normally down", ", paused", ", want down", ", normally up", ", want up",
		"supervise not running", "unable to chdir: file does not exist", "unable to chdir: not a directory",
		"unable to open supervise/ok: file does not exist", "unable to read supervise/status: bad format",
		"unable to open supervise/status: file does not exist",
		"up (pid 4242) 0 seconds, normally down",
	} {
		if !strings.Contains(strings.Join(ours, "\n"), want) {
			t.Errorf("no line shows %q; the comparison does not cover it:\n%s", want, strings.Join(ours, "\n"))
		}
	}
}

// TestSvstatReadError covers the one case where Svstat does not copy
// svstat: when supervise/status opens but cannot be read (a directory, an
// I/O error), svstat 0.76 compares read's -1 with an unsigned size, takes
// it for a full read and prints whatever its static buffer held from the
// previous directory. Svstat says what went wrong instead.
func TestSvstatReadError(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "dir-status")
	fakeSupervised(t, dir, nil, false)
	must(t, os.Mkdir(filepath.Join(dir, "supervise", "status"), 0o755))
	want := dir + ": unable to read supervise/status: is a directory"
	if got := Svstat(NewService(dir), time.Now()); got != want {
		t.Errorf("Svstat:\n got %q\nwant %q", got, want)
	}
}

func TestSvstatElsewhereAndS6(t *testing.T) {
	root := t.TempDir()
	now := time.Now()
	// A supervise directory kept elsewhere: errors name its full path.
	dir := filepath.Join(root, "svc")
	must(t, os.Mkdir(dir, 0o755))
	s := &Service{Dir: dir, SuperviseDir: filepath.Join(root, "run", "svc")}
	want := dir + ": unable to open " + filepath.Join(root, "run", "svc", "ok") + ": file does not exist"
	if got := Svstat(s, now); got != want {
		t.Errorf("Svstat:\n got %q\nwant %q", got, want)
	}
	// An s6 status is decoded as s6, not read as daemontools bytes.
	s6dir := filepath.Join(root, "s6")
	fakeSupervised(t, s6dir, s6Status(now.Add(-10*time.Second), 31337, 4|1|8, true), false)
	want = s6dir + ": up (pid 31337) 10 seconds, paused"
	if got := Svstat(NewService(s6dir), now); got != want {
		t.Errorf("Svstat:\n got %q\nwant %q", got, want)
	}
}

func TestDjbError(t *testing.T) {
	for errno, want := range map[unix.Errno]string{
		unix.ENOENT:       "file does not exist",
		unix.EAGAIN:       "temporary failure", // the same number as EWOULDBLOCK on Linux
		unix.EACCES:       "access denied",
		unix.ENXIO:        "device not configured",
		unix.EHWPOISON:    "unknown error",
		unix.ENOTDIR:      "not a directory",
		unix.EOPNOTSUPP:   "operation not supported",
		unix.ENAMETOOLONG: "file name too long",
	} {
		if got := djbError(errno); got != want {
			t.Errorf("djbError(%v) = %q, want %q", errno, got, want)
		}
	}
}
