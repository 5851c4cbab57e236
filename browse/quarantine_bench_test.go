package browse

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/qqmail/qq/qmailqueue"
)

// BenchmarkQuarantineLoad is the time to read the quarantine screen: every
// manifest, each entry's status and whether it can go back (a stat or two
// each), grouped into runs. The quarantine is $QQ_BENCH_QUARANTINE (for
// example a 100k sample queue removed whole with qq rm --all --no-svc) next
// to $QQ_BENCH_QUEUE, or else testQueue's flood removed.
func BenchmarkQuarantineLoad(b *testing.B) {
	var q *qmailqueue.Queue
	qdir := os.Getenv("QQ_BENCH_QUARANTINE")
	if qdir != "" {
		q = benchQueue(b)
	} else {
		q = testQueue(b)
		qdir = filepath.Join(b.TempDir(), "quarantine")
		p, err := q.PlanChange(b.Context(), qmailqueue.OpRemove, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := engineApplier(q, qdir)(b.Context(), p, func() {}); err != nil {
			b.Fatal(err)
		}
	}
	m := New(Options{Queue: q, Now: time.Now, NoColor: true, Quarantine: qdir})
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	b.ResetTimer()
	for range b.N {
		r := m.loadQuarantine(true)().(quarantineLoaded)
		if r.err != nil {
			b.Fatal(r.err)
		}
		m.quarantineLoadedMsg(r)
		_ = m.quarantineView()
	}
	b.ReportMetric(float64(len(m.qz.entries)), "entries")
}
