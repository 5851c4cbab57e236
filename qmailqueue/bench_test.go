package qmailqueue_test

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// benchQueue is the queue the benchmarks read: $QQ_BENCH_QUEUE when set (a
// queue directory, e.g. one made by `qq-sample -count 100000`), otherwise a
// 10,000-message sample built once per test binary.
var benchQueue = sync.OnceValues(func() (string, error) {
	if dir := os.Getenv("QQ_BENCH_QUEUE"); dir != "" {
		return dir, nil
	}
	dir, err := os.MkdirTemp("", "qq-bench")
	if err != nil {
		return "", err
	}
	q := filepath.Join(dir, "queue")
	_, err = queuetest.Sample(q, queuetest.SampleOptions{Count: 10000, Seed: 1, NoLargeMessage: true,
		Now: time.Date(2026, 11, 22, 12, 0, 0, 0, time.UTC)})
	return q, err
})

func openBench(b *testing.B) *qmailqueue.Queue {
	b.Helper()
	dir, err := benchQueue()
	if err != nil {
		b.Fatal(err)
	}
	q, err := qmailqueue.Open(dir)
	if err != nil {
		b.Fatal(err)
	}
	return q
}

func benchScan(b *testing.B, opts qmailqueue.ScanOptions) {
	q := openBench(b)
	n := 0
	for b.Loop() {
		n = 0
		if _, err := q.Scan(context.Background(), opts, func(*qmailqueue.Message) error { n++; return nil }); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(max(n, 1)), "ns/msg")
}

// BenchmarkScanIDs is qq list --format ids: directory listings only.
func BenchmarkScanIDs(b *testing.B) { benchScan(b, qmailqueue.ScanOptions{}) }

// BenchmarkScanQread is qq list --format qread: what qmail-qread reads.
func BenchmarkScanQread(b *testing.B) {
	benchScan(b, qmailqueue.ScanOptions{InfoOnly: true, Fields: qmailqueue.FieldSize | qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients})
}

// BenchmarkScanHeaders is qq list --headers.
func BenchmarkScanHeaders(b *testing.B) {
	benchScan(b, qmailqueue.ScanOptions{Fields: qmailqueue.FieldSize | qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients | qmailqueue.FieldHeader})
}

// BenchmarkSummarize is qq stat, and qq stat --full.
func BenchmarkSummarize(b *testing.B) {
	for _, full := range []bool{false, true} {
		name := "counts"
		if full {
			name = "full"
		}
		b.Run(name, func(b *testing.B) {
			q := openBench(b)
			for b.Loop() {
				if _, err := q.Summarize(context.Background(), nil, full); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPlanChangeMemory plans the removal of every message (the
// browser's "mark the flood, d") and reports the heap the plan keeps per
// message once made (live-B/msg), the figure that decides whether planning
// a million-message removal fits in memory.
func BenchmarkPlanChangeMemory(b *testing.B) {
	q := openBench(b)
	var plan *qmailqueue.Plan
	var live float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		p, err := q.PlanChange(context.Background(), qmailqueue.OpRemove, nil)
		if err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		live = float64(after.HeapAlloc-before.HeapAlloc) / float64(max(len(p.Items), 1))
		plan = p
	}
	b.ReportMetric(live, "live-B/msg")
	runtime.KeepAlive(plan)
}
