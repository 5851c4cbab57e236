package tai64n_test

import (
	"bytes"
	"io"
	"testing"
	"time"

	"github.com/qqmail/qq/qmailqueue/sendlog/sendlogtest"
	"github.com/qqmail/qq/tai64n"
)

// benchLog is a realistic 32 MB multilog file of qmail-send lines.
func benchLog(b *testing.B) []byte {
	b.Helper()
	var buf bytes.Buffer
	if _, err := sendlogtest.Write(&buf, sendlogtest.Options{Bytes: 32 << 20, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	return buf.Bytes()
}

func BenchmarkLocalize(b *testing.B) {
	in := benchLog(b)
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Skip(err)
	}
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		if err := tai64n.Localize(io.Discard, bytes.NewReader(in), tai64n.LocalFormatter(loc)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStamp(b *testing.B) {
	in := benchLog(b)
	b.SetBytes(int64(len(in)))
	b.ResetTimer()
	for b.Loop() {
		if err := tai64n.Stamp(io.Discard, bytes.NewReader(in), time.Now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseTAI64N(b *testing.B) {
	label := []byte("@4000000037c219bf2ef02e94")
	for b.Loop() {
		if _, err := tai64n.ParseTAI64N(label); err != nil {
			b.Fatal(err)
		}
	}
}
