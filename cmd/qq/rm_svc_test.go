package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/qqmail/qq/cmd/internal/cmdutil"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
	"github.com/qqmail/qq/svc"
	"golang.org/x/sys/unix"
)

// These tests run the real qq binary (see qqBinary) against builder-made
// queues, with real daemontools supervise
// over a service whose ./run is the qmail-send stand-in of
// script_mutate_test.go: it takes lock/sendmutex as qmail-send does and, on
// TERM, takes ./term-delay to finish its "deliveries". They skip without
// daemontools or without root.

// mutateQmail is a qmail home with a builder-made queue, the original bytes
// of every message, and the lock files as they were.
type mutateQmail struct {
	dir   string
	b     *queuetest.Builder
	files map[uint64]map[string][]byte // id → kind → content
	spam  []uint64
	ham   []uint64
	locks map[string]unix.Stat_t
}

var (
	spamMsg = queuetest.Message{Sender: "promo@cheap-meds.example", Header: "Subject: Free Pupil Enlargement\nX-Mailer: PHPMailer",
		Body: []byte("Buy now\n"), Recipients: []queuetest.Recipient{{Addr: "a@victim.example", Remote: true},
			{Addr: "b@victim.example", Remote: true, Done: true}, {Addr: "postmaster@mail.example"}}}
	hamMsg = queuetest.Message{Sender: "alice@example.com", Header: "Subject: lunch", Body: []byte("see you\n"),
		Recipients: []queuetest.Recipient{{Addr: "bob@example.org", Remote: true}}}
)

// newMutateQmail makes a queue of nSpam spam messages in every state qq rm
// handles (preprocessed with a bounce, queued with and without intd) and
// nHam other messages.
func newMutateQmail(t *testing.T, nSpam, nHam int) *mutateQmail {
	t.Helper()
	dir := t.TempDir()
	b, err := queuetest.New(filepath.Join(dir, "queue"), queuetest.Options{Split: 7})
	mustDo(t, err)
	t.Cleanup(func() { b.Close() })
	m := &mutateQmail{dir: dir, b: b, files: map[uint64]map[string][]byte{}}
	birth := time.Now().Add(-48 * time.Hour).Truncate(time.Second)
	for i := range nSpam {
		msg := spamMsg
		msg.Birth = birth.Add(time.Duration(i) * time.Second)
		switch i % 4 {
		case 1:
			msg.Bounce = "<b@victim.example>:\nSorry, no mailbox here by that name. (#5.1.1)\n\n"
		case 2:
			msg.State = queuetest.Queued
		case 3:
			msg.State = queuetest.QueuedNoIntd
		}
		id, err := b.Add(msg)
		mustDo(t, err)
		m.spam = append(m.spam, id)
	}
	for range nHam {
		id, err := b.Add(hamMsg)
		mustDo(t, err)
		m.ham = append(m.ham, id)
	}
	for _, id := range append(append([]uint64{}, m.spam...), m.ham...) {
		m.files[id] = map[string][]byte{}
		for _, k := range b.Present(id) {
			data, err := os.ReadFile(b.Path(k, id))
			mustDo(t, err)
			m.files[id][k] = data
		}
	}
	m.locks = m.lockStats(t)
	return m
}

func (m *mutateQmail) lockStats(t *testing.T) map[string]unix.Stat_t {
	t.Helper()
	out := map[string]unix.Stat_t{}
	for _, name := range []string{"sendmutex", "tcpto", "trigger"} {
		var st unix.Stat_t
		mustDo(t, unix.Lstat(filepath.Join(m.dir, "queue", "lock", name), &st))
		out[name] = st
	}
	return out
}

// checkLocks checks that the lock files have the same inode, type, mode,
// size and mtime as before.
func (m *mutateQmail) checkLocks(t *testing.T) {
	t.Helper()
	for name, after := range m.lockStats(t) {
		b := m.locks[name]
		if b.Ino != after.Ino || b.Mode != after.Mode || b.Size != after.Size || b.Mtim != after.Mtim || b.Uid != after.Uid {
			t.Errorf("lock/%s changed: inode %d→%d mode %o→%o size %d→%d mtime %v→%v",
				name, b.Ino, after.Ino, b.Mode, after.Mode, b.Size, after.Size, b.Mtim, after.Mtim)
		}
	}
}

// intact reports whether every file of id is as it was.
func (m *mutateQmail) intact(id uint64) bool {
	kinds := m.b.Present(id)
	if len(kinds) != len(m.files[id]) {
		return false
	}
	for _, k := range kinds {
		data, err := os.ReadFile(m.b.Path(k, id))
		if err != nil || !bytes.Equal(data, m.files[id][k]) {
			return false
		}
	}
	return true
}

// checkConsistent checks the promise of qq rm after any interruption or
// crash: every message is in a legal state (S1–S5), and is either intact
// or has a complete quarantine copy (the same mess bytes, its sender).
// It returns how many messages were intact.
func (m *mutateQmail) checkConsistent(t *testing.T, quarantine string) (intact int) {
	t.Helper()
	entries, _, err := qmailqueue.LoadQuarantine(quarantine)
	mustDo(t, err)
	kept := map[uint64]qmailqueue.QuarantineEntry{}
	for _, e := range entries {
		if e.Kind == qmailqueue.KindRemoved {
			kept[e.ID] = e
		}
	}
	for id := range m.files {
		if state, desc := m.b.StateOf(id); state == "" {
			t.Errorf("message %d is in an illegal state: %s", id, desc)
		}
		if m.intact(id) {
			intact++
			continue
		}
		e, ok := kept[id]
		if !ok {
			t.Errorf("message %d changed but has no quarantine copy (now %v)", id, m.b.Present(id))
			continue
		}
		data, err := os.ReadFile(e.MessPath(quarantine))
		if err != nil || !bytes.Equal(data, m.files[id]["mess"]) {
			t.Errorf("message %d: quarantined mess differs from the original (%v)", id, err)
		}
		if string(e.Sender) != spamMsg.Sender {
			t.Errorf("message %d: quarantined sender %q", id, e.Sender)
		}
	}
	return intact
}

// checkUnchanged checks that no message changed.
func (m *mutateQmail) checkUnchanged(t *testing.T) {
	t.Helper()
	for id := range m.files {
		if !m.intact(id) {
			t.Errorf("message %d changed", id)
		}
	}
}

// checkRestored waits until the service is up and wants to be, with a
// stand-in holding sendmutex, and checks the lock files.
func (m *mutateQmail) checkRestored(t *testing.T, s *standinService) {
	t.Helper()
	waitFor(t, func() bool { st := s.status(t); return st.Up && st.Want == svc.WantUp })
	m.waitSendRunning(t, true)
	m.checkLocks(t)
}

// requireDaemontools skips the test without root or supervise.
func requireDaemontools(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root (qmail's queue is root's business)")
	}
	if _, err := exec.LookPath("supervise"); err != nil {
		t.Skipf("supervise not on PATH (Debian package daemontools): %v", err)
	}
}

// standinService is a qmail-send service under real supervise.
type standinService struct {
	svc *svc.Service
	dir string
}

// superviseStandin makes a service directory whose ./run execs the
// qmail-send stand-in on m's queue, runs supervise over it and waits until
// the stand-in holds sendmutex (unless down). Cleanup stops everything.
func (m *mutateQmail) superviseStandin(t *testing.T, termDelay time.Duration, down bool) *standinService {
	t.Helper()
	requireDaemontools(t)
	standin, err := exec.LookPath("qmail-send")
	mustDo(t, err)
	dir := filepath.Join(m.dir, "service", "qmail-send")
	mustDo(t, os.MkdirAll(dir, 0o755))
	run := fmt.Sprintf("#!/bin/sh\nQQ_TEST_SENDMUTEX=%s exec %s\n", filepath.Join(m.dir, "queue", "lock", "sendmutex"), standin)
	mustDo(t, os.WriteFile(filepath.Join(dir, "run"), []byte(run), 0o755))
	mustDo(t, os.WriteFile(filepath.Join(dir, "term-delay"), []byte(termDelay.String()), 0o644))
	if down {
		mustDo(t, os.WriteFile(filepath.Join(dir, "down"), nil, 0o644))
	}
	sup := exec.Command("supervise", dir)
	mustDo(t, sup.Start())
	exited := make(chan struct{})
	go func() { sup.Wait(); close(exited) }()
	s := &standinService{svc: svc.NewService(dir), dir: dir}
	t.Cleanup(func() {
		os.WriteFile(filepath.Join(dir, "term-delay"), []byte("0s"), 0o644)
		s.svc.Send("dxk")
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			sup.Process.Kill()
			<-exited
		}
	})
	waitFor(t, func() bool { ok, _ := s.svc.Running(); return ok })
	if !down {
		m.waitSendRunning(t, true)
	}
	return s
}

// waitSendRunning waits until a qmail-send (stand-in) holds sendmutex, or
// no longer does.
func (m *mutateQmail) waitSendRunning(t *testing.T, want bool) {
	t.Helper()
	waitFor(t, func() bool {
		r, _ := svc.QmailSendRunning(filepath.Join(m.dir, "queue", "lock", "sendmutex"))
		return r == want
	})
}

func (s *standinService) status(t *testing.T) svc.Status {
	t.Helper()
	st, err := s.svc.ReadStatus()
	mustDo(t, err)
	return st
}

var (
	qqBinaryOnce sync.Once
	qqBinaryPath string
	qqBinaryErr  error
)

// qqBinary returns the real qq binary, built once with go build next to the
// test binary's qq command (testscript's $PATH directory, removed when the
// tests end). A binary built without the race detector starts in
// milliseconds, which the hundred kill runs need. Without the go tool the
// test binary's qq command stands in.
func qqBinary(t *testing.T) string {
	t.Helper()
	qqBinaryOnce.Do(func() {
		var testQQ string
		if testQQ, qqBinaryErr = exec.LookPath("qq"); qqBinaryErr != nil {
			return
		}
		qqBinaryPath = testQQ
		goTool, err := exec.LookPath("go")
		if err != nil {
			return
		}
		out := filepath.Join(filepath.Dir(testQQ), "qq-real")
		build := exec.Command(goTool, "build", "-o", out, ".")
		build.Env = append(os.Environ(), "GOFLAGS=")
		if msg, err := build.CombinedOutput(); err != nil {
			qqBinaryErr = fmt.Errorf("go build: %v\n%s", err, msg)
			return
		}
		qqBinaryPath = out
	})
	mustDo(t, qqBinaryErr)
	return qqBinaryPath
}

// startQQ starts the qq binary on m.
func (m *mutateQmail) startQQ(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(qqBinary(t), append([]string{"--qmail-dir", m.dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.Env = append(os.Environ(), "NO_COLOR=1")
	mustDo(t, cmd.Start())
	return cmd, &stdout, &stderr
}

// runQQBinary runs the qq binary to the end and returns its exit code.
func (m *mutateQmail) runQQBinary(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd, stdout, stderr := m.startQQ(t, args...)
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

func TestRmStopsChangesRestarts(t *testing.T) {
	t.Parallel()
	m := newMutateQmail(t, 8, 3)
	s := m.superviseStandin(t, 200*time.Millisecond, false)
	before := s.status(t)

	code, stdout, stderr := m.runQQBinary(t, "rm", "--subject", "pupil", "--yes", "--service", s.dir, "--timeout", "10s")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "qq rm: removed 8 of 8 messages") {
		t.Errorf("stdout:\n%s", stdout)
	}
	for _, id := range m.spam {
		if kinds := m.b.Present(id); len(kinds) > 0 {
			t.Errorf("spam %d: files left %v", id, kinds)
		}
	}
	for _, id := range m.ham {
		if !m.intact(id) {
			t.Errorf("message %d changed", id)
		}
	}
	m.checkConsistent(t, filepath.Join(m.dir, "qq-quarantine"))
	after := s.status(t)
	if !after.Up || after.Want != svc.WantUp || after.Pid == before.Pid {
		t.Errorf("service after qq rm: %+v (pid before %d); want up again with a new process", after, before.Pid)
	}
	m.waitSendRunning(t, true)
	m.checkLocks(t)
}

func TestRmLeavesDownServiceDown(t *testing.T) {
	t.Parallel()
	m := newMutateQmail(t, 4, 2)
	s := m.superviseStandin(t, 0, true)

	code, stdout, stderr := m.runQQBinary(t, "rm", "--sender", spamMsg.Sender, "--yes", "--service", s.dir, "--timeout", "10s")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	if strings.Count(stdout, "removed 4 of 4") != 1 {
		t.Errorf("stdout:\n%s", stdout)
	}
	time.Sleep(300 * time.Millisecond) // a wrong "u" would have started it by now
	if st := s.status(t); st.Pid != 0 || st.Want == svc.WantUp {
		t.Errorf("service was down, is now %+v", st)
	}
	m.checkLocks(t)
}

// TestRmStopTimeout: qmail-send takes longer to stop than --timeout allows.
// qq changes nothing, exits 111, and the service is brought back.
func TestRmStopTimeout(t *testing.T) {
	t.Parallel()
	m := newMutateQmail(t, 4, 1)
	s := m.superviseStandin(t, 2*time.Second, false)

	code, _, stderr := m.runQQBinary(t, "rm", "--subject", "pupil", "--yes", "--service", s.dir, "--timeout", "300ms")
	if code != cmdutil.ExitTempFail {
		t.Fatalf("exit %d, want %d\n%s", code, cmdutil.ExitTempFail, stderr)
	}
	if !strings.Contains(stderr, "qmail-send did not stop within 300ms") {
		t.Errorf("stderr:\n%s", stderr)
	}
	m.checkUnchanged(t)
	// The old process finishes its deliveries and exits; supervise starts
	// it again because qq sent "u".
	m.checkRestored(t, s)
}

// TestRmInterruptedWhileStopping sends SIGINT while qq waits for qmail-send
// to finish its deliveries: nothing is changed, the service is restored,
// and qq exits 130.
func TestRmInterruptedWhileStopping(t *testing.T) {
	t.Parallel()
	m := newMutateQmail(t, 4, 1)
	s := m.superviseStandin(t, time.Second, false)

	cmd, _, stderr := m.startQQ(t, "rm", "--subject", "pupil", "--yes", "--service", s.dir, "--timeout", "20s")
	waitFor(t, func() bool { return s.status(t).Want == svc.WantDown })
	mustDo(t, cmd.Process.Signal(os.Interrupt))
	err := cmd.Wait()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != cmdutil.ExitInterrupted {
		t.Fatalf("qq: %v, want exit %d\n%s", err, cmdutil.ExitInterrupted, stderr)
	}
	m.checkUnchanged(t)
	m.checkRestored(t, s)
}

// TestRmInterruptedWhileRemoving sends SIGINT once qmail-send is down and
// the removal of a few thousand messages has begun: the service comes back
// and every message is intact or gone with its quarantine copy.
func TestRmInterruptedWhileRemoving(t *testing.T) {
	t.Parallel()
	m := newMutateQmail(t, 3000, 10)
	s := m.superviseStandin(t, 0, false)
	quarantine := filepath.Join(m.dir, "qq-quarantine")

	cmd, stdout, stderr := m.startQQ(t, "rm", "--subject", "pupil", "--yes", "--service", s.dir, "--timeout", "20s")
	// The first batch is quarantined once the run's manifest has lines.
	waitFor(t, func() bool { return manifestLines(quarantine) > 0 })
	mustDo(t, cmd.Process.Signal(os.Interrupt))
	err := cmd.Wait()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	}
	if code != cmdutil.ExitInterrupted && code != 0 {
		t.Fatalf("qq exited %d\n%s%s", code, stdout, stderr)
	}
	intact := m.checkConsistent(t, quarantine)
	if code == cmdutil.ExitInterrupted && (intact == len(m.files) || intact == len(m.ham)) {
		t.Logf("interrupted, but at a batch boundary: %d of %d messages intact", intact, len(m.files))
	}
	t.Logf("exit %d; %d of %d messages intact; %s", code, intact, len(m.files), lastLine(stdout.String()))
	m.checkRestored(t, s)
}

// TestRmKilled kills qq rm with SIGKILL at random points, over many runs on
// small queues: whatever the point, every message is in a legal state and
// either intact or gone with a complete quarantine copy, and the lock files
// are untouched. (--no-svc: sendmutex is free, nothing to stop.) Half the
// kills fall anywhere in the run; the other half in the change itself,
// timed from the moment the quarantine run directory appears.
func TestRmKilled(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: O_NOATIME and hard links to files of other owners")
	}
	t.Parallel()
	runs := 100
	if testing.Short() {
		runs = 20
	}
	args := []string{"rm", "--sender", spamMsg.Sender, "--yes", "--no-svc"}
	// How long a whole run takes, and its change.
	m := newMutateQmail(t, 16, 4)
	quarantine := filepath.Join(m.dir, "qq-quarantine")
	start := time.Now()
	cmd, _, _ := m.startQQ(t, args...)
	waitForFast(func() bool { return runDirs(quarantine) > 0 })
	changeStart := time.Since(start)
	mustDo(t, cmd.Wait())
	full := time.Since(start)
	change := full - changeStart
	outcomes := map[string]int{}
	for i := range runs {
		m := newMutateQmail(t, 16, 4)
		quarantine := filepath.Join(m.dir, "qq-quarantine")
		cmd, _, _ := m.startQQ(t, args...)
		var delay time.Duration
		if i%2 == 0 {
			delay = time.Duration(rand.Int64N(int64(full)))
			time.Sleep(delay)
		} else {
			waitForFast(func() bool { return runDirs(quarantine) > 0 })
			delay = time.Duration(rand.Int64N(int64(change) + 1))
			time.Sleep(delay)
		}
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		intact := m.checkConsistent(t, quarantine)
		checkCatalogue(t, quarantine)
		m.checkLocks(t)
		gone, partly := 0, 0
		for _, id := range m.spam {
			if kinds := m.b.Present(id); len(kinds) == 0 {
				gone++
			} else if !m.intact(id) {
				partly++
			}
		}
		switch {
		case intact == len(m.files):
			outcomes["before any change"]++
		case gone == len(m.spam):
			outcomes["after the last unlink"]++
		case partly > 0:
			outcomes["with messages partly unlinked"]++
		default:
			outcomes["between messages"]++
		}
		if t.Failed() {
			t.Fatalf("run %d, killed after %v", i, delay)
		}
	}
	t.Logf("%d runs (a whole run takes %v, its change %v): killed %v", runs, full, change, outcomes)
}

// checkCatalogue checks that the quarantine lists every file its run
// directories hold, whatever the moment qq was killed, and that purging
// every entry leaves no run behind (issue 11 item 6).
func checkCatalogue(t *testing.T, quarantine string) {
	t.Helper()
	entries, _, err := qmailqueue.LoadQuarantine(quarantine)
	mustDo(t, err)
	listed := map[string]bool{}
	for _, e := range entries {
		if p := e.MessPath(quarantine); p != "" {
			listed[p] = true
		}
		for _, f := range e.Files {
			listed[filepath.Join(quarantine, e.Run, f.Name)] = true
		}
	}
	runs, _ := os.ReadDir(quarantine)
	for _, run := range runs {
		if !run.IsDir() {
			continue
		}
		files, _ := os.ReadDir(filepath.Join(quarantine, run.Name()))
		for _, f := range files {
			p := filepath.Join(quarantine, run.Name(), f.Name())
			if f.Name() != qmailqueue.ManifestName && !listed[p] {
				t.Errorf("%s is in the quarantine but not listed", p)
			}
		}
	}
	if len(entries) == 0 {
		return
	}
	z, err := qmailqueue.OpenQuarantine(quarantine)
	mustDo(t, err)
	defer z.Close()
	mustDo(t, z.Purge(entries))
	if n := runDirs(quarantine); n != 0 {
		t.Errorf("%d run directories left after purging every entry", n)
	}
}

// waitForFast polls cond without sleeping, for at most 10 s.
func waitForFast(cond func() bool) {
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !cond(); {
	}
}

// runDirs counts the run directories in a quarantine.
func runDirs(quarantine string) int {
	entries, _ := os.ReadDir(quarantine)
	n := 0
	for _, e := range entries {
		if e.IsDir() {
			n++
		}
	}
	return n
}

// manifestLines counts the manifest lines of every run in a quarantine.
func manifestLines(quarantine string) int {
	runs, _ := os.ReadDir(quarantine)
	n := 0
	for _, r := range runs {
		b, _ := os.ReadFile(filepath.Join(quarantine, r.Name(), qmailqueue.ManifestName))
		n += bytes.Count(b, []byte("\n"))
	}
	return n
}

// lastLine returns the last line of s.
func lastLine(s string) string {
	s = strings.TrimSpace(s)
	return s[strings.LastIndexByte(s, '\n')+1:]
}

// TestRmIDReuse replaces messages between the plan and the change (the
// stop may take minutes, during which qmail-send finishes messages and
// qmail-queue reuses their inode numbers): qq must leave the new messages
// alone and report them.
func TestRmIDReuse(t *testing.T) {
	m := newMutateQmail(t, 3, 0)
	victim, rewritten := m.spam[0], m.spam[1]
	a := newApp(strings.NewReader(""), io.Discard, io.Discard, func(string) string { return "" })
	var stdout, stderr bytes.Buffer
	a.stdout, a.stderr = &stdout, &stderr
	reused := false
	a.beforeChange = func() {
		// victim: finished by qmail-send, its number given to a new
		// message (or, if the file system does not reuse it at once, a new
		// message's files put under the old number).
		for _, k := range m.b.Present(victim) {
			os.Remove(m.b.Path(k, victim))
		}
		for range 50 {
			id, err := m.b.Add(hamMsg)
			mustDo(t, err)
			if id == victim {
				reused = true
				break
			}
		}
		if !reused {
			id, err := m.b.Add(hamMsg)
			mustDo(t, err)
			for _, k := range m.b.Present(id) {
				mustDo(t, os.Rename(m.b.Path(k, id), m.b.Path(k, victim)))
			}
		}
		// rewritten: the same inode, another envelope.
		mustDo(t, os.WriteFile(m.b.Path("info", rewritten), []byte("Fsomeone@else.example\x00"), 0o600))
	}
	root := newRootCmd(a)
	root.SetArgs([]string{"--qmail-dir", m.dir, "rm", "--sender", spamMsg.Sender, "--yes", "--no-svc", "--format", "json"})
	err := root.ExecuteContext(context.Background())
	if err != nil {
		t.Fatalf("qq rm: %v\n%s", err, stderr.String())
	}
	var report qmailqueue.ChangeReport
	mustDo(t, json.Unmarshal(stdout.Bytes(), &report))
	if report.Done != 1 || report.Changed != 2 {
		t.Errorf("report: done %d changed %d, want 1 and 2", report.Done, report.Changed)
	}
	for _, msg := range report.Messages {
		if msg.ID == victim && (msg.Outcome != "changed" || msg.Reason != "the ID now names another message") {
			t.Errorf("victim: %+v", msg)
		}
	}
	if state, desc := m.b.StateOf(victim); state != "S5" {
		t.Errorf("the new message under the reused ID was touched: %s", desc)
	}
	if data, _ := os.ReadFile(m.b.Path("info", rewritten)); string(data) != "Fsomeone@else.example\x00" {
		t.Errorf("the rewritten message was touched")
	}
	if !strings.Contains(stderr.String(), strconv.FormatUint(victim, 10)+" not removed: the ID now names another message") {
		t.Errorf("stderr:\n%s", stderr.String())
	}
	t.Logf("inode reused by the file system: %v", reused)
	m.checkLocks(t)
}

// TestAlarmThroughSupervise: qq retry and qq expire reach qmail-send's
// ALRM handler through supervise.
func TestAlarmThroughSupervise(t *testing.T) {
	t.Parallel()
	m := newMutateQmail(t, 2, 1)
	s := m.superviseStandin(t, 0, false)
	alarms := func() int {
		b, _ := os.ReadFile(filepath.Join(s.dir, "alarms"))
		return strings.Count(string(b), "ALRM")
	}
	if code, out, errs := m.runQQBinary(t, "retry", "--service", s.dir); code != 0 {
		t.Fatalf("qq retry: exit %d\n%s%s", code, out, errs)
	}
	waitFor(t, func() bool { return alarms() == 1 })
	if code, out, errs := m.runQQBinary(t, "expire", "--yes", "--service", s.dir, strconv.FormatUint(m.ham[0], 10)); code != 0 {
		t.Fatalf("qq expire: exit %d\n%s%s", code, out, errs)
	}
	waitFor(t, func() bool { return alarms() == 2 })
	m.checkLocks(t)
}
