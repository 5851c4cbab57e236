package sendlog

import (
	"context"
	"time"

	"github.com/qqmail/qq/tai64n"
)

// This file defines the JSON forms of sendlog's results: the schema of
// qq log, qq log trace and qq log summary with --format json, and of the
// last_attempts of qq show. Each is defined once, here, beside the type
// it describes. Times are RFC 3339 UTC with nanoseconds ("" when unknown),
// keys are snake_case, and lists are [] rather than null.

// LineView is one line of qq log --format json.
type LineView struct {
	Time      string  `json:"time,omitempty"`
	Kind      string  `json:"kind"`
	Msg       uint64  `json:"msg,omitempty"`
	Delivery  uint64  `json:"delivery,omitempty"`
	Sender    *string `json:"sender,omitempty"` // info msg lines; "" for bounces
	QP        uint64  `json:"qp,omitempty"`
	Bytes     uint64  `json:"bytes,omitempty"`
	Channel   string  `json:"channel,omitempty"`
	Recipient string  `json:"recipient,omitempty"`
	Outcome   string  `json:"outcome,omitempty"`
	Text      string  `json:"text,omitempty"`
	Line      string  `json:"line"`
}

// NewLineView returns the JSON form of a line a [Selector] emitted; d,
// the line's delivery if any, gives a delivery result its message and
// recipient.
func NewLineView(e *Event, d *Delivery) LineView {
	v := LineView{Kind: e.Kind.String(), Msg: e.Msg, Delivery: e.Delivery, Bytes: e.Bytes, QP: e.QP,
		Channel: e.Channel, Recipient: e.Recipient, Outcome: e.Outcome.String(), Text: e.Text, Line: e.Line}
	if e.HasStamp {
		v.Time = e.Stamp.Time().Format(time.RFC3339Nano)
	}
	if e.Kind == KindInfoMsg {
		v.Sender = &e.Sender
	}
	if d != nil {
		v.Msg, v.Channel, v.Recipient = d.Msg, d.Channel, d.Recipient
	}
	return v
}

// HistoryView is one history in qq log trace --format json.
type HistoryView struct {
	ID           uint64          `json:"id"`
	Start        string          `json:"start,omitempty"`
	Partial      bool            `json:"partial"`
	State        string          `json:"state"` // "ended", "queued" or "superseded"
	End          string          `json:"end,omitempty"`
	Info         *InfoView       `json:"info"`
	Deliveries   []DeliveryView  `json:"deliveries"`
	Bounces      []BounceView    `json:"bounces"`
	TripleBounce bool            `json:"triple_bounce"`
	Warnings     int             `json:"warnings"`
	LastAttempts []DeliveryView  `json:"last_attempts"`
	Lines        []TraceLineView `json:"lines"`
}

// InfoView is the info msg line of a [HistoryView].
type InfoView struct {
	Time   string `json:"time,omitempty"`
	Bytes  uint64 `json:"bytes"`
	Sender string `json:"sender"`
	QP     uint64 `json:"qp"`
	UID    uint64 `json:"uid"`
}

// DeliveryView is one delivery attempt of a [HistoryView].
type DeliveryView struct {
	Number    uint64 `json:"number"`
	Channel   string `json:"channel"`
	Recipient string `json:"recipient"`
	Started   string `json:"started,omitempty"`
	Outcome   string `json:"outcome"` // success, deferral, failure, running or lost
	Finished  string `json:"finished,omitempty"`
	Text      string `json:"text"`
}

// BounceView is a bounce msg line of a [HistoryView].
type BounceView struct {
	Time string `json:"time,omitempty"`
	QP   uint64 `json:"qp"`
}

// TraceLineView is one log line of a [HistoryView].
type TraceLineView struct {
	Time string `json:"time,omitempty"`
	Line string `json:"line"`
}

// State names where the history stands: "ended" (its end msg was seen),
// "superseded" (a new msg for the ID came first) or "queued".
func (h *History) State() string {
	switch {
	case h.Ended:
		return "ended"
	case h.Superseded:
		return "superseded"
	}
	return "queued"
}

// NewHistoryView returns the JSON form of h.
func NewHistoryView(h *History) HistoryView {
	v := HistoryView{ID: h.ID, Start: jsonTime(h.Start), Partial: h.Partial, State: h.State(),
		TripleBounce: h.TripleBounce, Warnings: h.Warnings,
		Deliveries: []DeliveryView{}, Bounces: []BounceView{}, LastAttempts: []DeliveryView{}, Lines: []TraceLineView{}}
	if h.Ended {
		v.End = jsonTime(h.End)
	}
	if i := h.Info; i != nil {
		v.Info = &InfoView{Time: jsonTime(i.At), Bytes: i.Bytes, Sender: i.Sender, QP: i.QP, UID: i.UID}
	}
	for _, d := range h.Deliveries {
		v.Deliveries = append(v.Deliveries, newDeliveryView(d))
	}
	for _, d := range h.LastAttempts() {
		v.LastAttempts = append(v.LastAttempts, newDeliveryView(d))
	}
	for _, b := range h.Bounces {
		v.Bounces = append(v.Bounces, BounceView{Time: jsonTime(b.At), QP: b.QP})
	}
	for _, e := range h.Events {
		lv := TraceLineView{Line: e.Line}
		if e.HasStamp {
			lv.Time = jsonTime(e.Stamp)
		}
		v.Lines = append(v.Lines, lv)
	}
	return v
}

func newDeliveryView(d *Delivery) DeliveryView {
	v := DeliveryView{Number: d.Number, Channel: d.Channel, Recipient: d.Recipient, Started: jsonTime(d.Started),
		Outcome: d.Outcome.String(), Finished: jsonTime(d.Finished), Text: d.Text}
	if !d.Done() {
		v.Outcome = "running"
		if d.Lost {
			v.Outcome = "lost"
		}
	}
	return v
}

// SummaryView is qq log summary --format json.
type SummaryView struct {
	First           string            `json:"first,omitempty"`
	Last            string            `json:"last,omitempty"`
	Lines           int               `json:"lines"`
	Messages        int               `json:"messages"`
	Bytes           uint64            `json:"bytes"`
	Ended           int               `json:"ended"`
	Bounces         int               `json:"bounces"`
	TripleBounces   int               `json:"triple_bounces"`
	Attempts        int               `json:"attempts"`
	Successes       int               `json:"successes"`
	Failures        int               `json:"failures"`
	Deferrals       int               `json:"deferrals"`
	Warnings        int               `json:"warnings"`
	Alerts          int               `json:"alerts"`
	OtherLines      int               `json:"other_lines"`
	FailureReasons  []ReasonCountView `json:"failure_reasons"`
	DeferralReasons []ReasonCountView `json:"deferral_reasons"`
	DeferralDomains []DomainCountView `json:"deferral_domains"`
	Delays          DelaysView        `json:"delays"`
	Senders         []SenderCountView `json:"senders"`
}

// ReasonCountView is a delivery report and how often it occurred.
type ReasonCountView struct {
	Count  int    `json:"count"`
	Reason string `json:"reason"`
}

// DomainCountView is a recipient domain and how many deferrals it had.
type DomainCountView struct {
	Count  int    `json:"count"`
	Domain string `json:"domain"`
}

// DelaysView gives [Delays] in seconds.
type DelaysView struct {
	Deliveries int     `json:"deliveries"`
	Mean       float64 `json:"mean_seconds"`
	P50        float64 `json:"p50_seconds"`
	P90        float64 `json:"p90_seconds"`
	P95        float64 `json:"p95_seconds"`
	P99        float64 `json:"p99_seconds"`
	Max        float64 `json:"max_seconds"`
}

// SenderCountView is the JSON form of a [SenderCount].
type SenderCountView struct {
	Sender     string `json:"sender"`
	Messages   int    `json:"messages"`
	Bytes      uint64 `json:"bytes"`
	Recipients int    `json:"recipients"`
}

// NewSummaryView returns the JSON form of s.
func NewSummaryView(s Summary) SummaryView {
	v := SummaryView{Lines: s.Lines, Messages: s.Messages, Bytes: s.Bytes, Ended: s.Ended, Bounces: s.Bounces,
		TripleBounces: s.TripleBounces, Attempts: s.Attempts, Successes: s.Successes, Failures: s.Failures,
		Deferrals: s.Deferrals, Warnings: s.Warnings, Alerts: s.Alerts, OtherLines: s.Other,
		FailureReasons: []ReasonCountView{}, DeferralReasons: []ReasonCountView{},
		DeferralDomains: []DomainCountView{}, Senders: []SenderCountView{}}
	if s.HasTimes {
		v.First, v.Last = jsonTime(s.First), jsonTime(s.Last)
	}
	for _, c := range s.FailureReasons {
		v.FailureReasons = append(v.FailureReasons, ReasonCountView{Count: c.N, Reason: c.Key})
	}
	for _, c := range s.DeferralReasons {
		v.DeferralReasons = append(v.DeferralReasons, ReasonCountView{Count: c.N, Reason: c.Key})
	}
	for _, c := range s.DeferralDomains {
		v.DeferralDomains = append(v.DeferralDomains, DomainCountView{Count: c.N, Domain: c.Key})
	}
	for _, snd := range s.Senders {
		v.Senders = append(v.Senders, SenderCountView(snd))
	}
	d := s.Delays
	v.Delays = DelaysView{Deliveries: d.N, Mean: d.Mean.Seconds(), P50: d.P50.Seconds(), P90: d.P90.Seconds(),
		P95: d.P95.Seconds(), P99: d.P99.Seconds(), Max: d.Max.Seconds()}
	return v
}

// Attempt is the last delivery attempt to one recipient as qq show and
// the queue browser report it (qq show's last_attempts in JSON).
type Attempt struct {
	Channel   string `json:"channel"`
	Recipient string `json:"recipient"`
	// Started is when the attempt started, in the local time of the
	// Parser's Location, as tai64nlocal prints it.
	Started string `json:"started"`
	Outcome string `json:"outcome"` // success, deferral, failure, or "" while running
	Text    string `json:"text"`
	Lost    bool   `json:"lost"`
}

// MessageAttempts is [LastAttempts] in the form qq show and the browser
// give it: the last attempt to each recipient of message id born at birth,
// with times in p's Location (UTC for a nil p). It returns an empty, non-nil
// slice for a message the log does not mention.
func MessageAttempts(ctx context.Context, log *Log, p *Parser, id uint64, birth time.Time) ([]Attempt, error) {
	if p == nil {
		p = &Parser{}
	}
	last, err := LastAttempts(ctx, log, p, id, birth)
	if err != nil {
		return nil, err
	}
	loc := p.Location
	if loc == nil {
		loc = time.UTC
	}
	attempts := []Attempt{}
	for _, d := range last {
		started, _ := d.Started.AppendLocal(nil, loc)
		attempts = append(attempts, Attempt{Channel: d.Channel, Recipient: d.Recipient, Started: string(started),
			Outcome: d.Outcome.String(), Text: d.Text, Lost: d.Lost})
	}
	return attempts, nil
}

// jsonTime formats a label as RFC 3339 UTC, or "" for the zero label.
func jsonTime(l tai64n.Label) string {
	if l.IsZero() {
		return ""
	}
	return l.Time().Format(time.RFC3339Nano)
}
