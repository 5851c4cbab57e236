package browse

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
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

// BenchmarkMemory is the browser's memory on the queue: the first screen
// (the quick count, then the sized one), then the message list opened
// (every selected ID with its sort key, sorted, and the visible rows
// read), then sorted by size (a rescan while the list is open, as every
// refresh of a changing queue is), then every message marked and its
// removal planned (the confirmation dialog). It reports
//   - peak-rss-MB: the process's peak resident size during those steps
//     (VmHWM, reset before them; Linux only), what the 64 MB
//     bound on a million messages is about;
//   - live-MB: the heap still in use once they are done (after a GC), the
//     model's own data: the list's order, the marks and the plan.
func BenchmarkMemory(b *testing.B) {
	q := benchQueue(b)
	b.ReportAllocs()
	var peak, live float64
	for range b.N {
		debug.FreeOSMemory()
		resetPeakRSS := os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) == nil
		m := New(Options{Queue: q, NoColor: true, Apply: func(context.Context, *qmailqueue.Plan, func()) (*qmailqueue.ChangeResult, error) {
			panic("the benchmark applies nothing")
		}})
		m.noTick = true
		settle(m, m.startScan(true))
		if !m.haveSum || m.View() == "" {
			b.Fatal("no first screen")
		}
		m.screen = ScreenList
		settle(m, m.startScan(true))
		if m.View() == "" || m.entries.Len() == 0 {
			b.Fatal("no list")
		}
		// A rescan with the list open (as a refresh of a changing queue
		// is): the new list is built while the old one is on screen.
		m.sortKey = SortSize
		settle(m, m.startScan(true))
		if m.View() == "" || m.entries.Len() == 0 {
			b.Fatal("no list by size")
		}
		// Every message marked and its removal planned: the dialog of
		// "remove the flood", with the plan, the marks and the list held.
		m.listKey("a")
		_, plan := m.listKey("d")
		settle(m, plan)
		if m.plan == nil || len(m.plan.Items) != m.entries.Len() || m.View() == "" {
			b.Fatalf("no plan of the %d marked (%s)", m.entries.Len(), m.planErr)
		}
		if hwm, ok := peakRSS(); ok && resetPeakRSS {
			peak = max(peak, float64(hwm)/(1<<20))
		}
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		live = max(live, float64(ms.HeapAlloc)/(1<<20))
		runtime.KeepAlive(m)
	}
	if peak > 0 {
		b.ReportMetric(peak, "peak-rss-MB")
	}
	b.ReportMetric(live, "live-MB")
}

// peakRSS returns the process's peak resident set size in bytes (VmHWM of
// /proc/self/status).
func peakRSS() (int64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(rest), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}
