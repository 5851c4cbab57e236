package qmailqueue

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// BenchmarkRemove removes 500 messages (a mix of preprocessed, bouncing and
// not yet preprocessed ones) from a fresh queue per iteration, with and
// without a quarantine copy; the queue is built and planned with the timer
// stopped. ns/msg is the cost of the change itself: the re-check, the copy,
// the unlinks and the fsyncs.
func BenchmarkRemove(b *testing.B) {
	const n = 500
	for _, quarantine := range []bool{true, false} {
		name := "quarantine"
		if !quarantine {
			name = "no-quarantine"
		}
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				b.StopTimer()
				qb, err := queuetest.New(filepath.Join(b.TempDir(), "queue"), queuetest.Options{})
				if err != nil {
					b.Fatal(err)
				}
				for i := range n {
					m := spam
					m.Recipients = rcpts(queuetest.Recipient{Addr: "a@victim.example", Remote: true})
					switch i % 4 {
					case 1:
						m.Bounce = "<b@victim.example>:\nSorry. (#5.1.1)\n\n"
					case 2:
						m.State = queuetest.Queued
					}
					if _, err := qb.Add(m); err != nil {
						b.Fatal(err)
					}
				}
				q, err := Open(qb.Dir())
				if err != nil {
					b.Fatal(err)
				}
				var targets []Target
				if _, err := q.Scan(context.Background(), ScanOptions{Fields: FieldFingerprint}, func(m *Message) error {
					targets = append(targets, TargetOf(m))
					return nil
				}); err != nil {
					b.Fatal(err)
				}
				opts := RemoveOptions{}
				var z *Quarantine
				if quarantine {
					if z, err = OpenQuarantine(filepath.Join(filepath.Dir(qb.Dir()), "quarantine")); err != nil {
						b.Fatal(err)
					}
					if opts.Quarantine, err = z.NewRun("bench", nil, now); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				stats, err := q.Remove(context.Background(), targets, opts, nil)
				if err == nil && opts.Quarantine != nil {
					err = opts.Quarantine.Close()
				}
				b.StopTimer()
				if err != nil || stats.Done != n {
					b.Fatalf("removed %d of %d: %v", stats.Done, n, err)
				}
				if z != nil {
					z.Close()
				}
				qb.Close()
				b.StartTimer()
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/msg")

		})
	}
}
