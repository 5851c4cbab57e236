package browse

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
)

// TestListBuilder checks the list's order (key, then ID) with 32-bit IDs
// packed beside their key, after a switch to wide entries when a larger
// ID comes, and after sender ranks replace first-seen numbers.
func TestListBuilder(t *testing.T) {
	ids := func(l messageList) []uint64 {
		var out []uint64
		for i := range l.Len() {
			out = append(out, l.ID(i))
		}
		return out
	}
	b := newListBuilder(2)
	b.add(7, 30)
	b.add(math.MaxUint32, 10)
	b.add(7, 20)
	b.add(0, math.MaxUint32)
	if b.wide != nil {
		t.Fatal("32-bit IDs made wide entries")
	}
	if got, want := ids(b.sorted()), []uint64{math.MaxUint32, 20, 30, 10}; !cmp.Equal(got, want) {
		t.Errorf("packed: got %v, want %v", got, want)
	}

	b = newListBuilder(0)
	b.add(2, 5)
	b.add(1, 1<<40)
	b.add(2, 3)
	b.add(0, 9)
	if b.wide == nil {
		t.Fatal("a 41-bit ID was packed")
	}
	if got, want := ids(b.sorted()), []uint64{9, 1 << 40, 3, 5}; !cmp.Equal(got, want) {
		t.Errorf("wide: got %v, want %v", got, want)
	}

	for _, wide := range []uint64{0, 1 << 33} {
		b = newListBuilder(0)
		b.add(0, 1+wide) // first-seen sender 0, ranked 2nd
		b.add(1, 2+wide) // sender 1, ranked 1st
		b.add(0, 3+wide)
		b.rekey([]uint32{1, 0})
		if got, want := ids(b.sorted()), []uint64{2 + wide, 1 + wide, 3 + wide}; !cmp.Equal(got, want) {
			t.Errorf("rekeyed (IDs from %d): got %v, want %v", wide, got, want)
		}
	}

	b = newListBuilder(10000)
	b.add(0, 1)
	if l := b.sorted(); cap(l.narrow) != 1 {
		t.Errorf("a list of 1 keeps a capacity of %d", cap(l.narrow))
	}
}

func TestAgeKey(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		want uint32
	}{
		{time.Time{}, 0},
		{time.Unix(-5, 0), 0},
		{time.Unix(1_800_000_000, 999_999_999), 1_800_000_000},
		{time.Unix(1<<33, 0), math.MaxUint32},
	} {
		if got := ageKey(c.t); got != c.want {
			t.Errorf("ageKey(%v) = %d, want %d", c.t, got, c.want)
		}
	}
}

// TestListQueueSummary checks that the list's and the groups' scans give
// the summary qq stat --full gives, and that the list holds a group's
// messages only.
func TestListQueueSummary(t *testing.T) {
	q := testQueue(t)
	ctx := context.Background()
	want, err := q.Summarize(ctx, nil, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range groupKeys {
		sum, groups, _, err := groupQueue(ctx, q, nil, key)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, sum); diff != "" {
			t.Errorf("%s groups: summary differs from Summarize's (-want +got):\n%s", key, diff)
		}
		if len(groups) == 0 {
			t.Errorf("no %s groups", key)
		}
	}
	for _, group := range []*groupRef{nil, {key: report.KeySender, name: "news@spammer.example"}} {
		for key := range SortKey(len(sortNames)) {
			sum, list, err := listQueue(ctx, q, nil, key, group, 0)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want, sum); diff != "" {
				t.Errorf("group %v, %s order: summary differs from Summarize's (-want +got):\n%s", group, key, diff)
			}
			n := 7
			if group != nil {
				n = 5
			}
			if list.Len() != n {
				t.Errorf("group %v, %s order: %d messages listed, want %d", group, key, list.Len(), n)
			}
			for i := range list.Len() {
				m, err := q.Message(list.ID(i), qmailqueue.FieldEnvelope)
				if err != nil {
					t.Fatal(err)
				}
				if group != nil && m.Sender != group.name {
					t.Errorf("group %v lists a message from %q", group, m.Sender)
				}
			}
		}
	}
}
