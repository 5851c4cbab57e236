package qmailqueue_test

import (
	"context"
	"os"
	"path/filepath"
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
