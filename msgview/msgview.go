// Package msgview lays out one queued message for people and programs: the
// text `qq show` prints and `qq browse` shows, and the JSON schema of a
// message (`qq list --format json`, `qq show --format json`).
//
// Every string from the queue and the log is hostile: the text layout
// escapes it for a terminal with termsafe (TextOptions.Terminal), and
// replaces control bytes elsewhere so that each value stays on its line.
// JSON gives the exact bytes, escaped as JSON does.
package msgview

import (
	"context"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/sendlog"
)

// Detail is everything shown about one message.
type Detail struct {
	Msg *qmailqueue.Message
	// Lifetime is the queue's queuelifetime, for the expiry.
	Lifetime time.Duration
	// Bounce is the bounce report of a bouncing message.
	Bounce []qmailqueue.BounceReport
	// Body is the decoded text of the body; nil when it was not read.
	Body *string
	// Attempts are the last delivery attempts from qmail-send's log; nil
	// when no log was read, empty when the log does not mention the
	// message.
	Attempts *[]Attempt
}

// DetailFields are the fields of a message Load reads.
const DetailFields = qmailqueue.FieldSize | qmailqueue.FieldEnvelope | qmailqueue.FieldRecipients | qmailqueue.FieldHeader | qmailqueue.FieldParts

// Load reads what the message view shows of message id: its envelope,
// recipients, headers and MIME structure, its bounce report, and with body
// the decoded text of its body, each file through the queue's safe
// readers. A message not in the queue gives an error wrapping
// qmailqueue.ErrNotFound.
func Load(q *qmailqueue.Queue, id uint64, body bool) (*Detail, error) {
	m, err := q.Message(id, DetailFields)
	if err != nil {
		return nil, err
	}
	d := &Detail{Msg: m, Lifetime: q.Lifetime}
	if d.Bounce, err = q.BounceReports(m); err != nil {
		return nil, err
	}
	if body {
		text, err := q.ReadBody(m)
		if err != nil {
			return nil, err
		}
		d.Body = &text
	}
	return d, nil
}

// Attempt is the last delivery attempt to one recipient, from qmail-send's
// log.
type Attempt struct {
	Channel   string `json:"channel"`
	Recipient string `json:"recipient"`
	Started   string `json:"started"` // as tai64nlocal writes it, in the log's zone
	Outcome   string `json:"outcome"` // success, deferral, failure, or "" while running
	Text      string `json:"text"`
	Lost      bool   `json:"lost"`
}

// attempts converts the log's last deliveries of a message to what the
// view shows, times in loc. It is never nil.
func attempts(last []*sendlog.Delivery, loc *time.Location) []Attempt {
	out := []Attempt{}
	for _, d := range last {
		started, _ := d.Started.AppendLocal(nil, loc)
		out = append(out, Attempt{Channel: d.Channel, Recipient: d.Recipient, Started: string(started),
			Outcome: d.Outcome.String(), Text: d.Text, Lost: d.Lost})
	}
	return out
}

// LastAttempts finds m's history in qmail-send's log (IDs are reused: the
// history whose info line matches m's birth is taken) and returns the last
// attempt to each recipient, times in loc. A message the log does not
// mention has none; that is not an error.
func LastAttempts(ctx context.Context, log *sendlog.Log, loc *time.Location, m *qmailqueue.Message) ([]Attempt, error) {
	last, err := sendlog.LastAttempts(ctx, log, &sendlog.Parser{Location: loc}, m.ID, m.Birth)
	if err != nil {
		return nil, err
	}
	return attempts(last, loc), nil
}
