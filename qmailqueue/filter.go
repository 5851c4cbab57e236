package qmailqueue

import (
	"errors"
	"io"
	"regexp"
	"strings"
	"time"
)

// DefaultBodyLimit bounds how many bytes of a body a body regex reads.
const DefaultBodyLimit = 1 << 20

// Filter is the one selection model every command shares (list, rm, expire,
// top). Every criterion that is set must hold (AND); within a list of
// values (several senders, say) one must match (OR). Not negates the whole
// result. The zero Filter selects every message.
type Filter struct {
	// IDs, when not empty, limits the selection to these messages.
	IDs map[uint64]bool
	// Senders and Recipients match whole addresses, ASCII case-insensitive
	// (qmail's own comparison, docs/queue.md §7.1). The null sender is "".
	Senders    []string
	Recipients []string
	// SenderDomains and RecipientDomains match the part after the last @,
	// case-insensitive; an entry starting with a dot (".example.com")
	// matches that domain and all its subdomains.
	SenderDomains    []string
	RecipientDomains []string
	// Match are regular expressions over the decoded header block
	// (Header.Text); all must match.
	Match []*regexp.Regexp
	// Headers are regular expressions over one named header's decoded
	// values; one of the values must match.
	Headers []HeaderMatch
	// Body is a regular expression over the decoded text of the body, of
	// which at most BodyLimit bytes are read. Reading bodies is costly, so it
	// is only ever done when asked for.
	Body      *regexp.Regexp
	BodyLimit int64
	// Attachment is a regular expression over the file names and media
	// types of a message's attachments ([Part.IsAttachment]); one must
	// match. The message is walked as a stream, at most PartsLimit bytes.
	Attachment *regexp.Regexp
	// Helo is a regular expression over the HELO name of the nearest
	// Received hop ([NthHop] 1: the peer that handed the message to this
	// host); a message without one does not match.
	Helo *regexp.Regexp
	// OlderThan and NewerThan select by age (now - birth); zero means unset.
	OlderThan, NewerThan time.Duration
	// Now is the clock for ages; zero means time.Now at the first call.
	Now time.Time
	// LargerThan and SmallerThan select by mess size in bytes; a negative
	// value means unset.
	LargerThan, SmallerThan int64
	// Channel selects messages with a pending recipient on that channel.
	Channel Channel
	// TodoOnly selects messages not yet preprocessed (state S4).
	TodoOnly bool
	// Bouncing selects messages whose bounce/ID exists.
	Bouncing bool
	// Not negates the whole filter.
	Not bool
}

// HeaderMatch is a regular expression over one header field's values.
type HeaderMatch struct {
	Name string
	Re   *regexp.Regexp
}

// NewFilter returns a filter that selects every message.
func NewFilter() *Filter { return &Filter{LargerThan: -1, SmallerThan: -1} }

// IsZero reports whether the filter selects every message.
func (f *Filter) IsZero() bool {
	return f == nil || (len(f.IDs) == 0 && len(f.Senders) == 0 && len(f.Recipients) == 0 &&
		len(f.SenderDomains) == 0 && len(f.RecipientDomains) == 0 && len(f.Match) == 0 &&
		len(f.Headers) == 0 && f.Body == nil && f.Attachment == nil && f.Helo == nil && f.OlderThan == 0 && f.NewerThan == 0 &&
		f.LargerThan < 0 && f.SmallerThan < 0 && f.Channel == ChannelUnknown && !f.TodoOnly &&
		!f.Bouncing && !f.Not)
}

// fields returns what the filter needs read from each message.
func (f *Filter) fields() Fields {
	var need Fields
	if len(f.Senders) > 0 || len(f.SenderDomains) > 0 || f.OlderThan != 0 || f.NewerThan != 0 {
		need |= FieldEnvelope
	}
	if len(f.Recipients) > 0 || len(f.RecipientDomains) > 0 || f.Channel != ChannelUnknown {
		need |= FieldRecipients
	}
	if f.LargerThan >= 0 || f.SmallerThan >= 0 {
		need |= FieldSize
	}
	return need
}

// needsHeader reports whether matching reads the header block.
func (f *Filter) needsHeader() bool { return len(f.Match) > 0 || len(f.Headers) > 0 || f.Helo != nil }

// preselect is the part of the filter decided by the ID alone, before any
// file is opened. With Not set nothing can be decided early.
func (f *Filter) preselect(id uint64) bool {
	if len(f.IDs) == 0 || f.Not {
		return true
	}
	return f.IDs[id]
}

// maxMatches returns how many messages the filter can select at most,
// when its IDs bound that (ok false otherwise): each ID names one message.
func (f *Filter) maxMatches() (n int, ok bool) {
	if f == nil || len(f.IDs) == 0 || f.Not {
		return 0, false
	}
	return len(f.IDs), true
}

// Matches reports whether m passes the filter, reading the header or body of
// its mess file from q only if a criterion needs it.
func (f *Filter) Matches(q *Queue, m *Message) (bool, error) {
	return f.match(m, func() {
		if m.Header == nil {
			h, err := q.ReadHeader(m.ID)
			if err != nil {
				h = &Header{}
				m.problem("mess", err.Error())
			}
			m.Header = h
		}
	}, func(int64) (io.ReadCloser, error) { return q.OpenMessage(m.ID, m.MessInode) })
}

// match evaluates the filter, cheapest criteria first, loading the header
// and the body only when an earlier criterion did not already decide.
func (f *Filter) match(m *Message, loadHeader func(), openBody func(limit int64) (io.ReadCloser, error)) (bool, error) {
	ok, err := f.matchAll(m, loadHeader, openBody)
	if err != nil {
		return false, err
	}
	return ok != f.Not, nil
}

func (f *Filter) matchAll(m *Message, loadHeader func(), openBody func(limit int64) (io.ReadCloser, error)) (bool, error) {
	if len(f.IDs) > 0 && !f.IDs[m.ID] {
		return false, nil
	}
	if f.TodoOnly && m.State != StateQueued {
		return false, nil
	}
	if f.Bouncing && !m.Bouncing {
		return false, nil
	}
	if f.LargerThan >= 0 && m.Size <= f.LargerThan {
		return false, nil
	}
	if f.SmallerThan >= 0 && m.Size >= f.SmallerThan {
		return false, nil
	}
	if f.OlderThan != 0 || f.NewerThan != 0 {
		now := f.Now
		if now.IsZero() {
			now = time.Now()
		}
		age := now.Sub(m.Birth)
		if f.OlderThan != 0 && age <= f.OlderThan {
			return false, nil
		}
		if f.NewerThan != 0 && age >= f.NewerThan {
			return false, nil
		}
	}
	if len(f.Senders) > 0 && !anyEqualFold(f.Senders, m.Sender) {
		return false, nil
	}
	if len(f.SenderDomains) > 0 && !domainMatches(f.SenderDomains, m.Sender) {
		return false, nil
	}
	if f.Channel != ChannelUnknown && !m.PendingOn(f.Channel) {
		return false, nil
	}
	if len(f.Recipients) > 0 || len(f.RecipientDomains) > 0 {
		found := false
		for _, r := range m.Recipients {
			if (len(f.Recipients) == 0 || anyEqualFold(f.Recipients, r.Address)) &&
				(len(f.RecipientDomains) == 0 || domainMatches(f.RecipientDomains, r.Address)) {
				found = true
				break
			}
		}
		if !found {
			return false, nil
		}
	}
	if f.needsHeader() {
		loadHeader()
		if len(f.Match) > 0 {
			text := m.Header.Text()
			for _, re := range f.Match {
				if !re.MatchString(text) {
					return false, nil
				}
			}
		}
		for _, hm := range f.Headers {
			found := false
			for _, v := range m.Header.Values(hm.Name) {
				if hm.Re.MatchString(v) {
					found = true
					break
				}
			}
			if !found {
				return false, nil
			}
		}
		if f.Helo != nil {
			if hop, ok := NthHop(m.Header, 1); !ok || !f.Helo.MatchString(hop.Helo) {
				return false, nil
			}
		}
	}
	if f.Body != nil {
		limit := f.BodyLimit
		if limit <= 0 {
			limit = DefaultBodyLimit
		}
		var text string
		if !readMess(m, openBody, limit, "body", func(r io.Reader) (err error) {
			text, err = BodyText(r, limit)
			return err
		}) || !f.Body.MatchString(text) {
			return false, nil
		}
	}
	if f.Attachment != nil {
		var s *MIMEStructure
		if !readMess(m, openBody, PartsLimit, "attachments", func(r io.Reader) (err error) {
			s, err = Parts(r, PartsLimit)
			return err
		}) || !s.HasAttachment(f.Attachment) {
			return false, nil
		}
	}
	return true, nil
}

// AddressArg returns the envelope address a user means by s on a command
// line: qq prints addresses as qmail does, the sender in angle brackets and
// the null sender as <>, so "<addr>" stands for addr, and "<>", "" and a
// quoted empty string ("\"\"", as typed to a shell that keeps the quotes)
// all stand for the null sender "". Anything else is taken as it is.
func AddressArg(s string) string {
	if s == `""` {
		return ""
	}
	if len(s) >= 2 && s[0] == '<' && s[len(s)-1] == '>' {
		return s[1 : len(s)-1]
	}
	return s
}

// readMess opens a message file through openBody and runs read over it. A
// file that cannot be opened or read leaves a problem on m (what names the
// criterion) and reports false: the message is not selected.
func readMess(m *Message, openBody func(limit int64) (io.ReadCloser, error), limit int64, what string, read func(io.Reader) error) bool {
	rc, err := openBody(limit)
	if err != nil {
		if !errors.Is(err, io.EOF) {
			m.problem("mess", what+": "+err.Error())
		}
		return false
	}
	defer rc.Close()
	if err := read(rc); err != nil {
		m.problem("mess", what+": "+err.Error())
		return false
	}
	return true
}

func anyEqualFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

// domainMatches reports whether the domain of addr (after its last @) is one
// of domains; an entry starting with "." matches that domain and any
// subdomain of it.
func domainMatches(domains []string, addr string) bool {
	i := strings.LastIndexByte(addr, '@')
	if i < 0 {
		return false
	}
	dom := addr[i+1:]
	for _, d := range domains {
		if strings.EqualFold(d, dom) || (strings.HasPrefix(d, ".") && strings.EqualFold(d[1:], dom)) {
			return true
		}
		if strings.HasPrefix(d, ".") && len(dom) > len(d) && strings.EqualFold(dom[len(dom)-len(d):], d) {
			return true
		}
	}
	return false
}

// MaxBodyRead bounds what qq show --body reads of a mess file: the header
// block and the body, 16 MiB in all, so that the decoded text it holds
// stays bounded. Text parts past it are not shown. Body regular expressions
// read less (Filter.BodyLimit, DefaultBodyLimit by default).
const MaxBodyRead = 16 << 20
