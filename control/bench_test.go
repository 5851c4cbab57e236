package control

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bigList is a badmailfrom of n entries, as an abused server grows one.
func bigList(n int) string {
	var b strings.Builder
	b.WriteString("# spammers\n")
	for i := range n {
		fmt.Fprintf(&b, "spammer%d@example%d.com\n", i, i%977)
	}
	return b.String()
}

func BenchmarkAddToList(b *testing.B) {
	dir := b.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "badmailfrom"), []byte(bigList(100_000)), 0o644); err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := AddToList(ctx, dir, "badmailfrom", []string{fmt.Sprintf("new%d@example.com", i)}); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

func BenchmarkAnalyzeAddrList(b *testing.B) {
	data := []byte(bigList(100_000))
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		AnalyzeAddrList(data)
	}
}

func BenchmarkAddrListMatch(b *testing.B) {
	l := NewAddrList(ParseList([]byte(bigList(100_000))))
	b.ReportAllocs()
	for b.Loop() {
		l.Match("someone@example500.com")
	}
}
