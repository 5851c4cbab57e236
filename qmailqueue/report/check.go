package report

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/qqmail/qq/nagios"
	"github.com/qqmail/qq/qmailqueue"
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

// Check is a queue check as a monitoring plugin makes it (qq check): the
// queue, or the part Filter selects, judged by Limits, and qmail-send's
// state judged too when it was looked at.
type Check struct {
	Limits CheckLimits
	// Senders is what the Sender limit counts per: KeySender or
	// KeySenderDomain.
	Senders Key
	Filter  *qmailqueue.Filter
	Now     time.Time
	Format  CheckFormat
}

// CheckStatus is a check's outcome: the plugin's state (the worst
// finding's), the texts of its status line and its performance data.
type CheckStatus struct {
	State nagios.State
	Texts []string
	Perf  []nagios.Perf
}

// SendState is what a check knows of qmail-send, as the caller read it
// from its supervisor (svc.SendState; report does not import svc).
type SendState struct {
	// Checked is true when its supervisor was looked at; Err is why its
	// state could not be read.
	Checked bool
	Err     error
	// Supervised is true when the supervisor runs; Up and Paused are
	// qmail-send's state under it.
	Supervised, Up, Paused bool
	// Text is the state in words, such as "up 3d04h" or "supervise not
	// running".
	Text string
}

// Run takes a snapshot of q and judges it and send, qmail-send's state: a
// state that could not be read is UNKNOWN, qmail-send down or not
// supervised is CRITICAL, paused is WARNING. With nothing out of bounds
// the texts sum the queue up ([CheckLimits.Summary]) and say how
// qmail-send is.
func (c Check) Run(ctx context.Context, q *qmailqueue.Queue, send SendState) (CheckStatus, error) {
	opts := SnapshotOptions{Now: c.Now, Filter: c.Filter}
	if c.Limits.Sender.IsSet() {
		opts.Senders = c.Senders
	}
	snap, err := TakeSnapshot(ctx, q, opts)
	if err != nil {
		return CheckStatus{}, err
	}
	res := c.Limits.Judge(snap)
	findings := c.Limits.Findings(snap, res, c.Format)
	sendText := "qmail-send " + send.Text
	switch {
	case send.Checked && send.Err != nil:
		// The status line is one line, whatever the error says.
		findings.Add(nagios.Unknown, "qmail-send state unknown: "+strings.ReplaceAll(send.Err.Error(), "\n", " "))
	case send.Checked && (!send.Supervised || !send.Up):
		findings.Add(nagios.Critical, sendText)
	case send.Checked && send.Paused:
		findings.Add(nagios.Warning, sendText)
	}
	status := CheckStatus{State: findings.State(), Texts: findings.Texts(), Perf: c.Limits.Perf(snap, res)}
	if len(status.Texts) == 0 {
		status.Texts = c.Limits.Summary(snap, res, c.Format)
		if send.Checked {
			status.Texts = append(status.Texts, sendText)
		}
	}
	if send.Checked && send.Err == nil {
		up := int64(0)
		if send.Supervised && send.Up {
			up = 1
		}
		status.Perf = append(status.Perf, nagios.Perf{Label: "qmail_send_up", Value: up, Min: "0", Max: "1"})
	}
	return status, nil
}
