package svc

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The test binary doubles as a stand-in for qmail-send: run with
// QQ_TEST_STANDIN=qmail-send it takes the queue's lock/sendmutex exactly as
// qmail-send does and, on TERM, "finishes its deliveries" for as long as the
// file term-delay in its working directory (the service directory) says.
const standinEnv = "QQ_TEST_STANDIN"

func TestMain(m *testing.M) {
	if os.Getenv(standinEnv) == "qmail-send" {
		os.Exit(standinQmailSend(os.Getenv("QQ_TEST_SENDMUTEX")))
	}
	os.Exit(m.Run())
}

// standinQmailSend mimics qmail-send.c main: open_write("lock/sendmutex")
// (O_WRONLY|O_NDELAY), lock_exnb (flock LOCK_EX|LOCK_NB), held for life;
// "alert: cannot start: qmail-send is already running" and exit 111 if the
// lock is taken. On TERM it waits for term-delay (deliveries in progress),
// then exits 0 like qmail-send after pqfinish.
func standinQmailSend(sendmutex string) int {
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	fd, err := unix.Open(sendmutex, unix.O_WRONLY|unix.O_NONBLOCK, 0)
	if err != nil {
		fmt.Fprintln(os.Stderr, "alert: cannot start: unable to open mutex")
		return 111
	}
	if err := unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB); err != nil {
		fmt.Fprintln(os.Stderr, "alert: cannot start: qmail-send is already running")
		return 111
	}
	if pidfile := os.Getenv("QQ_TEST_PIDFILE"); pidfile != "" {
		os.WriteFile(pidfile, fmt.Appendf(nil, "%d\n", os.Getpid()), 0o644)
	}
	<-terms
	delay := 0 * time.Second
	if b, err := os.ReadFile("term-delay"); err == nil {
		delay, _ = time.ParseDuration(strings.TrimSpace(string(b)))
	}
	time.Sleep(delay)
	return 0
}

// fakeQmail is a temporary qmail home with a queue/lock directory as hier.c
// makes it, and a service directory whose run script starts the stand-in.
type fakeQmail struct {
	root      string
	sendmutex string
	svc       *Service
}

// newFakeQmail makes the queue and the service directory (not yet
// supervised). With normallyDown, the service has a down file.
func newFakeQmail(t *testing.T, normallyDown bool) *fakeQmail {
	t.Helper()
	root := t.TempDir()
	lock := filepath.Join(root, "queue", "lock")
	must(t, os.MkdirAll(lock, 0o750))
	q := &fakeQmail{root: root, sendmutex: filepath.Join(lock, "sendmutex")}
	must(t, os.WriteFile(q.sendmutex, nil, 0o600))
	must(t, os.WriteFile(filepath.Join(lock, "tcpto"), make([]byte, 1024), 0o644))
	must(t, unix.Mkfifo(filepath.Join(lock, "trigger"), 0o622))
	must(t, os.Chmod(filepath.Join(lock, "trigger"), 0o622))

	exe, err := os.Executable()
	must(t, err)
	dir := filepath.Join(root, "service", "qmail-send")
	must(t, os.MkdirAll(dir, 0o755))
	q.svc = NewService(dir)
	run := fmt.Sprintf("#!/bin/sh\n%s=qmail-send QQ_TEST_SENDMUTEX=%s\nexport %s QQ_TEST_SENDMUTEX\nexec %s\n",
		standinEnv, q.sendmutex, standinEnv, exe)
	must(t, os.WriteFile(filepath.Join(dir, "run"), []byte(run), 0o755))
	q.setTermDelay(t, 200*time.Millisecond)
	if normallyDown {
		must(t, os.WriteFile(filepath.Join(dir, "down"), nil, 0o644))
	}
	return q
}

// setTermDelay sets how long the stand-in takes to exit after TERM.
func (q *fakeQmail) setTermDelay(t *testing.T, d time.Duration) {
	t.Helper()
	must(t, os.WriteFile(filepath.Join(q.svc.Dir, "term-delay"), []byte(d.String()), 0o644))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// requireSupervise skips the test when Debian's daemontools is missing.
func requireSupervise(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"supervise", "svstat"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH (Debian package daemontools): %v", tool, err)
		}
	}
}

// supervise runs the real daemontools supervise over the qmail-send
// service and waits until it runs and, unless the service is normally down,
// until the stand-in holds sendmutex.
func (q *fakeQmail) supervise(t *testing.T) {
	t.Helper()
	startSupervise(t, q.svc)
	if _, err := os.Stat(filepath.Join(q.svc.Dir, "down")); err == nil {
		return
	}
	q.waitSendRunning(t, true)
}

// startSupervise runs the real daemontools supervise over svc and waits
// until it runs. Cleanup brings everything down: svc -dxk, then KILL if
// supervise has not exited within a few seconds.
func startSupervise(t *testing.T, svc *Service) {
	t.Helper()
	requireSupervise(t)
	cmd := exec.Command("supervise", svc.Dir)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	must(t, cmd.Start())
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		svc.Send("dxk") // down, exit when down, KILL the service now
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			if st, err := svc.ReadStatus(); err == nil && st.Pid != 0 {
				unix.Kill(st.Pid, unix.SIGKILL)
			}
			cmd.Process.Kill()
			<-exited
		}
	})
	err := poll(context.Background(), 5*time.Second, func() (bool, error) {
		ok, _ := svc.Running()
		_, err := os.Stat(filepath.Join(svc.Supervise(), "status"))
		return ok && err == nil, nil
	})
	must(t, err)
}

// addService makes another service directory under the fake qmail's
// service/ directory, whose run script is body.
func (q *fakeQmail) addService(t *testing.T, name, body string) *Service {
	t.Helper()
	dir := filepath.Join(q.root, "service", name)
	must(t, os.MkdirAll(dir, 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "run"), []byte("#!/bin/sh\n"+body), 0o755))
	return NewService(dir)
}

// waitSendRunning waits until sendmutex is (or is no longer) held by a
// qmail-send stand-in. Probing takes the lock for an instant, so a stand-in
// starting in that instant exits "already running" and supervise restarts it
// a second later; the wait allows for that.
func (q *fakeQmail) waitSendRunning(t *testing.T, want bool) {
	t.Helper()
	err := poll(context.Background(), 10*time.Second, func() (bool, error) {
		running, err := QmailSendRunning(q.sendmutex)
		return running == want, err
	})
	if err != nil {
		t.Fatalf("waiting for qmail-send running=%v: %v", want, err)
	}
}

// startUnsupervised starts the stand-in outside any supervisor, as a
// qmail-send started by hand or by an init script would run, and waits until
// it holds sendmutex. Cleanup kills it.
func (q *fakeQmail) startUnsupervised(t *testing.T, env ...string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	must(t, err)
	cmd := exec.Command(exe)
	cmd.Dir = q.svc.Dir
	cmd.Env = append(os.Environ(), standinEnv+"=qmail-send", "QQ_TEST_SENDMUTEX="+q.sendmutex)
	cmd.Env = append(cmd.Env, env...)
	must(t, cmd.Start())
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-done
	})
	q.waitSendRunning(t, true)
	return cmd
}

// lockFiles records what the lock files look like, to check that qq left
// them exactly as they were: same inode, type, mode, size and mtime.
func (q *fakeQmail) lockFiles(t *testing.T) map[string]unix.Stat_t {
	t.Helper()
	out := map[string]unix.Stat_t{}
	for _, name := range []string{"sendmutex", "tcpto", "trigger"} {
		var st unix.Stat_t
		must(t, unix.Lstat(filepath.Join(q.root, "queue", "lock", name), &st))
		out[name] = st
	}
	return out
}

func (q *fakeQmail) checkLockFilesUnchanged(t *testing.T, before map[string]unix.Stat_t) {
	t.Helper()
	for name, after := range q.lockFiles(t) {
		b := before[name]
		if b.Ino != after.Ino || b.Mode != after.Mode || b.Size != after.Size ||
			b.Mtim != after.Mtim || b.Uid != after.Uid || b.Gid != after.Gid {
			t.Errorf("lock/%s changed: before ino %d mode %o size %d mtime %v, after ino %d mode %o size %d mtime %v",
				name, b.Ino, b.Mode, b.Size, b.Mtim, after.Ino, after.Mode, after.Size, after.Mtim)
		}
	}
}

// holdsSendMutex reports whether somebody holds sendmutex's flock, from a
// descriptor of the test's own (flock conflicts between open files even
// within one process).
func holdsSendMutex(t *testing.T, path string) bool {
	t.Helper()
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	must(t, err)
	defer unix.Close(fd)
	err = unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB)
	if errors.Is(err, unix.EWOULDBLOCK) {
		return true
	}
	must(t, err)
	return false
}
