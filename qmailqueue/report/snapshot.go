package report

import (
	"context"
	"time"

	"github.com/qqmail/qq/qmailqueue"
)

// DefaultAgeBuckets are the upper bounds of the age histogram of a
// [Snapshot]: one minute to qmail's default queuelifetime of seven days
// (docs/queue.md §5.2).
var DefaultAgeBuckets = []time.Duration{
	time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 4 * time.Hour, 12 * time.Hour,
	24 * time.Hour, 48 * time.Hour, 96 * time.Hour, 168 * time.Hour,
}

// SnapshotOptions configures [TakeSnapshot].
type SnapshotOptions struct {
	// Now is the clock ages are measured from; zero means time.Now.
	Now time.Time
	// AgeBuckets are the histogram's upper bounds, ascending; nil means
	// DefaultAgeBuckets.
	AgeBuckets []time.Duration
	// Senders, when not zero, also groups the messages by that key
	// (KeySender or KeySenderDomain) for the flood detector, which reads
	// every envelope (one more open per message).
	Senders Key
	// Filter restricts the snapshot; nil takes the whole queue.
	Filter *qmailqueue.Filter
	// Workers is as for [qmailqueue.ScanOptions].
	Workers int
}

// Snapshot is the state of a queue at one moment, what qq check tests
// thresholds on and qq metrics exports.
type Snapshot struct {
	// Summary holds the counts by state and channel, bouncing messages,
	// bytes and the oldest message.
	qmailqueue.Summary
	// Now is when ages were measured.
	Now time.Time
	// AgeBuckets are the histogram's upper bounds and AgeCounts the number
	// of messages in each, not cumulative; the last count, one more than
	// the bounds, is of the messages older than every bound.
	AgeBuckets []time.Duration
	AgeCounts  []int
	// AgeSumSeconds is the sum of all ages in seconds. It is a float, as
	// Prometheus takes it: a time.Duration overflows after 292 years, which
	// 50,000 messages of a few days already add up to.
	AgeSumSeconds float64
	// Senders groups the messages by sender (or sender domain) when asked
	// for; nil otherwise.
	Senders *Grouper
	// Duration is how long the scan took.
	Duration time.Duration
}

// TakeSnapshot scans q once. Without Senders it opens no message file at
// all: directory listings and one stat per file, like qq stat.
func TakeSnapshot(ctx context.Context, q *qmailqueue.Queue, opts SnapshotOptions) (*Snapshot, error) {
	start := time.Now()
	s := &Snapshot{Now: opts.Now, AgeBuckets: opts.AgeBuckets}
	if s.Now.IsZero() {
		s.Now = start
	}
	if s.AgeBuckets == nil {
		s.AgeBuckets = DefaultAgeBuckets
	}
	s.AgeCounts = make([]int, len(s.AgeBuckets)+1)
	s.ByState = map[qmailqueue.State]int{}
	fields := qmailqueue.SummaryFields
	if opts.Senders != 0 {
		s.Senders = NewGrouper(opts.Senders, 0)
		// The flood detector needs the envelope only: messages per sender.
		fields |= opts.Senders.Fields()
	}
	stats, err := q.Scan(ctx, qmailqueue.ScanOptions{Fields: fields, Filter: opts.Filter, Workers: opts.Workers}, func(m *qmailqueue.Message) error {
		s.Add(m)
		return nil
	})
	s.Vanished = stats.Vanished
	s.Duration = time.Since(start)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// Add counts one message into the snapshot.
func (s *Snapshot) Add(m *qmailqueue.Message) {
	s.Summary.Add(m)
	age := max(s.Now.Sub(m.Birth), 0)
	s.AgeSumSeconds += age.Seconds()
	i := 0
	for i < len(s.AgeBuckets) && age > s.AgeBuckets[i] {
		i++
	}
	s.AgeCounts[i]++
	if s.Senders != nil {
		s.Senders.Add(m)
	}
}

// NotPreprocessed returns the number of messages in todo/ (state S4), the
// second line of qmail-qstat.
func (s *Snapshot) NotPreprocessed() int { return s.ByState[qmailqueue.StateQueued] }

// OldestAge returns the age of the oldest message, 0 for an empty queue.
func (s *Snapshot) OldestAge() time.Duration {
	if s.Oldest.IsZero() {
		return 0
	}
	return max(s.Now.Sub(s.Oldest), 0)
}

// TopSenders returns the senders (or sender domains) with at least min
// messages, most first, at most limit of them (0 means all). It is empty
// when the snapshot was taken without Senders.
func (s *Snapshot) TopSenders(min, limit int) []Group {
	if s.Senders == nil {
		return nil
	}
	var top []Group
	for _, g := range s.Senders.Groups(ByCount, limit) {
		if g.Messages < min {
			break
		}
		top = append(top, g)
	}
	return top
}
