package main

import (
	"strings"
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/termsafe"
)

// messageJSON is the stable JSON schema of one message, shared by
// `qq list --format json` (one per line) and `qq show --format json`. It is
// documented in README.md; add fields, never rename or remove them.
type messageJSON struct {
	ID         uint64          `json:"id"`
	Split      int             `json:"split"`
	State      string          `json:"state"`
	StateCode  string          `json:"state_code"`
	Birth      string          `json:"birth"`
	AgeSeconds int64           `json:"age_seconds"`
	Size       int64           `json:"size"`
	Sender     string          `json:"sender"`
	Recipients []recipientJSON `json:"recipients"`
	Bouncing   bool            `json:"bouncing"`
	NextRetry  *string         `json:"next_retry"`
	ExpiresAt  string          `json:"expires_at"`
	QP         string          `json:"qp,omitempty"`
	UID        string          `json:"uid,omitempty"`
	Headers    *headersJSON    `json:"headers,omitempty"`
	Problems   []string        `json:"problems"`

	// NextRetryEstimated is set while qmail-send runs (see nextRetryEstimated).
	NextRetryEstimated bool `json:"next_retry_estimated,omitempty"`
}

type recipientJSON struct {
	Address string `json:"address"`
	Channel string `json:"channel"`
	Done    bool   `json:"done"`
}

// headersJSON holds the decoded headers qq reports; absent headers are "".
type headersJSON struct {
	Subject   string `json:"subject"`
	From      string `json:"from"`
	To        string `json:"to"`
	Cc        string `json:"cc"`
	Date      string `json:"date"`
	MessageID string `json:"message_id"`
}

func rfc3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// newMessageJSON converts a scanned message to its JSON view.
func newMessageJSON(m *qmailqueue.Message, q *qmailqueue.Queue, now time.Time) messageJSON {
	v := messageJSON{
		ID: m.ID, Split: m.Split, State: m.State.String(), StateCode: m.State.Code(),
		Birth: rfc3339(m.Birth), AgeSeconds: int64(now.Sub(m.Birth) / time.Second), Size: m.Size,
		Sender: m.Sender, Recipients: []recipientJSON{}, Bouncing: m.Bouncing,
		ExpiresAt: rfc3339(m.Expires(q.Lifetime)), QP: m.QP, UID: m.UID, Problems: []string{},
	}
	for _, r := range m.Recipients {
		v.Recipients = append(v.Recipients, recipientJSON{Address: r.Address, Channel: r.Channel.String(), Done: r.Done})
	}
	if next, ok := m.NextRetry(now); ok {
		s := rfc3339(next)
		v.NextRetry = &s
	}
	if h := m.Header; h != nil {
		v.Headers = &headersJSON{Subject: h.Subject(), From: h.Get("From"), To: h.Get("To"), Cc: h.Get("Cc"),
			Date: h.Get("Date"), MessageID: h.Get("Message-Id")}
	}
	for _, p := range m.Problems {
		v.Problems = append(v.Problems, p.String())
	}
	return v
}

// flags is the compact state column of listings: T not yet preprocessed,
// W being written or orphaned (S2/S3), X broken, L/R recipients pending on
// the local/remote channel, B bouncing, ! a problem with a file.
func flags(m *qmailqueue.Message) string {
	var b strings.Builder
	switch m.State {
	case qmailqueue.StateQueued:
		b.WriteByte('T')
	case qmailqueue.StateMessOnly, qmailqueue.StateWriting:
		b.WriteByte('W')
	case qmailqueue.StateBroken:
		b.WriteByte('X')
	}
	if m.PendingOn(qmailqueue.ChannelLocal) || (m.Recipients == nil && m.LocalFile) {
		b.WriteByte('L')
	}
	if m.PendingOn(qmailqueue.ChannelRemote) || (m.Recipients == nil && m.RemoteFile) {
		b.WriteByte('R')
	}
	if m.Bouncing {
		b.WriteByte('B')
	}
	if len(m.Problems) > 0 {
		b.WriteByte('!')
	}
	if b.Len() == 0 {
		return "-"
	}
	return b.String()
}

// angle returns the sender the way qmail prints it: <addr>, <> for null.
func angle(s string) string { return "<" + s + ">" }

// printable replaces bytes outside 32..126 with _, as qmail-qread does, so
// that a hostile address cannot send escape sequences to a terminal.
func printable(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] < 32 || s[i] > 126 {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] < 32 || b[j] > 126 {
					b[j] = '_'
				}
			}
			return string(b)
		}
	}
	return s
}

// printableText keeps UTF-8 text (decoded subjects) but replaces control
// characters with _, so that a value stays one field of one line in the
// tab-separated formats. On a terminal, escaper.field shows them instead.
func printableText(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 32 || r == 127 || (r >= 0x80 && r < 0xa0) {
			return '_'
		}
		return r
	}, s)
}

// escaper prepares text from the queue, the log and control files (any
// sender, any qmail user can put bytes there) for human output. On a
// terminal (true) it goes through termsafe, which shows control bytes, ESC,
// DEL and invalid UTF-8 as visible escapes instead of letting the terminal
// act on them; elsewhere the bytes are written as they are (field keeps the
// one-line guarantee of the tab-separated formats). --raw and JSON never go
// through it: they are byte-exact, JSON escaping as JSON does.
type escaper bool

// esc returns the escaper for standard output.
func (a *app) esc() escaper { return escaper(a.stdoutTTY) }

// field prepares one value shown on one line or in one table cell.
func (tty escaper) field(s string) string {
	if tty {
		return termsafe.Line(s)
	}
	return printableText(s)
}

// line prepares one line of text on a terminal and leaves it as it is
// elsewhere.
func (tty escaper) line(s string) string {
	if tty {
		return termsafe.Line(s)
	}
	return s
}

// text prepares multi-line text (a message body): tabs and newlines kept.
func (tty escaper) text(s string) string {
	if tty {
		return termsafe.Text(s)
	}
	return s
}

// appendLine appends one line read from a log or a control file, without its
// newline: on a terminal escaped, otherwise byte for byte.
func appendLine[T string | []byte](tty escaper, dst []byte, line T) []byte {
	if tty {
		return append(dst, termsafe.Line(string(line))...)
	}
	return append(dst, line...)
}
