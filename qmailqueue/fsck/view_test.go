package fsck

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue/queuetest"
)

func TestViews(t *testing.T) {
	rename := Action{Op: OpRename, Path: "mess/3/7", Target: "mess/2/7"}
	f := &Finding{Severity: SeverityError, Code: CodeWrongSplit, ID: 7, HasID: true, Problem: "p", Actions: []Action{rename}}
	got, err := json.Marshal(f.View())
	if err != nil {
		t.Fatal(err)
	}
	want := `{"type":"finding","severity":"error","code":"wrong-split","id":7,"files":[],"problem":"p","qmail":"","repair":"","transient":false,` +
		`"actions":[{"op":"rename","path":"mess/3/7","target":"mess/2/7","text":"` + rename.String() + `"}]}`
	if string(got) != want {
		t.Errorf("finding view\n%s, want\n%s", got, want)
	}
	if got, _ := json.Marshal((&Finding{Code: CodeStray}).View()); !json.Valid(got) || string(got[:60]) != `{"type":"finding","severity":"info","code":"stray","id":null` {
		t.Errorf("finding without ID: %s", got)
	}

	for _, tt := range []struct {
		u      Unit
		status string
	}{
		{Unit{Actions: []Action{rename}}, "planned"},
		{Unit{Actions: []Action{rename}, Refused: "collides"}, "refused"},
		{Unit{Actions: []Action{rename}, Superseded: true}, "superseded"},
	} {
		views := tt.u.Views()
		if tt.u.Status() != tt.status || len(views) != 1 || views[0].Status != tt.status || views[0].Note != tt.u.Refused {
			t.Errorf("unit %+v: Status() %q, views %+v; want %q", tt.u, tt.u.Status(), views, tt.status)
		}
	}
	for _, tt := range []struct {
		s      Step
		status string
	}{
		{Step{Action: rename}, "done"},
		{Step{Action: rename, Note: "not needed"}, "skipped"},
		{Step{Action: rename, Err: errors.New("boom")}, "failed"},
	} {
		if v := tt.s.View(); v.Status != tt.status || v.Type != "step" || (tt.s.Err != nil && v.Error != "boom") {
			t.Errorf("step %+v: view %+v, want status %s", tt.s, v, tt.status)
		}
	}

	r := &Report{Dir: "/q", Split: 23, Messages: 5, QmailSend: RunningNo}
	r.Counts[SeverityWarning] = 2
	got, _ = json.Marshal(r.View())
	want = `{"type":"summary","queue":"/q","split":23,"big_todo":false,"qmail_send_running":"no","messages":5,"errors":0,"warnings":2,"infos":0,"changed_while_checked":0,"clean":false,"notes":[]}`
	if string(got) != want {
		t.Errorf("summary view\n%s, want\n%s", got, want)
	}
}

func TestParseOwners(t *testing.T) {
	o, err := ParseOwners([]string{"qmailq=5", "qmail=7"})
	if err != nil || o != (Owners{Qmailq: 5, Qmails: -1, Qmailr: -1, Qmail: 7}) {
		t.Errorf("ParseOwners = %+v, %v", o, err)
	}
	if _, err := ParseOwners([]string{"qmailq=5", "nobody"}); err == nil || err.Error() != `"nobody": want ROLE=ID, e.g. qmailq=1001` {
		t.Errorf("ParseOwners(nobody) error = %v", err)
	}
}

// TestOwnerReference: --owner wins over $QQ_OWNERS, which fills the
// roles --owner leaves unknown; a wrong argument's error names where it
// came from.
func TestOwnerReference(t *testing.T) {
	o, err := OwnerReference([]string{"qmailq=5"}, "qmailq=1,qmails=2,qmailr=3,qmail=4")
	if err != nil || o != (Owners{Qmailq: 5, Qmails: 2, Qmailr: 3, Qmail: 4}) {
		t.Errorf("--owner over QQ_OWNERS = %+v, %v", o, err)
	}
	if o, err := OwnerReference(nil, "qmail=9"); err != nil || o != (Owners{Qmailq: -1, Qmails: -1, Qmailr: -1, Qmail: 9}) {
		t.Errorf("QQ_OWNERS alone = %+v, %v", o, err)
	}
	if _, err := OwnerReference([]string{"nobody"}, ""); err == nil || err.Error() != `--owner "nobody": want ROLE=ID, e.g. qmailq=1001` {
		t.Errorf("wrong --owner: %v", err)
	}
	if _, err := OwnerReference(nil, "qmailq=1,x"); err == nil || err.Error() != `QQ_OWNERS "x": want ROLE=ID, e.g. qmailq=1001` {
		t.Errorf("wrong QQ_OWNERS: %v", err)
	}
}

// TestCreateSettle: a new queue gets the default split; it belongs to the
// given owners only as root, with a warning when some are unknown (as
// root) or known but not given (not root); a split that is not prime is
// warned about.
func TestCreateSettle(t *testing.T) {
	known := Owners{Qmailq: 1, Qmails: 2, Qmailr: 3, Qmail: 4}
	for _, tc := range []struct {
		opts   CreateOptions
		euid   int
		owners Owners
		split  int
		warned []string
	}{
		{CreateOptions{Owners: known}, 0, known, DefaultSplit, nil},
		{CreateOptions{Owners: known, Split: 10}, 0, known, 10, []string{"the split 10 is not a prime number"}},
		{CreateOptions{Owners: known}, 1000, UnknownOwners, DefaultSplit,
			[]string{"not running as root: the new queue belongs to the current user, not to qmail's users"}},
		{CreateOptions{Owners: UnknownOwners, Split: 7}, 1000, UnknownOwners, 7, nil},
		{CreateOptions{Owners: Owners{Qmailq: 1, Qmails: -1, Qmailr: 3, Qmail: 4}, Split: 7}, 0, Owners{Qmailq: 1, Qmails: -1, Qmailr: 3, Qmail: 4}, 7,
			[]string{"qmail's users or group do not all exist here (use --owner): those parts belong to root"}},
	} {
		opts := tc.opts
		warned := opts.Settle(tc.euid)
		if opts.Owners != tc.owners || opts.Split != tc.split || !slices.Equal(warned, tc.warned) {
			t.Errorf("%+v as %d: owners %+v, split %d, warnings %q", tc.opts, tc.euid, opts.Owners, opts.Split, warned)
		}
	}
	if SplitWarning(23) != "" || SplitWarning(1) == "" {
		t.Errorf("SplitWarning(23) = %q, SplitWarning(1) = %q", SplitWarning(23), SplitWarning(1))
	}
}

func TestCheckAndPlanLive(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 5})
	if _, err := b.AddBroken(queuetest.TodoNoMess, testMessage("a@example.org", time.Now().Add(-48*time.Hour))); err != nil {
		t.Fatal(err)
	}
	opts := Options{Owners: selfOwners(), QmailSend: RunningYes}
	r, findings, plan, err := PlanLive(context.Background(), b.Dir(), opts)
	if err != nil {
		t.Fatal(err)
	}
	// Nobody holds lock/sendmutex: the probe overrides the option.
	if r.QmailSend == RunningYes || len(findings) == 0 || len(plan.Units) == 0 {
		t.Errorf("PlanLive: qmail-send %s, %d findings, %d units; want it not running and a plan", r.QmailSend, len(findings), len(plan.Units))
	}
	n := 0
	r2, err := CheckLive(context.Background(), b.Dir(), opts, func(*Finding) error { n++; return nil })
	if err != nil || n != len(findings) || r2.Counts != r.Counts {
		t.Errorf("CheckLive: %d findings, %v; want %d", n, err, len(findings))
	}
	if _, err := CheckLive(context.Background(), t.TempDir(), opts, func(*Finding) error { return nil }); err == nil {
		t.Error("CheckLive of a directory that is no queue: no error")
	}
}

func TestReportSummary(t *testing.T) {
	r := &Report{Messages: 12, Split: 23, BigTodo: true, QmailSend: RunningNo, Changed: 2, Notes: []string{"n1"}}
	r.Counts[SeverityError] = 1
	p := &Plan{Units: []*Unit{{}, {Refused: "x"}, {Superseded: true}, {}}}
	want := []string{"12 messages (split 23, big-todo, qmail-send running: no): 1 errors, 0 warnings, 0 notes",
		"2 messages changed while they were checked (qmail at work) and are not reported",
		"the plan repairs 2 findings, refuses 1, and needs nothing for 1", "note: n1"}
	if got := r.Summary(p); !slices.Equal(got, want) {
		t.Errorf("Summary =\n%q, want\n%q", got, want)
	}
	if got := (&Report{Split: 5}).Summary(nil); len(got) != 1 {
		t.Errorf("Summary of a clean report without a plan = %q", got)
	}
}

func TestPrepareSendMutex(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	path := filepath.Join(b.Dir(), "lock", "sendmutex")
	if created, err := PrepareSendMutex(b.Dir(), false, selfOwners()); created || err != nil {
		t.Errorf("with sendmutex: %v, %v", created, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if _, err := PrepareSendMutex(b.Dir(), false, selfOwners()); !errors.Is(err, ErrSendMutexMissing) {
		t.Errorf("missing, unsupervised: %v, want ErrSendMutexMissing", err)
	} else if !strings.HasPrefix(err.Error(), path+" is missing, so qq cannot tell whether qmail-send runs: give --service DIR") {
		t.Errorf("missing, unsupervised: %q does not say what to do", err)
	}
	if created, err := PrepareSendMutex(b.Dir(), true, selfOwners()); !created || err != nil {
		t.Errorf("missing, supervised: %v, %v; want it created", created, err)
	}
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() || fi.Mode().Perm() != 0o600 || fi.Size() != 0 {
		t.Errorf("recreated sendmutex: %v, %v", fi, err)
	}
}

func TestUnitLines(t *testing.T) {
	rename := Action{Op: OpRename, Path: "mess/3/7", Target: "mess/2/7"}
	for _, tt := range []struct {
		u    Unit
		want []string
	}{
		{Unit{Actions: []Action{rename, rename}}, []string{"plan: " + rename.String(), "plan: " + rename.String()}},
		{Unit{Actions: []Action{rename}, Refused: "it collides"}, []string{"refused: " + rename.String(), "  because it collides"}},
		{Unit{Actions: []Action{rename}, Superseded: true}, []string{"superseded: " + rename.String()}},
	} {
		if got := tt.u.Lines(); !slices.Equal(got, tt.want) {
			t.Errorf("Lines() = %q, want %q", got, tt.want)
		}
	}
}
