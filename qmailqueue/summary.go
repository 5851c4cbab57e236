package qmailqueue

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"time"
)

// Summary is what qq stat reports. The counts come from directory listings
// alone, which costs about as much as qmail-qstat's two finds; Bytes and
// Oldest need a stat of every mess and info file, which costs two to three
// times that on a large queue, so they are computed only when asked for.
type Summary struct {
	// Messages counts every message: every mess file, plus info files
	// whose mess is missing.
	Messages int
	// ByState counts messages per state.
	ByState map[State]int
	// LocalPending and RemotePending count messages with a local/ or
	// remote/ file, i.e. with recipients still pending on that channel.
	LocalPending, RemotePending int
	// Bouncing counts messages whose bounce/ID exists.
	Bouncing int
	// Sized is true when Bytes and Oldest were computed.
	Sized bool
	// Bytes is the sum of the mess file sizes.
	Bytes int64
	// Oldest is the earliest birth, and OldestID its message.
	Oldest   time.Time
	OldestID uint64
	// Vanished counts messages qmail-send finished during the scan.
	Vanished int
}

// Summarize scans the queue once and returns the summary. With sized, it
// also stats every mess and info file for Bytes and Oldest. A filter, when
// given, restricts the summary (and reads what the filter needs).
func (q *Queue) Summarize(ctx context.Context, filter *Filter, sized bool) (Summary, error) {
	if filter.IsZero() && !sized {
		return q.countStates(ctx)
	}
	if sized {
		return q.SummarizeEach(ctx, filter, 0, nil)
	}
	s := Summary{ByState: map[State]int{}}
	stats, err := q.Scan(ctx, ScanOptions{Fields: FieldChannels, Filter: filter}, func(m *Message) error {
		s.Add(m)
		return nil
	})
	s.Vanished = stats.Vanished
	return s, err
}

// SummarizeEach is Summarize(ctx, filter, true) that also passes every
// message it counts, read with fields besides [SummaryFields], to fn (when
// not nil): one scan for the summary and for what the caller builds from
// the same messages. An error from fn stops the scan and is returned.
func (q *Queue) SummarizeEach(ctx context.Context, filter *Filter, fields Fields, fn func(*Message) error) (Summary, error) {
	s := Summary{ByState: map[State]int{}, Sized: true}
	stats, err := q.Scan(ctx, ScanOptions{Fields: SummaryFields | fields, Filter: filter}, func(m *Message) error {
		s.Add(m)
		if fn != nil {
			return fn(m)
		}
		return nil
	})
	s.Vanished = stats.Vanished
	return s, err
}

// SummaryFields are the fields [Summary.Add] needs a scan to read.
const SummaryFields = FieldSize | FieldBirth | FieldChannels

// Add counts one message, scanned with at least [SummaryFields], into the
// summary. The zero Summary is ready to use.
func (s *Summary) Add(m *Message) {
	if s.ByState == nil {
		s.ByState = map[State]int{}
	}
	s.Messages++
	s.ByState[m.State]++
	if m.LocalFile {
		s.LocalPending++
	}
	if m.RemoteFile {
		s.RemotePending++
	}
	if m.Bouncing {
		s.Bouncing++
	}
	s.Bytes += m.Size
	if !m.Birth.IsZero() && (s.Oldest.IsZero() || m.Birth.Before(s.Oldest)) {
		s.Oldest, s.OldestID = m.Birth, m.ID
	}
}

// QstatCounts returns the two numbers qmail-qstat prints: the regular files
// under mess/ and under todo/, counted the way `find mess/* -type f` and
// `find todo -type f` count them (docs/queue.md §8): at any depth, whatever their
// names, S2/S3 files and messages being written included.
func (q *Queue) QstatCounts(ctx context.Context) (mess, todo int, err error) {
	var wg sync.WaitGroup
	var messErr, todoErr error
	wg.Go(func() { mess, messErr = countRegular(ctx, filepath.Join(q.Dir, "mess")) })
	wg.Go(func() { todo, todoErr = countRegular(ctx, filepath.Join(q.Dir, "todo")) })
	wg.Wait()
	if messErr != nil {
		return 0, 0, messErr
	}
	return mess, todo, todoErr
}

// countRegular counts regular files below dir, recursively, using the file
// types readdir reports (no stat per file unless the file system does not
// report types).
func countRegular(ctx context.Context, dir string) (int, error) {
	f, err := os.Open(dir)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	for {
		entries, err := f.ReadDir(4096)
		for _, e := range entries {
			switch {
			case e.Type().IsRegular():
				n++
			case e.IsDir():
				if err := ctx.Err(); err != nil {
					return n, err
				}
				k, err := countRegular(ctx, filepath.Join(dir, e.Name()))
				if err != nil {
					return n, err
				}
				n += k
			}
		}
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return n, err
		}
	}
}

// countStates is Summarize without a filter and without sizes: it needs
// directory listings only, so it skips the per-message pipeline of Scan and
// counts each split subdirectory's listings with set lookups, the splits
// spread over GOMAXPROCS goroutines. The counts agree with what Scan reports
// (TestCountStatesAgreesWithScan).
func (q *Queue) countStates(ctx context.Context) (Summary, error) {
	todo, err := q.listIDSet("todo")
	if err != nil {
		return Summary{}, err
	}
	intd, err := q.listIDSet("intd")
	if err != nil {
		return Summary{}, err
	}
	bounce, err := q.listIDSet("bounce")
	if err != nil {
		return Summary{}, err
	}
	type counts struct {
		s   Summary
		err error
	}
	parts := make([]counts, q.Split)
	next := make(chan int)
	var wg sync.WaitGroup
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for n := range next {
				func() {
					defer RecoverTo(&parts[n].err)
					parts[n].s, parts[n].err = q.countSplit(n, todo, intd, bounce)
				}()
			}
		})
	}
	for n := 0; n < q.Split && ctx.Err() == nil; n++ {
		next <- n
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return Summary{}, err
	}
	total := Summary{ByState: map[State]int{}}
	for _, p := range parts {
		if p.err != nil {
			return Summary{}, p.err
		}
		total.Messages += p.s.Messages
		total.LocalPending += p.s.LocalPending
		total.RemotePending += p.s.RemotePending
		total.Bouncing += p.s.Bouncing
		for st, k := range p.s.ByState {
			total.ByState[st] += k
		}
	}
	return total, nil
}

// countSplit counts the messages of split subdirectory n by state.
func (q *Queue) countSplit(n int, todo, intd, bounce idSet) (Summary, error) {
	s := Summary{ByState: map[State]int{}}
	sub := strconv.Itoa(n)
	lists := map[string][]uint64{}
	for _, dir := range splitNames {
		ids, err := listIDs(filepath.Join(q.Dir, dir, sub))
		if err != nil {
			return s, err
		}
		lists[dir] = ids
	}
	info := make(map[uint64]struct{}, len(lists["info"]))
	for _, id := range lists["info"] {
		info[id] = struct{}{}
	}
	mess := make(map[uint64]struct{}, len(lists["mess"]))
	count := func(id uint64, st State) {
		s.Messages++
		s.ByState[st]++
		if bounce.has(id) {
			s.Bouncing++
		}
	}
	for _, id := range lists["mess"] {
		mess[id] = struct{}{}
		_, inInfo := info[id]
		switch {
		case todo.has(id):
			count(id, StateQueued)
		case inInfo:
			count(id, StatePreprocessed)
		case intd.has(id):
			count(id, StateWriting)
		default:
			count(id, StateMessOnly)
		}
	}
	for _, id := range lists["info"] {
		if _, ok := mess[id]; !ok {
			count(id, StateBroken)
		}
	}
	for _, id := range lists["local"] {
		if _, ok := info[id]; ok {
			s.LocalPending++
		}
	}
	for _, id := range lists["remote"] {
		if _, ok := info[id]; ok {
			s.RemotePending++
		}
	}
	return s, nil
}
