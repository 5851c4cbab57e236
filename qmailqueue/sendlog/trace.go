package sendlog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/qqmail/qq/tai64n"
)

// History is what the log says about one message: from its new msg to its
// end msg. Message IDs are inode numbers and are reused as soon as a message
// leaves the queue (qmail-log(5)), so one ID may have several histories.
type History struct {
	ID uint64
	// Start is the time of the history's first line: its new msg, or, when
	// the log begins after it (Partial), the first line naming it.
	Start tai64n.Label
	// Partial is set when no new msg was seen: the message was queued
	// before the log begins.
	Partial bool
	// Info holds the info msg line, nil if none was seen.
	Info *Info
	// Deliveries lists the delivery attempts in the order they started
	// (only when the Tracker keeps deliveries).
	Deliveries []*Delivery
	// Bounces lists the bounce messages qmail-send queued for the message
	// (bounce msg lines): normally at most one, at its end.
	Bounces []Bounce
	// TripleBounce is set when qmail-send discarded the bounce of a double
	// bounce (triple bounce: discarding bounce/ID), at TripleBounceAt.
	TripleBounce   bool
	TripleBounceAt tai64n.Label
	// Ended is set when the end msg line was seen, at End: the message has
	// left the queue.
	Ended bool
	End   tai64n.Label
	// Superseded is set when a new msg for the same ID came before any end
	// msg: qmail-send preprocessed the ID again after a crash, or the queue
	// was changed by hand and the inode reused.
	Superseded bool
	// Warnings counts the warning and alert lines that name one of the
	// message's queue files (mess/N/ID, todo/ID, bounce/ID, …).
	Warnings int
	// Events holds the history's lines in log order (only when the Tracker
	// keeps events).
	Events []Event

	seq uint64 // creation order, for stable output
}

// Info is the content of an info msg line.
type Info struct {
	At     tai64n.Label
	Bytes  uint64
	Sender string // envelope sender without brackets; "" for a bounce
	QP     uint64 // pid of the qmail-queue that queued the message
	UID    uint64 // uid of qmail-queue's caller
}

// Delivery is one delivery attempt: a starting delivery line and, once the
// delivery ends, its delivery line.
type Delivery struct {
	Number    uint64 // the delivery number, unique within one run of qmail-send
	Msg       uint64 // the message ID
	Channel   string // "local" or "remote"
	Recipient string
	Started   tai64n.Label
	// Outcome is OutcomeNone while the delivery runs, or if its result
	// never appeared (Lost).
	Outcome  Outcome
	Text     string // the delivery report, as logged
	Mangled  bool   // "report mangled, will defer"
	Finished tai64n.Label
	// Lost is set when qmail-send exited or restarted (delivery numbers
	// began again) without logging the result, or log lines are missing.
	Lost bool

	history *History
}

// Done reports whether the delivery has its result.
func (d *Delivery) Done() bool { return d.Outcome != OutcomeNone }

// Bounce is a bounce msg line: the bounce message queued for a message.
type Bounce struct {
	At tai64n.Label
	QP uint64 // pid of the qmail-queue that queued the bounce; its info msg line carries the same qp
}

// Open reports whether the history is still open: neither ended nor
// superseded.
func (h *History) Open() bool { return !h.Ended && !h.Superseded }

// Birth returns the time of the info msg line, or Start without one. It is
// within moments of the mtime of info/N/ID, the message's birth in the
// queue (docs/queue.md §4.3), unless the file was touched since.
func (h *History) Birth() tai64n.Label {
	if h.Info != nil {
		return h.Info.At
	}
	return h.Start
}

// Counts returns the number of successful, failed and deferred attempts.
func (h *History) Counts() (success, failure, deferral int) {
	for _, d := range h.Deliveries {
		switch d.Outcome {
		case OutcomeSuccess:
			success++
		case OutcomeFailure:
			failure++
		case OutcomeDeferral:
			deferral++
		}
	}
	return success, failure, deferral
}

// LastAttempts returns, for each recipient in the order of its first
// attempt, its latest delivery attempt: running, lost, or with its result
// and report. For a message still in the queue the deferrals among them
// say why it is still there.
func (h *History) LastAttempts() []*Delivery {
	type key struct{ channel, recipient string }
	last := map[key]int{}
	var out []*Delivery
	for _, d := range h.Deliveries {
		k := key{d.Channel, d.Recipient}
		if i, ok := last[k]; ok {
			out[i] = d
			continue
		}
		last[k] = len(out)
		out = append(out, d)
	}
	return out
}

// Tracker joins events into histories, in the manner of qmailanalog's
// matchup. Feed it every event of a log in order with Add, then call Close.
// Its zero value keeps nothing but the delivery-to-message mapping; set the
// fields before the first Add.
type Tracker struct {
	// Want, if set, limits the histories kept to the message IDs it
	// accepts. It is cheap: rejected IDs cost no memory.
	Want func(id uint64) bool
	// Select, if set, is asked once per history whether to keep it: when
	// its info msg line arrives, or at once for a history that begins
	// without new msg. Rejected IDs are remembered until their end msg.
	Select func(h *History) bool
	// KeepDeliveries keeps each history's Deliveries; KeepEvents keeps its
	// Events.
	KeepDeliveries bool
	KeepEvents     bool
	// Done, if set, receives each kept history when it ends or is
	// superseded, and at Close those still open.
	Done func(h *History)

	open       map[uint64]*History
	ignored    map[uint64]struct{}
	deliveries map[uint64]*Delivery
	lastDeliv  uint64
	seq        uint64
}

// Add feeds one event and returns the history and the delivery it belongs
// to; either is nil when there is none or it is not kept. A delivery line
// is matched with the starting delivery line of the same number, which
// gives its message ID. The returned delivery is valid even when its
// message's history is not kept.
func (t *Tracker) Add(e *Event) (*History, *Delivery) {
	if t.open == nil {
		t.open = map[uint64]*History{}
		t.ignored = map[uint64]struct{}{}
		t.deliveries = map[uint64]*Delivery{}
	}
	switch e.Kind {
	case KindNewMsg:
		if old := t.open[e.Msg]; old != nil {
			old.Superseded = true
			delete(t.open, e.Msg)
			t.finish(old)
		}
		delete(t.ignored, e.Msg)
		if t.Want != nil && !t.Want(e.Msg) {
			return nil, nil
		}
		t.seq++
		h := &History{ID: e.Msg, Start: e.Stamp, seq: t.seq}
		t.open[e.Msg] = h
		t.keep(h, e)
		return h, nil
	case KindInfoMsg:
		h := t.history(e, true)
		if h == nil {
			return nil, nil
		}
		h.Info = &Info{At: e.Stamp, Bytes: e.Bytes, Sender: e.Sender, QP: e.QP, UID: e.UID}
		if !h.Partial && t.Select != nil && !t.Select(h) {
			delete(t.open, e.Msg)
			t.ignored[e.Msg] = struct{}{}
			return nil, nil
		}
		t.keep(h, e)
		return h, nil
	case KindStartDelivery:
		if e.Delivery <= t.lastDeliv {
			// Numbers start again at 1 when qmail-send starts: the
			// deliveries still open were never reported.
			t.loseAll()
		}
		t.lastDeliv = e.Delivery
		d := &Delivery{Number: e.Delivery, Msg: e.Msg, Channel: e.Channel, Recipient: e.Recipient, Started: e.Stamp}
		t.deliveries[e.Delivery] = d
		h := t.history(e, true)
		if h != nil {
			d.history = h
			if t.KeepDeliveries {
				h.Deliveries = append(h.Deliveries, d)
			}
			t.keep(h, e)
		}
		return h, d
	case KindDelivery:
		d := t.deliveries[e.Delivery]
		if d == nil {
			return nil, nil // started before the log begins
		}
		delete(t.deliveries, e.Delivery)
		d.Outcome, d.Text, d.Mangled, d.Finished = e.Outcome, e.Text, e.Mangled, e.Stamp
		if d.history != nil {
			t.keep(d.history, e)
		}
		return d.history, d
	case KindBounceMsg, KindTripleBounce:
		h := t.history(e, true)
		if h == nil {
			return nil, nil
		}
		if e.Kind == KindBounceMsg {
			h.Bounces = append(h.Bounces, Bounce{At: e.Stamp, QP: e.QP})
		} else {
			h.TripleBounce, h.TripleBounceAt = true, e.Stamp
		}
		t.keep(h, e)
		return h, nil
	case KindEndMsg:
		h := t.history(e, true)
		delete(t.ignored, e.Msg)
		if h == nil {
			return nil, nil
		}
		h.Ended, h.End = true, e.Stamp
		t.keep(h, e)
		delete(t.open, e.Msg)
		t.finish(h)
		return h, nil
	case KindStatus:
		if e.Exiting {
			// qmail-send waits for its deliveries before it exits; any
			// still open lost their result lines.
			t.loseAll()
			t.lastDeliv = 0
		}
	case KindWarning, KindAlert:
		if e.Msg == 0 {
			return nil, nil
		}
		// A warning starts a history only when its ID was asked for:
		// warnings about one file repeat forever.
		h := t.history(e, t.Want != nil)
		if h != nil {
			h.Warnings++
			t.keep(h, e)
		}
		return h, nil
	}
	return nil, nil
}

// history returns the open history of e.Msg, starting a partial one if
// create is set and the ID is wanted.
func (t *Tracker) history(e *Event, create bool) *History {
	if h := t.open[e.Msg]; h != nil {
		return h
	}
	if !create {
		return nil
	}
	if _, ok := t.ignored[e.Msg]; ok {
		return nil
	}
	if t.Want != nil && !t.Want(e.Msg) {
		return nil
	}
	t.seq++
	h := &History{ID: e.Msg, Start: e.Stamp, Partial: true, seq: t.seq}
	if t.Select != nil && !t.Select(h) {
		t.ignored[e.Msg] = struct{}{}
		return nil
	}
	t.open[e.Msg] = h
	return h
}

func (t *Tracker) keep(h *History, e *Event) {
	if t.KeepEvents {
		h.Events = append(h.Events, *e)
	}
}

func (t *Tracker) loseAll() {
	for n, d := range t.deliveries {
		d.Lost = true
		delete(t.deliveries, n)
	}
}

func (t *Tracker) finish(h *History) {
	if t.Done != nil {
		t.Done(h)
	}
}

// Close hands the histories still open to Done, oldest first, and marks
// the deliveries still running as lost only if the log says qmail-send
// stopped (they may simply be running).
func (t *Tracker) Close() {
	open := make([]*History, 0, len(t.open))
	for _, h := range t.open {
		open = append(open, h)
	}
	slices.SortFunc(open, func(a, b *History) int { return cmp.Compare(a.seq, b.seq) })
	for _, h := range open {
		delete(t.open, h.ID)
		t.finish(h)
	}
}

// ErrNotFound is returned by [Lookup] when the log has no history for the
// message.
var ErrNotFound = errors.New("not in the log")

// TraceID reads the whole log and returns every history of message id,
// oldest first, with their deliveries and events.
func TraceID(ctx context.Context, log *Log, p *Parser, id uint64) ([]*History, error) {
	return trace(ctx, log, p, func(h *History) bool { return true }, func(got uint64) bool { return got == id })
}

// TraceAddress returns the histories of the messages whose envelope sender
// or any recipient is addr (compared without regard to case, as matchup
// lowercases addresses; "" or "<>" finds bounces), oldest first. On a
// rereadable log it reads the log twice, keeping little more than the
// matching histories in memory; a stream is read once, keeping every open
// history.
func TraceAddress(ctx context.Context, log *Log, p *Parser, addr string) ([]*History, error) {
	addr = strings.TrimSuffix(strings.TrimPrefix(addr, "<"), ">")
	if !log.Rereadable() {
		hs, err := trace(ctx, log, p, nil, nil)
		if err != nil {
			return nil, err
		}
		return slices.DeleteFunc(hs, func(h *History) bool { return !historyHasAddress(h, addr) }), nil
	}
	// Pass 1: which histories match, keyed by ID and start.
	type key struct {
		id    uint64
		start tai64n.Label
	}
	matched := map[key]bool{}
	tr := &Tracker{}
	err := eachEvent(ctx, log, p, func(e *Event) {
		h, d := tr.Add(e)
		switch {
		case e.Kind == KindInfoMsg && h != nil && strings.EqualFold(e.Sender, addr):
			matched[key{h.ID, h.Start}] = true
		case e.Kind == KindStartDelivery && h != nil && strings.EqualFold(d.Recipient, addr):
			matched[key{h.ID, h.Start}] = true
		}
	})
	if err != nil {
		return nil, err
	}
	if len(matched) == 0 {
		return nil, nil
	}
	// Pass 2: keep those histories in full.
	wanted := map[uint64]bool{}
	for k := range matched {
		wanted[k.id] = true
	}
	hs, err := trace(ctx, log, p,
		func(h *History) bool { return matched[key{h.ID, h.Start}] },
		func(id uint64) bool { return wanted[id] })
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(hs, func(h *History) bool { return !matched[key{h.ID, h.Start}] }), nil
}

func historyHasAddress(h *History, addr string) bool {
	if h.Info != nil && strings.EqualFold(h.Info.Sender, addr) {
		return true
	}
	for _, d := range h.Deliveries {
		if strings.EqualFold(d.Recipient, addr) {
			return true
		}
	}
	return false
}

// trace reads the log and returns the histories kept under the filters,
// oldest first.
func trace(ctx context.Context, log *Log, p *Parser, sel func(*History) bool, want func(uint64) bool) ([]*History, error) {
	var out []*History
	tr := &Tracker{Want: want, Select: sel, KeepDeliveries: true, KeepEvents: true,
		Done: func(h *History) { out = append(out, h) }}
	if err := eachEvent(ctx, log, p, func(e *Event) { tr.Add(e) }); err != nil {
		return nil, err
	}
	tr.Close()
	slices.SortStableFunc(out, func(a, b *History) int { return cmp.Compare(a.seq, b.seq) })
	return out, nil
}

// eachEvent parses every line of the log and hands it to fn, which must
// not keep the pointer.
func eachEvent(ctx context.Context, log *Log, p *Parser, fn func(e *Event)) error {
	if p == nil {
		p = &Parser{}
	}
	var e Event // one for all lines: fn must not keep the pointer
	for line, err := range log.Lines(ctx, ReadOptions{}) {
		if err != nil {
			return err
		}
		e = p.Parse(line.Bytes)
		fn(&e)
	}
	return nil
}

// Lookup finds the history of one message of the queue in the log, to tell
// why it is still queued. Of the histories of id, it returns the one whose
// birth ([History.Birth]) is within two minutes of birth, the closest if
// several are, when birth is not zero (pass the mtime of info/N/ID); failing
// that, the last history still open, since a message in the queue has not
// ended. It returns an error wrapping [ErrNotFound] when there is none. The
// history's LastAttempts method gives the last attempt per recipient.
func Lookup(ctx context.Context, log *Log, p *Parser, id uint64, birth time.Time) (*History, error) {
	hs, err := TraceID(ctx, log, p, id)
	if err != nil {
		return nil, err
	}
	const tolerance = 2 * time.Minute
	var best *History
	var bestGap time.Duration
	if !birth.IsZero() {
		for _, h := range hs {
			gap := h.Birth().Time().Sub(birth).Abs()
			if gap <= tolerance && (best == nil || gap < bestGap) {
				best, bestGap = h, gap
			}
		}
		if best != nil {
			return best, nil
		}
	}
	for _, h := range slices.Backward(hs) {
		if h.Open() {
			return h, nil
		}
	}
	return nil, fmt.Errorf("message %d: %w", id, ErrNotFound)
}
