package qmailqueue

import (
	"context"
	"testing"
)

// TestReplan: a requeue planned before another qq requeued one of its
// entries and purged another leaves both out once planned again under the
// lock; with again, the requeued one stays in.
func TestReplan(t *testing.T) {
	f, z, entries := quarantined(t, 3)
	plan := PlanRequeue(f.q, entries, false)
	if len(plan.Todo) != 3 {
		t.Fatalf("plan: %d to do", len(plan.Todo))
	}
	// Another qq, between the plan and the lock: one requeued, one purged.
	inj := &Injector{Path: standinQmailQueue(t, f.q.Dir)}
	if _, err := z.Requeue(context.Background(), f.q, inj, plan.Todo[:1], nil); err != nil {
		t.Fatal(err)
	}
	if err := z.Purge(plan.Todo[1:2]); err != nil {
		t.Fatal(err)
	}
	again, gone, err := z.Replan(f.q, plan.Todo, false)
	if err != nil || gone != 2 || len(again.Todo) != 1 || again.Todo[0].Name() != plan.Todo[2].Name() || len(again.Refused) != 0 {
		t.Fatalf("replan: %+v, %d gone, %v", again, gone, err)
	}
	withAgain, gone, err := z.Replan(f.q, plan.Todo, true)
	if err != nil || gone != 1 || len(withAgain.Todo) != 2 {
		t.Errorf("replan with again: %d to do, %d gone, %v", len(withAgain.Todo), gone, err)
	}
}
