package report

import (
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
