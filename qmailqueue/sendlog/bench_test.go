package sendlog

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue/sendlog/sendlogtest"
)

// benchLog writes a realistic 64 MB multilog directory (one current file)
// and returns it open, with the ID of a message worth tracing and its size;
// the benchmark's timer starts after it.
func benchLog(b *testing.B) (*Log, uint64) {
	b.Helper()
	dir := b.TempDir()
	f, err := os.Create(filepath.Join(dir, "current"))
	if err != nil {
		b.Fatal(err)
	}
	st, err := sendlogtest.Write(f, sendlogtest.Options{Bytes: 64 << 20, Seed: 1})
	if err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
	log, err := OpenDir(dir)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(st.Bytes)
	b.ResetTimer()
	return log, st.TraceID
}

func BenchmarkTraceID(b *testing.B) {
	log, id := benchLog(b)
	for b.Loop() {
		hs, err := TraceID(context.Background(), log, nil, id)
		if err != nil || len(hs) == 0 {
			b.Fatal(err, len(hs))
		}
	}
}

func BenchmarkSummarize(b *testing.B) {
	log, _ := benchLog(b)
	for b.Loop() {
		if _, err := Summarize(context.Background(), log, nil, time.Time{}, time.Time{}, 10); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParse(b *testing.B) {
	lines := [][]byte{
		[]byte("@40000000665a6a8005f5e5f4 status: local 0/10 remote 3/20"),
		[]byte("@40000000665a6a8005f5e5f4 starting delivery 17: msg 9995400 to remote bob@example.net"),
		[]byte("@40000000665a6a8005f5e5f4 delivery 17: deferral: Connected_to_192.0.2.7_but_greeting_failed./"),
		[]byte("@40000000665a6a8005f5e5f4 info msg 9995400: bytes 2840 from <alice@example.com> qp 31337 uid 89"),
	}
	var p Parser
	for b.Loop() {
		for _, l := range lines {
			p.Parse(l)
		}
	}
}
