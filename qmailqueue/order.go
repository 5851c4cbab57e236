package qmailqueue

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// MessageOrder returns the comparison of a listing's sort key and the
// fields a scan must read for it: "age" (oldest first), "size" (largest
// first), "sender" (case-insensitive) or "id"; ties go by ID. The empty key
// is no order (nil).
func MessageOrder(key string) (func(a, b *Message) int, Fields, error) {
	switch key {
	case "":
		return nil, 0, nil
	case "age":
		return func(a, b *Message) int {
			return cmp.Or(a.Birth.Compare(b.Birth), cmp.Compare(a.ID, b.ID))
		}, FieldBirth, nil
	case "size":
		return func(a, b *Message) int {
			return cmp.Or(cmp.Compare(b.Size, a.Size), cmp.Compare(a.ID, b.ID))
		}, FieldSize, nil
	case "sender":
		return func(a, b *Message) int {
			return cmp.Or(strings.Compare(strings.ToLower(a.Sender), strings.ToLower(b.Sender)), cmp.Compare(a.ID, b.ID))
		}, FieldEnvelope, nil
	case "id":
		return func(a, b *Message) int { return cmp.Compare(a.ID, b.ID) }, 0, nil
	}
	return nil, 0, fmt.Errorf("%q: choose age, size, sender or id", key)
}

// ListOptions order and bound a listing ([Queue.List]).
type ListOptions struct {
	// Order sorts the messages (MessageOrder); nil keeps the scan's order.
	Order func(a, b *Message) int
	// Reverse reverses Order.
	Reverse bool
	// Limit is the most messages listed; 0 lists all.
	Limit int
	// Progress, when set, counts the messages collected for a sort.
	Progress ListProgress
}

// ListProgress counts the messages a sorted listing collects: Add for
// each, End once the scan has ended, before the first is listed.
type ListProgress interface {
	Add()
	End()
}

// errLimitReached stops a streaming scan once enough messages are out.
var errLimitReached = errors.New("limit reached")

// List calls emit for the messages a scan selects. Without an order it
// streams them as they are read, in memory that does not grow with the
// queue, and stops the scan after Limit; with one it collects them all,
// sorts them and emits the first Limit. It returns how many it emitted;
// after an error (the scan's) a sorted listing has emitted none.
func (q *Queue) List(ctx context.Context, scan ScanOptions, o ListOptions, emit func(*Message)) (ScanStats, int, error) {
	emitted := 0
	if o.Order == nil {
		stats, err := q.Scan(ctx, scan, func(m *Message) error {
			emit(m)
			emitted++
			if o.Limit > 0 && emitted >= o.Limit {
				return errLimitReached
			}
			return nil
		})
		if errors.Is(err, errLimitReached) {
			err = nil
		}
		return stats, emitted, err
	}
	var all []*Message
	stats, err := q.Scan(ctx, scan, func(m *Message) error {
		all = append(all, m)
		if o.Progress != nil {
			o.Progress.Add()
		}
		return nil
	})
	if o.Progress != nil {
		o.Progress.End()
	}
	if err != nil {
		return stats, 0, err
	}
	slices.SortStableFunc(all, o.Order)
	if o.Reverse {
		slices.Reverse(all)
	}
	if o.Limit > 0 && len(all) > o.Limit {
		all = all[:o.Limit]
	}
	for _, m := range all {
		emit(m)
	}
	return stats, len(all), nil
}
