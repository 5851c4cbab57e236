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
	// Attempts are the last delivery attempts from qmail-send's log
	// (sendlog.MessageAttempts); nil when no log was read, empty when the
	// log does not mention the message.
	Attempts *[]sendlog.Attempt
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
