package qmailqueue

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
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
	// (qmail's own comparison, spec §7.1). The null sender is "".
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
		len(f.Headers) == 0 && f.Body == nil && f.OlderThan == 0 && f.NewerThan == 0 &&
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
func (f *Filter) needsHeader() bool { return len(f.Match) > 0 || len(f.Headers) > 0 }

// preselect is the part of the filter decided by the ID alone, before any
// file is opened. With Not set nothing can be decided early.
func (f *Filter) preselect(id uint64) bool {
	if len(f.IDs) == 0 || f.Not {
		return true
	}
	return f.IDs[id]
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
	}
	if f.Body != nil {
		limit := f.BodyLimit
		if limit <= 0 {
			limit = DefaultBodyLimit
		}
		rc, err := openBody(limit)
		if err != nil {
			if errors.Is(err, io.EOF) {
				return false, nil
			}
			m.problem("mess", "body: "+err.Error())
			return false, nil
		}
		text, err := BodyText(rc, limit)
		rc.Close()
		if err != nil {
			m.problem("mess", "body: "+err.Error())
			return false, nil
		}
		if !f.Body.MatchString(text) {
			return false, nil
		}
	}
	return true, nil
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
// block (of which HeaderLimit bytes are kept) and the body, 16 MiB in all.
// Text parts past it are not shown. Body regular expressions read less
// (Filter.BodyLimit, DefaultBodyLimit by default).
const MaxBodyRead = 16 << 20

// BodyText reads a message (header and body) from r and returns the decoded
// text of its body: text parts of a multipart message, with
// quoted-printable and base64 undone. At most HeaderLimit+limit bytes are
// read; of the header block only its first HeaderLimit bytes are parsed
// (the rest is skipped, within that budget), so memory and time stay bounded
// whatever the message holds.
func BodyText(r io.Reader, limit int64) (string, error) {
	br := bufio.NewReaderSize(io.LimitReader(r, HeaderLimit+limit), 32<<10)
	block, err := readHeaderBlock(br)
	if err != nil {
		return "", err
	}
	h, err := readHeader(bufio.NewReader(bytes.NewReader(block)))
	if err != nil {
		return "", err
	}
	var b strings.Builder
	err = appendText(&b, h.Get("Content-Type"), h.Get("Content-Transfer-Encoding"), br, 0)
	return b.String(), err
}

// readHeaderBlock reads the header block from br up to and including the
// blank line that ends it, and returns its first HeaderLimit bytes (cut
// after the last whole line, and ended by a blank line), leaving br at the
// start of the body. Lines of any length are read in pieces, never whole.
func readHeaderBlock(br *bufio.Reader) ([]byte, error) {
	var block []byte
	full := false // block holds HeaderLimit bytes: the rest is skipped
	lineStart := true
	for {
		piece, err := br.ReadSlice('\n')
		if len(piece) > 0 {
			end := lineStart && (string(piece) == "\n" || string(piece) == "\r\n")
			if !full {
				if len(block)+len(piece) <= HeaderLimit {
					block = append(block, piece...)
				} else {
					full = true
					if i := bytes.LastIndexByte(block, '\n'); i >= 0 {
						block = block[:i+1]
					} else {
						block = block[:0]
					}
				}
			}
			if end {
				break
			}
			lineStart = piece[len(piece)-1] == '\n'
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if full || !bytes.HasSuffix(block, []byte("\n\n")) && !bytes.HasSuffix(block, []byte("\r\n\r\n")) {
		if len(block) > 0 && block[len(block)-1] != '\n' {
			block = append(block, '\n')
		}
		block = append(block, '\n')
	}
	return block, nil
}

// appendText decodes one MIME entity's body into b: text/* parts are
// decoded; multipart bodies are walked (nested up to a small depth); other
// parts are skipped.
func appendText(b *strings.Builder, contentType, encoding string, body io.Reader, depth int) error {
	mediaType, params, err := mime.ParseMediaType(contentType)
	if contentType == "" || err != nil {
		mediaType = "text/plain"
	}
	switch {
	case strings.HasPrefix(mediaType, "multipart/") && params["boundary"] != "" && depth < 8:
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err != nil {
				// A truncated or malformed multipart ends the walk; what was
				// decoded so far stays.
				return nil
			}
			if err := appendText(b, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p, depth+1); err != nil {
				return err
			}
		}
	case strings.HasPrefix(mediaType, "text/") || strings.HasPrefix(mediaType, "message/"):
		var r io.Reader = body
		switch strings.ToLower(strings.TrimSpace(encoding)) {
		case "quoted-printable":
			r = quotedprintable.NewReader(body)
		case "base64":
			r = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
		}
		if cs := params["charset"]; cs != "" && !strings.EqualFold(cs, "utf-8") && !strings.EqualFold(cs, "us-ascii") {
			if cr, err := wordDecoder.CharsetReader(cs, r); err == nil {
				r = cr
			}
		}
		data, err := io.ReadAll(r)
		b.Write(data)
		if err != nil && len(data) == 0 {
			// Undecodable content is kept raw rather than dropped.
			return nil
		}
		b.WriteByte('\n')
	}
	return nil
}

// newlineStripper drops CR and LF so base64 lines decode as one stream.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}
