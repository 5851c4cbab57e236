package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qqmail/qq/qmailqueue/queuetest"
	"github.com/qqmail/qq/svc"
)

// TestFsckExitCodes checks the exit statuses qq fsck documents.
func TestFsckExitCodes(t *testing.T) {
	msg := queuetest.Message{Sender: "a@example.org", Recipients: []queuetest.Recipient{{Addr: "r@example.net", Remote: true}}}
	newQueue := func(t *testing.T, broken ...queuetest.Broken) string {
		b := queuetest.NewT(t, queuetest.Options{Split: 5})
		if _, err := b.Add(msg); err != nil {
			t.Fatal(err)
		}
		for _, k := range broken {
			if _, err := b.AddBroken(k, msg); err != nil {
				t.Fatal(err)
			}
		}
		return b.Dir()
	}
	clean := newQueue(t)
	broken := newQueue(t, queuetest.TodoNoMess, queuetest.NameNotInode)
	held := newQueue(t, queuetest.IntdOnly)
	holdLock(t, filepath.Join(held, "lock", "sendmutex"))
	trigger := newQueue(t, queuetest.IntdOnly)
	if err := os.Remove(filepath.Join(trigger, "lock", "trigger")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(trigger, "lock", "trigger"), nil, 0o622); err != nil {
		t.Fatal(err)
	}
	// The quarantine is busy (another qq run holds its lock): exit 111,
	// as for qq rm, and nothing changes.
	busy := newQueue(t, queuetest.TodoNoMess)
	busyZ := filepath.Join(filepath.Dir(busy), "qq-quarantine")
	if err := os.MkdirAll(busyZ, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(busyZ, ".lock"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	holdLock(t, filepath.Join(busyZ, ".lock"))
	notQueue := t.TempDir()
	parent := t.TempDir()

	for _, c := range []struct {
		name   string
		args   []string
		code   int
		stderr string
	}{
		{"clean", []string{"--queue", clean, "fsck"}, 0, ": 0 errors, 0 warnings"},
		{"findings", []string{"--queue", broken, "fsck"}, 1, ": 2 errors, 0 warnings"},
		{"dry run", []string{"--queue", broken, "fsck", "--repair", "--dry-run"}, 1, "the plan repairs 2 findings"},
		{"usage", []string{"--queue", clean, "fsck", "--resplit", "0"}, 2, "--resplit must be a positive number"},
		{"bad format", []string{"--queue", clean, "fsck", "--format", "qread"}, 2, "--format qread is not offered"},
		{"not a queue", []string{"--queue", notQueue, "fsck"}, 3, "not a qmail queue"},
		{"quarantine in queue", []string{"--queue", broken, "fsck", "--repair", "--no-svc", "--quarantine", filepath.Join(broken, "q")}, 2, "inside the queue directory"},
		{"lock held", []string{"--queue", held, "fsck", "--repair", "--no-svc"}, 111, "qmail-send is running and cannot be stopped"},
		{"quarantine busy", []string{"--queue", busy, "fsck", "--repair", "--no-svc"}, 111, "the quarantine is in use by another qq run"},
		{"busy left alone", []string{"--queue", busy, "fsck"}, 1, ": 1 errors, 0 warnings"},
		{"repaired", []string{"--queue", broken, "fsck", "--repair", "--no-svc"}, 0, ": 0 errors, 0 warnings"},
		{"clean after", []string{"--queue", broken, "fsck"}, 0, ": 0 errors, 0 warnings"},
		// A lock file of the wrong type is never touched: it stays.
		{"left", []string{"--queue", trigger, "fsck", "--repair", "--no-svc"}, 1, ": 1 errors, 0 warnings"},
		{"create", []string{"fsck", "--create", filepath.Join(parent, "queue"), "--split", "3"}, 0, ""},
		{"create again", []string{"fsck", "--create", filepath.Join(parent, "queue")}, 3, "not empty"},
		{"resplit", []string{"--queue", clean, "fsck", "--resplit", "7", "--no-svc"}, 0, "moved the queue to split 7"},
	} {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runQQ(t, context.Background(), c.args...)
			if code != c.code || !strings.Contains(stderr, c.stderr) {
				t.Errorf("qq %s: exit %d, want %d; stderr %q doesn't contain %q\nstdout:\n%s",
					strings.Join(c.args, " "), code, c.code, stderr, c.stderr, stdout)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(held, "intd")); err != nil {
		t.Fatal(err)
	}
}

// TestFsckRepairSupervised repairs a queue whose qmail-send (a stand-in
// holding sendmutex) runs under a real supervise: qq stops it, repairs,
// and brings it back.
func TestFsckRepairSupervised(t *testing.T) {
	for _, tool := range []string{"supervise", "flock"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not on PATH: %v", tool, err)
		}
	}
	qmail := t.TempDir()
	b, err := queuetest.New(filepath.Join(qmail, "queue"), queuetest.Options{Split: 5})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	msg := queuetest.Message{Sender: "a@example.org", Recipients: []queuetest.Recipient{{Addr: "r@example.net", Remote: true}}}
	id, err := b.AddBroken(queuetest.WrongSplit, msg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.AddBroken(queuetest.TodoNoMess, msg); err != nil {
		t.Fatal(err)
	}
	sendmutex := filepath.Join(qmail, "queue", "lock", "sendmutex")
	dir := filepath.Join(qmail, "service", "qmail-send")
	s := superviseStandIn(t, dir, sendmutex)
	before, err := s.ReadStatus()
	if err != nil {
		t.Fatal(err)
	}

	// Checking works while it runs, and says so.
	code, _, stderr := runQQ(t, context.Background(), "--qmail-dir", qmail, "fsck")
	if code != exitFindings || !strings.Contains(stderr, "qmail-send running: yes") {
		t.Fatalf("check: exit %d, stderr %q", code, stderr)
	}
	code, stdout, stderr := runQQ(t, context.Background(), "--qmail-dir", qmail, "fsck", "--repair", "--service", dir, "--timeout", "10s")
	if code != 0 {
		t.Fatalf("repair: exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "done: rename info/") || !strings.Contains(stderr, "qmail-smtpd can still write") {
		t.Errorf("repair output:\n%s\n%s", stdout, stderr)
	}
	if _, err := os.Stat(b.Path("info", id)); err != nil {
		t.Errorf("the message was not moved: %v", err)
	}
	waitFor(t, func() bool { r, _ := svc.QmailSendRunning(sendmutex); return r })
	after, err := s.ReadStatus()
	if err != nil || !after.Up || after.Pid == before.Pid {
		t.Errorf("after the repair: %+v, %v (before pid %d); want it up again with a new pid", after, err, before.Pid)
	}
	if code, _, stderr := runQQ(t, context.Background(), "--qmail-dir", qmail, "fsck"); code != 0 {
		t.Errorf("after the repair: exit %d, %s", code, stderr)
	}
}

// TestFsckOwnersEnv: QQ_OWNERS is the owner reference in place of this
// machine's qmail users; --owner still overrides it; a bad value is a usage
// error naming it.
func TestFsckOwnersEnv(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	dir := b.Dir()
	env := func(owners string) map[string]string {
		return map[string]string{"TZ": "UTC", "NO_COLOR": "1", "QQ_OWNERS": owners}
	}
	uid, gid := os.Getuid(), os.Getgid()
	other := uid + 4242
	code, stdout, stderr := runQQEnv(t, context.Background(), env(testOwners()), "--queue", dir, "fsck", "--format", "plain")
	if code != 0 {
		t.Errorf("own ids: exit %d\n%s%s", code, stdout, stderr)
	}
	code, stdout, _ = runQQEnv(t, context.Background(), env(fmt.Sprintf("qmailq=%d,qmails=%d,qmailr=%d,qmail=%d", other, uid, uid, gid)), "--queue", dir, "fsck", "--format", "plain")
	want := fmt.Sprintf("queue/: owner %d:%d, want qmailq:qmail (%d:%d)", uid, gid, other, gid)
	if code != exitFindings || !strings.Contains(stdout, want) {
		t.Errorf("qmailq=%d: exit %d, stdout lacks %q:\n%s", other, code, want, stdout)
	}
	code, stdout, stderr = runQQEnv(t, context.Background(), env(fmt.Sprintf("qmailq=%d,qmails=%d,qmailr=%d,qmail=%d", other, uid, uid, gid)), "--queue", dir, "fsck", "--owner", fmt.Sprintf("qmailq=%d", uid))
	if code != 0 {
		t.Errorf("--owner over QQ_OWNERS: exit %d\n%s%s", code, stdout, stderr)
	}
	// Roles QQ_OWNERS leaves out come from the queue, never from this
	// machine's users: a note says so.
	code, _, stderr = runQQEnv(t, context.Background(), env(fmt.Sprintf("qmailq=%d", uid)), "--queue", dir, "fsck")
	want = fmt.Sprintf("owners are checked against the queue's own: qmail = group of queue/ (%d), qmails = owner of info/ (%d)", gid, uid)
	if code != 0 || !strings.Contains(stderr, want) {
		t.Errorf("partial QQ_OWNERS: exit %d, stderr %q", code, stderr)
	}
	code, _, stderr = runQQEnv(t, context.Background(), env("qmailq"), "--queue", dir, "fsck")
	if code != 2 || !strings.Contains(stderr, `QQ_OWNERS "qmailq": want ROLE=ID`) {
		t.Errorf("bad QQ_OWNERS: exit %d, stderr %q", code, stderr)
	}
}
