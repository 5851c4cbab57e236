package qmailqueue

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestRequeuePlanApply: Apply opens the quarantine, re-injects the plan's
// entries and counts them; a busy quarantine injects nothing.
func TestRequeuePlanApply(t *testing.T) {
	f, z, entries := quarantined(t, 2)
	plan := PlanRequeue(f.q, entries, false)
	inj := &Injector{Path: standinQmailQueue(t, f.q.Dir)}
	if _, err := plan.Apply(context.Background(), f.q, z.Dir, inj, nil); !errors.Is(err, ErrQuarantineBusy) {
		t.Fatalf("busy quarantine: %v", err)
	}
	z.Close()
	var seen int
	stats, err := plan.Apply(context.Background(), f.q, z.Dir, inj, func(RequeueResult) { seen++ })
	if err != nil || stats.Requeued != 2 || stats.Failed != 0 || stats.Err() != nil || seen != 2 {
		t.Errorf("stats %+v, %v, %d reported", stats, err, seen)
	}
}

// TestRequeuePlanApplyTwice: two plans made before either took the lock
// (two qq requeue runs confirmed at the same time) requeue each entry
// once: the second finds them requeued under the lock and leaves them.
func TestRequeuePlanApplyTwice(t *testing.T) {
	f, z, entries := quarantined(t, 2)
	z.Close()
	inj := &Injector{Path: standinQmailQueue(t, f.q.Dir)}
	first, second := PlanRequeue(f.q, entries, false), PlanRequeue(f.q, entries, false)
	if stats, err := first.Apply(context.Background(), f.q, z.Dir, inj, nil); err != nil || stats.Requeued != 2 {
		t.Fatalf("first: %+v, %v", stats, err)
	}
	stats, err := second.Apply(context.Background(), f.q, z.Dir, inj, func(r RequeueResult) { t.Errorf("second run reported %+v", r) })
	if err != nil || stats.Requeued != 0 || stats.Gone != 2 {
		t.Errorf("second: %+v, %v; want nothing requeued and 2 gone", stats, err)
	}
}

// TestRequeueStats: failures are counted with the last error, and a
// temporary one makes the whole run temporary.
func TestRequeueStats(t *testing.T) {
	var s RequeueStats
	s.Add(RequeueResult{Outcome: Requeued})
	s.Add(RequeueResult{Outcome: RequeueRefused})
	if s.Requeued != 1 || s.Err() != nil {
		t.Errorf("%+v", s)
	}
	s.Add(RequeueResult{Outcome: RequeueFailed, Err: &InjectError{Code: 31}})
	if s.Failed != 1 || s.Temporary || !strings.HasPrefix(s.Err().Error(), "1 messages not requeued: qmail-queue exited 31") {
		t.Errorf("permanent: %+v, %v", s, s.Err())
	}
	s.Add(RequeueResult{Outcome: RequeueFailed, Err: &InjectError{Code: 62}})
	var ie *InjectError
	if s.Failed != 2 || !s.Temporary || !errors.As(s.Err(), &ie) || ie.Code != 62 {
		t.Errorf("temporary: %+v, %v", s, s.Err())
	}
}

// TestRequeueReport: the JSON view of each outcome.
func TestRequeueReport(t *testing.T) {
	e := &QuarantineEntry{Run: "r", ID: 7}
	for _, tc := range []struct {
		r    RequeueResult
		want string
	}{
		{RequeueResult{Entry: e}, `{"entry":"r/7","id":7,"new_id":null,"pid":0,"outcome":"planned"}`},
		{RequeueResult{Entry: e, Outcome: Requeued, NewID: 9, PID: 3}, `{"entry":"r/7","id":7,"new_id":9,"pid":3,"outcome":"requeued"}`},
		{RequeueResult{Entry: e, Outcome: RequeueRefused, Reason: "no"}, `{"entry":"r/7","id":7,"new_id":null,"pid":0,"outcome":"refused","error":"no"}`},
		{RequeueResult{Entry: e, Outcome: RequeueFailed, Err: errors.New("boom")}, `{"entry":"r/7","id":7,"new_id":null,"pid":0,"outcome":"failed","error":"boom"}`},
		{RequeueResult{Outcome: Requeued, PID: 4}, `{"entry":"","id":0,"new_id":null,"pid":4,"outcome":"requeued"}`},
	} {
		b, err := json.Marshal(tc.r.Report())
		if err != nil || string(b) != tc.want {
			t.Errorf("%+v: %s, want %s", tc.r, b, tc.want)
		}
	}
}

// TestEnvelopeArgs: addresses as people type them become an envelope;
// what qmail-queue would refuse is an error.
func TestEnvelopeArgs(t *testing.T) {
	from, to, err := EnvelopeArgs("<>", []string{"<a@b.example>", "c@d.example"})
	if err != nil || from != "" || !slices.Equal(to, []string{"a@b.example", "c@d.example"}) {
		t.Errorf("%q %q %v", from, to, err)
	}
	if _, _, err := EnvelopeArgs("x", []string{"a\x00b"}); err == nil {
		t.Errorf("a NUL: no error")
	}
	if _, _, err := EnvelopeArgs(strings.Repeat("x", MaxAddress+1), []string{"a"}); err == nil {
		t.Errorf("too long: no error")
	}
}

// TestInjectFile: the file is queued with its envelope; a missing file is
// an error, not a failed injection.
func TestInjectFile(t *testing.T) {
	f := newFixture(t)
	path := filepath.Join(t.TempDir(), "msg")
	if err := os.WriteFile(path, []byte("Subject: hi\n\nhello\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	inj := &Injector{Path: standinQmailQueue(t, f.q.Dir)}
	r, err := f.q.InjectFile(inj, path, "a@b.example", []string{"c@d.example"})
	if err != nil || r.Outcome != Requeued || r.NewID == 0 {
		t.Fatalf("%+v, %v", r, err)
	}
	if m, err := f.q.Message(r.NewID, FieldEnvelope); err != nil || m.Sender != "a@b.example" {
		t.Errorf("queued %+v, %v", m, err)
	}
	if _, err := f.q.InjectFile(inj, path+".missing", "a", []string{"b"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing file: %v", err)
	}
}

// TestInjectorFor: a program given wins; else the qmail home's qmail-queue.
func TestInjectorFor(t *testing.T) {
	if got := InjectorFor("/usr/local/bin/wrapper", "/var/qmail").Path; got != "/usr/local/bin/wrapper" {
		t.Errorf("given: %s", got)
	}
	if got := InjectorFor("", "/var/qmail").Path; got != "/var/qmail/bin/qmail-queue" {
		t.Errorf("default: %s", got)
	}
}

// TestRequeueStatsSummary: the summary counts what went back out of what
// was asked, shows at most four new IDs, and counts failures, refusals
// and entries another qq took meanwhile, each only when there are some.
func TestRequeueStatsSummary(t *testing.T) {
	for _, tc := range []struct {
		s     RequeueStats
		asked int
		ids   []uint64
		want  string
	}{
		{RequeueStats{Requeued: 2}, 2, nil, "requeued 2 of 2 messages"},
		{RequeueStats{Requeued: 2}, 2, []uint64{51, 52}, "requeued 2 of 2 messages as 51 52"},
		{RequeueStats{Requeued: 5}, 5, []uint64{1, 2, 3, 4, 5}, "requeued 5 of 5 messages as 1 2 3 4 …"},
		{RequeueStats{Requeued: 1, Failed: 1, Refused: 2, Gone: 3}, 7, nil,
			"requeued 1 of 7 messages; 1 failed; 2 refused; 3 requeued or purged by another qq meanwhile"},
	} {
		if got := tc.s.Summary(tc.asked, tc.ids); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.s, got, tc.want)
		}
	}
}

// TestRequeueReportDescribe: what each outcome says to people.
func TestRequeueReportDescribe(t *testing.T) {
	e := &QuarantineEntry{Run: "r", ID: 7}
	for _, tc := range []struct {
		r    RequeueResult
		verb string
		want string
	}{
		{RequeueResult{Entry: e}, "requeued", "would be requeued"},
		{RequeueResult{Entry: e, Outcome: Requeued, NewID: 9, PID: 3}, "requeued", "requeued as 9"},
		{RequeueResult{Outcome: Requeued, PID: 4}, "queued", "queued (new ID not found: qmail-queue pid 4)"},
		{RequeueResult{Entry: e, Outcome: RequeueRefused, Reason: "still in the queue"}, "requeued", "not requeued: still in the queue"},
		{RequeueResult{Entry: e, Outcome: RequeueFailed, Err: errors.New("boom")}, "requeued", "not requeued: boom"},
	} {
		if got := tc.r.Report().Describe(tc.verb); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.r, got, tc.want)
		}
	}
}
