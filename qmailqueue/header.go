package qmailqueue

import (
	"bufio"
	"errors"
	"io"
	"mime"
	"os"
	"strings"

	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
)

// HeaderLimit bounds how much of a mess file is read for its header block.
// A longer header is cut there and marked truncated.
const HeaderLimit = 64 << 10

// Header is a message's header block, read from the start of its mess file
// (qmail-queue's own Received line first). Values are unfolded and RFC 2047
// encoded words are decoded to UTF-8 from their charsets.
type Header struct {
	fields    []HeaderField
	Truncated bool   // the block was longer than HeaderLimit
	Malformed string // why parsing stopped early, if it did
}

// HeaderField is one decoded header field, in file order.
type HeaderField struct {
	Name  string // canonical form, e.g. "Message-Id"
	Value string // unfolded and decoded
}

// wordDecoder decodes RFC 2047 words in any charset go-message knows.
var wordDecoder = &mime.WordDecoder{CharsetReader: charset.Reader}

// decodeWords decodes RFC 2047 encoded words; a value that does not decode
// is returned as it is rather than dropped.
func decodeWords(v string) string {
	if !strings.Contains(v, "=?") {
		return v
	}
	if d, err := wordDecoder.DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// ParseHeader reads a header block from r, at most HeaderLimit bytes. It
// never fails on malformed input: what could be parsed is returned and the
// reason is kept in Malformed. Errors are I/O errors only.
func ParseHeader(r io.Reader) (*Header, error) {
	lr := &io.LimitedReader{R: r, N: HeaderLimit}
	h, err := readHeader(bufio.NewReaderSize(lr, 4096))
	if h != nil && lr.N == 0 {
		h.Truncated, h.Malformed = true, ""
	}
	return h, err
}

// readHeader parses the header block from br and leaves br at the start of
// the body.
func readHeader(br *bufio.Reader) (*Header, error) {
	th, err := textproto.ReadHeader(br)
	h := &Header{}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return nil, err
		}
		if err != io.EOF && !errors.Is(err, io.ErrUnexpectedEOF) {
			h.Malformed = err.Error()
		}
	}
	fields := th.Fields()
	for fields.Next() {
		h.fields = append(h.fields, HeaderField{Name: fields.Key(), Value: decodeWords(fields.Value())})
	}
	return h, nil
}

// Fields returns every field in file order.
func (h *Header) Fields() []HeaderField { return h.fields }

// Get returns the first field named name (case-insensitive), decoded, or "".
func (h *Header) Get(name string) string {
	for _, f := range h.fields {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns every field named name (case-insensitive), decoded.
func (h *Header) Values(name string) []string {
	var vs []string
	for _, f := range h.fields {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// Subject returns the decoded Subject.
func (h *Header) Subject() string { return h.Get("Subject") }

// Text returns the decoded header block, one "Name: value" line per field.
// Header regular expressions (--match) run over this text.
func (h *Header) Text() string {
	var b strings.Builder
	for _, f := range h.fields {
		b.WriteString(f.Name)
		b.WriteString(": ")
		b.WriteString(f.Value)
		b.WriteByte('\n')
	}
	return b.String()
}

// ReadHeader reads the header block of message id from its mess file,
// opened as OpenMessage does.
func (q *Queue) ReadHeader(id uint64) (*Header, error) {
	f, err := q.OpenMessage(id, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ParseHeader(f)
}

// OpenMessage opens the mess file of message id for reading, for callers
// that print the raw message or read its body, with OpenQueueFile: a link,
// FIFO or other non-regular file, a file with extra hard links, or (when
// wantIno is not 0) another inode than wantIno (Message.MessInode) gives an
// *UnsafeFileError and is not read.
func (q *Queue) OpenMessage(id, wantIno uint64) (*os.File, error) {
	return OpenQueueFile(q.Path("mess", id), wantIno, MaxLinks)
}
