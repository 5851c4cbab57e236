// Package realqmail runs the real qmail (notqmail, built and installed by
// `make test-qmail` into a private home) for end-to-end tests: a fresh
// queue per test, control files routing every remote delivery to an SMTP
// sink on 127.0.0.1 (see [Sink]), local aliases that defer or deliver into
// one Maildir, and qmail-send under daemontools' supervise with multilog.
//
// The home is named by $QQ_REAL_QMAIL (set by `make test-qmail`); without
// it, or when not root, or without daemontools, [Start] skips the test
// with one line saying so. The home is compiled into qmail, so the tests
// using it must not run in parallel.
package realqmail

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue/fsck"
)

// EnvHome names the environment variable holding the test qmail's home.
const EnvHome = "QQ_REAL_QMAIL"

// Domain is the test qmail's own domain (config-fast); addresses in it are
// delivered locally. Every other domain goes to the sink.
const Domain = "qqtest.invalid"

// Qmail is one running test qmail.
type Qmail struct {
	t       testing.TB
	Home    string // qmail's home, e.g. /var/tmp/qq-test-qmail
	Queue   string // Home/queue
	Service string // the qmail-send service directory (supervise)
	LogDir  string // multilog's directory of qmail-send's log
	Maildir string // the Maildir local deliveries to box@Domain end in
	Sink    *Sink

	supervise, superviseLog *exec.Cmd
}

// Available returns the test qmail's home, or why the real qmail cannot
// be used here.
func Available() (home, reason string) {
	home = os.Getenv(EnvHome)
	switch {
	case home == "":
		return "", "real qmail not set up: run `make test-qmail` (needs root and a C compiler)"
	case os.Geteuid() != 0:
		return "", "real qmail needs root"
	}
	for _, tool := range []string{"supervise", "multilog", "svc", "svstat", "tai64nlocal"} {
		if _, err := exec.LookPath(tool); err != nil {
			return "", "daemontools' " + tool + " not found (apt-get install daemontools)"
		}
	}
	if _, err := os.Stat(filepath.Join(home, "bin", "qmail-send")); err != nil {
		return "", fmt.Sprintf("no qmail installed in %s: run `make test-qmail`", home)
	}
	return home, ""
}

// Start resets the test qmail to an empty queue and starts qmail-send
// under supervise; it is stopped when the test ends.
func Start(t testing.TB) *Qmail {
	q := Prepare(t)
	q.Up()
	return q
}

// Prepare is Start without starting the services: the queue is empty and
// the control files are written, the service directory exists with
// supervise not yet running.
func Prepare(t testing.TB) *Qmail {
	t.Helper()
	home, reason := Available()
	if reason != "" {
		t.Skip(reason)
	}
	q := &Qmail{t: t, Home: home, Queue: filepath.Join(home, "queue")}
	if r, _ := fsck.ProbeQmailSend(q.Queue); r == fsck.RunningYes {
		t.Fatalf("a qmail-send still runs on %s", q.Queue)
	}
	q.Sink = StartSink(t)
	q.reset()
	q.writeService(t.TempDir())
	return q
}

func (q *Qmail) fatalf(format string, args ...any) {
	q.t.Helper()
	q.t.Fatalf(format, args...)
}

// run runs a command and fails the test on error, returning its stdout.
func (q *Qmail) run(stdin string, name string, args ...string) string {
	q.t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		q.fatalf("%s %s: %v\n%s%s", name, strings.Join(args, " "), err, out.String(), errb.String())
	}
	return out.String()
}

// reset puts the queue back as installed and writes the test's control
// files, users/assign and the aliases.
func (q *Qmail) reset() {
	q.t.Helper()
	for _, dir := range []string{q.Queue, filepath.Join(q.Home, "qq-quarantine")} {
		if err := os.RemoveAll(dir); err != nil {
			q.fatalf("reset: %v", err)
		}
	}
	q.run("", "cp", "-a", q.Queue+".pristine", q.Queue)

	ctl := map[string]string{
		"smtproutes": fmt.Sprintf(":127.0.0.1:%d\n", q.Sink.Port()),
		// Fast timeouts: the sink is local.
		"timeoutconnect": "5\n",
		"timeoutremote":  "10\n",
	}
	for name, content := range ctl {
		q.WriteFile(filepath.Join(q.Home, "control", name), content, 0o644)
	}

	// Every local address is delivered as the alias user, with the .qmail
	// files of a private alias directory (users/assign: qmail-lspawn uses
	// it before qmail-getpw), whatever home the host's alias user has.
	alias, err := user.Lookup("alias")
	if err != nil {
		q.fatalf("user alias: %v", err)
	}
	adir := filepath.Join(q.Home, "alias")
	q.WriteFile(filepath.Join(q.Home, "users", "assign"),
		fmt.Sprintf("+:alias:%s:%s:%s:-::\n.\n", alias.Uid, alias.Gid, adir), 0o644)
	q.run("", filepath.Join(q.Home, "bin", "qmail-newu"))

	entries, _ := os.ReadDir(adir)
	for _, e := range entries {
		os.RemoveAll(filepath.Join(adir, e.Name()))
	}
	aliases := map[string]string{
		".qmail-defer-default": "|exit 111\n", // local deferral
		".qmail-lbad-default":  "|exit 100\n", // local permanent failure
		".qmail-default":       "./Maildir/\n",
	}
	for name, content := range aliases {
		q.WriteFile(filepath.Join(adir, name), content, 0o644)
	}
	q.Maildir = filepath.Join(adir, "Maildir")
	uid, err := strconv.Atoi(alias.Uid)
	if err != nil {
		q.fatalf("user alias: uid %q", alias.Uid)
	}
	gid, err := strconv.Atoi(alias.Gid)
	if err != nil {
		q.fatalf("user alias: gid %q", alias.Gid)
	}
	for _, sub := range []string{"", "cur", "new", "tmp"} {
		d := filepath.Join(q.Maildir, sub)
		if err := os.Mkdir(d, 0o700); err != nil {
			q.fatalf("%v", err)
		}
		if err := os.Chown(d, uid, gid); err != nil {
			q.fatalf("%v", err)
		}
	}
}

// WriteFile writes a file or fails the test.
func (q *Qmail) WriteFile(path, content string, mode os.FileMode) {
	q.t.Helper()
	if err := os.WriteFile(path, []byte(content), mode); err != nil {
		q.fatalf("%v", err)
	}
}

// writeService makes the qmail-send service directory (with log/) in dir.
func (q *Qmail) writeService(dir string) {
	q.Service = filepath.Join(dir, "qmail-send")
	q.LogDir = filepath.Join(q.Service, "log", "main")
	for _, d := range []string{q.Service, q.LogDir} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			q.fatalf("%v", err)
		}
	}
	q.WriteFile(filepath.Join(q.Service, "run"), fmt.Sprintf(`#!/bin/sh
exec 2>&1
exec env - PATH="%s/bin:/usr/bin:/bin" qmail-start ./Maildir/
`, q.Home), 0o755)
	q.WriteFile(filepath.Join(q.Service, "log", "run"), "#!/bin/sh\nexec multilog t ./main\n", 0o755)
}

// Up starts supervise on the service and its log (the pipeline
// `supervise SVC | supervise SVC/log`) and waits until qmail-send runs.
// It stops both when the test ends.
func (q *Qmail) Up() {
	q.t.Helper()
	pr, pw, err := os.Pipe()
	if err != nil {
		q.fatalf("%v", err)
	}
	q.supervise = exec.Command("supervise", q.Service)
	q.supervise.Stdout = pw
	q.supervise.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	q.superviseLog = exec.Command("supervise", filepath.Join(q.Service, "log"))
	q.superviseLog.Stdin = pr
	q.superviseLog.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := q.superviseLog.Start(); err != nil {
		q.fatalf("supervise log: %v", err)
	}
	if err := q.supervise.Start(); err != nil {
		q.fatalf("supervise: %v", err)
	}
	pr.Close()
	pw.Close()
	q.t.Cleanup(q.shutdown)
	q.WaitRunning(true)
}

// shutdown stops qmail-send and both supervise processes.
func (q *Qmail) shutdown() {
	stop := func(dir string, cmd *exec.Cmd) {
		exec.Command("svc", "-dx", dir).Run()
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			q.t.Errorf("supervise %s did not exit; killing it", dir)
			cmd.Process.Kill()
			<-done
		}
	}
	if q.supervise != nil {
		stop(q.Service, q.supervise)
		stop(filepath.Join(q.Service, "log"), q.superviseLog)
		q.supervise = nil
	}
}

// Svc runs daemontools' svc with args on the qmail-send service.
func (q *Qmail) Svc(args ...string) {
	q.t.Helper()
	q.run("", "svc", append(args, q.Service)...)
}

// WaitRunning waits until qmail-send holds (up) or no longer holds
// lock/sendmutex, as told by the kernel's lock table.
func (q *Qmail) WaitRunning(up bool) {
	q.t.Helper()
	want := fsck.RunningNo
	if up {
		want = fsck.RunningYes
	}
	q.waitFor(fmt.Sprintf("qmail-send running=%v", up), func() bool {
		r, _ := fsck.ProbeQmailSend(q.Queue)
		return r == want
	})
}

func (q *Qmail) waitFor(what string, cond func() bool) {
	q.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			q.fatalf("timed out waiting for %s\nlog:\n%s", what, q.LogText())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// WaitFor waits (up to 30 s) until cond holds, failing the test otherwise.
func (q *Qmail) WaitFor(what string, cond func() bool) {
	q.t.Helper()
	q.waitFor(what, cond)
}

// LogText is qmail-send's log so far (all of multilog's files, oldest
// first), with multilog's timestamps.
func (q *Qmail) LogText() string {
	files, _ := filepath.Glob(filepath.Join(q.LogDir, "@*"))
	files = append(files, filepath.Join(q.LogDir, "current"))
	var b strings.Builder
	for _, f := range files {
		data, _ := os.ReadFile(f)
		b.Write(data)
	}
	return b.String()
}

var (
	reStarting = regexp.MustCompile(`starting delivery (\d+): msg (\d+) to `)
	reResult   = regexp.MustCompile(`delivery (\d+): (success|failure|deferral)`)
	reNewMsg   = regexp.MustCompile(`new msg (\d+)`)
)

// WaitIdle waits until qmail-send has preprocessed everything in todo/,
// every delivery it started has its result in the log, and the log has not
// grown for a moment: the queue is stable until the next retry.
func (q *Qmail) WaitIdle() {
	q.t.Helper()
	last, stable := "", 0
	q.waitFor("qmail-send to be idle", func() bool {
		text := q.LogText()
		todo, _ := filepath.Glob(filepath.Join(q.Queue, "todo", "*"))
		sub, _ := filepath.Glob(filepath.Join(q.Queue, "todo", "*", "*"))
		busy := len(sub) > 0
		for _, f := range todo {
			if st, err := os.Stat(f); err == nil && !st.IsDir() {
				busy = true
			}
		}
		if len(reStarting.FindAllString(text, -1)) != len(reResult.FindAllString(text, -1)) {
			busy = true
		}
		if busy || text != last {
			last, stable = text, 0
			return false
		}
		stable++
		return stable >= 4
	})
}

// NewMsgIDs returns the IDs of qmail-send's "new msg" lines, in order.
func (q *Qmail) NewMsgIDs() []string {
	var ids []string
	for _, m := range reNewMsg.FindAllStringSubmatch(q.LogText(), -1) {
		ids = append(ids, m[1])
	}
	return ids
}

// Inject sends msg through the real qmail-inject with envelope sender from
// and the given recipients.
func (q *Qmail) Inject(from string, msg string, rcpts ...string) {
	q.t.Helper()
	args := append([]string{"-f" + from}, rcpts...)
	cmd := exec.Command(filepath.Join(q.Home, "bin", "qmail-inject"), args...)
	cmd.Env = []string{"PATH=/usr/bin:/bin", "QMAILUSER=tester", "QMAILHOST=" + Domain}
	cmd.Stdin = strings.NewReader(msg)
	if out, err := cmd.CombinedOutput(); err != nil {
		q.fatalf("qmail-inject %v: %v\n%s", args, err, out)
	}
}

// Envelope is qmail-queue's envelope for from and rcpts: F, T records and
// the terminating NUL.
func Envelope(from string, rcpts ...string) string {
	var b strings.Builder
	b.WriteString("F" + from + "\x00")
	for _, r := range rcpts {
		b.WriteString("T" + r + "\x00")
	}
	b.WriteString("\x00")
	return b.String()
}

// StartQueue starts the real qmail-queue and returns the writing ends of
// its message (fd 0) and envelope (fd 1) pipes; the caller writes and
// closes them, then waits for (or kills) the command.
func (q *Qmail) StartQueue() (cmd *exec.Cmd, msg, envelope *os.File) {
	q.t.Helper()
	mr, mw, err := os.Pipe()
	if err != nil {
		q.fatalf("%v", err)
	}
	er, ew, err := os.Pipe()
	if err != nil {
		q.fatalf("%v", err)
	}
	cmd = exec.Command(filepath.Join(q.Home, "bin", "qmail-queue"))
	cmd.Stdin, cmd.Stdout = mr, er // qmail-queue reads the envelope on fd 1
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		q.fatalf("qmail-queue: %v", err)
	}
	mr.Close()
	er.Close()
	return cmd, mw, ew
}

// QueueMsg puts msg into the queue through the real qmail-queue (any
// envelope, the null sender included).
func (q *Qmail) QueueMsg(from, msg string, rcpts ...string) {
	q.t.Helper()
	cmd, mw, ew := q.StartQueue()
	go func() {
		mw.WriteString(msg)
		mw.Close()
		ew.WriteString(Envelope(from, rcpts...))
		ew.Close()
	}()
	if err := cmd.Wait(); err != nil {
		q.fatalf("qmail-queue: %v", err)
	}
}

// Qread is the real qmail-qread's output.
func (q *Qmail) Qread() string {
	q.t.Helper()
	return q.run("", filepath.Join(q.Home, "bin", "qmail-qread"))
}

// Qstat is the real qmail-qstat's output.
func (q *Qmail) Qstat() string {
	q.t.Helper()
	return q.run("", filepath.Join(q.Home, "bin", "qmail-qstat"))
}

// Command runs name with args and returns stdout, stderr and the exit code
// (-1 when it did not run or died of a signal).
func Command(stdin, name string, args ...string) (stdout, stderr string, code int) {
	cmd := exec.Command(name, args...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		code = -1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

// Supervise runs daemontools' supervise on the service directory dir
// (with run script run) and waits until the service is up; it runs until
// the test ends; at the end it is told to
// stop the service and exit (svc -dx), and the service is KILLed if it
// ignores TERM.
func Supervise(t testing.TB, dir, run string) *exec.Cmd {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "run"), []byte(run), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("supervise", dir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatalf("supervise: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		exec.Command("svc", "-dx", dir).Run()
		select {
		case <-exited:
			return
		case <-time.After(3 * time.Second):
		}
		exec.Command("svc", "-k", dir).Run()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	// Up once supervise has started run and said so in its status file.
	deadline := time.Now().Add(10 * time.Second)
	for {
		out, _ := exec.Command("svstat", dir).Output()
		if bytes.Contains(out, []byte(": up (pid ")) {
			return cmd
		}
		if time.Now().After(deadline) {
			t.Fatalf("supervise %s did not start: %s", dir, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
