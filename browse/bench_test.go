package browse

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/queuetest"
)

// benchQueue is the queue of $QQ_BENCH_QUEUE (e.g. one made by
// go run ./cmd/qq-sample -count 100000 DIR; give DIR/queue), or else a
// small generated one.
func benchQueue(b *testing.B) *qmailqueue.Queue {
	dir := os.Getenv("QQ_BENCH_QUEUE")
	if dir == "" {
		qb := queuetest.NewT(b, queuetest.Options{})
		for i := range 2000 {
			_, err := qb.Add(queuetest.Message{Sender: "s@flood.example", Header: "Subject: x\n", Body: []byte("b\n"),
				Recipients: []queuetest.Recipient{{Addr: "r@example.org", Remote: true}}, Birth: testNow.Add(-time.Duration(i) * time.Second)})
			if err != nil {
				b.Fatal(err)
			}
		}
		dir = qb.Dir()
	}
	q, err := qmailqueue.Open(filepath.Clean(dir))
	if err != nil {
		b.Fatal(err)
	}
	return q
}

// BenchmarkFirstScreen is the time from start to the overview drawn: the
// first refresh (qq stat's directory listings) and View; the sized one
// follows.
func BenchmarkFirstScreen(b *testing.B) {
	q := benchQueue(b)
	b.ResetTimer()
	for range b.N {
		m := New(Options{Queue: q, NoColor: true})
		m.noTick = true
		m.Update(m.startScan(true)())
		if !m.haveSum || m.View() == "" {
			b.Fatal("no first screen")
		}
	}
}

// BenchmarkRefreshUnchanged is a refresh of a queue that did not change:
// the directory stamp only.
func BenchmarkRefreshUnchanged(b *testing.B) {
	q := benchQueue(b)
	m := New(Options{Queue: q, NoColor: true})
	m.noTick = true
	settle(m, m.startScan(true))
	b.ResetTimer()
	for range b.N {
		settle(m, m.startScan(false))
	}
}

// BenchmarkStatFull is qq stat --full's scan, for comparison: a refresh
// of a changed queue on the overview costs this.
func BenchmarkStatFull(b *testing.B) {
	q := benchQueue(b)
	for range b.N {
		if _, err := q.Summarize(context.Background(), nil, true); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMessageList is opening the message list: IDs with the sort
// field (age) for every message, sorted, and the visible rows read.
func BenchmarkMessageList(b *testing.B) {
	q := benchQueue(b)
	b.ResetTimer()
	for range b.N {
		m := New(Options{Queue: q, NoColor: true})
		m.noTick = true
		m.screen = ScreenList
		settle(m, m.startScan(true))
		if m.View() == "" {
			b.Fatal("no list")
		}
	}
}

// settle runs refreshes until none is pending.
func settle(m *Model, cmd tea.Cmd) {
	for cmd != nil {
		_, cmd = m.Update(cmd())
	}
}
