package qmailqueue_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

type countProgress struct{ added, ended int }

func (c *countProgress) Add() { c.added++ }
func (c *countProgress) End() { c.ended++ }

func TestList(t *testing.T) {
	b := queuetest.NewT(t, queuetest.Options{})
	now := time.Now()
	var ids []uint64
	for i, size := range []int{300, 100, 200} {
		id, err := b.Add(queuetest.Message{Sender: "s@x.example", Recipients: []queuetest.Recipient{{Addr: "r@y.example", Remote: true}},
			Body: make([]byte, size), Birth: now.Add(-time.Duration(i+1) * time.Hour)})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	q, err := qmailqueue.Open(b.Dir())
	if err != nil {
		t.Fatal(err)
	}
	list := func(o qmailqueue.ListOptions) []uint64 {
		t.Helper()
		var got []uint64
		_, n, err := q.List(context.Background(), qmailqueue.ScanOptions{Fields: qmailqueue.FieldSize | qmailqueue.FieldBirth, Workers: 1}, o,
			func(m *qmailqueue.Message) { got = append(got, m.ID) })
		if err != nil || n != len(got) {
			t.Fatalf("List: %d emitted, %d counted, %v", len(got), n, err)
		}
		return got
	}
	if got := list(qmailqueue.ListOptions{Limit: 2}); len(got) != 2 {
		t.Errorf("streamed with limit 2: %v", got)
	}
	if got := list(qmailqueue.ListOptions{}); len(got) != 3 {
		t.Errorf("streamed: %v", got)
	}
	bySize, _, _ := qmailqueue.MessageOrder("size")
	p := &countProgress{}
	if got, want := list(qmailqueue.ListOptions{Order: bySize, Progress: p}), []uint64{ids[0], ids[2], ids[1]}; !slices.Equal(got, want) {
		t.Errorf("by size: %v, want %v", got, want)
	}
	if p.added != 3 || p.ended != 1 {
		t.Errorf("progress: %d added, %d ended", p.added, p.ended)
	}
	byAge, _, _ := qmailqueue.MessageOrder("age")
	if got, want := list(qmailqueue.ListOptions{Order: byAge, Reverse: true, Limit: 2}), []uint64{ids[0], ids[1]}; !slices.Equal(got, want) {
		t.Errorf("newest two: %v, want %v", got, want)
	}
}
