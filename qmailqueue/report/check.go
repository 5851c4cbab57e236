package report

import (
	"fmt"
	"strconv"
	"time"

	"github.com/qqmail/qq/nagios"
)

// CheckLimits are the thresholds a queue check judges a [Snapshot] by:
// messages, messages not yet preprocessed, the oldest message's age in
// seconds, bouncing messages, and messages of one sender (the flood
// detector; unset means no flood check).
type CheckLimits struct {
	Messages, Todo, Age, Bouncing, Sender nagios.Threshold
}

// MaxFloodFindings is how many flooding senders a check reports one by
// one; the rest are counted.
const MaxFloodFindings = 3

// CheckResult is a snapshot judged by [CheckLimits]: the state of each
// figure, and the senders that flood.
type CheckResult struct {
	Messages, Todo, Age, Bouncing nagios.State
	// Oldest is the oldest message's age, in whole seconds.
	Oldest time.Duration
	// Flood are the senders with more messages than the lowest Sender
	// limit, largest first, at most MaxFloodFindings, with FloodStates
	// their states; MoreFlood counts the others. Top is the sender with
	// the most messages. All are empty without a Sender limit or without
	// senders in the snapshot.
	Flood       []Group
	FloodStates []nagios.State
	MoreFlood   int
	Top         Group
}

// Judge measures s against the limits.
func (l CheckLimits) Judge(s *Snapshot) CheckResult {
	r := CheckResult{
		Messages: l.Messages.State(float64(s.Messages)),
		Todo:     l.Todo.State(float64(s.NotPreprocessed())),
		Oldest:   s.OldestAge() / time.Second * time.Second,
		Bouncing: l.Bouncing.State(float64(s.Bouncing)),
	}
	r.Age = l.Age.State(r.Oldest.Seconds())
	if !l.Sender.IsSet() {
		return r
	}
	flood := s.TopSenders(int(l.Sender.Lowest())+1, 0)
	if tops := s.TopSenders(1, 1); len(tops) > 0 {
		r.Top = tops[0]
	}
	if len(flood) > MaxFloodFindings {
		r.MoreFlood = len(flood) - MaxFloodFindings
		flood = flood[:MaxFloodFindings]
	}
	r.Flood = flood
	for _, g := range flood {
		r.FloodStates = append(r.FloodStates, l.Sender.State(float64(g.Messages)))
	}
	return r
}

// Perf is the check's performance data for s judged as r: messages,
// messages not preprocessed, the oldest age, bouncing messages, the top
// sender's messages (only with a Sender limit) and bytes, each with its
// limits.
func (l CheckLimits) Perf(s *Snapshot, r CheckResult) []nagios.Perf {
	perf := []nagios.Perf{
		{Label: "messages", Value: int64(s.Messages), Limits: l.Messages, Min: "0"},
		{Label: "todo", Value: int64(s.NotPreprocessed()), Limits: l.Todo, Min: "0"},
		{Label: "oldest", Value: int64(r.Oldest / time.Second), Unit: "s", Limits: l.Age, Min: "0"},
		{Label: "bouncing", Value: int64(s.Bouncing), Limits: l.Bouncing, Min: "0"},
	}
	if l.Sender.IsSet() {
		perf = append(perf, nagios.Perf{Label: "top_sender", Value: int64(r.Top.Messages), Limits: l.Sender, Min: "0"})
	}
	return append(perf, nagios.Perf{Label: "bytes", Value: s.Bytes, Unit: "B", Min: "0"})
}

// CheckFormat writes what a check's status line shows but does not decide:
// ages ("6d00h"), age limits ("5d") and group names as people read them.
type CheckFormat struct {
	Age, AgeLimit func(time.Duration) string
	Name          func(string) string
}

// Findings returns the figures of s out of bounds, each in words, such
// as "6 messages (warning above 4)" or "a@x has 12 messages (critical
// above 10) and 2 more", in the order the status line lists them within
// a state.
func (l CheckLimits) Findings(s *Snapshot, r CheckResult, f CheckFormat) nagios.Findings {
	var found nagios.Findings
	count := func(n float64) string { return strconv.FormatFloat(n, 'f', -1, 64) }
	seconds := func(s float64) string { return f.AgeLimit(time.Duration(s) * time.Second) }
	found.Add(r.Messages, fmt.Sprintf("%s (%s)", plural(s.Messages, "message"), l.Messages.Limit(r.Messages, count)))
	found.Add(r.Todo, fmt.Sprintf("%d not preprocessed (%s)", s.NotPreprocessed(), l.Todo.Limit(r.Todo, count)))
	found.Add(r.Age, fmt.Sprintf("oldest %s (%s)", f.Age(r.Oldest), l.Age.Limit(r.Age, seconds)))
	found.Add(r.Bouncing, fmt.Sprintf("%d bouncing (%s)", s.Bouncing, l.Bouncing.Limit(r.Bouncing, count)))
	for i, g := range r.Flood {
		st := r.FloodStates[i]
		found.Add(st, fmt.Sprintf("%s has %s (%s)", f.Name(g.Name), plural(g.Messages, "message"), l.Sender.Limit(st, count)))
	}
	if r.MoreFlood > 0 {
		found[len(found)-1].Text += fmt.Sprintf(" and %d more", r.MoreFlood)
	}
	return found
}

// Summary returns the words of a status line with nothing out of bounds:
// "6 messages, 1 not preprocessed, oldest 6d00h, 1 bouncing", then, with a
// Sender limit and senders, "top sender NAME N".
func (l CheckLimits) Summary(s *Snapshot, r CheckResult, f CheckFormat) []string {
	text := fmt.Sprintf("%s, %d not preprocessed", plural(s.Messages, "message"), s.NotPreprocessed())
	if !s.Oldest.IsZero() {
		text += ", oldest " + f.Age(r.Oldest)
	}
	texts := []string{text + fmt.Sprintf(", %d bouncing", s.Bouncing)}
	if l.Sender.IsSet() && r.Top.Messages > 0 {
		texts = append(texts, fmt.Sprintf("top sender %s %d", f.Name(r.Top.Name), r.Top.Messages))
	}
	return texts
}

// plural writes a count and a noun, with an s unless the count is 1.
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return strconv.Itoa(n) + " " + noun + "s"
}
