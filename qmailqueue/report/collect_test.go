package report

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/qqmail/qq/qmailqueue"
)

func TestCollect(t *testing.T) {
	f := newFixture(t)
	g := NewGrouper(KeySender, 0)
	stats, err := Collect(context.Background(), f.q, g, nil, 1)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Matched != 6 || g.Total().Messages != 6 {
		t.Errorf("Collect: matched %d, total %d messages; want 6", stats.Matched, g.Total().Messages)
	}
	if grp, ok := g.Group("promo@cheap-meds.example"); !ok || grp.Messages != 3 {
		t.Errorf("flood group = %+v, %v; want 3 messages", grp, ok)
	}
	shape, err := NewShape(DefaultShapeOptions(now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Collect(context.Background(), f.q, shape, nil, 0); err != nil {
		t.Fatal(err)
	}
	// The same as adding each message of a scan by hand.
	byHand, err := NewShape(DefaultShapeOptions(now))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.q.Scan(context.Background(), qmailqueue.ScanOptions{Fields: byHand.Fields()}, func(m *qmailqueue.Message) error {
		byHand.Add(m)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if got, want := shape.Total(), byHand.Total(); got.Total != want.Total || got.Total == 0 || !slices.Equal(got.Counts, want.Counts) {
		t.Errorf("Collect into a shape: total %+v, want %+v", got, want)
	}
}

func TestEachInGroup(t *testing.T) {
	f := newFixture(t)
	var got []uint64
	_, err := EachInGroup(context.Background(), f.q, KeySender, 0, "promo@cheap-meds.example", nil, 0, func(m *qmailqueue.Message) error {
		got = append(got, m.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := slices.Sorted(slices.Values(f.ids["flood"]))
	if !slices.Equal(got, want) {
		t.Errorf("EachInGroup(flood sender) = %v, want %v", got, want)
	}
	stop := errors.New("stop")
	n := 0
	_, err = EachInGroup(context.Background(), f.q, KeySender, 0, "promo@cheap-meds.example", nil, 1, func(m *qmailqueue.Message) error {
		n++
		return stop
	})
	if !errors.Is(err, stop) || n != 1 {
		t.Errorf("an error from fn: %v after %d calls, want it at once", err, n)
	}
}

func TestSizeBucketNames(t *testing.T) {
	names := SizeBucketNames()
	buckets := SizeBuckets()
	if len(names) != len(buckets) || names[0] != "0-1K" || names[len(names)-1] != "64M+" {
		t.Errorf("SizeBucketNames() = %q", names)
	}
	for _, n := range names {
		if _, ok := SizeBucketNamed(n); !ok {
			t.Errorf("%q is not a bucket name", n)
		}
	}
}
