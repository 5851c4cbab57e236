package report

import (
	"context"
	"slices"

	"github.com/qqmail/qq/qmailqueue"
)

// Collector takes the messages of a scan one by one: a [Grouper], a
// [Shape].
type Collector interface {
	// Fields are the message fields Add needs.
	Fields() qmailqueue.Fields
	// Add counts one message.
	Add(m *qmailqueue.Message)
}

// Collect scans q once and adds every message filter selects (nil: all)
// to c; workers is as for [qmailqueue.ScanOptions].
func Collect(ctx context.Context, q *qmailqueue.Queue, c Collector, filter *qmailqueue.Filter, workers int) (qmailqueue.ScanStats, error) {
	return q.Scan(ctx, qmailqueue.ScanOptions{Fields: c.Fields(), Filter: filter, Workers: workers}, func(m *qmailqueue.Message) error {
		c.Add(m)
		return nil
	})
}

// EachInGroup scans q and calls fn for every message filter selects that
// key (with hop, as for [NewNamer]) puts in the group named group. Nothing
// is grouped or kept: memory does not grow with the queue. An error from
// fn stops the scan.
func EachInGroup(ctx context.Context, q *qmailqueue.Queue, key Key, hop int, group string, filter *qmailqueue.Filter, workers int, fn func(m *qmailqueue.Message) error) (qmailqueue.ScanStats, error) {
	namer := NewNamer(key, hop)
	return q.Scan(ctx, qmailqueue.ScanOptions{Fields: key.Fields(), Filter: filter, Workers: workers}, func(m *qmailqueue.Message) error {
		if slices.Contains(namer.Names(m), group) {
			return fn(m)
		}
		return nil
	})
}
