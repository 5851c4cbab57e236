package qmailqueue_test

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// TestIDsWithPrefix checks the message IDs offered for a typed prefix: all
// those starting with it, at most the limit.
func TestIDsWithPrefix(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{Split: 3})
	var ids []uint64
	for range 5 {
		id, err := b.Add(queuetest.Message{Sender: "a@example.com", Recipients: []queuetest.Recipient{{Addr: "b@example.org"}}, Birth: time.Unix(1e9, 0)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	got := q.IDsWithPrefix(context.Background(), "", 100)
	slices.Sort(got)
	slices.Sort(ids)
	if !slices.Equal(got, ids) {
		t.Errorf("every ID: got %v, want %v", got, ids)
	}
	if got := q.IDsWithPrefix(context.Background(), "", 2); len(got) != 2 {
		t.Errorf("limit 2: got %v", got)
	}
	one := strconv.FormatUint(ids[0], 10)
	if got := q.IDsWithPrefix(context.Background(), one, 100); !slices.Equal(got, ids[:1]) {
		t.Errorf("prefix %s: got %v", one, got)
	}
	if got := q.IDsWithPrefix(context.Background(), "x", 100); len(got) != 0 {
		t.Errorf("prefix x: got %v", got)
	}
}

// TestEntryRefNames checks the names offered for quarantine entries: each
// run once, before its first entry, then each entry.
func TestEntryRefNames(t *testing.T) {
	entries := []qmailqueue.QuarantineEntry{{Run: "r1", ID: 1}, {Run: "r1", ID: 2}, {Run: "r2", ID: 1}}
	want := []string{"r1", "r1/1", "r1/2", "r2", "r2/1"}
	if got := qmailqueue.EntryRefNames(entries); !slices.Equal(got, want) {
		t.Errorf("EntryRefNames = %q, want %q", got, want)
	}
}
