package main

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/svc"
	"github.com/rogpeppe/go-internal/testscript"
	"golang.org/x/sys/unix"
)

// scriptMksvc is the testscript command
//
//	mksvc [-running] [-down] [-status PID:WANT[:paused]] [-raw FILE] DIR
//
// It makes a service directory DIR with supervise/ok and supervise/control
// FIFOs. -running keeps both FIFOs open for reading until the script ends,
// so that svc, svok and svstat see a running supervisor. -status writes an
// 18-byte daemontools status (stamped now) with that pid and wanted state
// ('u', 'd' or 0); -raw copies FILE as the status file; -down makes a down
// file.
func scriptMksvc(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		ts.Fatalf("unsupported: ! mksvc")
	}
	var running, down bool
	var status []byte
	for len(args) > 1 && strings.HasPrefix(args[0], "-") {
		switch args[0] {
		case "-running":
			running = true
		case "-down":
			down = true
		case "-status":
			if len(args) < 3 {
				ts.Fatalf("usage: mksvc -status PID:WANT[:paused] DIR")
			}
			status = daemontoolsStatus(ts, args[1], time.Now())
			args = args[1:]
		case "-raw":
			if len(args) < 3 {
				ts.Fatalf("usage: mksvc -raw FILE DIR")
			}
			b, err := os.ReadFile(ts.MkAbs(args[1]))
			ts.Check(err)
			status = b
			args = args[1:]
		default:
			ts.Fatalf("mksvc: unknown option %s", args[0])
		}
		args = args[1:]
	}
	if len(args) != 1 {
		ts.Fatalf("usage: mksvc [-running] [-down] [-status PID:WANT[:paused]] [-raw FILE] DIR")
	}
	dir := ts.MkAbs(args[0])
	ts.Check(fakeSupervise(dir, running, status, ts.Defer))
	ts.Check(os.WriteFile(filepath.Join(dir, "run"), []byte("#!/bin/sh\nexec sleep 100000\n"), 0o755))
	if down {
		ts.Check(os.WriteFile(filepath.Join(dir, "down"), nil, 0o644))
	}
}

// fataler is what both *testing.T and *testscript.TestScript offer.
type fataler interface {
	Fatalf(format string, args ...any)
}

// daemontoolsStatus builds supervise 0.76's 18 bytes from "PID:WANT[:paused]".
func daemontoolsStatus(t fataler, spec string, when time.Time) []byte {
	parts := strings.Split(spec, ":")
	pid, err := strconv.ParseUint(parts[0], 10, 32)
	if err != nil || len(parts) < 2 || len(parts[1]) > 1 {
		t.Fatalf("bad status spec %q, want PID:WANT[:paused]", spec)
	}
	b := binary.BigEndian.AppendUint64(nil, uint64(when.Unix())+1<<62+10)
	b = binary.BigEndian.AppendUint32(b, uint32(when.Nanosecond()))
	b = binary.LittleEndian.AppendUint32(b, uint32(pid))
	var paused byte
	if len(parts) > 2 && parts[2] == "paused" {
		paused = 1
	}
	want := byte(0)
	if parts[1] != "" {
		want = parts[1][0]
	}
	return append(b, paused, want)
}

// fakeSupervise makes dir/supervise with ok and control FIFOs and, if
// status is not nil, a status file. With running, both FIFOs are opened for
// reading here, so that svc, svok and svstat see a running supervisor, and
// cleanup is handed their closing.
func fakeSupervise(dir string, running bool, status []byte, cleanup func(func())) error {
	sup := filepath.Join(dir, "supervise")
	if err := os.MkdirAll(sup, 0o700); err != nil {
		return err
	}
	for _, fifo := range []string{"ok", "control"} {
		if err := unix.Mkfifo(filepath.Join(sup, fifo), 0o600); err != nil {
			return err
		}
		if running {
			fd, err := unix.Open(filepath.Join(sup, fifo), unix.O_RDONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
			if err != nil {
				return err
			}
			cleanup(func() { unix.Close(fd) })
		}
	}
	if status == nil {
		return nil
	}
	return os.WriteFile(filepath.Join(sup, "status"), status, 0o644)
}

// fakeService makes a service directory with a running fake supervisor
// (see fakeSupervise) and the given status file.
func fakeService(t *testing.T, dir string, status []byte) {
	t.Helper()
	mustDo(t, fakeSupervise(dir, true, status, t.Cleanup))
}

func mustDo(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// fakeQueue makes <root>/queue/lock/sendmutex as qmail's hier.c does.
func fakeQueue(t *testing.T) (root, sendmutex string) {
	t.Helper()
	root = t.TempDir()
	lock := filepath.Join(root, "queue", "lock")
	mustDo(t, os.MkdirAll(lock, 0o750))
	sendmutex = filepath.Join(lock, "sendmutex")
	mustDo(t, os.WriteFile(sendmutex, nil, 0o600))
	return root, sendmutex
}

// holdLock takes an exclusive flock on path, as a running qmail-send holds
// sendmutex, until the test ends.
func holdLock(t *testing.T, path string) {
	t.Helper()
	fd, err := unix.Open(path, unix.O_WRONLY|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	mustDo(t, err)
	t.Cleanup(func() { unix.Close(fd) })
	mustDo(t, unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB))
}

func TestSvcExitCodes(t *testing.T) {
	root := t.TempDir()
	ctx := context.Background()
	up := filepath.Join(root, "up")
	fakeService(t, up, daemontoolsStatus(t, "1234:u", time.Now()))
	stopped := filepath.Join(root, "stopped")
	mustDo(t, fakeSupervise(stopped, false, nil, t.Cleanup))
	garbled := filepath.Join(root, "garbled")
	fakeService(t, garbled, []byte("garbage"))
	qmail, sendmutex := fakeQueue(t)
	lockedQmail, lockedMutex := fakeQueue(t)
	holdLock(t, lockedMutex)
	marker := filepath.Join(root, "ran")

	tests := []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"status up", []string{"svc", "status", up}, cmdutil.ExitOK, ""},
		{"status unsupervised", []string{"svc", "status", stopped}, cmdutil.ExitOK, ""},
		{"status missing", []string{"svc", "status", up, filepath.Join(root, "nope")}, cmdutil.ExitError,
			"qq: service directory " + filepath.Join(root, "nope") + ": file does not exist\n"},
		{"status garbled", []string{"svc", "status", garbled}, cmdutil.ExitError,
			"qq: read " + garbled + "/supervise/status: bad supervise status: 7 bytes, too short (daemontools writes 18)\n"},
		{"status bad format", []string{"svc", "status", "--format", "csv", up}, cmdutil.ExitUsage, ""},
		{"up without supervise", []string{"svc", "up", stopped}, cmdutil.ExitTempFail,
			"qq: control " + stopped + ": supervise not running\n"},
		{"several errors: the worst code wins", []string{"svc", "hup", filepath.Join(root, "nope"), stopped}, cmdutil.ExitTempFail,
			"qq: service directory " + filepath.Join(root, "nope") + ": file does not exist\nqq: control " + stopped + ": supervise not running\n"},
		{"alarm", []string{"svc", "alarm", up}, cmdutil.ExitOK, ""},
		{"down --wait times out", []string{"svc", "down", "--wait", "--timeout", "150ms", up}, cmdutil.ExitTempFail,
			"qq: " + up + ": not down after 150ms (up (pid 1234), want up): timed out\n"},
		{"up needs a service", []string{"svc", "up"}, cmdutil.ExitUsage, ""},
		{"exec: sendmutex held, nothing can stop it", []string{"--qmail-dir", lockedQmail, "svc", "exec", "--no-svc", "--", "touch", marker}, cmdutil.ExitTempFail, ""},
		{"exec: no sendmutex", []string{"--qmail-dir", root, "svc", "exec", "--no-svc", "--", "touch", marker}, cmdutil.ExitError,
			"qq: " + filepath.Join(root, "queue", "lock", "sendmutex") + ": lock/sendmutex does not exist (is this a qmail queue?)\n"},
		{"exec: own lock path", []string{"--qmail-dir", qmail, "svc", "exec", "--no-svc", "--", "test", "-f", filepath.Join(qmail, ".qq.lock")}, cmdutil.ExitOK, ""},
		{"exec: the command's status", []string{"--qmail-dir", qmail, "svc", "exec", "--no-svc", "--", "sh", "-c", "exit 7"}, 7,
			"qq: sh exited with status 7\n"},
		{"exec: stop without start", []string{"--qmail-dir", qmail, "svc", "exec", "--stop-command", "true", "--", "true"}, cmdutil.ExitUsage, ""},
		{"exec: no-svc with service", []string{"--qmail-dir", qmail, "svc", "exec", "--no-svc", "--service", up, "--", "true"}, cmdutil.ExitUsage, ""},
		{"exec: missing service", []string{"--qmail-dir", qmail, "svc", "exec", "--service", filepath.Join(root, "nope"), "--", "true"}, cmdutil.ExitError, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runQQ(t, ctx, tt.args...)
			if code != tt.code {
				t.Errorf("exit %d, want %d; stderr:\n%s", code, tt.code, stderr)
			}
			if tt.stderr != "" && stderr != tt.stderr {
				t.Errorf("stderr:\n%s\nwant:\n%s", stderr, tt.stderr)
			}
		})
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("a command ran although qq refused")
	}
	if fi, err := os.Stat(filepath.Join(qmail, ".qq.lock")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("own lock: %v, %v; want a 0600 file", fi, err)
	}
	if fi, err := os.Stat(sendmutex); err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o600 {
		t.Errorf("sendmutex changed: %v, %v", fi, err)
	}
}

func TestSvcStatusFormats(t *testing.T) {
	root := t.TempDir()
	up := filepath.Join(root, "qmail-send")
	fakeService(t, up, daemontoolsStatus(t, "4321:u:paused", time.Now().Add(-90*time.Second)))
	mustDo(t, os.WriteFile(filepath.Join(up, "down"), nil, 0o644))

	code, out, stderr := runQQ(t, context.Background(), "svc", "status", "--format", "json", up)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		`"service":"` + up + `"`, `"state":"up"`, `"supervised":true`, `"pid":4321`, `"want":"up"`,
		`"normally_up":false`, `"paused":true`, `"supervisor":"daemontools"`, `"since":"20`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("JSON %s lacks %s", out, want)
		}
	}
	if strings.Count(out, "\n") != 1 {
		t.Errorf("JSON is not one line per service: %q", out)
	}

	code, out, _ = runQQ(t, context.Background(), "svc", "status", "--format", "plain", up)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if code != 0 || len(lines) != 2 || lines[0] != "service\tstate\tpid\tseconds\twant\tnormally\tpaused\tsupervisor" ||
		!strings.HasPrefix(lines[1], up+"\tup\t4321\t9") || !strings.HasSuffix(lines[1], "\tup\tdown\tyes\tdaemontools") {
		t.Errorf("plain output:\n%s", out)
	}

	code, out, _ = runQQ(t, context.Background(), "svc", "status", "--format", "table", up)
	if code != 0 || !strings.Contains(out, "paused") || !strings.Contains(out, "1m") || !strings.Contains(out, "SUPERVISOR") {
		t.Errorf("table output:\n%s", out)
	}
}

// TestSvcStatusSvstatFormat compares qq svc status --format svstat with
// Debian's svstat binary over the same directories.
func TestSvcStatusSvstatFormat(t *testing.T) {
	if _, err := exec.LookPath("svstat"); err != nil {
		t.Skipf("svstat not on PATH (Debian package daemontools): %v", err)
	}
	root := t.TempDir()
	now := time.Now()
	dirs := []string{}
	add := func(name, spec string, down bool) {
		dir := filepath.Join(root, name)
		fakeService(t, dir, daemontoolsStatus(t, spec, now.Add(-42*time.Second)))
		if down {
			mustDo(t, os.WriteFile(filepath.Join(dir, "down"), nil, 0o644))
		}
		dirs = append(dirs, dir)
	}
	add("up", "100:u", false)
	add("up-normally-down", "101:u", true)
	add("paused", "102:u:paused", false)
	add("stopping", "103:d", false)
	add("down", "0:d", false)
	add("down-want-up", "0:u", true)
	add("once", "104:", false)
	notRunning := filepath.Join(root, "not-running")
	mustDo(t, fakeSupervise(notRunning, false, nil, t.Cleanup))
	dirs = append(dirs, notRunning, filepath.Join(root, "missing"), root)

	svstat := func() string {
		out, err := exec.Command("svstat", dirs...).Output()
		mustDo(t, err)
		return string(out)
	}
	before := svstat()
	code, ours, stderr := runQQ(t, context.Background(), append([]string{"svc", "status", "--format", "svstat"}, dirs...)...)
	after := svstat()
	if ours != before && ours != after {
		t.Errorf("qq svc status --format svstat:\n%s\nsvstat:\n%s", ours, before)
	}
	// The missing directory is an error for qq (exit 3, one line on
	// stderr), though svstat's line for it is printed as svstat prints it.
	if code != cmdutil.ExitError || !strings.Contains(stderr, "missing: file does not exist") {
		t.Errorf("exit %d, stderr %q; want 3 and the missing directory named", code, stderr)
	}
}

// TestSvcExecCycle runs qq svc exec over a real supervise whose service
// holds sendmutex, and checks that the command ran with qmail-send stopped
// and sendmutex held by qq, and that the service came back.
func TestSvcExecCycle(t *testing.T) {
	for _, tool := range []string{"supervise", "svstat", "flock"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: %v", tool, err)
		}
	}
	qmail, sendmutex := fakeQueue(t)
	dir := filepath.Join(qmail, "service", "qmail-send")
	s := superviseStandIn(t, dir, sendmutex)
	before, err := s.ReadStatus()
	mustDo(t, err)

	// Inside: qmail-send is down and qq holds sendmutex (flock -n fails).
	check := fmt.Sprintf("svstat %s | grep -q ': down ' && ! flock -n %s true", dir, sendmutex)
	code, _, stderr := runQQ(t, context.Background(), "--qmail-dir", qmail, "svc", "exec", "--service", dir, "--timeout", "10s", "--", "sh", "-c", check)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	after, err := s.ReadStatus()
	mustDo(t, err)
	if !after.Up || after.Pid == before.Pid || after.Want != svc.WantUp {
		t.Errorf("after qq svc exec: %+v (before pid %d), want up again with a new pid", after, before.Pid)
	}
	waitFor(t, func() bool { r, _ := svc.QmailSendRunning(sendmutex); return r })

	// Interrupted in the middle: the command is stopped, the service is
	// restored, and qq exits 130.
	marker := filepath.Join(qmail, "started")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan int)
	go func() {
		code, _, _ := runQQ(t, ctx, "--qmail-dir", qmail, "svc", "exec", "--service", dir, "--timeout", "10s", "--",
			"sh", "-c", "touch "+marker+"; exec sleep 30")
		done <- code
	}()
	waitFor(t, func() bool { _, err := os.Stat(marker); return err == nil })
	cancel()
	if code := <-done; code != cmdutil.ExitInterrupted {
		t.Errorf("interrupted qq svc exec exited %d, want %d", code, cmdutil.ExitInterrupted)
	}
	if st, err := s.ReadStatus(); err != nil || !st.Up || st.Want != svc.WantUp {
		t.Errorf("after the interrupted run: %+v, %v; want the service up again", st, err)
	}
}

// superviseStandIn runs, under a real supervise in service directory dir,
// a shell stand-in for qmail-send that holds sendmutex on fd 9 (children do
// not inherit it) and exits after a short delay on TERM. It returns once the
// lock is held; the supervise is stopped when the test ends.
func superviseStandIn(t *testing.T, dir, sendmutex string) *svc.Service {
	t.Helper()
	mustDo(t, os.MkdirAll(dir, 0o755))
	run := fmt.Sprintf("#!/bin/sh\nexec 9>>%s\nflock -n 9 || exit 111\ntrap 'sleep 0.2; exit 0' TERM\nwhile :; do sleep 1 9>&- & wait $!; done\n", sendmutex)
	mustDo(t, os.WriteFile(filepath.Join(dir, "run"), []byte(run), 0o755))
	sup := exec.Command("supervise", dir)
	mustDo(t, sup.Start())
	exited := make(chan struct{})
	go func() { sup.Wait(); close(exited) }()
	s := svc.NewService(dir)
	t.Cleanup(func() {
		s.Send("dxk")
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			sup.Process.Kill()
			<-exited
		}
	})
	waitFor(t, func() bool { r, _ := svc.QmailSendRunning(sendmutex); return r })
	return s
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not met within 10s")
}
