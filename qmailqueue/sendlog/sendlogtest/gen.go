// Package sendlogtest generates realistic qmail-send logs, stamped as
// multilog stamps them, for benchmarks and tests of package sendlog and of
// qq log.
package sendlogtest

import (
	"bufio"
	"container/heap"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"time"

	"github.com/qqmail/qq/tai64n"
)

// Options control the generated log.
type Options struct {
	// Bytes is the size to reach; the log ends at the first message end
	// after it.
	Bytes int64
	// Seed makes the log reproducible.
	Seed uint64
	// Start is the time of the first line (default 2024-06-01 00:00 UTC).
	Start time.Time
}

// Stats describe a generated log.
type Stats struct {
	Bytes    int64
	Lines    int64
	Messages int64
	// TraceID is the ID of a message with several deferred attempts, and
	// TraceHistories the number of messages that had that ID: IDs are
	// reused as qmail reuses inode numbers.
	TraceID        uint64
	TraceHistories int
}

// Write writes a qmail-send log to w: messages arrive (new msg, info msg),
// are delivered to one to three local or remote recipients (starting
// delivery, delivery success, deferral or failure, each followed by a
// status line), are retried on qmail-send's schedule after deferrals,
// bounce after failures (bounce msg, then the bounce's own new msg), and
// end (end msg), after which their IDs are reused.
func Write(w io.Writer, opt Options) (Stats, error) {
	g := &generator{
		r:     rand.New(rand.NewPCG(opt.Seed, opt.Seed^0x5851f42d4c957f2d)),
		bw:    bufio.NewWriterSize(w, 256<<10),
		now:   opt.Start,
		msgs:  map[uint64]*message{},
		byID:  map[uint64]int{},
		limit: opt.Bytes,
	}
	if g.now.IsZero() {
		g.now = time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	}
	g.nextID = 1_000_000
	heap.Push(&g.events, &event{at: g.now, kind: arrival})
	for g.events.Len() > 0 {
		ev := heap.Pop(&g.events).(*event)
		if ev.at.After(g.now) {
			g.now = ev.at
		}
		switch ev.kind {
		case arrival:
			if g.stats.Bytes < g.limit {
				g.arrive("", false)
				gap := time.Duration(g.r.ExpFloat64() * float64(200*time.Millisecond))
				heap.Push(&g.events, &event{at: g.now.Add(gap), kind: arrival})
			}
		case result:
			g.result(ev)
		case retry:
			g.start(ev.msg, ev.rcpt)
		}
		if g.err != nil {
			return g.stats, g.err
		}
	}
	g.stats.TraceHistories = g.byID[g.stats.TraceID]
	return g.stats, g.bw.Flush()
}

type kind int

const (
	arrival kind = iota
	result
	retry
)

type event struct {
	at       time.Time
	kind     kind
	msg      *message
	rcpt     int
	delivery uint64
	channel  int
}

type eventHeap []*event

func (h eventHeap) Len() int           { return len(h) }
func (h eventHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h eventHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *eventHeap) Push(x any)        { *h = append(*h, x.(*event)) }
func (h *eventHeap) Pop() any          { old := *h; e := old[len(old)-1]; *h = old[:len(old)-1]; return e }
func (g *generator) push(e *event)     { heap.Push(&g.events, e) }

// lineTime is the stamp of the next line: the simulated time, kept
// increasing as multilog's stamps are.
func (g *generator) lineTime() tai64n.Label {
	t := g.now
	if !t.After(g.last) {
		t = g.last.Add(time.Microsecond * time.Duration(1+g.r.IntN(900)))
	}
	g.last = t
	return tai64n.StampLabel(t)
}

type message struct {
	id       uint64
	sender   string
	born     time.Time
	rcpts    []string
	local    []bool
	pending  int
	failed   bool
	attempts int
}

type generator struct {
	r      *rand.Rand
	bw     *bufio.Writer
	err    error
	now    time.Time
	last   time.Time
	events eventHeap
	msgs   map[uint64]*message
	byID   map[uint64]int // histories per ID
	free   []uint64       // freed IDs, reused first in, first out
	nextID uint64
	nextQP uint64
	deliv  uint64
	busy   [2]int
	limit  int64
	stats  Stats
	line   []byte
}

func (g *generator) logf(format string, args ...any) {
	if g.err != nil {
		return
	}
	g.line = g.lineTime().AppendTAI64N(g.line[:0])
	g.line = append(g.line, ' ')
	g.line = fmt.Appendf(g.line, format, args...)
	g.line = append(g.line, '\n')
	n, err := g.bw.Write(g.line)
	g.stats.Bytes += int64(n)
	g.stats.Lines++
	g.err = err
}

func (g *generator) status() {
	g.logf("status: local %d/10 remote %d/20", g.busy[0], g.busy[1])
}

// allocID takes the oldest freed ID once a thousand are free, as a file
// system hands inode numbers back out, else a new one.
func (g *generator) allocID() uint64 {
	if len(g.free) > 1000 {
		id := g.free[0]
		g.free = g.free[1:]
		return id
	}
	g.nextID += 1 + uint64(g.r.IntN(3))
	return g.nextID
}

var (
	senders = []string{"alice@example.com", "newsletter@shop.example", "noreply@bank.example", "bob@example.org", "list-owner@lists.example"}
	domains = []string{"example.net", "mail.example.org", "slow.example", "gmail.example", "corp.example", "tiny.example"}
	users   = []string{"dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy"}
)

func (g *generator) arrive(sender string, bounce bool) {
	m := &message{id: g.allocID(), born: g.now}
	switch {
	case bounce:
		m.sender = sender
	case g.r.IntN(20) == 0:
		m.sender = ""
	default:
		m.sender = senders[g.r.IntN(len(senders))]
	}
	n := 1 + g.r.IntN(3)
	if bounce {
		n = 1
	}
	for range n {
		local := g.r.IntN(10) < 3
		user, domain := users[g.r.IntN(len(users))], domains[g.r.IntN(len(domains))]
		rcpt := user + "@" + domain
		if local {
			rcpt = "example.com-" + user + "@example.com"
		}
		m.rcpts = append(m.rcpts, rcpt)
		m.local = append(m.local, local)
	}
	m.pending = n
	g.msgs[m.id] = m
	g.byID[m.id]++
	g.stats.Messages++
	g.nextQP = 10000 + (g.nextQP+7)%50000
	g.logf("new msg %d", m.id)
	g.logf("info msg %d: bytes %d from <%s> qp %d uid %d", m.id, 400+g.r.IntN(60000), m.sender, g.nextQP, 89+g.r.IntN(3))
	for i := range m.rcpts {
		g.start(m, i)
	}
}

func (g *generator) start(m *message, rcpt int) {
	g.deliv++
	c := 1
	channel := "remote"
	if m.local[rcpt] {
		c, channel = 0, "local"
	}
	g.busy[c]++
	m.attempts++
	g.logf("starting delivery %d: msg %d to %s %s", g.deliv, m.id, channel, m.rcpts[rcpt])
	g.status()
	took := time.Duration(50+g.r.IntN(5000)) * time.Millisecond
	g.push(&event{at: g.now.Add(took), kind: result, msg: m, rcpt: rcpt, delivery: g.deliv, channel: c})
}

var (
	successes = []string{"did_0+0+1/", "192.0.2.25_accepted_message./Remote_host_said:_250_2.0.0_Ok:_queued_as_4Vq8Zk1x/", "198.51.100.7_accepted_message./Remote_host_said:_250_ok_1717232401_qp_777/"}
	deferrals = []string{
		"Connected_to_192.0.2.25_but_greeting_failed./Remote_host_said:_421_busy,_try_later/",
		"198.51.100.7_does_not_like_recipient./Remote_host_said:_450_4.2.0_Recipient_address_rejected:_Greylisted/",
		"Sorry,_I_wasn't_able_to_establish_an_SMTP_connection._(#4.4.1)/",
		"Unable_to_switch_to_/home/frank:_file_does_not_exist._(#4.3.0)/",
	}
	failures = []string{
		"203.0.113.5_does_not_like_recipient./Remote_host_said:_550_5.1.1_User_unknown/Giving_up_on_203.0.113.5./",
		"Sorry,_no_mailbox_here_by_that_name._(#5.1.1)/",
		"Sorry,_I_couldn't_find_any_host_named_tiny.example._(#5.1.2)/",
	}
)

func (g *generator) result(ev *event) {
	m := ev.msg
	g.busy[ev.channel]--
	k := g.r.IntN(100)
	if m.attempts > 12 {
		k = 0 // a message does not defer forever
	}
	switch {
	case k < 80:
		g.logf("delivery %d: success: %s", ev.delivery, successes[g.r.IntN(len(successes))])
		g.status()
		m.pending--
	case k < 86:
		g.logf("delivery %d: failure: %s", ev.delivery, failures[g.r.IntN(len(failures))])
		g.status()
		m.failed = true
		m.pending--
	default:
		g.logf("delivery %d: deferral: %s", ev.delivery, deferrals[g.r.IntN(len(deferrals))])
		g.status()
		if g.stats.TraceID == 0 && m.attempts >= 3 {
			g.stats.TraceID = m.id
		}
		// qmail-send's schedule: the next square of 20 s (remote) or
		// 10 s (local) after the message's age.
		skip := 20.0
		if ev.channel == 0 {
			skip = 10
		}
		age := g.now.Sub(m.born).Seconds()
		n := math.Floor(math.Sqrt(age)) + skip
		g.push(&event{at: m.born.Add(time.Duration(n * n * float64(time.Second))), kind: retry, msg: m, rcpt: ev.rcpt})
	}
	if m.pending > 0 {
		return
	}
	if m.failed {
		switch m.sender {
		case "#@[]":
			g.logf("triple bounce: discarding bounce/%d", m.id)
		default:
			g.nextQP = 10000 + (g.nextQP+7)%50000
			g.logf("bounce msg %d qp %d", m.id, g.nextQP)
			sender := ""
			if m.sender == "" {
				sender = "#@[]"
			}
			defer g.arrive(sender, true)
		}
	}
	g.logf("end msg %d", m.id)
	delete(g.msgs, m.id)
	g.free = append(g.free, m.id)
}
