package qmailqueue

import (
	"context"
	"strings"
	"testing"
)

// TestRequeueEngine: removed messages are planned for re-injection, those
// without a pending recipient refused with the reason; Requeue puts them
// back through qmail-queue, reports each with its new ID, marks them in
// the manifest, and a second plan leaves them out unless again.
func TestRequeueEngine(t *testing.T) {
	f, z, entries := quarantined(t, 2)
	entries = append(entries, QuarantineEntry{Run: entries[0].Run, ID: 99, Kind: KindRemoved, SenderKnown: true, Mess: "99"})
	plan := PlanRequeue(f.q, entries, false)
	if len(plan.Todo) != 2 || len(plan.Refused) != 1 || !strings.Contains(plan.Refused[0].Reason, "no recipient was pending") {
		t.Fatalf("plan: %d to do, refused %+v", len(plan.Todo), plan.Refused)
	}
	inj := &Injector{Path: standinQmailQueue(t, f.q.Dir)}
	var progress []RequeueResult
	results, err := z.Requeue(context.Background(), f.q, inj, plan.Todo, func(r RequeueResult) { progress = append(progress, r) })
	if err != nil || len(results) != 2 || len(progress) != 2 {
		t.Fatalf("results %+v, %v", results, err)
	}
	for _, r := range results {
		if r.Outcome != Requeued || r.NewID == 0 || r.Err != nil {
			t.Errorf("%s: %+v", r.Entry.Name(), r)
		}
		m, err := f.q.Message(r.NewID, FieldEnvelope)
		if err != nil || m.Sender != string(r.Entry.Sender) {
			t.Errorf("%s: new message %d: %+v, %v", r.Entry.Name(), r.NewID, m, err)
		}
	}
	after, _, err := LoadQuarantine(z.Dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range after {
		if e.RequeuedAt == nil || e.RequeuedAs == 0 || !strings.HasPrefix(e.Status(nil), "requeued as ") {
			t.Errorf("%s not marked: %+v", e.Name(), e)
		}
	}
	if again := PlanRequeue(f.q, after, false); len(again.Todo)+len(again.Refused) != 0 {
		t.Errorf("requeued entries planned again: %+v", again)
	}
	if again := PlanRequeue(f.q, after, true); len(again.Todo) != 2 {
		t.Errorf("with again: %d to do", len(again.Todo))
	}
	// Cancelled before the first message: nothing is injected.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if results, err := z.Requeue(ctx, f.q, inj, after, nil); err == nil || len(results) != 0 {
		t.Errorf("cancelled: %+v, %v", results, err)
	}
}
