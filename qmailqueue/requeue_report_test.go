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
