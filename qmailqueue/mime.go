package qmailqueue

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime/multipart"
	"net/textproto"
	"path"
	"regexp"
	"strconv"
	"strings"
	"syscall"

	message "github.com/emersion/go-message"
	mtextproto "github.com/emersion/go-message/textproto"
)

// Limits of a MIME walk. Mail comes from anyone, so a walk stops at these
// rather than follow a crafted message wherever it leads; what was walked
// so far is kept and the structure is marked truncated.
const (
	// MaxMIMEDepth is how deeply multipart entities are descended into;
	// a deeper multipart is listed as one opaque part.
	MaxMIMEDepth = 16
	// MaxMIMEParts is how many parts a walk visits.
	MaxMIMEParts = 1000
	// PartsLimit is how many bytes of a message (header and body) are read
	// to list its parts: enough to walk past large attachments, read as a
	// stream in constant memory.
	PartsLimit = 64 << 20
)

// Part is one MIME entity of a message, as qq show lists it and as
// --attachment selects it.
type Part struct {
	// Number is the part's IMAP section number: "1" for the body of a
	// single-part message, "1", "2", "2.1", … for the parts of a
	// multipart one. The message's own multipart container is "".
	Number string
	// Depth is how many multipart containers enclose the part.
	Depth int
	// Type is the media type in lower case ("text/plain" when the part
	// names none or a malformed one, as RFC 2045 says).
	Type string
	// Charset is the charset parameter of a text part, as given.
	Charset string
	// Filename is the decoded file name, from Content-Disposition's
	// filename or else Content-Type's name parameter.
	Filename string
	// Disposition is Content-Disposition's value in lower case
	// ("attachment", "inline") or "".
	Disposition string
	// Encoding is Content-Transfer-Encoding in lower case, or "".
	Encoding string
	// Size is the decoded size in bytes; for a multipart container, the
	// size of its raw body.
	Size int64
	// Multipart is true for a multipart container (its parts follow it).
	Multipart bool
}

// IsAttachment reports whether the part is what a mail client shows as an
// attachment: a leaf part with Content-Disposition attachment, a file
// name, or content other than text (an inline image, a forwarded message,
// an executable sent without a name). The text parts of the message itself
// are not.
func (p Part) IsAttachment() bool {
	return !p.Multipart && (p.Disposition == "attachment" || p.Filename != "" || !strings.HasPrefix(p.Type, "text/"))
}

// Extension returns the lower-cased extension of the part's file name
// (".zip"), or "".
func (p Part) Extension() string {
	return strings.ToLower(path.Ext(p.Filename))
}

// MIMEStructure is the result of listing a message's parts.
type MIMEStructure struct {
	Parts []Part
	// Truncated is set when the walk stopped at one of the limits
	// (MaxMIMEDepth, MaxMIMEParts, the byte limit) or at malformed
	// multipart framing; Parts holds what came before.
	Truncated bool
	// Note says why the walk stopped early, if it did.
	Note string
}

// HasAttachment reports whether an attachment's file name or media type
// matches re.
func (s *MIMEStructure) HasAttachment(re *regexp.Regexp) bool {
	for _, p := range s.Parts {
		if p.IsAttachment() && (re.MatchString(p.Type) || (p.Filename != "" && re.MatchString(p.Filename))) {
			return true
		}
	}
	return false
}

// Attachments returns the parts that are attachments.
func (s *MIMEStructure) Attachments() []Part {
	var out []Part
	for _, p := range s.Parts {
		if p.IsAttachment() {
			out = append(out, p)
		}
	}
	return out
}

// PartVisitor is called by [WalkMIME] for every entity in document order.
// body is the part's decoded content (transfer encoding undone, text parts
// converted to UTF-8 from their charset) and is nil for a multipart
// container; it is valid only during the call. Size is not yet known when
// the visitor runs. Returning [ErrStopWalk] ends the walk without error.
type PartVisitor func(p *Part, body io.Reader) error

// ErrStopWalk, returned by a [PartVisitor], ends the walk early; WalkMIME
// then returns nil.
var ErrStopWalk = errors.New("stop walk")

// WalkMIME reads a message (header block and body) from r, at most limit
// bytes, and calls visit for each MIME entity. Decoding is go-message's
// (transfer encodings, charsets); the multipart framing is split with the
// standard library's mime/multipart, whose reader caps the size and the
// number of each part's header fields, so that a crafted part header
// cannot take memory without bound. The top-level header is read up to
// HeaderLimit. Limits reached and malformed framing end the walk with a
// truncated structure, not an error; errors are I/O errors and a
// top-level header that cannot be read.
func WalkMIME(r io.Reader, limit int64, visit PartVisitor) (*MIMEStructure, error) {
	if limit <= 0 {
		limit = PartsLimit
	}
	ent, err := message.ReadWithOptions(io.LimitReader(r, limit), &message.ReadOptions{MaxHeaderBytes: HeaderLimit})
	if err != nil && ent == nil {
		return nil, fmt.Errorf("message header: %w", err)
	}
	w := &mimeWalker{visit: visit, s: &MIMEStructure{}}
	err = w.entity(ent.Header, ent.Body, "", 0, true)
	if errors.Is(err, ErrStopWalk) {
		err = nil
	}
	return w.s, err
}

// Parts lists the MIME structure of the message read from r, reading at
// most limit bytes (PartsLimit when limit is not positive).
func Parts(r io.Reader, limit int64) (*MIMEStructure, error) {
	return WalkMIME(r, limit, nil)
}

// ExtractPart writes the decoded content of part number (as [Part.Number]
// gives it) of the message read from r to w, and returns the part. It
// returns an error naming the part when there is no such part or it is a
// multipart container. Errors writing to w are returned as they are.
func ExtractPart(r io.Reader, number string, w io.Writer) (Part, error) {
	var found *Part
	var copyErr error
	_, err := WalkMIME(r, -1, func(p *Part, body io.Reader) error {
		if p.Number != number {
			return nil
		}
		if p.Multipart {
			return fmt.Errorf("part %s is a %s container: name one of its parts", number, p.Type)
		}
		found = p
		ww := &writeErrRecorder{w: w}
		var err error
		p.Size, err = io.Copy(ww, body)
		switch {
		case ww.err != nil:
			copyErr = ww.err
		case isIOError(err):
			copyErr = err
		}
		// Content that stops decoding ends the part there, as in the
		// listing.
		return ErrStopWalk
	})
	if err != nil {
		return Part{}, err
	}
	if copyErr != nil {
		return *found, copyErr
	}
	if found == nil {
		return Part{}, fmt.Errorf("no part %s", number)
	}
	return *found, nil
}

// mimeWalker carries the state of one walk.
type mimeWalker struct {
	visit PartVisitor
	s     *MIMEStructure
}

// truncate marks the structure cut short, keeping the first reason.
func (w *mimeWalker) truncate(note string) {
	if !w.s.Truncated {
		w.s.Truncated, w.s.Note = true, note
	}
}

// entity visits one entity whose header is h and whose raw (still
// transfer-encoded) body is raw, then its parts if it is a multipart.
// decoded says raw is already decoded by message.ReadWithOptions (the
// top-level entity).
func (w *mimeWalker) entity(h message.Header, raw io.Reader, number string, depth int, decoded bool) error {
	if len(w.s.Parts) >= MaxMIMEParts {
		w.truncate(fmt.Sprintf("more than %d parts", MaxMIMEParts))
		return ErrStopWalk
	}
	p := describePart(h)
	p.Depth = depth
	multi := strings.HasPrefix(p.Type, "multipart/")
	boundary := ""
	if multi {
		_, params, _ := h.ContentType()
		boundary = params["boundary"]
	}
	p.Multipart = multi && boundary != "" && depth < MaxMIMEDepth
	if multi && boundary != "" && depth >= MaxMIMEDepth {
		w.truncate(fmt.Sprintf("multipart nested deeper than %d", MaxMIMEDepth))
	}
	if number == "" && !p.Multipart {
		number = "1" // the body of a single-part message is section 1
	}
	p.Number = number

	var body io.Reader // the decoded content of a leaf part
	if !p.Multipart {
		body = raw
		if !decoded {
			// go-message undoes the transfer encoding and converts text to
			// UTF-8; with an unknown encoding or charset it says so and
			// still returns a readable entity, of the content as it is.
			if ent, _ := message.New(h, raw); ent != nil {
				body = ent.Body
			}
		}
	}

	idx := len(w.s.Parts)
	w.s.Parts = append(w.s.Parts, p)
	if w.visit != nil {
		// The pointer is valid for the call: nothing is appended meanwhile.
		if err := w.visit(&w.s.Parts[idx], body); err != nil {
			return err
		}
	}
	if !p.Multipart {
		counted := &countingReader{r: body}
		_, err := io.Copy(io.Discard, counted)
		w.s.Parts[idx].Size += counted.n
		if isIOError(err) {
			return err
		}
		// Anything else is content that stops decoding (bad base64, a
		// cut-off stream): the part ends there.
		return nil
	}

	counted := &countingReader{r: raw}
	mr := multipart.NewReader(counted, boundary)
	for i := 1; ; i++ {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			// Truncated or malformed framing, or a part header over the
			// standard library's caps: what was walked stays.
			label := number
			if label == "" {
				label = "(the message)"
			}
			w.truncate("multipart " + label + ": " + err.Error())
			break
		}
		child := strconv.Itoa(i)
		if number != "" {
			child = number + "." + child
		}
		err = w.entity(message.Header{Header: fromMIMEHeader(part.Header)}, part, child, depth+1, false)
		part.Close()
		if err != nil {
			w.s.Parts[idx].Size = counted.n
			return err
		}
	}
	// Drain the epilogue so the container's size is its whole raw body.
	_, err := io.Copy(io.Discard, counted)
	w.s.Parts[idx].Size = counted.n
	if isIOError(err) {
		return err
	}
	return nil
}

// describePart reads type, charset, file name, disposition and encoding
// from a part's header. Malformed values fall back as RFC 2045 says: no
// or a bad Content-Type is text/plain.
func describePart(h message.Header) Part {
	p := Part{Type: "text/plain"}
	if mt, params, err := h.ContentType(); err == nil && mt != "" {
		p.Type = strings.ToLower(mt)
		p.Charset = params["charset"]
		p.Filename = decodeWords(params["name"])
	} else if v := h.Get("Content-Type"); v != "" {
		// Malformed parameters: keep the type when it is a well-formed
		// one (malware often comes with sloppy headers, and its type is
		// what an admin looks for); anything else is text/plain.
		if t, _, _ := strings.Cut(v, ";"); mediaTypeRE.MatchString(strings.TrimSpace(t)) {
			p.Type = strings.ToLower(strings.TrimSpace(t))
		}
	}
	if disp, params, err := h.ContentDisposition(); err == nil {
		p.Disposition = strings.ToLower(disp)
		if fn := params["filename"]; fn != "" {
			p.Filename = decodeWords(fn)
		}
	}
	p.Encoding = strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	return p
}

// mediaTypeRE matches a well-formed media type, type/subtype of RFC 2045
// tokens.
var mediaTypeRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]*$`)

// fromMIMEHeader converts a header read by mime/multipart into go-message's
// form. Field order within one name is kept; across names it is not, which
// nothing here depends on.
func fromMIMEHeader(mh textproto.MIMEHeader) mtextproto.Header {
	var h mtextproto.Header
	for k, vs := range mh {
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	return h
}

// isIOError reports whether err comes from reading the file itself (a
// system call's error), rather than from content that does not decode.
func isIOError(err error) bool {
	var errno syscall.Errno
	var pathErr *fs.PathError
	return errors.As(err, &errno) || errors.As(err, &pathErr)
}

// writeErrRecorder keeps the first error of its writer, so that a copy
// can tell write errors from read errors.
type writeErrRecorder struct {
	w   io.Writer
	err error
}

func (r *writeErrRecorder) Write(p []byte) (int, error) {
	n, err := r.w.Write(p)
	if err != nil && r.err == nil {
		r.err = err
	}
	return n, err
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	k, err := c.r.Read(p)
	c.n += int64(k)
	return k, err
}

// BodyText reads a message (header and body) from r and returns the decoded
// text of its body: every text part (and message/* part) in document
// order, transfer encodings undone and charsets converted to UTF-8, each
// followed by a newline. At most limit bytes of body are read.
func BodyText(r io.Reader, limit int64) (string, error) {
	var b strings.Builder
	_, err := WalkMIME(r, HeaderLimit+limit, func(p *Part, body io.Reader) error {
		if p.Multipart || !(strings.HasPrefix(p.Type, "text/") || strings.HasPrefix(p.Type, "message/")) {
			return nil
		}
		n, err := io.Copy(&b, body)
		p.Size = n
		if isIOError(err) {
			return err
		}
		if n > 0 {
			b.WriteByte('\n')
		}
		return nil
	})
	return b.String(), err
}

// readParts fills m.MIME from the message file; a file that cannot be read
// leaves an empty structure and a problem on the message.
func (r *reader) readParts(m *Message, d *splitDirs, name string) {
	m.MIME = &MIMEStructure{}
	file := "mess/" + strconv.Itoa(d.n) + "/" + name
	if m.refused(file) {
		return
	}
	f, err := r.openMess(m, d, name)
	if err != nil {
		m.ioProblem(file, err)
		return
	}
	defer f.Close()
	s, err := Parts(f, PartsLimit)
	if err != nil {
		m.problem("mess/"+strconv.Itoa(d.n)+"/"+name, "MIME structure: "+err.Error())
		return
	}
	m.MIME = s
}
