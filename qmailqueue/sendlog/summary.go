package sendlog

import (
	"cmp"
	"container/heap"
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/qqmail/qq/tai64n"
)

// Summary aggregates a log over a time range, in the spirit of qmailanalog's
// zoverall (totals), zfailures and zdeferrals (reasons), zddist (delivery
// delays), zrhosts (domains) and zsenders (senders).
type Summary struct {
	// First and Last are the times of the first and last lines counted,
	// when HasTimes.
	First, Last tai64n.Label
	HasTimes    bool

	Lines         int    // lines counted
	Messages      int    // info msg lines: messages qmail-send took in
	Bytes         uint64 // their total size
	Ended         int    // end msg lines: messages that left the queue
	Bounces       int    // bounce msg lines
	TripleBounces int    // triple bounce lines
	Attempts      int    // starting delivery lines
	Successes     int    // delivery … success
	Failures      int    // delivery … failure
	Deferrals     int    // delivery … deferral (and "report mangled")
	Warnings      int    // warning lines
	Alerts        int    // alert lines
	Other         int    // lines that are not qmail-send's

	FailureReasons  []Count // most frequent failure reports
	DeferralReasons []Count // most frequent deferral reports
	DeferralDomains []Count // recipient domains with the most deferrals
	Senders         []SenderCount

	// Delays describes the time from a message's info msg line to each
	// successful delivery of it (zddist), for the messages whose info msg
	// line was read.
	Delays Delays
}

// Count is a key and how often it occurred. Counts are exact while a
// Summarizer has seen at most SummaryCapacity distinct keys of a kind;
// beyond that they are estimates that may be too high by up to the smallest
// count kept (the Space-Saving algorithm).
type Count struct {
	Key string
	N   int
}

// SenderCount is one envelope sender's traffic ("" is the null sender of
// bounces).
type SenderCount struct {
	Sender     string
	Messages   int
	Bytes      uint64
	Recipients int // deliveries of its messages that ended in success or failure
}

// Delays are percentiles of delivery delays. They are exact up to
// SummaryCapacity*100 deliveries and estimated from a uniform sample
// beyond.
type Delays struct {
	N                  int
	Mean               time.Duration
	P50, P90, P95, P99 time.Duration
	Max                time.Duration
}

// SummaryCapacity is how many distinct keys (reasons, domains, senders) a
// Summarizer counts exactly, per kind.
const SummaryCapacity = 10000

// Summarizer accumulates a [Summary]. Feed it every event of the log in
// order, including those before Since: it needs them to know the birth of
// the messages delivered in the range.
type Summarizer struct {
	window   Range
	top      int
	tracker  Tracker
	msgs     map[uint64]msgState
	sum      Summary
	failures topCounter
	deferred topCounter
	domains  topCounter
	senders  topCounter
	delays   reservoir
}

type msgState struct {
	birth  tai64n.Label
	sender string
}

// NewSummarizer counts the events logged between since and until
// (inclusive; a zero time is no limit) and keeps the top most frequent
// reasons, domains and senders.
func NewSummarizer(since, until time.Time, top int) *Summarizer {
	s := &Summarizer{window: Range{Since: since, Until: until}, top: top, msgs: map[uint64]msgState{}}
	// Only the delivery-to-message mapping is needed, not histories.
	s.tracker.Want = func(uint64) bool { return false }
	for _, c := range []*topCounter{&s.failures, &s.deferred, &s.domains, &s.senders} {
		c.capacity = SummaryCapacity
	}
	s.delays.init(SummaryCapacity * 100)
	return s
}

// Add feeds one event.
func (s *Summarizer) Add(e *Event) {
	_, d := s.tracker.Add(e)
	switch e.Kind {
	case KindInfoMsg:
		s.msgs[e.Msg] = msgState{birth: e.Stamp, sender: strings.ToLower(e.Sender)}
	case KindEndMsg:
		defer delete(s.msgs, e.Msg)
	}
	if !s.window.Contains(e) {
		return
	}
	sum := &s.sum
	sum.Lines++
	if e.HasStamp {
		if !sum.HasTimes {
			sum.First, sum.HasTimes = e.Stamp, true
		}
		sum.Last = e.Stamp
	}
	switch e.Kind {
	case KindInfoMsg:
		sum.Messages++
		sum.Bytes += e.Bytes
		ent := s.senders.add(strings.ToLower(e.Sender), 1)
		ent.extra[0] += int64(e.Bytes)
	case KindEndMsg:
		sum.Ended++
	case KindBounceMsg:
		sum.Bounces++
	case KindTripleBounce:
		sum.TripleBounces++
	case KindStartDelivery:
		sum.Attempts++
	case KindDelivery:
		s.addResult(e, d)
	case KindWarning:
		sum.Warnings++
	case KindAlert:
		sum.Alerts++
	case KindOther:
		sum.Other++
	}
}

func (s *Summarizer) addResult(e *Event, d *Delivery) {
	sum := &s.sum
	switch e.Outcome {
	case OutcomeSuccess:
		sum.Successes++
	case OutcomeFailure:
		sum.Failures++
		s.failures.add(e.Text, 1)
	case OutcomeDeferral:
		sum.Deferrals++
		s.deferred.add(e.Text, 1)
	}
	if d == nil {
		return // started before the log begins
	}
	if e.Outcome == OutcomeDeferral {
		s.domains.add(domainOf(d.Recipient), 1)
	}
	m, ok := s.msgs[d.Msg]
	if !ok {
		return
	}
	if e.Outcome == OutcomeSuccess || e.Outcome == OutcomeFailure {
		if ent := s.senders.find(m.sender); ent != nil {
			ent.extra[1]++
		}
	}
	if e.Outcome == OutcomeSuccess && e.HasStamp {
		delay := e.Stamp.Time().Sub(m.birth.Time())
		s.delays.add(max(delay, 0))
	}
}

// domainOf returns the part of an address after its last '@', lower-cased.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		addr = addr[i+1:]
	}
	return strings.ToLower(addr)
}

// Summary returns the summary of what was added so far.
func (s *Summarizer) Summary() Summary {
	sum := s.sum
	sum.FailureReasons = s.failures.counts(s.top)
	sum.DeferralReasons = s.deferred.counts(s.top)
	sum.DeferralDomains = s.domains.counts(s.top)
	sum.Senders = []SenderCount{}
	for _, ent := range s.senders.sorted(s.top) {
		sum.Senders = append(sum.Senders, SenderCount{
			Sender: ent.key, Messages: int(ent.count), Bytes: uint64(ent.extra[0]), Recipients: int(ent.extra[1]),
		})
	}
	sum.Delays = s.delays.delays()
	return sum
}

// Range selects events by time: those logged from Since to Until,
// inclusive; a zero time is no limit. A line without a time stamp takes
// the time of the last line with one, so feed Contains every event in
// order.
type Range struct {
	Since, Until time.Time

	last    tai64n.Label
	hasLast bool
}

// Contains reports whether e lies in the range.
func (r *Range) Contains(e *Event) bool {
	if e.HasStamp {
		r.last, r.hasLast = e.Stamp, true
	}
	if r.Since.IsZero() && r.Until.IsZero() {
		return true
	}
	if !r.hasLast {
		return false
	}
	t := r.last.Time()
	return (r.Since.IsZero() || !t.Before(r.Since)) && (r.Until.IsZero() || !t.After(r.Until))
}

// Summarize reads the whole log and summarizes the lines logged between
// since and until (zero times: no limit), keeping the top most frequent
// reasons, domains and senders.
func Summarize(ctx context.Context, log *Log, p *Parser, since, until time.Time, top int) (Summary, error) {
	s := NewSummarizer(since, until, top)
	if err := eachEvent(ctx, log, p, s.Add); err != nil {
		return Summary{}, err
	}
	return s.Summary(), nil
}

// topCounter counts keys in bounded memory with the Space-Saving algorithm
// (Metwally, Agrawal, El Abbadi 2005): exact while it holds at most
// capacity keys; then a new key replaces the least frequent one and
// inherits its count.
type topCounter struct {
	capacity int
	entries  map[string]*topEntry
	heap     topHeap
}

type topEntry struct {
	key   string
	count int64
	extra [2]int64
	index int
}

func (c *topCounter) find(key string) *topEntry { return c.entries[key] }

func (c *topCounter) add(key string, n int64) *topEntry {
	if c.entries == nil {
		c.entries = map[string]*topEntry{}
	}
	if ent := c.entries[key]; ent != nil {
		ent.count += n
		heap.Fix(&c.heap, ent.index)
		return ent
	}
	key = strings.Clone(key)
	if len(c.heap) < c.capacity {
		ent := &topEntry{key: key, count: n}
		c.entries[key] = ent
		heap.Push(&c.heap, ent)
		return ent
	}
	ent := c.heap[0]
	delete(c.entries, ent.key)
	ent.key, ent.count, ent.extra = key, ent.count+n, [2]int64{}
	c.entries[key] = ent
	heap.Fix(&c.heap, 0)
	return ent
}

// sorted returns the top n entries, most frequent first, ties by key.
func (c *topCounter) sorted(n int) []*topEntry {
	all := slices.Clone([]*topEntry(c.heap))
	slices.SortFunc(all, func(a, b *topEntry) int {
		if a.count != b.count {
			return cmp.Compare(b.count, a.count)
		}
		return strings.Compare(a.key, b.key)
	})
	if n >= 0 && len(all) > n {
		all = all[:n]
	}
	return all
}

func (c *topCounter) counts(n int) []Count {
	out := []Count{}
	for _, ent := range c.sorted(n) {
		out = append(out, Count{Key: ent.key, N: int(ent.count)})
	}
	return out
}

type topHeap []*topEntry

func (h topHeap) Len() int           { return len(h) }
func (h topHeap) Less(i, j int) bool { return h[i].count < h[j].count }
func (h topHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *topHeap) Push(x any) {
	ent := x.(*topEntry)
	ent.index = len(*h)
	*h = append(*h, ent)
}
func (h *topHeap) Pop() any {
	old := *h
	ent := old[len(old)-1]
	*h = old[:len(old)-1]
	return ent
}

// reservoir keeps a uniform sample of at most capacity durations
// (Vitter's algorithm R) with a fixed seed, so results are reproducible.
type reservoir struct {
	capacity int
	n        int
	sum      time.Duration
	max      time.Duration
	sample   []time.Duration
	rng      *rand.Rand
}

func (r *reservoir) init(capacity int) {
	r.capacity = capacity
	r.rng = rand.New(rand.NewPCG(1, 2))
}

func (r *reservoir) add(d time.Duration) {
	r.n++
	r.sum += d
	r.max = max(r.max, d)
	if len(r.sample) < r.capacity {
		r.sample = append(r.sample, d)
		return
	}
	if i := r.rng.IntN(r.n); i < r.capacity {
		r.sample[i] = d
	}
}

func (r *reservoir) delays() Delays {
	if r.n == 0 {
		return Delays{}
	}
	s := slices.Clone(r.sample)
	slices.Sort(s)
	rank := func(p float64) time.Duration {
		// Nearest rank: the smallest value with at least p of the sample
		// at or below it.
		i := int(p*float64(len(s))+0.999999999) - 1
		return s[min(max(i, 0), len(s)-1)]
	}
	return Delays{
		N: r.n, Mean: r.sum / time.Duration(r.n),
		P50: rank(0.50), P90: rank(0.90), P95: rank(0.95), P99: rank(0.99), Max: r.max,
	}
}
