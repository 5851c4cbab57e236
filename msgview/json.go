package msgview

import (
	"time"

	"github.com/qqmail/qq/qmailqueue"
	"github.com/qqmail/qq/qmailqueue/sendlog"
)

// MessageJSON is the stable JSON schema of one message, shared by
// `qq list --format json` (one per line) and `qq show --format json`. It is
// documented in README.md; add fields, never rename or remove them.
type MessageJSON struct {
	ID         uint64          `json:"id"`
	Split      int             `json:"split"`
	State      string          `json:"state"`
	StateCode  string          `json:"state_code"`
	Birth      string          `json:"birth"`
	AgeSeconds int64           `json:"age_seconds"`
	Size       int64           `json:"size"`
	Sender     string          `json:"sender"`
	Recipients []RecipientJSON `json:"recipients"`
	Bouncing   bool            `json:"bouncing"`
	NextRetry  *string         `json:"next_retry"`
	ExpiresAt  string          `json:"expires_at"`
	QP         string          `json:"qp,omitempty"`
	UID        string          `json:"uid,omitempty"`
	Headers    *HeadersJSON    `json:"headers,omitempty"`
	Problems   []string        `json:"problems"`

	// NextRetryEstimated is set while qmail-send runs: it keeps the
	// retry times in memory, so the value computed from the files is an
	// estimate (docs/queue.md §5.1).
	NextRetryEstimated bool `json:"next_retry_estimated,omitempty"`
}

// RecipientJSON is one recipient of a message.
type RecipientJSON struct {
	Address string `json:"address"`
	Channel string `json:"channel"`
	Done    bool   `json:"done"`
}

// HeadersJSON holds the decoded headers qq reports; absent headers are "".
type HeadersJSON struct {
	Subject   string `json:"subject"`
	From      string `json:"from"`
	To        string `json:"to"`
	Cc        string `json:"cc"`
	Date      string `json:"date"`
	MessageID string `json:"message_id"`
}

// RFC3339 writes t in UTC as the JSON schemas do.
func RFC3339(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// NewMessageJSON converts a scanned message to its JSON view, in a queue
// of the given lifetime; estimated marks a next retry as an estimate.
func NewMessageJSON(m *qmailqueue.Message, lifetime time.Duration, now time.Time, estimated bool) MessageJSON {
	v := MessageJSON{
		ID: m.ID, Split: m.Split, State: m.State.String(), StateCode: m.State.Code(),
		Birth: RFC3339(m.Birth), AgeSeconds: int64(now.Sub(m.Birth) / time.Second), Size: m.Size,
		Sender: m.Sender, Recipients: []RecipientJSON{}, Bouncing: m.Bouncing,
		ExpiresAt: RFC3339(m.Expires(lifetime)), QP: m.QP, UID: m.UID, Problems: []string{},
	}
	for _, r := range m.Recipients {
		v.Recipients = append(v.Recipients, RecipientJSON{Address: r.Address, Channel: r.Channel.String(), Done: r.Done})
	}
	if next, ok := m.NextRetry(now); ok {
		s := RFC3339(next)
		v.NextRetry = &s
		v.NextRetryEstimated = estimated
	}
	if h := m.Header; h != nil {
		v.Headers = &HeadersJSON{Subject: h.Subject(), From: h.Get("From"), To: h.Get("To"), Cc: h.Get("Cc"),
			Date: h.Get("Date"), MessageID: h.Get("Message-Id")}
	}
	for _, p := range m.Problems {
		v.Problems = append(v.Problems, p.String())
	}
	return v
}

// ShowJSON extends the message schema with what only `qq show` reports.
type ShowJSON struct {
	MessageJSON
	BounceReport []BounceJSON       `json:"bounce_report"`
	AllHeaders   []HeaderFieldJSON  `json:"all_headers"`
	MIMEParts    []MIMEPartJSON     `json:"mime_parts"`
	MIMECut      bool               `json:"mime_truncated,omitempty"`
	Body         *string            `json:"body,omitempty"`
	LastAttempts *[]sendlog.Attempt `json:"last_attempts,omitempty"`
}

// BounceJSON is the bounce report for one recipient.
type BounceJSON struct {
	Recipient string `json:"recipient"`
	Text      string `json:"text"`
}

// HeaderFieldJSON is one header field, decoded.
type HeaderFieldJSON struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// MIMEPartJSON is one MIME part.
type MIMEPartJSON struct {
	Number      string `json:"number"`
	Depth       int    `json:"depth"`
	Type        string `json:"type"`
	Charset     string `json:"charset,omitempty"`
	Filename    string `json:"filename,omitempty"`
	Disposition string `json:"disposition,omitempty"`
	Encoding    string `json:"encoding,omitempty"`
	Size        int64  `json:"size"`
	Attachment  bool   `json:"attachment"`
}

// NewShowJSON converts a loaded message to qq show's JSON view.
func NewShowJSON(d *Detail, now time.Time, estimated bool) ShowJSON {
	m := d.Msg
	v := ShowJSON{MessageJSON: NewMessageJSON(m, d.Lifetime, now, estimated), BounceReport: []BounceJSON{},
		AllHeaders: []HeaderFieldJSON{}, MIMEParts: []MIMEPartJSON{}, Body: d.Body, LastAttempts: d.Attempts}
	for _, b := range d.Bounce {
		v.BounceReport = append(v.BounceReport, BounceJSON{Recipient: b.Recipient, Text: b.Text})
	}
	if m.Header != nil {
		for _, f := range m.Header.Fields() {
			v.AllHeaders = append(v.AllHeaders, HeaderFieldJSON{Name: f.Name, Value: f.Value})
		}
	}
	if m.MIME != nil {
		for _, p := range m.MIME.Parts {
			v.MIMEParts = append(v.MIMEParts, MIMEPartJSON{Number: p.Number, Depth: p.Depth, Type: p.Type, Charset: p.Charset,
				Filename: p.Filename, Disposition: p.Disposition, Encoding: p.Encoding, Size: p.Size, Attachment: p.IsAttachment()})
		}
		v.MIMECut = m.MIME.Truncated
	}
	return v
}
