package fsck

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// selfOwners are the ids the builder gives files when it does not chown:
// the test process's, for every role.
func selfOwners() *Owners {
	uid, gid := os.Getuid(), os.Getgid()
	return &Owners{Qmailq: uid, Qmails: uid, Qmailr: uid, Qmail: gid}
}

// checkQueue runs Check with the test's owners and fails on error.
func checkQueue(t *testing.T, dir string, opts Options) (*Report, []*Finding) {
	t.Helper()
	if opts.Owners == nil {
		opts.Owners = selfOwners()
	}
	if opts.QmailSend == RunningUnknown {
		opts.QmailSend = RunningNo
	}
	r, fs, err := CheckAll(context.Background(), dir, opts)
	if err != nil {
		t.Fatalf("check %s: %v", dir, err)
	}
	return r, fs
}

// repairQueue checks, plans and executes a repair, as qq fsck --repair does
// with qmail-send stopped; it returns the plan, the result and the log.
func repairQueue(t *testing.T, dir string, opts Options) (*Plan, *Result, []string) {
	t.Helper()
	r, fs := checkQueue(t, dir, opts)
	plan := NewPlan(r, fs)
	var log []string
	res, err := plan.Execute(context.Background(), ExecOptions{
		QuarantineDir: filepath.Join(filepath.Dir(dir), "quarantine"),
		Log:           func(s Step) { log = append(log, s.String()) },
	})
	if err != nil {
		t.Fatalf("execute: %v\nlog:\n%s", err, strings.Join(log, "\n"))
	}
	return plan, res, log
}

// codes lists the findings as "severity code" for comparison.
func codes(fs []*Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Severity.String()+" "+string(f.Code))
	}
	return out
}

// view is what a message means to its recipients, IDs aside.
func view(m *qmailqueue.Message) string {
	var rcpts []string
	for _, r := range m.Recipients {
		done := ""
		if r.Done {
			done = "(done)"
		}
		rcpts = append(rcpts, r.Address+done)
	}
	sort.Strings(rcpts)
	return fmt.Sprintf("<%s> %s birth=%d bouncing=%v", m.Sender, strings.Join(rcpts, ","), m.Birth.Unix(), m.Bouncing)
}

// deliverable lists the views of the messages qmail-send will deliver
// (states S4 and S5), sorted.
func deliverable(t *testing.T, dir string) []string {
	t.Helper()
	q, err := qmailqueue.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	_, err = q.Scan(context.Background(), qmailqueue.ScanOptions{Fields: qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients}, func(m *qmailqueue.Message) error {
		if m.State == qmailqueue.StateQueued || m.State == qmailqueue.StatePreprocessed {
			if len(m.Problems) > 0 {
				t.Errorf("message %d: %v", m.ID, m.Problems)
			}
			out = append(out, view(m))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// manifest reads the quarantine under dir: the original paths of the
// files fsck saved.
func manifest(t *testing.T, dir string) []string {
	t.Helper()
	entries, _, err := qmailqueue.LoadQuarantine(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Kind != qmailqueue.KindFsckSave {
			t.Errorf("%s: kind %q, want %q", e.Name(), e.Kind, qmailqueue.KindFsckSave)
		}
		for _, f := range e.Files {
			out = append(out, f.From)
		}
	}
	sort.Strings(out)
	return out
}

// kindsOf reduces paths to their kinds, sorted: mess/3/17 → mess.
func kindsOf(paths []string) []string {
	var out []string
	for _, p := range paths {
		out = append(out, strings.SplitN(p, "/", 2)[0])
	}
	sort.Strings(out)
	return out
}

var (
	testBirth = time.Now().Add(-2 * time.Hour).Truncate(time.Second)
	oldBirth  = time.Now().Add(-37 * time.Hour).Truncate(time.Second)
)

func testMessage(sender string, birth time.Time) queuetest.Message {
	return queuetest.Message{
		Sender: sender,
		Recipients: []queuetest.Recipient{
			{Addr: "alice@local.example"},
			{Addr: "bob@remote.example", Remote: true},
			{Addr: "carol@remote.example", Remote: true, Done: true},
		},
		Header: "Subject: test\nFrom: " + sender,
		Body:   []byte("hello\n"),
		Birth:  birth,
	}
}

// TestBrokenStates makes every broken state the builder knows, checks that
// fsck finds it with the right severity, repairs it, and that afterwards
// the queue is clean, every deliverable message is there with its
// recipients, and what was removed is in quarantine.
func TestBrokenStates(t *testing.T) {
	type tc struct {
		kind  queuetest.Broken
		old   bool
		want  []string // findings, "severity code"
		keeps bool     // the message is deliverable after the repair
		saved []string // kinds saved to quarantine
		after []string // findings after the repair
	}
	cases := []tc{
		{kind: queuetest.MessOnly, want: []string{"info orphan-young"}, after: []string{"info orphan-young"}},
		{kind: queuetest.MessOnly, old: true, want: []string{"warning orphan"}, saved: []string{"mess"}},
		{kind: queuetest.MessIntd, want: []string{"info orphan-young"}, after: []string{"info orphan-young"}},
		{kind: queuetest.MessIntd, old: true, want: []string{"warning orphan"}, saved: []string{"intd", "mess"}},
		{kind: queuetest.TodoNoMess, want: []string{"error todo-no-mess"}, saved: []string{"todo"}},
		{kind: queuetest.InfoNoMess, want: []string{"error info-no-mess"}, saved: []string{"info", "local", "remote"}},
		// A young mess stays (it may be a new message qmail-queue writes
		// over stale files); a copy goes to quarantine with the rest.
		{kind: queuetest.LocalNoInfo, want: []string{"error no-info"}, saved: []string{"local", "mess", "remote"}, after: []string{"info orphan-young"}},
		{kind: queuetest.LocalNoInfo, old: true, want: []string{"error no-info"}, saved: []string{"local", "mess", "remote"}},
		{kind: queuetest.BounceNoInfo, want: []string{"error no-info"}, saved: []string{"bounce", "mess"}, after: []string{"info orphan-young"}},
		{kind: queuetest.IntdOnly, want: []string{"warning intd-only"}, saved: []string{"intd"}},
		{kind: queuetest.InfoAndTodo, want: []string{"info info-and-todo"}, keeps: true, after: []string{"info info-and-todo"}},
		{kind: queuetest.WrongSplit, want: []string{"error wrong-split"}, keeps: true},
		{kind: queuetest.NameNotInode, want: []string{"error name-not-inode"}, keeps: true},
		{kind: queuetest.NonCanonicalName, want: []string{"error non-canonical-name"}, keeps: true},
		{kind: queuetest.UnknownRecordType, want: []string{"error bad-records"}, keeps: true, saved: []string{"remote"}},
		{kind: queuetest.PartialRecord, want: []string{"warning partial-record"}, keeps: true, saved: []string{"remote"}},
		{kind: queuetest.EmptyInfo, want: []string{"error bad-info"}, saved: []string{"info", "local", "mess", "remote"}},
		{kind: queuetest.InfoWithoutF, want: []string{"error bad-info"}, keeps: true, saved: []string{"info"}},
		{kind: queuetest.PidOrphan, want: []string{"info pid-young"}, after: []string{"info pid-young"}},
		{kind: queuetest.PidOrphan, old: true, want: []string{"warning pid-orphan"}},
	}
	covered := map[queuetest.Broken]bool{}
	for _, c := range cases {
		covered[c.kind] = true
	}
	for _, k := range queuetest.AllBroken() {
		if !covered[k] {
			t.Errorf("broken state %s is not tested", k)
		}
	}

	for _, c := range cases {
		name := c.kind.String()
		if c.old {
			name += "-old"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			b := queuetest.NewT(t, queuetest.Options{Split: 7})
			var good []string
			for i := range 3 {
				if _, err := b.Add(testMessage(fmt.Sprintf("good%d@example.org", i), testBirth)); err != nil {
					t.Fatal(err)
				}
			}
			good = deliverable(t, b.Dir())
			birth := testBirth
			if c.old {
				birth = oldBirth
			}
			broken := testMessage("broken@example.org", birth)
			if _, err := b.AddBroken(c.kind, broken); err != nil {
				t.Fatal(err)
			}

			r, fs := checkQueue(t, b.Dir(), Options{})
			if diff := cmp.Diff(c.want, codes(fs)); diff != "" {
				t.Fatalf("findings (-want +got):\n%s\n%s", diff, describe(fs))
			}
			wantClean := !slices.ContainsFunc(c.want, func(s string) bool { return !strings.HasPrefix(s, "info ") })
			if r.Clean() != wantClean {
				t.Errorf("Clean() = %v, want %v", r.Clean(), wantClean)
			}
			for _, f := range fs {
				if f.Qmail == "" || f.Problem == "" || len(f.Files) == 0 {
					t.Errorf("finding %s lacks a text: %+v", f.Code, f)
				}
				if f.Severity != SeverityInfo && f.Repair == "" {
					t.Errorf("finding %s says nothing about the repair", f.Code)
				}
			}

			_, _, log := repairQueue(t, b.Dir(), Options{})
			_, after := checkQueue(t, b.Dir(), Options{})
			if diff := cmp.Diff(c.after, codes(after)); diff != "" {
				t.Errorf("after repair (-want +got):\n%s\nlog:\n%s", diff, strings.Join(log, "\n"))
			}

			want := slices.Clone(good)
			if c.keeps {
				ref := queuetest.NewT(t, queuetest.Options{Split: 7})
				m := broken
				if c.kind == queuetest.InfoAndTodo {
					m.State = queuetest.Queued
				}
				if _, err := ref.Add(m); err != nil {
					t.Fatal(err)
				}
				want = append(want, deliverable(t, ref.Dir())...)
				sort.Strings(want)
			}
			if diff := cmp.Diff(want, deliverable(t, b.Dir())); diff != "" {
				t.Errorf("deliverable messages after repair (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(c.saved, kindsOf(manifest(t, filepath.Join(filepath.Dir(b.Dir()), "quarantine")))); diff != "" {
				t.Errorf("quarantined (-want +got):\n%s", diff)
			}
		})
	}
}

// describe prints findings for a failure message.
func describe(fs []*Finding) string {
	var b strings.Builder
	for _, f := range fs {
		fmt.Fprintf(&b, "  %s %s %v: %s; repair: %s\n", f.Severity, f.Code, f.Files, f.Problem, f.Repair)
	}
	return b.String()
}
