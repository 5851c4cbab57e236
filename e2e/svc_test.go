package e2e

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/qqmail/qq/e2e/realqmail"
)

// sameAsSvstat compares qq svc status --format svstat with daemontools'
// svstat on dirs, once svstat shows the state (wantRe; svc's commands
// take effect asynchronously). svstat prints seconds since the last
// change, so it runs before and after qq and qq must equal one of the two.
func sameAsSvstat(t *testing.T, q *realqmail.Qmail, state string, wantRe string, dirs ...string) {
	t.Helper()
	re := regexp.MustCompile(wantRe)
	q.WaitFor("svstat to say "+state, func() bool {
		out, _, _ := realqmail.Command("", "svstat", dirs...)
		return re.MatchString(out)
	})
	before, _, _ := realqmail.Command("", "svstat", dirs...)
	got, errOut, _ := qq(q, append([]string{"svc", "status", "--format", "svstat"}, dirs...)...)
	after, _, _ := realqmail.Command("", "svstat", dirs...)
	if got != before && got != after {
		t.Errorf("%s: qq svc status --format svstat differs from svstat:\n--- qq\n%s%s--- svstat\n%s", state, got, errOut, after)
	}
}

func TestSvcStatusMatchesSvstat(t *testing.T) {
	q := realqmail.Start(t)
	svc := q.Service
	sameAsSvstat(t, q, "up", `: up \(pid \d+\) \d+ seconds\n$`, svc)

	q.Svc("-p")
	sameAsSvstat(t, q, "paused", `: up \(pid \d+\) \d+ seconds, paused\n$`, svc)
	q.Svc("-c")

	q.Svc("-d")
	q.WaitRunning(false)
	q.WaitFor("supervise to see qmail-send down", func() bool {
		out, _, _ := realqmail.Command("", "svstat", svc)
		return strings.Contains(out, ": down ")
	})
	sameAsSvstat(t, q, "down", `: down \d+ seconds, normally up\n$`, svc)

	// Normally down (a down file), then started by hand: want up.
	os.WriteFile(filepath.Join(svc, "down"), nil, 0o644)
	sameAsSvstat(t, q, "down, normally down", `: down \d+ seconds\n$`, svc)
	q.Svc("-u")
	q.WaitRunning(true)
	sameAsSvstat(t, q, "up, normally down", `: up \(pid \d+\) \d+ seconds, normally down\n$`, svc)
	os.Remove(filepath.Join(svc, "down"))

	// A service that ignores TERM stays up after svc -d: want down.
	stubborn := filepath.Join(t.TempDir(), "stubborn")
	realqmail.Supervise(t, stubborn, "#!/bin/sh\ntrap '' TERM\nexec sleep 600\n")
	runOK(t, "svc", "-d", stubborn)
	sameAsSvstat(t, q, "want down", `: up \(pid \d+\) \d+ seconds, want down\n$`, stubborn)
	sameAsSvstat(t, q, "two services", `up`, svc, stubborn)

	// Stale: supervise killed, its status file left behind.
	stale := filepath.Join(t.TempDir(), "stale")
	cmd := realqmail.Supervise(t, stale, "#!/bin/sh\nexec sleep 600\n")
	out, _, _ := realqmail.Command("", "svstat", stale)
	m := regexp.MustCompile(`\(pid (\d+)\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("svstat %s: %s", stale, out)
	}
	cmd.Process.Signal(syscall.SIGKILL)
	q.WaitFor("supervise to die", func() bool {
		out, _, _ := realqmail.Command("", "svstat", stale)
		return strings.Contains(out, "supervise not running")
	})
	if pid, err := strconv.Atoi(m[1]); err == nil {
		syscall.Kill(pid, syscall.SIGKILL) // the sleep supervise started
	}
	sameAsSvstat(t, q, "stale", `: supervise not running\n$`, stale)
	if _, err := os.Stat(filepath.Join(stale, "supervise", "status")); err != nil {
		t.Errorf("stale: no status file left: %v", err)
	}

	// Never supervised, and no such directory: svstat's error lines.
	never := filepath.Join(t.TempDir(), "never")
	os.Mkdir(never, 0o755)
	missing := filepath.Join(t.TempDir(), "missing")
	sameAsSvstat(t, q, "never supervised and missing",
		`never: unable to open supervise/ok: file does not exist\n.*missing: unable to chdir: file does not exist\n$`, svc, never, missing)
}

// TestTai64nlocalMatchesDaemontools runs both on qmail-send's real log.
func TestTai64nlocalMatchesDaemontools(t *testing.T) {
	q := realqmail.Start(t)
	q.Inject("ok-t@sender.invalid", "Subject: t\n\nhello\n", "ok-t@remote.invalid", "x-t@remote.invalid", "defer-t@"+dom)
	q.WaitIdle()
	log := q.LogText()
	if strings.Count(log, "\n") < 5 {
		t.Fatalf("log too short:\n%s", log)
	}
	for _, tz := range []string{"UTC", "America/New_York"} {
		t.Setenv("TZ", tz)
		want, _, code := realqmail.Command(log, "tai64nlocal")
		if code != 0 {
			t.Fatalf("tai64nlocal: exit %d", code)
		}
		got, errOut, code := qqIn(q, log, "tai64nlocal")
		if code != 0 || got != want {
			t.Errorf("TZ=%s: qq tai64nlocal (exit %d) differs from tai64nlocal:\n--- qq\n%s%s--- tai64nlocal\n%s", tz, code, got, errOut, want)
		}
	}
}
