package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/e2e/realqmail"
)

const dom = realqmail.Domain

// floodSender sends the flood of fillMixed.
const floodSender = "promo@flood.invalid"

// floodCount is the number of flood messages fillMixed queues.
const floodCount = 25

// fillMixed queues a mix of every kind of message through the real
// qmail-inject and qmail-queue and waits until qmail-send made its first
// attempts: what stays queued is local and remote deferrals, messages with
// done recipients, bounces waiting to be sent, the null sender, 8-bit and
// encoded subjects, a large message and a flood.
func fillMixed(t *testing.T, q *realqmail.Qmail) {
	t.Helper()
	q.Inject("alice@"+dom, "Subject: local only\n\nhello\n", "defer-a@"+dom)
	q.Inject("bob@sender.invalid", "Subject: remote only\n\nhello\n", "x-a@remote.invalid")
	q.Inject("carol@sender.invalid", "Subject: mixed\nTo: many\n\nhello\n",
		"defer-b@"+dom, "x-b@remote.invalid", "ok-b@remote.invalid", "box@"+dom)
	q.Inject("ok-dave@sender.invalid", "Subject: bouncing\n\nhello\n",
		"bad-c@remote.invalid", "x-c@remote.invalid", "lbad-c@"+dom)
	q.QueueMsg("", "From: MAILER-DAEMON@"+dom+"\nSubject: failure notice\n\nbounce\n", "x-d@remote.invalid")
	q.Inject("erin@sender.invalid", "Subject: Gr\xfc\xdfe aus K\xf6ln\n\n8-bit\n", "x-e@remote.invalid", "defer-e@"+dom)
	q.Inject("frank@sender.invalid", "Subject: =?UTF-8?B?w4ljaGVjIGRlIGxpdnJhaXNvbg==?=\n\nencoded\n", "x-f@remote.invalid")
	// Bytes qmail-queue takes as they are: 8-bit and control bytes.
	q.QueueMsg("we\xe9ird@sender.invalid", "Subject: bytes\n\nhello\n", "x-\x01ctl@remote.invalid", "x-\xfc@remote.invalid")
	q.QueueMsg("#@[]", "Subject: double bounce\n\nhello\n", "x-dbl@remote.invalid")
	big := "Subject: large\n\n" + strings.Repeat(strings.Repeat("x", 76)+"\n", 40000)
	q.Inject("grace@sender.invalid", big, "x-g@remote.invalid")
	for i := range floodCount {
		q.Inject(floodSender, fmt.Sprintf("Subject: Free Pupil %d\n\nbuy\n", i), fmt.Sprintf("x-flood%d@victim.invalid", i))
	}
	checkOracle(t, q)
}

// checkOracle waits until qmail-send is idle, then compares qq's
// imitations with the real tools: qq list --format qread with
// qmail-qread, qq stat --format qstat with qmail-qstat.
func checkOracle(t *testing.T, q *realqmail.Qmail) {
	t.Helper()
	q.WaitIdle()
	compareOracle(t, q)
}

// compareOracle is checkOracle without waiting: for a queue nothing changes.
func compareOracle(t *testing.T, q *realqmail.Qmail) {
	t.Helper()
	want := q.Qread()
	got := qqOK(t, q, "list", "--format", "qread")
	if got != want {
		t.Errorf("qq list --format qread differs from qmail-qread:\n--- qq\n%s--- qmail-qread\n%s", got, want)
	}
	want = q.Qstat()
	got = qqOK(t, q, "stat", "--format", "qstat")
	if got != want {
		t.Errorf("qq stat --format qstat differs from qmail-qstat:\n--- qq\n%s--- qmail-qstat\n%s", got, want)
	}
}

// ids lists the queue's message IDs as qq sees them, with filters.
func ids(t *testing.T, q *realqmail.Qmail, filters ...string) []string {
	t.Helper()
	out := qqOK(t, q, append([]string{"list", "--format", "ids"}, filters...)...)
	list := strings.Fields(out)
	slices.Sort(list)
	return list
}

// logSince returns the log written after the first n bytes.
func logSince(q *realqmail.Qmail, n int) string { return q.LogText()[n:] }

var reComplaint = regexp.MustCompile(`(?m)^.*(warning|alert|unable).*$`)

// noComplaints fails the test if qmail-send's log has a warning, alert or
// "unable" line.
func noComplaints(t *testing.T, what, log string) {
	t.Helper()
	if m := reComplaint.FindAllString(log, -1); m != nil {
		t.Errorf("%s: qmail-send complained:\n%s", what, strings.Join(m, "\n"))
	}
}

func TestMixedQueueMatchesQread(t *testing.T) {
	q := realqmail.Start(t)
	fillMixed(t, q)
	if n := len(ids(t, q)); n != 10+floodCount {
		t.Log(qqOK(t, q, "list", "--format", "plain"), q.LogText())
		t.Errorf("%d messages queued, want %d", n, 10+floodCount)
	}
	healthy(t, q, "qmail-send running")
	// qmail-send stopped: it wrote its schedule into local/remote times.
	q.Svc("-d")
	q.WaitRunning(false)
	compareOracle(t, q)
	healthy(t, q, "qmail-send stopped")
	nextRetryIsSchedule(t, q)
	// qmail-send down: new messages wait in todo/, not yet preprocessed.
	q.Inject("henry@sender.invalid", "Subject: waiting\n\nhello\n", "x-h@remote.invalid", "defer-h@"+dom)
	q.QueueMsg("", "Subject: null\n\nhello\n", "x-i@remote.invalid")
	compareOracle(t, q)
	if out := q.Qstat(); !strings.Contains(out, "messages in queue but not yet preprocessed: 2\n") {
		t.Errorf("qmail-qstat: %s", out)
	}
	q.Svc("-u")
	q.WaitRunning(true)
	checkOracle(t, q)
}

func TestRmFloodWhileRunning(t *testing.T) {
	q := realqmail.Start(t)
	fillMixed(t, q)
	all := ids(t, q)
	flood := ids(t, q, "--sender", floodSender)
	if len(flood) != floodCount {
		t.Fatalf("flood: %d messages, want %d", len(flood), floodCount)
	}
	mark := len(q.LogText())
	out := qqOK(t, q, "rm", "--match", "^Subject: Free Pupil", "--service", q.Service, "--yes")
	mustContain(t, "qq rm's summary", out, fmt.Sprintf("qq rm: removed %d of %d messages", floodCount, floodCount))
	q.WaitRunning(true)
	if out, _, _ := realqmail.Command("", "svstat", q.Service); !strings.Contains(out, ": up (pid ") {
		t.Errorf("service not back up: %s", out)
	}
	left := ids(t, q)
	want := slices.DeleteFunc(slices.Clone(all), func(id string) bool { return slices.Contains(flood, id) })
	if !slices.Equal(left, want) {
		t.Errorf("after rm: %v, want %v", left, want)
	}
	checkOracle(t, q)
	noComplaints(t, "after qq rm", logSince(q, mark))
	if !strings.Contains(logSince(q, mark), "status: local 0/10 remote 0/20") {
		t.Errorf("qmail-send did not start again after qq rm:\n%s", logSince(q, mark))
	}

	// qq retry: ALRM through supervise, and qmail-send tries again.
	mark = len(q.LogText())
	before := q.Sink.Attempts("x-a@remote.invalid")
	qqOK(t, q, "retry", "--service", q.Service)
	q.WaitFor("new delivery attempts after qq retry", func() bool {
		return strings.Contains(logSince(q, mark), "starting delivery") && q.Sink.Attempts("x-a@remote.invalid") > before
	})
	checkOracle(t, q)
	noComplaints(t, "after qq retry", logSince(q, mark))
}

func TestExpireBounces(t *testing.T) {
	q := realqmail.Start(t)
	fillMixed(t, q)
	q.Inject("ok-old@sender.invalid", "Subject: dead domain\n\nhello\n", "x-exp@dead.invalid")
	checkOracle(t, q)
	id := ids(t, q, "--rcpt-domain", "dead.invalid")
	if len(id) != 1 {
		t.Fatalf("dead.invalid: %v", id)
	}
	mark := len(q.LogText())
	qqOK(t, q, "expire", "--rcpt-domain", "dead.invalid", "--service", q.Service, "--yes")
	q.WaitFor("the bounce to ok-old@sender.invalid", func() bool {
		return len(q.Sink.DeliveredTo("ok-old@sender.invalid")) > 0
	})
	bounce := q.Sink.DeliveredTo("ok-old@sender.invalid")[0]
	if bounce.Sender != "" {
		t.Errorf("bounce sender %q, want <>", bounce.Sender)
	}
	for _, want := range []string{"x-exp@dead.invalid", "been in the queue too long", "Subject: dead domain"} {
		if !strings.Contains(bounce.Data, want) {
			t.Errorf("bounce lacks %q:\n%s", want, bounce.Data)
		}
	}
	log := logSince(q, mark)
	noComplaints(t, "after qq expire", log)
	if !regexp.MustCompile(`bounce msg ` + id[0] + ` qp \d+`).MatchString(log) {
		t.Errorf("no bounce msg %s in the log:\n%s", id[0], log)
	}
	if !strings.Contains(log, "end msg "+id[0]) {
		t.Errorf("no end msg %s in the log:\n%s", id[0], log)
	}
	checkOracle(t, q)
	if slices.Contains(ids(t, q), id[0]) {
		t.Errorf("expired message %s still queued", id[0])
	}
}

func TestRequeueFromQuarantine(t *testing.T) {
	q := realqmail.Start(t)
	q.Inject("ok-orig@sender.invalid", "Subject: requeue me\n\nhello\n",
		"x-rq@remote.invalid", "ok-done@remote.invalid", "box@"+dom)
	checkOracle(t, q)
	old := ids(t, q)
	if len(old) != 1 {
		t.Fatalf("queue: %v", old)
	}
	qqOK(t, q, "rm", "--rcpt", "x-rq@remote.invalid", "--service", q.Service, "--yes")
	checkOracle(t, q)
	entries := qqOK(t, q, "quarantine", "list", "--format", "plain")
	run := regexp.MustCompile(`(\d{8}T\d{6}Z-\d+)/` + old[0]).FindStringSubmatch(entries)
	if run == nil {
		t.Fatalf("quarantine has no entry for %s:\n%s", old[0], entries)
	}
	q.Sink.Accept("x-rq@remote.invalid")
	delivered := len(q.Sink.Deliveries())
	mark := len(q.LogText())
	out := qqOK(t, q, "requeue", run[1]+"/"+old[0], "--yes")
	m := regexp.MustCompile(`requeued as (\d+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("qq requeue printed no new ID:\n%s", out)
	}
	newID := m[1]
	q.WaitFor("the requeued message's delivery", func() bool {
		return len(q.Sink.Deliveries()) > delivered && strings.Contains(logSince(q, mark), "end msg "+newID)
	})
	log := logSince(q, mark)
	noComplaints(t, "after qq requeue", log)
	if got := q.NewMsgIDs(); !slices.Contains(got, newID) || !strings.Contains(log, "new msg "+newID+"\n") {
		t.Errorf("qq requeue said %s; qmail-send's new msg lines:\n%s", newID, log)
	}
	if !strings.Contains(log, "info msg "+newID+": bytes ") || !strings.Contains(log, " from <ok-orig@sender.invalid> qp ") {
		t.Errorf("requeued message's info line is not from the original sender:\n%s", log)
	}
	if n := strings.Count(log, "starting delivery"); n != 1 || !strings.Contains(log, "msg "+newID+" to remote x-rq@remote.invalid") {
		t.Errorf("want one delivery, to x-rq@remote.invalid only:\n%s", log)
	}
	got := q.Sink.Deliveries()[delivered:]
	if len(got) != 1 || got[0].Sender != "ok-orig@sender.invalid" || !slices.Equal(got[0].Recipients, []string{"x-rq@remote.invalid"}) ||
		!strings.Contains(got[0].Data, "Subject: requeue me") {
		t.Errorf("sink got %+v", got)
	}
	checkOracle(t, q)
}

// TestFsckAfterTarRestore restores the queue from a tar archive (new
// inodes: every name differs from its inode), repairs it with qq fsck and
// starts qmail-send on it.
func TestFsckAfterTarRestore(t *testing.T) {
	q := realqmail.Start(t)
	fillMixed(t, q)
	before := qqOK(t, q, "list", "--format", "plain")
	q.Svc("-d")
	q.WaitRunning(false)
	tarball := filepath.Join(t.TempDir(), "queue.tar")
	runOK(t, "tar", "-C", q.Home, "-cpf", tarball, "queue")
	// Fresh inodes: extract first into a sibling, then swap in.
	if err := os.Rename(q.Queue, q.Queue+".old"); err != nil {
		t.Fatal(err)
	}
	runOK(t, "tar", "-C", q.Home, "-xpf", tarball)
	if err := os.RemoveAll(q.Queue + ".old"); err != nil {
		t.Fatal(err)
	}
	if _, _, code := qq(q, "fsck"); code == 0 {
		t.Errorf("qq fsck found nothing wrong with a restored queue")
	}
	out := qqOK(t, q, "fsck", "--repair", "--service", q.Service)
	t.Logf("qq fsck --repair:\n%s", out)
	if out, _, code := qq(q, "fsck"); code != 0 {
		t.Errorf("qq fsck after repair: exit %d\n%s", code, out)
	}
	after := qqOK(t, q, "list", "--format", "plain")
	if got, want := stripIDs(after), stripIDs(before); got != want {
		t.Errorf("messages changed by the repair:\n--- after\n%s--- before\n%s", got, want)
	}
	startAndDeliver(t, q)
}

// stripIDs drops the ID column of qq list --format plain and sorts lines.
func stripIDs(plain string) string {
	lines := strings.Split(strings.TrimSpace(plain), "\n")
	for i, l := range lines {
		_, rest, _ := strings.Cut(l, "\t")
		lines[i] = rest
	}
	slices.Sort(lines)
	return strings.Join(lines, "\n")
}

// startAndDeliver starts qmail-send on the (repaired) queue, checks its log
// has no complaint, and that a new message is queued and delivered.
func startAndDeliver(t *testing.T, q *realqmail.Qmail) {
	t.Helper()
	mark := len(q.LogText())
	q.Svc("-u")
	q.WaitRunning(true)
	q.Inject("ok-new@sender.invalid", "Subject: after repair\n\nhello\n", "ok-fresh@remote.invalid")
	q.WaitFor("delivery of a new message", func() bool {
		return len(q.Sink.DeliveredTo("ok-fresh@remote.invalid")) == 1
	})
	checkOracle(t, q)
	noComplaints(t, "qmail-send on the repaired queue", logSince(q, mark))
	healthy(t, q, "qmail-send running on the repaired queue")
}

// TestFsckAfterKilledQmailQueue kills qmail-queue in the middle of a
// message and in the middle of an envelope, then repairs the queue.
func TestFsckAfterKilledQmailQueue(t *testing.T) {
	q := realqmail.Start(t)
	fillMixed(t, q)
	before := ids(t, q)

	// Mid-message: the mess file exists, nothing else.
	cmd, msg, env := q.StartQueue()
	msg.WriteString("Subject: half\n\nfirst half of the body\n")
	q.WaitFor("qmail-queue to write mess", func() bool { return countFiles(q, "mess") > len(before) })
	cmd.Process.Kill()
	cmd.Wait()
	msg.Close()
	env.Close()

	// Mid-envelope: mess complete, intd being written.
	cmd, msg, env = q.StartQueue()
	msg.WriteString("Subject: whole\n\nbody\n")
	msg.Close()
	env.WriteString("Fsomeone@sender.invalid\x00Tx-half@remote")
	q.WaitFor("qmail-queue to start intd", func() bool { return countFiles(q, "intd") > 0 })
	cmd.Process.Kill()
	cmd.Wait()
	env.Close()

	checkOracle(t, q)
	// Young orphans: qmail-queue may still be writing them; fsck leaves
	// them alone, as qmail-send does for 36 hours.
	out, _, code := qq(q, "fsck")
	orphans := regexp.MustCompile(`(?m)^info\torphan-young\t(\d+)\t`).FindAllStringSubmatch(out, -1)
	if code != 0 || len(orphans) != 2 {
		t.Fatalf("qq fsck: exit %d, want 2 young orphans:\n%s", code, out)
	}
	// 37 hours later (the mess atime is qmail-send's clock for them):
	// qq fsck --repair removes them as qmail-send's cleanup would.
	old := time.Now().Add(-37 * time.Hour)
	for _, o := range orphans {
		matches, _ := filepath.Glob(filepath.Join(q.Queue, "mess", "*", o[1]))
		for _, m := range matches {
			st, err := os.Stat(m)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.Chtimes(m, old, st.ModTime()); err != nil {
				t.Fatal(err)
			}
		}
	}
	out = qqOK(t, q, "fsck", "--repair", "--service", q.Service)
	t.Logf("qq fsck --repair:\n%s", out)
	q.WaitRunning(true)
	if got := ids(t, q); !slices.Equal(got, before) {
		t.Errorf("after repair: %v, want the messages before: %v", got, before)
	}
	if n := countFiles(q, "intd"); n != 0 {
		t.Errorf("%d files left in intd", n)
	}
	q.Svc("-d")
	q.WaitRunning(false)
	startAndDeliver(t, q)
}

// countFiles counts the files under queue/sub (one level of split
// directories, or none).
func countFiles(q *realqmail.Qmail, sub string) int {
	n := 0
	filepath.WalkDir(filepath.Join(q.Queue, sub), func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}

func runOK(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, errOut, code := realqmail.Command("", name, args...)
	if code != 0 {
		t.Fatalf("%s %s: exit %d\n%s%s", name, strings.Join(args, " "), code, out, errOut)
	}
	return out
}

// healthy checks that qq fsck finds nothing on a queue only qmail wrote.
func healthy(t *testing.T, q *realqmail.Qmail, when string) {
	t.Helper()
	out, errOut, code := qq(q, "fsck")
	if code != 0 || out != "" {
		t.Errorf("%s: qq fsck on a queue only qmail wrote: exit %d\n%s%s", when, code, out, errOut)
	}
}

// nextRetryIsSchedule checks, with qmail-send stopped, that every
// message's next_retry is exact: the earliest time qmail-send wrote into
// the local/remote file of a channel with pending recipients at shutdown.
func nextRetryIsSchedule(t *testing.T, q *realqmail.Qmail) {
	t.Helper()
	out := qqOK(t, q, "list", "--format", "json")
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m struct {
			ID         uint64
			Recipients []struct {
				Channel string
				Done    bool
			}
			NextRetry          *string `json:"next_retry"`
			NextRetryEstimated bool    `json:"next_retry_estimated"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		var want time.Time
		for _, ch := range []string{"local", "remote"} {
			pending := slices.ContainsFunc(m.Recipients, func(r struct {
				Channel string
				Done    bool
			}) bool {
				return r.Channel == ch && !r.Done
			})
			files, _ := filepath.Glob(filepath.Join(q.Queue, ch, "*", strconv.FormatUint(m.ID, 10)))
			if !pending || len(files) != 1 {
				continue
			}
			st, err := os.Stat(files[0])
			if err != nil {
				t.Fatal(err)
			}
			if want.IsZero() || st.ModTime().Before(want) {
				want = st.ModTime()
			}
		}
		if want.IsZero() {
			continue
		}
		w := want.UTC().Format(time.RFC3339)
		if m.NextRetry == nil || *m.NextRetry != w || m.NextRetryEstimated {
			t.Errorf("message %d: next_retry %v (estimated %v), qmail-send's schedule says %s", m.ID, m.NextRetry, m.NextRetryEstimated, w)
		}
	}
}
