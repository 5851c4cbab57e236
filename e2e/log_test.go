package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/e2e/realqmail"
)

// idOf returns the ID of the message qmail-send logged as from sender.
func idOf(t *testing.T, log, sender string) string {
	t.Helper()
	m := regexp.MustCompile(`info msg (\d+): bytes \d+ from <` + regexp.QuoteMeta(sender) + `>`).FindStringSubmatch(log)
	if m == nil {
		t.Fatalf("no info msg from <%s> in the log:\n%s", sender, log)
	}
	return m[1]
}

func TestLogTraceTellsTheStory(t *testing.T) {
	q := realqmail.Start(t)
	q.Inject("ok-s1@sender.invalid", "Subject: deferred\n\nhello\n", "x-lt@remote.invalid")
	q.Inject("ok-s2@sender.invalid", "Subject: delivered\n\nhello\n", "ok-lt@remote.invalid")
	q.Inject("ok-s3@sender.invalid", "Subject: bounced\n\nhello\n", "bad-lt@remote.invalid")
	q.WaitFor("the bounce", func() bool { return len(q.Sink.DeliveredTo("ok-s3@sender.invalid")) == 1 })
	checkOracle(t, q)
	log := q.LogText()

	deferred := idOf(t, log, "ok-s1@sender.invalid")
	out := qqOK(t, q, "log", "trace", deferred, q.LogDir)
	t.Logf("trace deferred:\n%s", out)
	mustContain(t, "trace of the deferred message", out, deferred, "x-lt@remote.invalid", "still queued",
		"attempts: 1 (0 success, 0 failure, 1 deferral)", "Remote_host_said:_451_try_again_later_(sink)")
	out = qqOK(t, q, "show", deferred, "--log", q.LogDir)
	t.Logf("show deferred:\n%s", out)
	mustContain(t, "show --log of the deferred message", out, "x-lt@remote.invalid", "deferral", "Remote_host_said:_451_try_again_later_(sink)")

	delivered := idOf(t, log, "ok-s2@sender.invalid")
	out = qqOK(t, q, "log", "trace", delivered, q.LogDir)
	t.Logf("trace delivered:\n%s", out)
	mustContain(t, "trace of the delivered message", out, "ok-lt@remote.invalid", "left the queue",
		"attempts: 1 (1 success, 0 failure, 0 deferral)", "Remote_host_said:_250_accepted_(sink)", "end msg "+delivered)

	bounced := idOf(t, log, "ok-s3@sender.invalid")
	out = qqOK(t, q, "log", "trace", bounced, q.LogDir)
	t.Logf("trace bounced:\n%s", out)
	mustContain(t, "trace of the bounced message", out, "bad-lt@remote.invalid", "left the queue",
		"attempts: 1 (0 success, 1 failure, 0 deferral); bounced", "Remote_host_said:_553_sorry,_bad_mailbox_(sink)",
		"bounce msg "+bounced, "end msg "+bounced)

	// By address: the sender's message and the bounce qmail-send sent it.
	out = qqOK(t, q, "log", "trace", "ok-s3@sender.invalid", q.LogDir)
	t.Logf("trace ok-s3@sender.invalid:\n%s", out)
	if n := regexp.MustCompile(`(?m)^msg \d+: from `).FindAllString(out, -1); len(n) != 2 {
		t.Errorf("trace by address: want the message and its bounce:\n%s", out)
	}
	mustContain(t, "trace by address", out, "from <>", "to remote ok-s3@sender.invalid", "Remote_host_said:_250_accepted_(sink)")

	// qq retry: a second attempt, and the story grows.
	qqOK(t, q, "retry", "--service", q.Service)
	q.WaitFor("a second attempt", func() bool { return q.Sink.Attempts("x-lt@remote.invalid") == 2 })
	q.WaitIdle()
	out = qqOK(t, q, "log", "trace", deferred, q.LogDir)
	mustContain(t, "trace after qq retry", out, "still queued", "attempts: 2 (0 success, 0 failure, 2 deferral)")
	out = qqOK(t, q, "show", deferred, "--log", q.LogDir)
	if n := strings.Count(out, "x-lt@remote.invalid: deferral"); n != 1 {
		t.Errorf("show --log after qq retry: want the last attempt only:\n%s", out)
	}
}

func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(out, w) {
			t.Errorf("%s lacks %q:\n%s", what, w, out)
		}
	}
}

// TestLogTraceReusedID delivers messages one after the other until the
// file system gives a new message the inode (the ID) of one just gone, and
// traces the ID: qq shows both messages, oldest first, each with its own
// sender and delivery.
func TestLogTraceReusedID(t *testing.T) {
	q := realqmail.Start(t)
	var reused string
	for i := 0; i < 12 && reused == ""; i++ {
		sender := fmt.Sprintf("ok-r%d@sender.invalid", i)
		q.Inject(sender, "Subject: reuse\n\nhello\n", fmt.Sprintf("ok-rr%d@remote.invalid", i))
		q.WaitFor("delivery", func() bool { return len(q.Sink.DeliveredTo(fmt.Sprintf("ok-rr%d@remote.invalid", i))) == 1 })
		q.WaitIdle()
		seen := map[string]bool{}
		for _, id := range q.NewMsgIDs() {
			if seen[id] {
				reused = id
			}
			seen[id] = true
		}
	}
	if reused == "" {
		t.Skip("the file system gave no inode twice in 12 messages")
	}
	log := q.LogText()
	m := regexp.MustCompile(`(?m)^(@[0-9a-f]{24}) info msg `+reused+`: bytes \d+ from <(ok-r\d+@sender.invalid)>`).FindAllStringSubmatch(log, -1)
	if len(m) != 2 {
		t.Fatalf("want two info lines for %s:\n%s", reused, log)
	}
	if m[0][1][:17] == m[1][1][:17] {
		t.Logf("ID %s reused within the same second", reused)
	}
	out := qqOK(t, q, "log", "trace", reused, q.LogDir)
	t.Logf("trace %s:\n%s", reused, out)
	first := strings.Index(out, "from <"+m[0][2]+">")
	second := strings.Index(out, "from <"+m[1][2]+">")
	if first < 0 || second < 0 || second < first {
		t.Errorf("trace of %s does not show <%s> then <%s>:\n%s", reused, m[0][2], m[1][2], out)
	}
	if n := strings.Count(out, "end msg "+reused); n != 2 {
		t.Errorf("trace of %s: %d end msg lines, want 2:\n%s", reused, n, out)
	}
	// Each history has its own delivery to its own recipient.
	for i, h := range strings.SplitAfter(out, "end msg "+reused)[:2] {
		rcpt := strings.Replace(strings.Replace(m[i][2], "ok-r", "ok-rr", 1), "sender.invalid", "remote.invalid", 1)
		if !strings.Contains(h, "to remote "+rcpt) || strings.Count(h, "starting delivery") != 1 {
			t.Errorf("history %d of %s should deliver to %s only:\n%s", i+1, reused, rcpt, h)
		}
	}
}

// TestNextRetryWhileRunning: while qmail-send runs, next_retry is flagged
// as an estimate; once it stops and writes its schedule into the remote
// file's time, qq shows that time exactly.
func TestNextRetryWhileRunning(t *testing.T) {
	q := realqmail.Start(t)
	q.Inject("ok-nr@sender.invalid", "Subject: retry\n\nhello\n", "x-nr@remote.invalid")
	checkOracle(t, q)
	id := ids(t, q)[0]
	out := qqOK(t, q, "list", "--format", "json")
	mustContain(t, "list --format json while running", out, `"next_retry_estimated":true`)
	out = qqOK(t, q, "show", id)
	if !regexp.MustCompile(`(?m)^Next retry: +≈`).MatchString(out) {
		t.Errorf("qq show while qmail-send runs: no ≈ on Next retry:\n%s", out)
	}

	q.Svc("-d")
	q.WaitRunning(false)
	remote, _ := filepath.Glob(filepath.Join(q.Queue, "remote", "*", id))
	if len(remote) != 1 {
		t.Fatalf("remote file of %s: %v", id, remote)
	}
	st, err := os.Stat(remote[0])
	if err != nil {
		t.Fatal(err)
	}
	want := st.ModTime().UTC().Format(time.RFC3339)
	out = qqOK(t, q, "list", "--format", "json")
	if strings.Contains(out, "next_retry_estimated") || !strings.Contains(out, `"next_retry":"`+want+`"`) {
		t.Errorf("qmail-send stopped: want next_retry %s (remote file's mtime), exact:\n%s", want, out)
	}
	out = qqOK(t, q, "show", id)
	if !regexp.MustCompile(`(?m)^Next retry: +` + regexp.QuoteMeta(st.ModTime().UTC().Format("2006-01-02 15:04:05 MST"))).MatchString(out) {
		t.Errorf("qq show with qmail-send stopped: want Next retry %s:\n%s", want, out)
	}
	checkOracle(t, q)
}
