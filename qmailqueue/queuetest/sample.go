package queuetest

import (
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"
)

// What a sample queue contains, for tests that look for it.
const (
	// SampleHost is the host name of the sample installation (control/me).
	SampleHost = "mail.example.com"
	// SampleFloodSender is the envelope sender of the spam flood.
	SampleFloodSender = "promo@cheap-meds.example"
	// SampleFloodSubject is the Subject of every flood message.
	SampleFloodSubject = "Free Pupil Enlargement"
	// SampleLargeSender is the envelope sender of the one large message.
	SampleLargeSender = "newsletter@lists.example.org"
	// SampleLargeBody is the body size of the large message: 34 MiB.
	SampleLargeBody = 34 << 20
	// SampleLargeMin is the smallest Count that gets the large message.
	SampleLargeMin = 50
	// sampleLifetime is qmail's default queuelifetime (docs/queue.md §5.2).
	sampleLifetime = 604800 * time.Second
)

// SampleOptions says what [Sample] makes.
type SampleOptions struct {
	// Count is the number of messages.
	Count int
	// Seed makes the content reproducible: the same seed, count and clock
	// give the same messages (their IDs, being inode numbers, differ).
	Seed uint64
	// Now is the clock the births and retry times are computed from; zero
	// means time.Now().
	Now time.Time
	// Split, BigTodo and Owners lay out the queue as for [New].
	Split   int
	BigTodo bool
	Owners  *Owners
	// NoLargeMessage leaves out the 34 MiB message that a Count of
	// SampleLargeMin or more otherwise gets.
	NoLargeMessage bool
	// Workers is the number of goroutines writing messages; zero means 2.
	Workers int
}

// SampleReport counts what [Sample] made.
type SampleReport struct {
	Messages     int    // messages queued, = Count
	Preprocessed int    // messages with info (S5)
	TodoOnly     int    // messages not yet preprocessed (todo, S4)
	Flood        int    // messages from SampleFloodSender
	Bouncing     int    // messages with a bounce file
	NullSender   int    // bounces: envelope sender ""
	DoubleBounce int    // double bounces: envelope sender "#@[]"
	Local        int    // messages with a local file
	Remote       int    // messages with a remote file
	Pending      int    // T records in local and remote files
	Done         int    // D records in local and remote files
	Bytes        int64  // total size of the mess files
	LargeID      uint64 // ID of the 34 MiB message, 0 if none
}

// Sample creates a queue at queueDir (as [New] does) holding a realistic,
// reproducible mix of opts.Count messages, and writes nothing outside it:
//
//   - about 20% spam flood from SampleFloodSender with SampleFloodSubject,
//     queued within three hours two days before Now;
//   - about 1.5% not yet preprocessed (todo, with or without intd), born in
//     the last ten minutes;
//   - about 5% bouncing (bounce paragraphs of docs/queue.md §3.6, some recipients
//     done, others pending), 3% bounces with the null sender and 0.5%
//     double bounces from "#@[]";
//   - the rest incoming (local recipients), outgoing (remote recipients,
//     some done) or both, with realistic headers, RFC 2047 subjects in
//     UTF-8 and ISO-8859-1, multipart messages with a base64 attachment,
//     bodies of 1–4 KB;
//   - one message with a 34 MiB body when Count ≥ SampleLargeMin, unless
//     NoLargeMessage is set.
//
// Births are spread over the default queue lifetime (7 days) before Now,
// and local/remote mtimes are qmail's next retry at Now (docs/queue.md §5.1).
func Sample(queueDir string, opts SampleOptions) (SampleReport, error) {
	var rep SampleReport
	if opts.Count < 0 {
		return rep, fmt.Errorf("sample queue: count %d is negative", opts.Count)
	}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	now = now.Truncate(time.Second)
	workers := opts.Workers
	if workers <= 0 {
		workers = 2
	}
	b, err := New(queueDir, Options{Split: opts.Split, BigTodo: opts.BigTodo, Owners: opts.Owners})
	if err != nil {
		return rep, fmt.Errorf("sample queue: %w", err)
	}
	defer b.Close()

	g := newSampleGen(opts.Seed, now, opts.Count, !opts.NoLargeMessage && opts.Count >= SampleLargeMin)
	jobs := make(chan *sampleMsg, 64)
	stop := make(chan struct{})
	var (
		wg       sync.WaitGroup
		bytes    atomic.Int64
		largeID  atomic.Uint64
		errOnce  sync.Once
		firstErr error
	)
	fail := func(err error) {
		errOnce.Do(func() {
			firstErr = err
			close(stop)
		})
	}
	for range workers {
		wg.Go(func() {
			for sm := range jobs {
				id, size, err := b.add(sm.Message)
				if err == nil && !sm.localRetry.Equal(sm.NextRetry) && sm.hasLocal && sm.hasRemote {
					err = b.SetTimes(b.Path("local", id), sm.localRetry, sm.localRetry)
				}
				if err != nil {
					fail(err)
					continue
				}
				bytes.Add(size)
				if sm.large {
					largeID.Store(id)
				}
			}
		})
	}
feed:
	for i := range opts.Count {
		sm := g.message(i)
		rep.count(sm)
		select {
		case jobs <- sm:
		case <-stop:
			break feed
		}
	}
	close(jobs)
	wg.Wait()
	if firstErr != nil {
		return SampleReport{}, fmt.Errorf("sample queue: %w", firstErr)
	}
	rep.Bytes = bytes.Load()
	rep.LargeID = largeID.Load()
	return rep, nil
}

// count adds one generated message to the report.
func (r *SampleReport) count(sm *sampleMsg) {
	r.Messages++
	if sm.State != Preprocessed {
		r.TodoOnly++
		return
	}
	r.Preprocessed++
	switch sm.Sender {
	case SampleFloodSender:
		r.Flood++
	case "":
		r.NullSender++
	case "#@[]":
		r.DoubleBounce++
	}
	if sm.Bounce != "" {
		r.Bouncing++
	}
	if sm.hasLocal {
		r.Local++
	}
	if sm.hasRemote {
		r.Remote++
	}
	for _, rc := range sm.Recipients {
		if rc.Done {
			r.Done++
		} else {
			r.Pending++
		}
	}
}

// WriteSampleControl writes the control files that go with a sample queue
// into controlDir, which is created if missing: me (SampleHost) and locals
// (SampleHost and example.com, the domains of the local recipients).
// queuelifetime is left absent, i.e. the default of 7 days. Files that
// already exist are left alone.
func WriteSampleControl(controlDir string) error {
	if err := os.Mkdir(controlDir, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("write sample control: %w", err)
	}
	files := []struct{ name, content string }{
		{"me", SampleHost + "\n"},
		{"locals", SampleHost + "\n" + sampleLocalDomain + "\nlocalhost\n"},
	}
	for _, f := range files {
		path := filepath.Join(controlDir, f.name)
		err := createExcl(path, []byte(f.content), 0o644, false, -1, -1)
		if err != nil && !errors.Is(err, fs.ErrExist) {
			return fmt.Errorf("write sample control: %w", err)
		}
	}
	return nil
}

// sampleKind is what one sample message is.
type sampleKind int

const (
	kindIncoming     sampleKind = iota // remote sender, local recipients
	kindOutgoing                       // local sender, remote recipients
	kindMixed                          // local sender, local and remote recipients
	kindBouncing                       // outgoing with failed recipients
	kindFlood                          // the spam flood
	kindTodo                           // not yet preprocessed
	kindNullBounce                     // qmail bounce, sender ""
	kindDoubleBounce                   // qmail double bounce, sender "#@[]"
	kindLarge                          // the 34 MiB newsletter
)

// sampleMsg is one generated message plus what Sample needs to know of it.
type sampleMsg struct {
	Message
	hasLocal, hasRemote bool
	localRetry          time.Time
	large               bool
}

// sampleGen generates the messages in order from one random stream.
type sampleGen struct {
	rng   *rand.Rand
	now   time.Time
	kinds []sampleKind
}

func newSampleGen(seed uint64, now time.Time, count int, large bool) *sampleGen {
	g := &sampleGen{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), now: now}
	fixed := []struct {
		kind sampleKind
		n    int
	}{
		{kindFlood, count / 5},
		{kindTodo, (count*3 + 199) / 200},
		{kindBouncing, count / 20},
		{kindNullBounce, count * 3 / 100},
		{kindDoubleBounce, count / 200},
	}
	if large {
		fixed = append(fixed, struct {
			kind sampleKind
			n    int
		}{kindLarge, 1})
	}
	for _, f := range fixed {
		for range f.n {
			if len(g.kinds) < count {
				g.kinds = append(g.kinds, f.kind)
			}
		}
	}
	for len(g.kinds) < count {
		switch r := g.rng.IntN(10); {
		case r < 5:
			g.kinds = append(g.kinds, kindIncoming)
		case r < 9:
			g.kinds = append(g.kinds, kindOutgoing)
		default:
			g.kinds = append(g.kinds, kindMixed)
		}
	}
	g.rng.Shuffle(len(g.kinds), func(i, j int) { g.kinds[i], g.kinds[j] = g.kinds[j], g.kinds[i] })
	return g
}

// message generates message i.
func (g *sampleGen) message(i int) *sampleMsg {
	sm := &sampleMsg{}
	switch g.kinds[i] {
	case kindIncoming:
		g.incoming(sm)
	case kindOutgoing:
		g.outgoing(sm, false)
	case kindMixed:
		g.outgoing(sm, true)
	case kindBouncing:
		g.bouncing(sm)
	case kindFlood:
		g.flood(sm)
	case kindTodo:
		g.todo(sm)
	case kindNullBounce:
		g.nullBounce(sm)
	case kindDoubleBounce:
		g.doubleBounce(sm)
	case kindLarge:
		g.largeMessage(sm)
	}
	g.finish(sm)
	return sm
}

// finish drops done recipients of channels with nothing pending (qmail-send
// would have unlinked that file), and sets the retry times.
func (g *sampleGen) finish(sm *sampleMsg) {
	if sm.State != Preprocessed {
		return
	}
	pending := map[bool]bool{}
	for _, r := range sm.Recipients {
		if !r.Done {
			pending[r.Remote] = true
		}
	}
	kept := sm.Recipients[:0]
	for _, r := range sm.Recipients {
		if pending[r.Remote] {
			kept = append(kept, r)
		}
	}
	sm.Recipients = kept
	sm.hasLocal, sm.hasRemote = pending[false], pending[true]
	sm.localRetry = NextRetry(sm.Birth, g.now, false)
	if sm.hasRemote {
		sm.NextRetry = NextRetry(sm.Birth, g.now, true)
	} else {
		sm.NextRetry = sm.localRetry
	}
}
