package qmailqueue

import (
	"fmt"
	"strconv"
	"strings"
)

// What a plan and its result say to people and to scripts: the summary a
// person reads before confirming a change ([Plan.Summary], in words
// [Plan.SummaryLines]), the line a
// change ends with ([ChangeResult.Summary]), the warnings about the
// messages it left alone ([ChangeResult.Warnings]) and the JSON report of
// the change ([ChangeReport]), the one schema of qq rm and qq expire
// --format json.

// States lists the message states in the order reports show them: the
// states of a sound queue from the most advanced down, then broken.
var States = []State{StatePreprocessed, StateQueued, StateWriting, StateMessOnly, StateBroken}

// StateCount is how many messages of a plan are in one state.
type StateCount struct {
	State State
	Count int
}

// TopValues are the most frequent values of a [Tally]; Others counts the
// messages whose value is not among them.
type TopValues struct {
	Top    []Counted
	Others int
}

// PlanSummary is what a person reads before confirming a change, beyond
// the plan's totals (len(Items), Bytes, Bouncing).
type PlanSummary struct {
	// States are the states that have selected messages, in [States]
	// order.
	States []StateCount
	// Senders and Subjects are the most frequent envelope senders and
	// subjects.
	Senders, Subjects TopValues
	// IDs are the first IDs of the plan (by ID); More tells whether it
	// selects others.
	IDs  []uint64
	More bool
}

// Summary returns the plan's summary with at most sample senders,
// subjects and IDs.
func (p *Plan) Summary(sample int) PlanSummary {
	var s PlanSummary
	for _, st := range States {
		if n := p.States[st]; n > 0 {
			s.States = append(s.States, StateCount{st, n})
		}
	}
	s.Senders = p.Senders.topOf(len(p.Items), sample)
	s.Subjects = p.Subjects.topOf(len(p.Items), sample)
	for _, it := range p.Items[:min(max(sample, 0), len(p.Items))] {
		s.IDs = append(s.IDs, it.Target.ID)
	}
	s.More = len(p.Items) > len(s.IDs)
	return s
}

// SummaryLines is the plan's summary in words, a line each, indented by
// two spaces under the heading a front end writes (qq rm's "to remove: 5 messages,
// 3.4 KiB", the browser's question):
//
//	states:    5 queued (S5)
//	bouncing:  1
//	senders:   3  <news@spammer.example>
//	           2  (others)
//	subjects:  …
//	IDs:       1001 1002 … (2 of 5)
//
// with at most sample senders, subjects and IDs ([Plan.Summary]); the
// bouncing line only when some are. Senders and subjects are raw:
// cleanSender and cleanSubject make them safe to show.
func (p *Plan) SummaryLines(sample int, cleanSender, cleanSubject func(string) string) []string {
	sum := p.Summary(sample)
	var states []string
	for _, s := range sum.States {
		states = append(states, fmt.Sprintf("%d %s (%s)", s.Count, s.State, s.State.Code()))
	}
	lines := []string{"  states:    " + strings.Join(states, ", ")}
	if p.Bouncing > 0 {
		lines = append(lines, fmt.Sprintf("  bouncing:  %d", p.Bouncing))
	}
	lines = sum.Senders.appendLines(lines, "senders:  ", cleanSender)
	lines = sum.Subjects.appendLines(lines, "subjects: ", cleanSubject)
	if len(sum.IDs) > 0 {
		var ids []string
		for _, id := range sum.IDs {
			ids = append(ids, strconv.FormatUint(id, 10))
		}
		more := ""
		if sum.More {
			more = fmt.Sprintf(" … (%d of %d)", len(sum.IDs), len(p.Items))
		}
		lines = append(lines, "  IDs:       "+strings.Join(ids, " ")+more)
	}
	return lines
}

// appendLines appends the values of t to lines, one a line with its count
// right-aligned, the first after label, then the count of the others.
func (t TopValues) appendLines(lines []string, label string, clean func(string) string) []string {
	if len(t.Top) == 0 {
		return lines
	}
	width := len(strconv.Itoa(t.Top[0].Count))
	for i, v := range t.Top {
		prefix := "             "
		if i == 0 {
			prefix = "  " + label + " "
		}
		lines = append(lines, fmt.Sprintf("%s%*d  %s", prefix, width, v.Count, clean(v.Value)))
	}
	if t.Others > 0 {
		lines = append(lines, fmt.Sprintf("             %*d  (others)", width, t.Others))
	}
	return lines
}

// topOf returns the n most frequent values of c, which counted total
// values.
func (c *Tally) topOf(total, n int) TopValues {
	t := TopValues{Top: c.Top(n), Others: total}
	for _, v := range t.Top {
		t.Others -= v.Count
	}
	return t
}

// Reached returns how many messages the change reached, whatever their
// outcome.
func (s Stats) Reached() int { return s.Done + s.Changed + s.Vanished + s.Refused + s.Failed }

// LeftAlone reports whether a message with outcome o was reached and left
// in the queue as it was (changed since the plan, refused or failed):
// those are the ones a person is warned about.
func (o Outcome) LeftAlone() bool { return o != 0 && o != Done && o != Vanished }

// Summary is the one line a change of plan p ends with, for people and
// for logs, e.g. "removed 3 of 4 messages (12.0 KiB); 1 refused; kept in
// DIR": what was done, what was left alone, by outcome, and the
// quarantine run that holds the removed messages.
func (r *ChangeResult) Summary(p *Plan) string {
	s := r.Stats
	var left []string
	for _, part := range []struct {
		n    int
		what string
	}{{s.Changed, "changed since the plan"}, {s.Vanished, "already gone"}, {s.Refused, "refused"}, {s.Failed, "failed"}} {
		if part.n > 0 {
			left = append(left, fmt.Sprintf("%d %s", part.n, part.what))
		}
	}
	line := fmt.Sprintf("%s %d of %d messages (%s)", p.Op, s.Done, len(p.Items), FormatSize(s.Bytes))
	if len(left) > 0 {
		line += "; " + strings.Join(left, ", ")
	}
	if r.QuarantineRun != "" && s.Done > 0 {
		line += "; kept in " + r.QuarantineRun
	}
	return line
}

// Err returns the error a change of plan p ends with when messages
// failed, e.g. "3 messages could not be removed"; nil when none did
// (messages refused, changed or gone meanwhile are not failures).
func (r *ChangeResult) Err(p *Plan) error {
	if r.Failed == 0 {
		return nil
	}
	return fmt.Errorf("%d messages could not be %s", r.Failed, p.Op)
}

// Interrupted is the line a change of plan p stopped part way ends with
// instead of [ChangeResult.Summary], e.g. "interrupted after 812 of 20000
// messages; services restored; the rest untouched"; note, when not empty,
// says what became of the services.
func (r *ChangeResult) Interrupted(p *Plan, note string) string {
	line := fmt.Sprintf("interrupted after %d of %d messages", r.Reached(), len(p.Items))
	if note != "" {
		line += "; " + note
	}
	return line + "; the rest untouched"
}

// Warnings returns one line for each of the first limit messages of plan p
// the change reached and left alone ([Outcome.LeftAlone]), in the plan's
// order, e.g. "1234 not removed: changed since the plan", with the error
// when there is one; more counts the others left alone.
func (r *ChangeResult) Warnings(p *Plan, limit int) (lines []string, more int) {
	for i, o := range r.Outcomes {
		if !o.Outcome.LeftAlone() {
			continue
		}
		if len(lines) == limit {
			more++
			continue
		}
		line := fmt.Sprintf("%d not %s: %s", p.Items[i].Target.ID, p.Op, o.Reason)
		if o.Err != nil {
			line += ": " + o.Err.Error()
		}
		lines = append(lines, line)
	}
	return lines, more
}

// ChangeReport is the JSON report of a change: one object, with every
// planned message and, once the change ran, its outcome.
type ChangeReport struct {
	Command       string                `json:"command"`
	DryRun        bool                  `json:"dry_run"`
	Selected      int                   `json:"selected"`
	SelectedBytes int64                 `json:"selected_bytes"`
	Done          int                   `json:"done"`
	DoneBytes     int64                 `json:"done_bytes"`
	Changed       int                   `json:"changed"`
	Vanished      int                   `json:"vanished"`
	Refused       int                   `json:"refused"`
	Failed        int                   `json:"failed"`
	Quarantine    *string               `json:"quarantine"`
	Messages      []ChangeReportMessage `json:"messages"`
}

// ChangeReportMessage is one message of a [ChangeReport]. Outcome is
// planned (a dry run, or not reached), done, changed, vanished, refused or
// failed.
type ChangeReportMessage struct {
	ID      uint64 `json:"id"`
	Size    int64  `json:"size"`
	Sender  string `json:"sender"`
	Subject string `json:"subject"`
	Outcome string `json:"outcome"`
	Reason  string `json:"reason,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Report starts the JSON report of the plan, every message planned;
// command names the command ("rm", "expire").
func (p *Plan) Report(command string, dryRun bool) *ChangeReport {
	r := &ChangeReport{Command: command, DryRun: dryRun, Selected: len(p.Items), SelectedBytes: p.Bytes,
		Messages: make([]ChangeReportMessage, len(p.Items))}
	for i, it := range p.Items {
		r.Messages[i] = ChangeReportMessage{ID: it.Target.ID, Size: it.Target.Fingerprint.Size, Sender: it.Target.Fingerprint.Sender, Subject: it.Target.Subject, Outcome: "planned"}
	}
	return r
}

// Record adds what the change did (res, from [Plan.Apply] on the plan the
// report was made of): the counts, each reached message's outcome, and
// the quarantine run when it holds removed messages.
func (r *ChangeReport) Record(res *ChangeResult) {
	s := res.Stats
	r.Done, r.DoneBytes, r.Changed = s.Done, s.Bytes, s.Changed
	r.Vanished, r.Refused, r.Failed = s.Vanished, s.Refused, s.Failed
	for i, o := range res.Outcomes {
		if o.Outcome == 0 {
			continue
		}
		m := &r.Messages[i]
		m.Outcome, m.Reason = o.Outcome.String(), o.Reason
		if o.Err != nil {
			m.Error = o.Err.Error()
		}
	}
	if res.QuarantineRun != "" && res.Done > 0 {
		run := res.QuarantineRun
		r.Quarantine = &run
	}
}
