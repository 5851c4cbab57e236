package qmailqueue

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestApplyRemove: Apply runs a removal inside the cycle it is given,
// reports each planned message once, in order, and leaves the queue alone
// when the cycle cannot start.
func TestApplyRemove(t *testing.T) {
	f := newFixture(t)
	ids := []uint64{f.addSpam(t), f.addSpam(t), f.addSpam(t)}
	ctx := context.Background()
	plan, err := f.q.PlanChange(ctx, OpRemove, nil)
	if err != nil || len(plan.Items) != 3 || plan.States[StatePreprocessed] != 3 || plan.Senders.Distinct() != 1 {
		t.Fatalf("plan %+v, %v", plan, err)
	}
	if _, err := plan.Apply(ctx, f.q, ApplyOptions{}); err == nil {
		t.Errorf("a removal without a cycle: no error")
	}
	errStop := errors.New("cannot stop")
	res, err := plan.Apply(ctx, f.q, ApplyOptions{Cycle: func(context.Context, func(context.Context) error) error { return errStop }})
	if !errors.Is(err, errStop) || res.Started || res.Done != 0 {
		t.Errorf("cycle failed: %+v, %v", res, err)
	}
	for _, id := range ids {
		if !f.intact(id) {
			t.Fatalf("message %d touched although the cycle failed", id)
		}
	}
	inCycle := false
	var seen []uint64
	res, err = plan.Apply(ctx, f.q, ApplyOptions{
		Cycle: func(ctx context.Context, change func(context.Context) error) error {
			inCycle = true
			defer func() { inCycle = false }()
			return change(ctx)
		},
		Progress: func(r Result) {
			if !inCycle {
				t.Errorf("%d changed outside the cycle", r.Target.ID)
			}
			seen = append(seen, r.Target.ID)
		},
	})
	if err != nil || !res.Started || res.Done != 3 || res.QuarantineRun != "" {
		t.Fatalf("result %+v, %v", res, err)
	}
	for i, o := range res.Outcomes {
		if o.Outcome != Done || seen[i] != plan.Items[i].Target.ID {
			t.Errorf("item %d: %+v, progress order %v", i, o, seen)
		}
	}
	// Applied again: every message is gone.
	res, _ = plan.Apply(ctx, f.q, ApplyOptions{Cycle: func(ctx context.Context, change func(context.Context) error) error { return change(ctx) }})
	if res.Vanished != 3 {
		t.Errorf("second apply: %+v", res.Stats)
	}
}

// TestApplyCancelled: a cancelled context stops before the first message;
// none has an outcome and the error says why.
func TestApplyCancelled(t *testing.T) {
	f := newFixture(t)
	id := f.addSpam(t)
	plan, err := f.q.PlanChange(context.Background(), OpExpire, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	res, err := plan.Apply(ctx, f.q, ApplyOptions{Now: now})
	if !errors.Is(err, context.Canceled) || res.Done != 0 || res.Outcomes[0].Outcome != 0 {
		t.Errorf("cancelled: %+v, %v", res, err)
	}
	if !f.intact(id) {
		t.Errorf("message changed after cancellation")
	}
}

func TestTally(t *testing.T) {
	var c Tally
	for _, v := range []string{"b", "a", "b", "c", "a", "b"} {
		c.Add(v)
	}
	top := c.Top(2)
	if len(top) != 2 || top[0] != (Counted{"b", 3}) || top[1] != (Counted{"a", 2}) || c.Distinct() != 3 {
		t.Errorf("top %v, distinct %d", top, c.Distinct())
	}
}

// TestItemCollector: a plan's items come out in the order they were
// added, whether collected in blocks (count unknown) or in one array of
// the count the marked IDs bound.
func TestItemCollector(t *testing.T) {
	byIDs := NewFilter()
	byIDs.IDs = map[uint64]bool{1: true, 2: true, 3: true}
	notIDs := NewFilter()
	notIDs.IDs, notIDs.Not = byIDs.IDs, true
	for _, tc := range []struct {
		name   string
		filter *Filter
		n      int
		chunks bool
	}{
		{"no filter, several blocks", nil, 2*planChunk + 7, true},
		{"no filter, one block exactly", nil, planChunk, true},
		{"no filter, none", nil, 0, true},
		{"IDs", byIDs, 3, false},
		{"IDs, fewer matched", byIDs, 2, false},
		{"not IDs", notIDs, planChunk + 1, true},
	} {
		c := newItemCollector(tc.filter)
		if c.chunks != tc.chunks {
			t.Errorf("%s: chunks %v, want %v", tc.name, c.chunks, tc.chunks)
		}
		for i := range tc.n {
			c.add(PlanItem{Target: Target{ID: uint64(i + 1)}})
		}
		all := c.all()
		if len(all) != tc.n {
			t.Fatalf("%s: %d items, want %d", tc.name, len(all), tc.n)
		}
		for i, it := range all {
			if it.Target.ID != uint64(i+1) {
				t.Fatalf("%s: item %d is %d", tc.name, i, it.Target.ID)
			}
		}
	}
}

// TestFingerprintNanoseconds: fingerprints keep the nanoseconds of the
// times (an info rewritten within its second differs only there), and a
// time not read differs from every real one, the epoch included.
func TestFingerprintNanoseconds(t *testing.T) {
	birth := time.Date(2026, 11, 22, 12, 0, 0, 500, time.UTC)
	m := &Message{MessInode: 7, Size: 100, Birth: birth, EnvelopeCtime: birth, Sender: "a@b.example"}
	same := *m
	ctime := *m
	ctime.EnvelopeCtime = birth.Add(time.Nanosecond)
	mtime := *m
	mtime.Birth = birth.Add(-time.Nanosecond)
	unread := *m
	unread.EnvelopeCtime = time.Time{}
	epoch := *m
	epoch.EnvelopeCtime = time.Unix(0, 0)
	if !m.Fingerprint().Equal(same.Fingerprint()) {
		t.Error("equal messages, different fingerprints")
	}
	for name, other := range map[string]*Message{"ctime 1ns later": &ctime, "mtime 1ns earlier": &mtime, "ctime not read": &unread} {
		if m.Fingerprint().Equal(other.Fingerprint()) {
			t.Errorf("%s: same fingerprint", name)
		}
	}
	if unread.Fingerprint().Equal(epoch.Fingerprint()) {
		t.Error("a time not read has the fingerprint of the epoch")
	}
	if got := m.Fingerprint().Birth; got != birth.UnixNano() {
		t.Errorf("birth %d, want %d", got, birth.UnixNano())
	}
}
