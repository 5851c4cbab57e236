package sendlog

import (
	"context"
	"iter"
	"strings"
	"time"
)

// Selection says which lines of a log to keep: the lines about some
// messages (by ID, qmail-queue pid or sender), about deliveries to some
// recipients, or with some outcomes. Every filter set must match; a nil
// set does not filter. The zero Selection keeps every line.
//
// A message's lines are its new msg, info msg, starting delivery, delivery,
// bounce msg, triple bounce and end msg lines, and warnings naming its
// queue files; a delivery's lines are its starting delivery and delivery
// lines. A filter on an attribute a line lacks rejects the line.
type Selection struct {
	// IDs are message IDs (qmail reuses them: every message that had the
	// ID matches).
	IDs map[uint64]bool
	// QPs are the pids of the qmail-queue that queued the message.
	QPs map[uint64]bool
	// Senders and Recipients are addresses in lower case, without angle
	// brackets ([AddressSet]); the null sender is "".
	Senders    map[string]bool
	Recipients map[string]bool
	// Outcomes are the delivery results kept.
	Outcomes map[Outcome]bool
	// Bounce keeps bounce msg and triple bounce lines when outcomes
	// filter.
	Bounce bool
}

// AddressSet makes the set of addresses a Selection compares with: lower
// case, angle brackets dropped. It is nil for no addresses.
func AddressSet(addrs []string) map[string]bool {
	if len(addrs) == 0 {
		return nil
	}
	set := map[string]bool{}
	for _, a := range addrs {
		set[strings.ToLower(strings.TrimSuffix(strings.TrimPrefix(a, "<"), ">"))] = true
	}
	return set
}

// IsZero reports whether the selection keeps every line.
func (f *Selection) IsZero() bool {
	return f.IDs == nil && !f.byInfo() && f.Recipients == nil && !f.byOutcome()
}

// byInfo reports whether the selection needs a message's info msg line.
func (f *Selection) byInfo() bool { return f.QPs != nil || f.Senders != nil }

func (f *Selection) byOutcome() bool { return f.Outcomes != nil || f.Bounce }

// matchInfo reports whether a message's info line passes QPs and Senders.
func (f *Selection) matchInfo(info *Info) bool {
	if !f.byInfo() {
		return true
	}
	if info == nil {
		return false
	}
	return (f.QPs == nil || f.QPs[info.QP]) && (f.Senders == nil || f.Senders[strings.ToLower(info.Sender)])
}

// Selector applies a Selection and a time range to a log's lines in order,
// and hands each kept line to its emit function once the line's fate is
// known. A starting delivery line waits for its result when outcomes
// decide; a new msg line waits for its info msg line when the sender or qp
// decides. Lines without a time stamp take the time of the line before them
// for the range ([Range.Contains]).
type Selector struct {
	f         *Selection
	window    Range
	tracker   *Tracker
	emit      func(e *Event, raw []byte, d *Delivery) error
	heldNew   map[uint64]heldLine    // new msg lines waiting for info msg
	heldStart map[*Delivery]heldLine // starting lines waiting for the result
	selected  int                    // lines selected so far
	tail      *tailLines             // with KeepLast: the last lines selected, not yet emitted
}

// heldLine is a line kept back, with whether it lies in the time range and
// its delivery.
type heldLine struct {
	e       Event
	raw     []byte
	inRange bool
	d       *Delivery
}

// tailLines is a ring of the last n lines selected.
type tailLines struct {
	lines []heldLine
	next  int // where the next line goes once the ring is full
	n     int
}

// maxHeldStarts bounds the starting delivery lines held back: beyond it,
// those of deliveries whose result was never logged are dropped.
const maxHeldStarts = 4096

// NewSelector returns a Selector keeping the lines f selects within
// window. emit receives each kept line, its raw bytes and, for a line about
// a delivery, the delivery; an error from emit stops [Selector.Add].
func NewSelector(f *Selection, window Range, emit func(e *Event, raw []byte, d *Delivery) error) *Selector {
	s := &Selector{f: f, window: window, emit: emit,
		heldNew: map[uint64]heldLine{}, heldStart: map[*Delivery]heldLine{}}
	s.tracker = &Tracker{}
	switch {
	case f.IDs != nil:
		s.tracker.Want = func(id uint64) bool { return f.IDs[id] }
	case !f.byInfo():
		// No filter on messages: only deliveries need tracking.
		s.tracker.Want = func(uint64) bool { return false }
	}
	if f.byInfo() {
		s.tracker.Select = func(h *History) bool { return f.matchInfo(h.Info) }
	}
	return s
}

// KeepLast makes the Selector hold back the lines it selects, keeping only
// the last n, until [Selector.Release]: like tail -f, which prints the
// last lines of a file before the lines added to it.
func (s *Selector) KeepLast(n int) {
	s.tail = &tailLines{n: max(n, 0), lines: make([]heldLine, 0, min(max(n, 0), 1024))}
}

// Release ends KeepLast: it emits the lines kept, oldest first, and emits
// the lines selected after it at once.
func (s *Selector) Release() error {
	t := s.tail
	if t == nil {
		return nil
	}
	s.tail = nil
	for i := range t.lines {
		l := &t.lines[(t.next+i)%len(t.lines)]
		if err := s.emit(&l.e, l.raw, l.d); err != nil {
			return err
		}
	}
	return nil
}

// Selected returns how many lines the Selector selected, whether emitted
// yet or (with KeepLast) dropped.
func (s *Selector) Selected() int { return s.selected }

// out passes a selected line on: emitted at once, or kept by KeepLast.
func (s *Selector) out(e *Event, raw []byte, d *Delivery) error {
	s.selected++
	t := s.tail
	switch {
	case t == nil:
		return s.emit(e, raw, d)
	case t.n == 0:
		return nil
	case len(t.lines) < t.n:
		t.lines = append(t.lines, heldLine{e: *e, raw: clone(raw), d: d})
	default:
		l := &t.lines[t.next]
		l.e, l.raw, l.d = *e, append(l.raw[:0], raw...), d
		t.next = (t.next + 1) % t.n
	}
	return nil
}

// Add takes the next line, parsed into e, and emits what can be emitted.
func (s *Selector) Add(e *Event, raw []byte) error {
	inRange := s.window.Contains(e)
	f := s.f
	if f.IsZero() {
		if inRange {
			return s.out(e, raw, nil)
		}
		return nil
	}
	h, d := s.tracker.Add(e)
	switch e.Kind {
	case KindNewMsg:
		if h != nil && f.byInfo() {
			s.heldNew[e.Msg] = heldLine{e: *e, raw: clone(raw), inRange: inRange}
			return nil
		}
	case KindInfoMsg:
		held, ok := s.heldNew[e.Msg]
		delete(s.heldNew, e.Msg)
		if ok && held.inRange && s.matches(e, h, d) {
			if err := s.out(&held.e, held.raw, nil); err != nil {
				return err
			}
		}
	case KindEndMsg:
		delete(s.heldNew, e.Msg)
	case KindStartDelivery:
		if f.byOutcome() {
			if s.deliveryMatches(h, d) {
				s.holdStart(d, heldLine{e: *e, raw: clone(raw), inRange: inRange})
			}
			return nil
		}
	case KindDelivery:
		held, ok := s.heldStart[d]
		delete(s.heldStart, d)
		if ok && held.inRange && s.matches(e, h, d) {
			if err := s.out(&held.e, held.raw, d); err != nil {
				return err
			}
		}
	case KindStatus:
		if e.Exiting {
			clear(s.heldStart) // those deliveries will never end
		}
	}
	if inRange && s.matches(e, h, d) {
		return s.out(e, raw, d)
	}
	return nil
}

// holdStart keeps a starting delivery line until its result. Deliveries
// whose result was never logged (qmail-send crashed) are dropped when too
// many are held.
func (s *Selector) holdStart(d *Delivery, line heldLine) {
	if len(s.heldStart) >= maxHeldStarts {
		for d := range s.heldStart {
			if d.Lost {
				delete(s.heldStart, d)
			}
		}
	}
	s.heldStart[d] = line
}

// matches applies every filter to one line. A line carries the message
// attributes (ID, qp, sender) if it is about a message, the recipient if it
// is about a delivery, and an outcome if it is a delivery result or a
// bounce; a filter on an attribute the line lacks rejects it.
func (s *Selector) matches(e *Event, h *History, d *Delivery) bool {
	f := s.f
	if (f.IDs != nil || f.byInfo()) && (h == nil || !s.messageMatches(h)) {
		return false
	}
	switch e.Kind {
	case KindStartDelivery:
		return !f.byOutcome() && s.deliveryMatches(h, d)
	case KindDelivery:
		return s.deliveryMatches(h, d) && (!f.byOutcome() || f.Outcomes[e.Outcome])
	case KindBounceMsg, KindTripleBounce:
		return f.Recipients == nil && (!f.byOutcome() || f.Bounce)
	case KindNewMsg, KindInfoMsg, KindEndMsg, KindWarning, KindAlert:
		return f.Recipients == nil && !f.byOutcome()
	}
	return false
}

// messageMatches applies IDs, QPs and Senders to a message.
func (s *Selector) messageMatches(h *History) bool {
	return (s.f.IDs == nil || s.f.IDs[h.ID]) && s.f.matchInfo(h.Info)
}

// deliveryMatches applies the message filters and Recipients to a
// delivery.
func (s *Selector) deliveryMatches(h *History, d *Delivery) bool {
	f := s.f
	if (f.IDs != nil || f.byInfo()) && (h == nil || !s.messageMatches(h)) {
		return false
	}
	return f.Recipients == nil || d != nil && f.Recipients[strings.ToLower(d.Recipient)]
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }

// SelectOptions say which lines [Select] reads and what it does with the
// ones it selects.
type SelectOptions struct {
	Selection *Selection // nil selects every line
	Range     Range      // lines logged from Since to Until
	Parser    *Parser    // nil is the zero Parser
	// Follow keeps reading the lines logged after the existing ones,
	// checking every Interval, until the context is done ([Log.Follow]).
	// Without Range.Since it starts like tail -f: it reads only current
	// and first emits the last Last lines it selects there.
	Follow   bool
	Interval time.Duration
	Last     int
	// Emit receives each selected line ([NewSelector]); an error from it
	// stops Select.
	Emit func(e *Event, raw []byte, d *Delivery) error
	// CaughtUp, if set, is called when Follow has emitted the existing
	// lines and waits for new ones; an error from it stops Select.
	CaughtUp func() error
	// Truncated, if set, is called for the first line longer than
	// MaxLineLength, whose end was dropped.
	Truncated func(Line)
}

// Select reads the lines of log that opts choose, parses them, and emits
// those the selection keeps, in order. It returns how many lines it
// selected (with Last, not all of them were emitted) and the first error
// from the log, Emit or CaughtUp; when ctx is done the error is ctx.Err().
func Select(ctx context.Context, log *Log, opts SelectOptions) (selected int, err error) {
	f, p := opts.Selection, opts.Parser
	if f == nil {
		f = &Selection{}
	}
	if p == nil {
		p = &Parser{}
	}
	sel := NewSelector(f, opts.Range, opts.Emit)
	readOpt := ReadOptions{Since: opts.Range.Since, Until: opts.Range.Until}
	var caughtUpErr error
	var lines iter.Seq2[Line, error]
	if opts.Follow {
		if opts.Range.Since.IsZero() {
			readOpt.CurrentOnly = true
			sel.KeepLast(opts.Last)
		}
		readOpt.OnCaughtUp = func() {
			caughtUpErr = sel.Release()
			if caughtUpErr == nil && opts.CaughtUp != nil {
				caughtUpErr = opts.CaughtUp()
			}
		}
		lines = log.Follow(ctx, readOpt, opts.Interval)
	} else {
		lines = log.Lines(ctx, readOpt)
	}
	truncated := opts.Truncated
	var e Event // one for all lines, so that it is not allocated per line
	for line, lerr := range lines {
		if lerr != nil {
			err = lerr
			break
		}
		if line.Truncated && truncated != nil {
			truncated(line)
			truncated = nil
		}
		e = p.Parse(line.Bytes)
		if err = sel.Add(&e, line.Bytes); err != nil {
			break
		}
		if err = caughtUpErr; err != nil {
			break
		}
	}
	if err == nil {
		err = caughtUpErr // a stream's lines end before it is called
	}
	if rerr := sel.Release(); err == nil {
		err = rerr
	}
	return sel.Selected(), err
}
