package metrics

import (
	"bufio"
	"fmt"
	"io"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/report"
)

// States are the queue states exported in qmail_queue_messages, in the
// order they are written.
var States = []qmailqueue.State{qmailqueue.StatePreprocessed, qmailqueue.StateQueued, qmailqueue.StateWriting, qmailqueue.StateMessOnly, qmailqueue.StateBroken}

// Send is what supervise says about qmail-send, for the qmail_send_*
// gauges.
type Send struct {
	// Supervised is true when the supervisor runs (svok).
	Supervised bool
	// Up and Paused are qmail-send's state under it; Since is when it
	// last went up or down. They count only when Supervised.
	Up, Paused bool
	Since      time.Time
}

// Options says what [Write] exports beside the snapshot.
type Options struct {
	// Lifetime is qmail-send's queuelifetime.
	Lifetime time.Duration
	// Senders is the key of the snapshot's per-sender grouping
	// (report.KeySender or report.KeySenderDomain); zero writes no
	// per-sender series.
	Senders report.Key
	// SenderMin and SenderMax bound the per-sender series: the senders
	// with at least SenderMin messages, at most SenderMax of them.
	SenderMin, SenderMax int
	// Send is qmail-send's state; nil writes no qmail_send_* gauges (not
	// checked, or not readable).
	Send *Send
}

// Write writes the exposition of snap to w: messages by state and
// channel, bouncing messages, bytes, the oldest age, the age histogram,
// the queue lifetime, the per-sender series when asked, qmail-send's state
// when known and how long the scan took. Ages are measured at snap.Now.
func Write(w io.Writer, snap *report.Snapshot, opts Options) error {
	bw := bufio.NewWriter(w)
	p := NewWriter(bw)
	p.Family("qmail_queue_messages", "gauge", "Messages in the qmail queue by state: queued (preprocessed, S5), todo (not yet preprocessed, S4), writing (S3), mess-only (S2), broken (info without mess).")
	for _, st := range States {
		p.Sample("qmail_queue_messages", float64(snap.ByState[st]), "state", st.String())
	}
	p.Family("qmail_queue_messages_pending", "gauge", "Messages with recipients pending on a delivery channel.")
	p.Sample("qmail_queue_messages_pending", float64(snap.LocalPending), "channel", "local")
	p.Sample("qmail_queue_messages_pending", float64(snap.RemotePending), "channel", "remote")
	p.Gauge("qmail_queue_bouncing_messages", "Messages with a bounce report waiting (bounce/ID).", float64(snap.Bouncing))
	p.Gauge("qmail_queue_size_bytes", "Sum of the sizes of the messages in the queue.", float64(snap.Bytes))
	p.Gauge("qmail_queue_oldest_message_age_seconds", "Age of the oldest message (since qmail-send preprocessed it), 0 when the queue is empty.", snap.OldestAge().Truncate(time.Second).Seconds())
	p.Gauge("qmail_queue_lifetime_seconds", "qmail-send's queuelifetime (control/queuelifetime): a message older than this is bounced at its next delivery attempt.", opts.Lifetime.Seconds())
	p.AgeHistogram(snap)
	if opts.Senders != 0 && snap.Senders != nil {
		name, label, what := "qmail_queue_sender_messages", "sender", "sender"
		if opts.Senders == report.KeySenderDomain {
			name, label, what = "qmail_queue_sender_domain_messages", "domain", "sender domain"
		}
		p.Gauge("qmail_queue_senders", "Distinct envelope "+what+"s in the queue.", float64(snap.Senders.Len()))
		p.Family(name, "gauge", fmt.Sprintf("Messages per envelope %s, for the %ss with at least %d messages (at most %d of them).", what, what, opts.SenderMin, opts.SenderMax))
		for _, g := range snap.TopSenders(opts.SenderMin, opts.SenderMax) {
			v := g.Name
			if v == "" {
				v = "<>"
			}
			p.Sample(name, float64(g.Messages), label, v)
		}
	}
	if s := opts.Send; s != nil {
		p.Gauge("qmail_send_supervised", "Whether supervise runs for qmail-send's service (svok).", boolValue(s.Supervised))
		p.Gauge("qmail_send_up", "Whether qmail-send runs under supervise.", boolValue(s.Supervised && s.Up))
		p.Gauge("qmail_send_paused", "Whether qmail-send is paused (svc -p).", boolValue(s.Supervised && s.Paused))
		if s.Supervised {
			p.Gauge("qmail_send_state_seconds", "Seconds since qmail-send last went up or down.", max(snap.Now.Sub(s.Since), 0).Truncate(time.Second).Seconds())
		}
	}
	p.Gauge("qmail_queue_scan_duration_seconds", "How long reading the queue took.", snap.Duration.Seconds())
	return bw.Flush()
}

// boolValue is a boolean gauge's value: 1 for true, 0 for false.
func boolValue(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
