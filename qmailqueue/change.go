package qmailqueue

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unique"
)

// The change engine: every command that changes messages (qq rm, qq
// expire, and the interactive browser) goes through it in three steps.
//
//  1. [Queue.PlanChange] selects the messages and records the fingerprint
//     of each (docs/queue.md §2, §10 rule 5), with what a person needs to
//     decide: counts by state, bytes, the most frequent senders and
//     subjects.
//  2. The caller presents the plan ([Plan.Summary] for people,
//     [Plan.Report] for scripts) and asks for confirmation; the engine
//     neither prints nor asks.
//  3. [Plan.Apply] carries it out and returns a [ChangeResult] with counts
//     and the outcome of every planned message. A removal runs inside the
//     stop → change → restart cycle, which the caller passes in as a
//     [Cycle] (svc.Maintenance.Run fits), so that qmailqueue does not
//     depend on the supervisor package; an expiry needs no cycle (the
//     mtime of info is the one change safe while qmail-send runs:
//     docs/queue.md §5.4, §10 rule 9). Progress is reported per message
//     through a callback; cancelling the context stops the change after
//     the batch under way.
//
// The cycle is a function the caller passes in rather than a svc type, so
// that the dependency runs one way: svc knows supervisors, qmailqueue knows
// the queue, and the command (or the browser) joins them. The same shape
// serves the other changes: re-injecting quarantined messages
// ([PlanRequeue], then [RequeuePlan.Apply]; qmail-send may run, so no
// cycle) and qq fsck --repair (fsck.Repair, which takes a [Cycle] too and
// saves into the same [Quarantine]).

// ChangeOp is what a change does to each message.
type ChangeOp int

// The changes the engine makes.
const (
	// OpRemove removes the messages (with a quarantine copy unless the
	// caller opts out), qmail-send stopped.
	OpRemove ChangeOp = iota + 1
	// OpExpire makes qmail-send bounce the messages at its next pass,
	// qmail-send running.
	OpExpire
)

// String returns the verb reports use: "removed", "expired".
func (op ChangeOp) String() string {
	switch op {
	case OpRemove:
		return "removed"
	case OpExpire:
		return "expired"
	}
	return "changed"
}

// Verb returns the op's verb as people are asked or told of it: "remove",
// "expire" (as in "refusing to remove 12 messages").
func (op ChangeOp) Verb() string {
	switch op {
	case OpRemove:
		return "remove"
	case OpExpire:
		return "expire"
	}
	return "change"
}

// Gerund returns the op's verb while it runs: "removing", "expiring" (a
// progress bar's label).
func (op ChangeOp) Gerund() string {
	switch op {
	case OpRemove:
		return "removing"
	case OpExpire:
		return "expiring"
	}
	return "changing"
}

// Cycle runs change with qmail-send verified stopped and brings the
// services back afterwards, even on error or cancellation.
// (*svc.Maintenance).Run is one.
type Cycle func(ctx context.Context, change func(context.Context) error) error

// PlanItem is one message of a plan, as it was when the plan was made.
type PlanItem struct {
	Target Target // its size and sender are in Target.Fingerprint
	State  State
	// Bouncing tells whether a bounce report was waiting.
	Bouncing bool
}

// Plan is what a change is about to do: the messages selected, by ID, with
// the fingerprints that are checked again right before each is changed,
// and a summary for people.
type Plan struct {
	Op    ChangeOp
	Items []PlanItem // by ID
	// Bytes is the total size of the selected messages.
	Bytes int64
	// States counts the selected messages by state.
	States map[State]int
	// Bouncing counts those with a bounce report waiting.
	Bouncing int
	// Senders and Subjects count the selected messages by envelope sender
	// and by decoded subject ("(no subject)" when there is none).
	Senders, Subjects Tally
	// Stats are those of the scan that made the plan.
	Stats ScanStats
}

// NoSubject is what a plan counts for a message without a Subject field.
const NoSubject = "(no subject)"

// PlanChange scans the queue for what filter selects and returns the plan
// of op on those messages, reading the fingerprint and the header of each
// (for the subjects shown). A nil filter selects every message.
func (q *Queue) PlanChange(ctx context.Context, op ChangeOp, filter *Filter) (*Plan, error) {
	p := &Plan{Op: op, States: map[State]int{}}
	items := newItemCollector(filter)
	var err error
	p.Stats, err = q.Scan(ctx, ScanOptions{Fields: FieldFingerprint | FieldHeader, Filter: filter}, func(m *Message) error {
		// A flood is many messages with one sender and one subject: the
		// plan keeps one copy of each (unique.Make), not one per message,
		// which is most of a large plan's memory.
		t := TargetOf(m)
		t.Subject = unique.Make(t.Subject).Value()
		t.Fingerprint.Sender = unique.Make(m.Sender).Value()
		items.add(PlanItem{Target: t, State: m.State, Bouncing: m.Bouncing})
		p.Bytes += m.Size
		p.States[m.State]++
		if m.Bouncing {
			p.Bouncing++
		}
		p.Senders.Add("<" + m.Sender + ">")
		subject := NoSubject
		if m.Header != nil && m.Header.Get("Subject") != "" {
			subject = t.Subject
		}
		p.Subjects.Add(subject)
		return nil
	})
	p.Items = items.all()
	slices.SortFunc(p.Items, func(a, b PlanItem) int { return cmp.Compare(a.Target.ID, b.Target.ID) })
	return p, err
}

// planChunk is how many items a plan collects per block while its size is
// not known.
const planChunk = 4096

// itemCollector gathers a plan's items without growing one slice by
// doubling: each growth copies the items into an array 1.25–2 times as
// large while the old one is still in use, and on a large plan the
// garbage collector then counts both as live and lets the heap grow to
// twice that. When the filter bounds the count (the browser's marked
// IDs), the items go into one array of that size; otherwise into blocks
// of planChunk, copied once into an array of the exact size at the end.
type itemCollector struct {
	items  []PlanItem   // the array of known size, or the block being filled
	full   [][]PlanItem // blocks filled
	chunks bool
}

func newItemCollector(filter *Filter) *itemCollector {
	if n, ok := filter.maxMatches(); ok {
		return &itemCollector{items: make([]PlanItem, 0, n)}
	}
	return &itemCollector{chunks: true}
}

func (c *itemCollector) add(it PlanItem) {
	if c.chunks && len(c.items) == cap(c.items) {
		if c.items != nil {
			c.full = append(c.full, c.items)
		}
		c.items = make([]PlanItem, 0, planChunk)
	}
	c.items = append(c.items, it)
}

// all returns the items collected, in the order added.
func (c *itemCollector) all() []PlanItem {
	if len(c.full) == 0 {
		return c.items
	}
	all := make([]PlanItem, 0, len(c.full)*planChunk+len(c.items))
	for i, b := range c.full {
		all = append(all, b...)
		c.full[i] = nil
	}
	return append(all, c.items...)
}

// eachBatch calls fn with the plan's targets, by ID, n at a time, until fn
// returns an error. Apply hands the targets over a batch at a time rather
// than as one copy of the whole plan, which on a large plan would be
// another array as large as the plan.
func (p *Plan) eachBatch(n int, fn func([]Target) error) error {
	targets := make([]Target, 0, min(n, len(p.Items)))
	for start := 0; start < len(p.Items); start += n {
		targets = targets[:0]
		for _, it := range p.Items[start:min(start+n, len(p.Items))] {
			targets = append(targets, it.Target)
		}
		if err := fn(targets); err != nil {
			return err
		}
	}
	return nil
}

// ApplyOptions configures [Plan.Apply].
type ApplyOptions struct {
	// Cycle stops and restarts qmail-send around a removal; required for
	// OpRemove, unused for OpExpire.
	Cycle Cycle
	// Quarantine, when not nil, keeps a copy of every removed message in a
	// new run of it, recording Reason (qq's command line) and mapping local
	// recipients back through Rewrite (nil: none). OpRemove only.
	Quarantine *Quarantine
	// QuarantineDir, when Quarantine is nil, is the quarantine directory
	// Apply opens (and locks) for the change, before the cycle starts: a
	// busy quarantine ([ErrQuarantineBusy]) stops nothing. "" keeps no
	// copy.
	QuarantineDir string
	Reason        string
	Rewrite       *Rewrite
	// Now is the clock that names the quarantine run and dates the
	// expiry; zero means time.Now. The S2/S3 age rule of a removal always
	// compares real atimes with the real clock.
	Now time.Time
	// Started, when set, is called inside the cycle right before the
	// first message is touched (a progress display starts there).
	Started func()
	// Finished, when set, is called once the last message was touched
	// (or the change stopped), inside the cycle before the services come
	// back: a progress display ends there, before the cycle reports on
	// the services.
	Finished func()
	// Progress, when set, is called once per planned message, in order, as
	// its outcome is known.
	Progress func(Result)
	// Batch and BeforeUnlink are passed to [Queue.Remove] (tests).
	Batch        int
	BeforeUnlink func(ids []uint64)
}

// ItemOutcome is what happened to one planned message.
type ItemOutcome struct {
	Outcome Outcome // 0 while not reached (cancelled, or the cycle failed)
	Reason  string
	Err     error
}

// ChangeResult is what [Plan.Apply] did.
type ChangeResult struct {
	Stats
	// Outcomes holds, for each of the plan's items (same index), its
	// outcome.
	Outcomes []ItemOutcome
	// Started tells whether the change began: false when qmail-send could
	// not be stopped, nothing being touched.
	Started bool
	// QuarantineRun is the directory of the quarantine run that holds the
	// removed messages, "" when none was kept.
	QuarantineRun string
}

// Apply carries out the plan on queue q and returns what it did. The error
// is that of the cycle (qmail-send could not be stopped or restarted), of
// the quarantine, of the queue's directories or of ctx; the messages left
// alone (changed, vanished, refused, failed) are in the result, not the
// error. The result is never nil.
func (p *Plan) Apply(ctx context.Context, q *Queue, opts ApplyOptions) (*ChangeResult, error) {
	res := &ChangeResult{Outcomes: make([]ItemOutcome, len(p.Items))}
	now := opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	// Results come once per target, in the plan's order (by ID): the next
	// one belongs to the first item at or after next with its ID.
	next := 0
	record := func(r Result) {
		res.Stats.add(r)
		for next < len(p.Items) && p.Items[next].Target.ID != r.Target.ID {
			next++
		}
		if next < len(p.Items) {
			res.Outcomes[next] = ItemOutcome{Outcome: r.Outcome, Reason: r.Reason, Err: r.Err}
			next++
		}
		if opts.Progress != nil {
			opts.Progress(r)
		}
	}
	switch p.Op {
	case OpExpire:
		res.Started = true
		if opts.Started != nil {
			opts.Started()
		}
		err := p.eachBatch(DefaultBatch, func(targets []Target) error {
			_, err := q.Expire(ctx, targets, now, record)
			return err
		})
		if opts.Finished != nil {
			opts.Finished()
		}
		return res, err
	case OpRemove:
		if opts.Cycle == nil {
			return res, errors.New("remove: no stop → change → restart cycle given")
		}
		if opts.Quarantine == nil && opts.QuarantineDir != "" {
			z, err := OpenQuarantine(opts.QuarantineDir)
			if err != nil {
				return res, err
			}
			defer z.Close()
			opts.Quarantine = z
		}
		err := opts.Cycle(ctx, func(ctx context.Context) (err error) {
			res.Started = true
			ropts := RemoveOptions{Batch: opts.Batch, BeforeUnlink: opts.BeforeUnlink}
			if opts.Quarantine != nil {
				run, err := opts.Quarantine.NewRun(opts.Reason, opts.Rewrite, now)
				if err != nil {
					return err
				}
				ropts.Quarantine = run
				defer func() {
					err = errors.Join(err, run.Close())
					if run.Count() > 0 {
						res.QuarantineRun = run.Dir()
					}
				}()
			}
			if opts.Started != nil {
				opts.Started()
			}
			if opts.Finished != nil {
				defer opts.Finished()
			}
			batch := ropts.Batch
			if batch <= 0 {
				batch = DefaultBatch
			}
			return p.eachBatch(batch, func(targets []Target) error {
				_, err := q.Remove(ctx, targets, ropts, record)
				return err
			})
		})
		return res, err
	}
	return res, errors.New("unknown change")
}

// Tally counts values, keeping at most MaxDistinct of them apart so that a
// queue of a million different senders cannot grow it without bound.
type Tally struct {
	counts map[string]int
	// Other counts the values not kept apart.
	Other int
}

// MaxDistinct bounds the distinct values a [Tally] keeps.
const MaxDistinct = 10000

// Add counts v once.
func (c *Tally) Add(v string) {
	if c.counts == nil {
		c.counts = map[string]int{}
	}
	if _, ok := c.counts[v]; !ok && len(c.counts) >= MaxDistinct {
		c.Other++
		return
	}
	c.counts[v]++
}

// Distinct returns how many different values were counted (every value
// beyond MaxDistinct counted as different).
func (c *Tally) Distinct() int { return len(c.counts) + c.Other }

// Counted is one value of a [Tally] with its count.
type Counted struct {
	Value string
	Count int
}

// Top returns the n most frequent values, most frequent first, ties by
// value.
func (c *Tally) Top(n int) []Counted {
	all := make([]Counted, 0, len(c.counts))
	for v, k := range c.counts {
		all = append(all, Counted{v, k})
	}
	slices.SortFunc(all, func(a, b Counted) int {
		return cmp.Or(cmp.Compare(b.Count, a.Count), strings.Compare(a.Value, b.Value))
	})
	if len(all) > n {
		all = all[:n]
	}
	return all
}
